// The steps of train.ts that are not the training itself: reading the
// flags (and a resumed run's), loading MNIST, building or loading the net,
// the header line, the JSON report's config and the command that resumes
// a run. Each mistake of the command line is a UsageError (exit 2).

import type { KernelChoice, Rng } from "../core/mod.ts";
import {
  buildNet,
  type DivergenceError,
  type NetKind,
  type Network,
  type Trainer,
  type TrainerState,
} from "../net/mod.ts";
import { loadMnist, type Mnist, MnistError } from "../data/mod.ts";
import { type Config, parseConfig, UsageError } from "./flags.ts";
import { checkFiles } from "./report.ts";
import { loaded, readRun, type RunSettings } from "./net.ts";

/**
 * The flags, and with `--resume` the saved run's settings (its flags, then
 * these): checked, with every file to be read there and every file to be
 * written writable, before hours of training.
 */
export async function readConfig(
  args: string[],
): Promise<{ config: Config; stored?: RunSettings } | "help"> {
  try {
    const config = parseConfig(args);
    if (config === "help") return "help";
    await checkFiles(config);
    if (config.resume === undefined) return { config };
    const stored = await readRun(config.resume);
    const resumed = parseConfig(args, stored.flags) as Config;
    await checkFiles(resumed);
    return { config: resumed, stored };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    throw new UsageError(
      `${e.message} (deno task train --help lists the flags)`,
    );
  }
}

/**
 * MNIST, from `--data-dir`, `$MNIST_DIR` or the cache. One rule: what the
 * command line (or MNIST_DIR) names is at fault, a UsageError; the cache
 * or the download, an MnistError (exit 1).
 */
export async function mnistFor(config: Config): Promise<Mnist> {
  try {
    return await loadMnist({
      dir: config.dataDir,
      onDownload: (url, dir) =>
        console.error(`downloading MNIST from ${url} into ${dir}…`),
    });
  } catch (e) {
    const named = config.dataDir ?? Deno.env.get("MNIST_DIR");
    if (!(e instanceof MnistError) || named === undefined) throw e;
    throw new UsageError(e.message);
  }
}

/** The net the flags ask for: resumed, loaded, or new from `rng`. */
export async function netFor(
  config: Config,
  rng: Rng,
  choice: KernelChoice,
): Promise<{ net: Network; training?: TrainerState }> {
  if (config.resume !== undefined) {
    return await loaded("--resume", config.resume, rng, choice);
  }
  if (config.load !== undefined) {
    return { net: (await loaded("--load", config.load, rng, choice)).net };
  }
  const spec = config.kind.forMnist(config);
  return {
    net: buildNet(spec, { rng, ...choice, weightInitStd: config.init }),
  };
}

/**
 * Puts `trainer` where the saved run stopped, exactly; a UsageError when
 * the run is past the iterations asked for.
 */
export function resumeAt(
  trainer: Trainer,
  training: TrainerState,
  config: Config,
): void {
  if (training.iteration > trainer.maxIter) {
    throw new UsageError(
      `--resume ${config.resume}: the run is at iteration ${training.iteration} already: give --iters or --epochs beyond it`,
    );
  }
  trainer.setState(training);
}

/** What one run is, as its header line and its report name it. */
export interface RunInfo {
  config: Config;
  kind: NetKind;
  net: Network;
  name: string;
  iters: number;
  optimizer: string;
  lr: number;
  evalSamples?: number;
  source: string;
  training?: TrainerState;
}

/** The line a run starts with: data, net, optimizer, kernels, threads. */
export function header(run: RunInfo, mnist: Mnist, at: number): string {
  const { config, net, evalSamples } = run, threads = config.threads;
  return `MNIST from ${run.source}: ${mnist.xTrain.count} training, ${mnist.xTest.count} test images; ` +
    `${run.name}, ${run.iters} iterations, batch ${config.batchSize}, ${run.optimizer} lr ${run.lr}, seed ${config.seed}, ` +
    `${net.kernels.name} kernels, ${
      net.kernels.dtype === "float64" ? "" : `${net.kernels.dtype}, `
    }${threads} thread${threads > 1 ? "s" : ""}` +
    (evalSamples !== undefined
      ? `; per epoch, accuracy on the first ${evalSamples} training and test images`
      : "") +
    (config.resume !== undefined
      ? `; resumed from ${config.resume} after iteration ${at}`
      : "");
}

/** The `config` of the JSON report. */
export function reportConfig(run: RunInfo): Record<string, unknown> {
  const { config, training } = run;
  return {
    net: run.name,
    hiddenSizes: config.hidden,
    evalSamples: run.evalSamples ?? "all",
    iters: run.iters,
    batchSize: config.batchSize,
    optimizer: run.optimizer,
    lr: run.lr,
    init: config.init ?? run.kind.defaults.init,
    seed: config.seed,
    kernels: run.net.kernels.name,
    dtype: run.net.kernels.dtype,
    threads: config.threads,
    source: run.source,
    ...(training && {
      resumed: { from: config.resume, after: training.iteration },
    }),
  };
}

/**
 * The command that continues a run saved to `config.save`, with the same
 * outputs (the file keeps the rest).
 */
export function resumeCommand(config: Config): string {
  const args = ["--resume", config.save!];
  if (config.json !== undefined) args.push("--json", config.json);
  if (config.plot !== undefined) args.push("--plot", config.plot);
  if (config.checkpointEvery !== undefined) {
    args.push("--checkpoint-every", String(config.checkpointEvery));
  }
  if (config.dataDir !== undefined) args.push("--data-dir", config.dataDir);
  if (config.quiet) args.push("--quiet");
  // Quoted for a POSIX shell where a path needs it.
  const quote = (a: string) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
  return ["deno task train", ...args.map(quote)].join(" ");
}

/** A note when a resumed run computes with other kernels than it did. */
export function kernelsNote(stored: RunSettings, kernels: string): void {
  if (stored.kernels === kernels) return;
  console.error(
    `train: note: the saved run computed with ${stored.kernels} kernels and this one with ${kernels}: its numbers will differ from an uninterrupted run's in their last digits`,
  );
}

/** What train.ts says when the loss stops being finite. */
export function diverged(e: DivergenceError, lr: number): string {
  return `train: the loss became ${e.loss} at iteration ${
    e.iteration + 1
  } (lr ${lr}): training diverged; try a lower --lr`;
}
