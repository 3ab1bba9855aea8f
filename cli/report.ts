// The files of train.ts: checked before a run (read and written), and
// written after it: the JSON report, the SVG plot, the saved net (each
// atomically).

import type { Network } from "../net/mod.ts";
import type { EpochRecord } from "../net/trainer.ts";
import { trainingPlot } from "../io/mod.ts";
import { saveNetFile, writeFileAtomic } from "../data/mod.ts";
import { type Config, UsageError } from "./flags.ts";

/** One evaluation as the report keeps it: with the wall time it came at. */
export type TimedEpoch = EpochRecord & { seconds: number };

/** What a finished run writes, where the flags ask for it. */
export interface Outputs {
  /** --save: the trained net. */
  save?: string;
  /** --plot: the loss and accuracy curves. */
  plot?: string;
  /** --json: the report. */
  json?: string;
}

/** Writes the net, the plot and the report that `outputs` names. */
export async function writeOutputs(
  outputs: Outputs,
  net: Network,
  run: {
    title: string;
    lossHistory: number[];
    history: TimedEpoch[];
    config: Record<string, unknown>;
    final: { trainAcc: number; testAcc: number };
    wallSeconds: number;
  },
): Promise<void> {
  if (outputs.save !== undefined) await saveNetFile(outputs.save, net);
  if (outputs.plot !== undefined) {
    const svg = trainingPlot({
      loss: run.lossHistory,
      epochs: run.history,
      title: `${run.title}: test accuracy ${run.final.testAcc.toFixed(4)}`,
    });
    await writeFileAtomic(outputs.plot, svg);
  }
  if (outputs.json !== undefined) {
    const { lossHistory, history, config, final, wallSeconds } = run;
    const report = {
      config,
      history,
      lossHistory,
      final: { ...final, loss: lossHistory[lossHistory.length - 1] },
      wallSeconds,
    };
    await writeFileAtomic(outputs.json, JSON.stringify(report) + "\n");
  }
}

/**
 * Throws a UsageError unless the folder and file the run will read
 * (--data-dir, --load) are there, and every file it will write (--save,
 * --plot, --json) can be written: its folder exists and takes a new file,
 * and the path is not a folder.
 */
export async function checkFiles(config: Config): Promise<void> {
  if (config.dataDir !== undefined) {
    const stat = await Deno.stat(config.dataDir).catch(() => undefined);
    if (!stat?.isDirectory) {
      throw new UsageError(`--data-dir ${config.dataDir}: no such directory`);
    }
  }
  if (config.load !== undefined) {
    const stat = await Deno.stat(config.load).catch(() => undefined);
    if (!stat?.isFile) {
      throw new UsageError(`--load ${config.load}: no such file`);
    }
  }
  for (
    const [flag, path] of [
      ["--save", config.save],
      ["--plot", config.plot],
      ["--json", config.json],
    ] as const
  ) {
    if (path === undefined) continue;
    const stat = await Deno.stat(path).catch(() => undefined);
    if (stat?.isDirectory) {
      throw new UsageError(`${flag} ${path}: is a folder, not a file`);
    }
    const dir = path.includes("/")
      ? path.slice(0, path.lastIndexOf("/")) || "/"
      : ".";
    const dirStat = await Deno.stat(dir).catch(() => undefined);
    if (!dirStat?.isDirectory) {
      throw new UsageError(`${flag} ${path}: no such folder ${dir}`);
    }
    try {
      await Deno.remove(
        await Deno.makeTempFile({ dir, prefix: ".dlfs-check-" }),
      );
    } catch (e) {
      throw new UsageError(
        `${flag} ${path}: cannot write in ${dir} (${(e as Error).message})`,
      );
    }
  }
}
