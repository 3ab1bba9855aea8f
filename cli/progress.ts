// train.ts's console output: one line per epoch, and on a terminal a
// progress bar on stderr that the epoch lines and the end erase.

import type { EpochRecord } from "../net/trainer.ts";

/** Where progress goes: lines to stdout, the bar to a terminal's stderr. */
export class Progress {
  #bar: boolean;
  #quiet: boolean;
  #total: number;
  #encoder = new TextEncoder();

  /** Progress of `total` iterations; nothing but the end with `quiet`. */
  constructor(total: number, quiet: boolean) {
    this.#total = total;
    this.#quiet = quiet;
    this.#bar = !quiet && Deno.stderr.isTerminal();
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

  /** After iteration i (from 0): the bar, every 20 iterations and at the end. */
  iteration(i: number, loss: number): void {
    if (!this.#bar || (i % 20 !== 0 && i !== this.#total - 1)) return;
    const done = Math.round(((i + 1) / this.#total) * 30);
    Deno.stderr.writeSync(this.#encoder.encode(
      `\r[${"#".repeat(done)}${".".repeat(30 - done)}] ${
        i + 1
      }/${this.#total}  loss ${loss.toFixed(4)}`,
    ));
  }

  /** Clears the bar (before an error or the final line). */
  end(): void {
    this.#erase();
  }

  #erase(): void {
    if (this.#bar) Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
  }
}
