/**
 * Networks to and from files: `io/`'s safetensors bytes, written atomically.
 *
 * @module
 */

import type { KernelChoice } from "../core/backend.ts";
import {
  type LoadedNet,
  loadNet,
  saveNet,
  type SaveNetOptions,
} from "../io/model.ts";
import type { Network } from "../net/network.ts";
import type { Rng } from "../core/rng.ts";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "./write_atomic.ts";

/**
 * Saves `net` as a safetensors file at `path`, atomically: a temporary file
 * beside it is renamed into place, so a killed process leaves either the old
 * file or the whole new one. Needs `--allow-write` in Deno; runs in Node too.
 * `options` as in `saveNet` (default: F64, pixels scaled to [0, 1]).
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 * import { loadNetFile, saveNetFile } from "@dlfs/nn/data";
 *
 * const dir = await Deno.makeTempDir();
 * await saveNetFile(`${dir}/net.safetensors`, new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2, rng: new Rng(1) }));
 * const { net } = await loadNetFile(`${dir}/net.safetensors`);
 * console.log(net.spec); // { type: "TwoLayerNet", inputSize: 4, hiddenSize: 3, outputSize: 2 }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveNetFile(
  path: string,
  net: Network,
  options?: SaveNetOptions,
): Promise<void> {
  await writeFileAtomic(path, saveNet(net, options));
}

/**
 * Loads a net saved by {@linkcode saveNetFile} (or any dlfs safetensors
 * file). Needs `--allow-read`. `rng` and `kernels` as in `loadNet`
 * (default `new Rng(0)` and `"auto"`).
 *
 * @throws {SafetensorsError} for a malformed or mismatched file.
 */
export async function loadNetFile(
  path: string,
  rng?: Rng,
  kernels?: Pick<KernelChoice, "backend" | "kernels">,
): Promise<LoadedNet> {
  const bytes = await readFile(path);
  return loadNet(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
    rng,
    kernels,
  );
}
