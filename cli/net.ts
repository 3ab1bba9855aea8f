// The net train.ts trains: built from the flags, or loaded from --load and
// checked to fit MNIST.

import type { KernelChoice, Rng } from "../core/mod.ts";
import type { NetSpec, Network } from "../net/mod.ts";
import { SafetensorsError } from "../io/mod.ts";
import { loadNetFile } from "../data/mod.ts";
import { type Config, UsageError } from "./flags.ts";

/** The architecture the flags ask for (MNIST: 784 inputs, 10 classes). */
export function specOf(config: Config): NetSpec {
  const [hidden] = config.hidden;
  if (config.net === "two-layer") {
    return {
      type: "TwoLayerNet",
      inputSize: 784,
      hiddenSize: hidden,
      outputSize: 10,
    };
  }
  if (config.net === "convnet") {
    return {
      type: "SimpleConvNet",
      input: [1, 28, 28],
      filterNum: 30,
      filterSize: 5,
      pad: 0,
      stride: 1,
      hiddenSize: hidden,
      outputSize: 10,
    };
  }
  return {
    type: "MultiLayerNet",
    inputSize: 784,
    hiddenSizes: config.hidden,
    outputSize: 10,
    activation: "relu",
    useBatchnorm: config.batchnorm,
    useDropout: config.dropout !== undefined,
    dropoutRatio: config.dropout ?? 0.5,
    weightDecayLambda: config.weightDecay,
  };
}

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
