/**
 * Networks and the tools to check them: {@linkcode TwoLayerNet} (chapter 5),
 * {@linkcode MultiLayerNet} (chapter 6), {@linkcode SimpleConvNet}
 * (chapter 7), weight initialisation
 * ({@linkcode initWeights}), the generic {@linkcode numericalGradient} and
 * {@linkcode gradientCheck}.
 *
 * @example Train a tiny net for a few steps of SGD
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 *
 * const net = new TwoLayerNet(2, 8, 2, { rng: new Rng(0), weightInitStd: 0.5 });
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
export {
  TwoLayerNet,
  type TwoLayerNetOptions,
  type TwoLayerNetParams,
} from "./two_layer_net.ts";
export { MultiLayerNet, type MultiLayerNetOptions } from "./multi_layer_net.ts";
export { initScale, initWeights, type WeightInit } from "./init.ts";
export {
  SimpleConvNet,
  type SimpleConvNetOptions,
  type SimpleConvNetParams,
} from "./simple_conv_net.ts";
export {
  compareGradients,
  gradientCheck,
  type GradientDiff,
  type GradientPair,
  REL_ERROR_FLOOR,
  reluCornerNote,
  reluMargin,
} from "./gradient_check.ts";
export { buildNet } from "./build.ts";
export {
  DivergenceError,
  type EpochRecord,
  Trainer,
  type TrainerOptions,
} from "./trainer.ts";
export { LayerNet, type LayerNetParts } from "./layer_net.ts";
export type {
  ModeOptions,
  MultiLayerNetSpec,
  NetSpec,
  Network,
  SampleSet,
  SimpleConvNetSpec,
  TwoLayerNetSpec,
} from "./network.ts";
