// What train.ts's flags default to and the architecture they ask for, as
// a spec: shared with the browser's train page (web/train_worker.ts), so both
// train the same nets with the same defaults.

import type { NetSpec } from "../net/network.ts";

/** The nets of `deno task train --net`. */
export const NET_NAMES = ["two-layer", "multi-layer", "convnet"] as const;
/** One of {@linkcode NET_NAMES}. */
export type NetName = (typeof NET_NAMES)[number];

/** The defaults of `deno task train`, shared with the train page. */
export const DEFAULTS = {
  iters: 10000,
  batchSize: 100,
  seed: 42,
  lr: 0.1, // SGD, the chapter-5 run
  hidden: { "two-layer": 50, "multi-layer": 50, convnet: 100 },
  /** The convnet is evaluated on 1000 images per epoch, as the book's. */
  evalSamples: {
    "two-layer": undefined,
    "multi-layer": undefined,
    convnet: 1000,
  },
} as const;

/** The architecture the flags ask for (MNIST: 784 inputs, 10 classes). */
export function specOf(
  config: {
    net: NetName;
    hidden: number[];
    batchnorm: boolean;
    dropout?: number;
    weightDecay: number;
  },
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
