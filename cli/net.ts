// The net train.ts trains: built from the flags, or loaded from --load and
// checked to fit MNIST.

import type { KernelChoice, Rng } from "../core/mod.ts";
import type { Network } from "../net/mod.ts";
import { SafetensorsError } from "../io/mod.ts";
import { loadNetFile } from "../data/mod.ts";
import { UsageError } from "./flags.ts";

/** A saved net for MNIST (784 inputs, 10 classes), or a UsageError saying why not. */
export async function loaded(
  path: string,
  rng: Rng,
  choice: KernelChoice,
): Promise<Network> {
  let net: Network;
  try {
    net = (await loadNetFile(path, rng, choice)).net;
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new UsageError(`--load ${path}: ${e.message}`);
  }
  if (net.inputSize !== 784 || net.outputSize !== 10) {
    throw new UsageError(
      `--load ${path}: expected a net for MNIST (784 inputs, 10 classes) but found ${net.inputSize} inputs, ${net.outputSize} classes`,
    );
  }
  return net;
}
