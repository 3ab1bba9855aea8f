/**
 * Networks and the tools to train and check them: {@linkcode TwoLayerNet}
 * (chapter 5), {@linkcode MultiLayerNet} (chapter 6), {@linkcode SimpleConvNet}
 * (chapter 7), {@linkcode DeepConvNet} (chapter 8), each built as `new XNet({ ...sizes, ...NetOptions })`; the
 * registry of net kinds ({@linkcode registerNet}, {@linkcode buildNet});
 * the book's {@linkcode Trainer}; weight initialisation
 * ({@linkcode initWeights}), the generic {@linkcode numericalGradient} and
 * {@linkcode gradientCheck}.
 *
 * @example Train a tiny net for a few steps of SGD
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 *
 * const net = new TwoLayerNet({ inputSize: 2, hiddenSize: 8, outputSize: 2, rng: new Rng(0), weightInitStd: 0.5 });
 * const x = Matrix.fromRows([[0, 1], [1, 0], [1, 1], [0, 0]]);
 * const t = [1, 1, 0, 0];
 * const before = net.loss(x, t);
 * for (let step = 0; step < 100; step++) {
 *   const grads = net.gradient(x, t);
 *   for (const key of ["W1", "b1", "W2", "b2"] as const) {
 *     const p = net.params[key].data, g = grads[key].data;
 *     for (let i = 0; i < p.length; i++) p[i] -= 0.5 * g[i]; // in place
 *   }
 * }
 * assert(net.loss(x, t) < before);
 * ```
 *
 * @module
 */

export {
  NUMERICAL_GRADIENT_H,
  numericalGradient,
} from "./numerical_gradient.ts";
export { parallelNumericalGradient } from "./parallel_numerical_gradient.ts";
export { float64Copy } from "./float64_copy.ts";
export {
  TwoLayerNet,
  type TwoLayerNetOptions,
  type TwoLayerNetParams,
  type TwoLayerNetSpec,
} from "./two_layer_net.ts";
export {
  MultiLayerNet,
  type MultiLayerNetOptions,
  type MultiLayerNetParams,
  type MultiLayerNetSpec,
} from "./multi_layer_net.ts";
export {
  initScale,
  initWeights,
  type InitWeightsOptions,
  type WeightInit,
} from "./init.ts";
export {
  SimpleConvNet,
  type SimpleConvNetOptions,
  type SimpleConvNetParams,
  type SimpleConvNetSpec,
} from "./simple_conv_net.ts";
export {
  type ConvParam,
  DeepConvNet,
  type DeepConvNetOptions,
  type DeepConvNetParams,
  type DeepConvNetSpec,
} from "./deep_conv_net.ts";
export {
  compareGradients,
  gradientCheck,
  type GradientDiff,
  type GradientPair,
  type KinkFreeDiff,
  REL_ERROR_FLOOR,
  reluCornerNote,
  reluMargin,
  setAsideKinks,
} from "./gradient_check.ts";
export {
  buildNet,
  type NetFlags,
  type NetKind,
  netKind,
  netKinds,
  registerNet,
} from "./registry.ts";
export {
  DivergenceError,
  type EpochRecord,
  Trainer,
  type TrainerOptions,
  type TrainerState,
  type TrainProgress,
  type TrainRunOptions,
} from "./trainer.ts";
export { LayerNet, type LayerNetParts } from "./layer_net.ts";
export type {
  ModeOptions,
  NetOptions,
  NetSpec,
  Network,
  SampleSet,
} from "./network.ts";
