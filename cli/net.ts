// The net train.ts trains: built from the flags, or loaded from --load (a
// net) or --resume (a saved run: the net, where its training was, and the
// flags it was started with), and checked to fit MNIST.

import type { KernelChoice, Rng } from "../core/mod.ts";
import {
  decodeSafetensors,
  type LoadedNet,
  SafetensorsError,
} from "../io/mod.ts";
import { loadNetFile } from "../data/mod.ts";
import { UsageError } from "./flags.ts";

/**
 * What a file `--save` wrote keeps beside the net for `--resume`: the flags
 * of the run (`runFlags`) and the kernels it computed with.
 */
export type RunSettings = { flags: string[]; kernels: string };

/**
 * The saved net of `flag` (`--load` or `--resume`) for MNIST (784 inputs,
 * 10 classes), with what the file holds besides; or a UsageError saying
 * what the file is not.
 */
export async function loaded(
  flag: "--load" | "--resume",
  path: string,
  rng: Rng,
  choice: KernelChoice,
): Promise<LoadedNet> {
  let file: LoadedNet;
  try {
    file = await loadNetFile(path, rng, choice);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw notANet(`${flag} ${path}`, e);
  }
  const { net } = file;
  if (net.inputSize !== 784 || net.outputSize !== 10) {
    throw new UsageError(
      `${flag} ${path}: expected a net for MNIST (784 inputs, 10 classes) but found ${net.inputSize} inputs, ${net.outputSize} classes`,
    );
  }
  return file;
}

/**
 * The settings of the run saved in `path` (by `deno task train --save`),
 * read before anything is built from it: they say how. A UsageError says
 * what the file is not.
 */
export async function readRun(path: string): Promise<RunSettings> {
  let metadata: Record<string, string>;
  try {
    ({ metadata } = decodeSafetensors(await Deno.readFile(path)));
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw notANet(`--resume ${path}`, e);
  }
  let s: Partial<RunSettings> | undefined;
  try {
    s = JSON.parse(metadata.settings ?? "null") ?? undefined;
  } catch { /* said below */ }
  if (
    metadata.training === undefined || !Array.isArray(s?.flags) ||
    !s.flags.every((f) => typeof f === "string") ||
    typeof s.kernels !== "string"
  ) {
    throw new UsageError(
      `--resume ${path}: expected a run saved by deno task train --save but found ${
        metadata.format === "dlfs"
          ? "a net alone (--load starts a new run from it)"
          : "no dlfs net"
      }`,
    );
  }
  return s as RunSettings;
}

/**
 * The UsageError for a file (named by `label`) that `loadNet` refused:
 * not a safetensors file, or not a net saved by dlfs, and why.
 */
export function notANet(label: string, e: SafetensorsError): UsageError {
  const what = e.message.startsWith("decodeSafetensors()")
    ? "not a safetensors file"
    : "not a net saved by dlfs";
  return new UsageError(`${label}: ${what} (${e.message})`);
}
