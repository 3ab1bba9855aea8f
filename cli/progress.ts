// train.ts's console output: one line per epoch, and on a terminal @std/cli's
// progress bar on stderr (elapsed time, iterations, the last loss, an ETA),
// which the epoch lines and the end erase.

import { ProgressBar } from "@std/cli/unstable-progress-bar";
import type { EpochRecord } from "../net/trainer.ts";

/** Where progress goes: lines to stdout, the bar to a terminal's stderr. */
export class Progress {
  #bar?: ProgressBar;
  #quiet: boolean;
  #loss = NaN;
  #encoder = new TextEncoder();

  /**
   * Progress of `total` iterations, `done` of them done before (a resumed
   * run); nothing but the end with `quiet`.
   */
  constructor(total: number, quiet: boolean, done = 0) {
    this.#quiet = quiet;
    if (!quiet && Deno.stderr.isTerminal()) {
      this.#bar = new ProgressBar({
        max: total,
        value: done,
        barLength: 30,
        clear: true,
        interval: 250,
        formatter: (f) =>
          `[${f.styledTime}] [${f.progressBar}] ${f.value}/${f.max}  loss ${
            f.value === 0 ? "-" : this.#loss.toFixed(4)
          }  ETA ${eta(f.time, f.value - done, f.max - done)}`,
      });
    }
  }

  /** A line of its own (the header, an epoch), above the bar. */
  line(text: string): void {
    if (this.#quiet) return;
    this.#erase();
    console.log(text);
  }

  /** The epoch line: accuracies, the last loss, the seconds so far. */
  epoch(record: EpochRecord, epochs: number, loss: number, seconds: number) {
    this.line(
      `epoch ${String(record.epoch).padStart(2)}/${epochs}  iter ${
        String(record.iter).padStart(6)
      }  train acc ${record.trainAcc.toFixed(4)}  test acc ${
        record.testAcc.toFixed(4)
      }  loss ${loss.toFixed(4)}  ${seconds.toFixed(1)} s`,
    );
  }

  /** After iteration i (from 0) with its loss: the bar moves on. */
  iteration(i: number, loss: number): void {
    this.#loss = loss;
    if (this.#bar) this.#bar.value = i + 1;
  }

  /** Stops and clears the bar (before an error or the final line). */
  async end(): Promise<void> {
    await this.#bar?.stop();
    this.#bar = undefined;
  }

  #erase(): void {
    if (this.#bar) Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}

/** The time left at the pace so far, as m:ss ("--:--" before the first). */
function eta(ms: number, done: number, total: number): string {
  if (done === 0) return "--:--";
  const s = Math.round((ms / done) * (total - done) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
