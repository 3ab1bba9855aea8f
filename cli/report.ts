// The files of train.ts: checked before a run (read and written), and
// written after it: the JSON report, the SVG plot, the saved net (each
// atomically).

import type { Network } from "../net/mod.ts";
import type { EpochRecord } from "../net/trainer.ts";
import { type SaveNetOptions, trainingPlot } from "../io/mod.ts";
import { saveNetFile, writeFileAtomic } from "../data/mod.ts";
import { dirname, resolve } from "@std/path";
import { type Config, notCapable, UsageError } from "./flags.ts";

/**
 * One evaluation as the report keeps it: with the wall time it came at
 * (null for the evaluations of a resumed run made before it was saved).
 */
export type TimedEpoch = EpochRecord & { seconds: number | null };

/** What a finished run writes, where the flags ask for it. */
export interface Outputs {
  /** --save: the trained net. */
  save?: string;
  /** --plot: the loss and accuracy curves. */
  plot?: string;
  /** --json: the report. */
  json?: string;
}

/**
 * Writes the net (with `save`'s options: the run's state), the plot and the
 * report that `outputs` names.
 */
export async function writeOutputs(
  outputs: Outputs,
  net: Network,
  save: SaveNetOptions,
  run: {
    title: string;
    lossHistory: number[];
    history: TimedEpoch[];
    config: Record<string, unknown>;
    final: { trainAcc: number; testAcc: number };
    wallSeconds: number;
  },
): Promise<void> {
  if (outputs.save !== undefined) await saveNetFile(outputs.save, net, save);
  if (outputs.plot !== undefined) {
    const svg = trainingPlot({
      loss: run.lossHistory,
      epochs: run.history,
      title: run.title,
      final: { iter: run.lossHistory.length, ...run.final },
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
 * Throws a UsageError unless the folder and files the run will read
 * (--data-dir, --load or --resume) are there, and every file it will write
 * (--save, --plot, --json) can be written: its folder exists and takes a new
 * file, the path is not a folder, and no two outputs are one file.
 */
export async function checkFiles(config: Config): Promise<void> {
  if (config.dataDir !== undefined) {
    const stat = await statOf("--data-dir", config.dataDir);
    if (!stat?.isDirectory) {
      throw new UsageError(
        `--data-dir ${config.dataDir}: ${
          stat ? "is a file, not a directory" : "no such directory"
        }`,
      );
    }
  }
  const [flag, input] = config.resume !== undefined
    ? ["--resume", config.resume]
    : ["--load", config.load];
  if (input !== undefined) await checkInput(flag, input);
  const outputs = [
    // --resume FILE saves back to FILE unless --save says otherwise.
    [config.save === config.resume ? "--resume" : "--save", config.save],
    ["--plot", config.plot],
    ["--json", config.json],
  ] as const;
  const seen = new Map<string, string>();
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    const other = seen.get(resolve(path));
    if (other !== undefined) {
      throw new UsageError(
        `${other} and ${flag} name one file, ${path}: each output needs its own (the second would overwrite the first)`,
      );
    }
    seen.set(resolve(path), flag);
  }
  for (const [flag, path] of outputs) {
    if (path !== undefined) await checkOutput(flag, path);
  }
}

/** Throws a UsageError unless `path`, named by `flag`, is a file. */
export async function checkInput(flag: string, path: string): Promise<void> {
  const stat = await statOf(flag, path);
  if (!stat?.isFile) {
    throw new UsageError(
      `${flag} ${path}: ${stat ? "is a folder, not a file" : "no such file"}`,
    );
  }
}

/**
 * Throws a UsageError unless a file can be written at `path`, named by
 * `flag`: its folder exists and takes a new file, and it is not a folder.
 */
export async function checkOutput(flag: string, path: string): Promise<void> {
  const stat = await statOf(flag, path);
  if (stat?.isDirectory) {
    throw new UsageError(`${flag} ${path}: is a folder, not a file`);
  }
  const dir = dirname(path);
  const dirStat = await statOf(flag, dir, path);
  if (!dirStat?.isDirectory) {
    throw new UsageError(
      `${flag} ${path}: ${
        dirStat ? `${dir} is a file, not a folder` : `no such folder ${dir}`
      }`,
    );
  }
  try {
    await Deno.remove(await Deno.makeTempFile({ dir, prefix: ".dlfs-check-" }));
  } catch (e) {
    throw new UsageError(
      `${flag} ${path}: cannot write in ${dir} (${(e as Error).message})`,
    );
  }
}

/**
 * What is at `path` (undefined: nothing), or a UsageError for `flag`
 * (given `path` as `asked`) saying why it cannot be known.
 */
async function statOf(
  flag: string,
  path: string,
  asked = path,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(
      `${flag} ${asked}: ${
        e instanceof Deno.errors.NotCapable
          ? notCapable(e)
          : `no access to ${path} (${(e as Error).message})`
      }`,
    );
  }
}
