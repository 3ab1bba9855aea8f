// The architecture train.ts's flags ask for, as a spec: shared with the
// browser's train page (web/train_worker.ts), so both train the same nets.

import type { NetSpec } from "../net/network.ts";
import type { Config } from "./flags.ts";

/** The architecture the flags ask for (MNIST: 784 inputs, 10 classes). */
export function specOf(
  config: Pick<
    Config,
    "net" | "hidden" | "batchnorm" | "dropout" | "weightDecay"
  >,
): NetSpec {
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
