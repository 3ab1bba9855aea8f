/**
 * dlfs: *Deep Learning from Scratch* (Saitoh), chapters 5–7, in
 * TypeScript over typed arrays: backpropagation through the book's layers,
 * its three networks, the chapter-6 optimizers and tricks, its Trainer, and
 * the numerical gradient every backward is checked against. The book's
 * concepts are exported here; the kernels behind the layers' products
 * (pure TypeScript and WebAssembly SIMD), their memory and threads are in
 * `@dlfs/nn/core`, the MNIST loader and files in `@dlfs/nn/data`, the
 * safetensors format and plots in `@dlfs/nn/io`.
 *
 * @example The book's TwoLayerNet on a random batch
 * ```ts
 * import { Matrix, Rng, TwoLayerNet } from "@dlfs/nn";
 *
 * const rng = new Rng(42);
 * const net = new TwoLayerNet(784, 50, 10, { rng });
 * const x = new Matrix(3, 784, Float64Array.from({ length: 3 * 784 }, () => rng.uniform()));
 * console.log(net.loss(x, [7, 2, 1])); // ≈ 2.30 = log 10 for a fresh net
 * ```
 *
 * @module
 */

export { argmax, Matrix } from "./core/matrix.ts";
export { Rng } from "./core/rng.ts";
export type { Backend } from "./core/backend.ts";
export {
  NUMERICAL_GRADIENT_H,
  numericalGradient,
} from "./net/numerical_gradient.ts";
export {
  AddLayer,
  Affine,
  type AffineOptions,
  BatchNormalization,
  type BatchNormalizationOptions,
  Convolution,
  type ConvolutionOptions,
  Dropout,
  type DropoutOptions,
  gatherLabels,
  type Labels,
  type Layer,
  MulLayer,
  type Param,
  Pooling,
  type PoolingOptions,
  Relu,
  Sigmoid,
  SoftmaxWithLoss,
} from "./layers/mod.ts";
export {
  buildNet,
  compareGradients,
  DivergenceError,
  type EpochRecord,
  gradientCheck,
  type GradientDiff,
  initWeights,
  type ModeOptions,
  MultiLayerNet,
  type MultiLayerNetOptions,
  type MultiLayerNetSpec,
  type NetSpec,
  type Network,
  parallelNumericalGradient,
  reluCornerNote,
  reluMargin,
  type SampleSet,
  SimpleConvNet,
  type SimpleConvNetOptions,
  type SimpleConvNetSpec,
  Trainer,
  type TrainerOptions,
  TwoLayerNet,
  type TwoLayerNetOptions,
  type TwoLayerNetParams,
  type TwoLayerNetSpec,
  type WeightInit,
} from "./net/mod.ts";
export {
  AdaGrad,
  Adam,
  createOptimizer,
  Momentum,
  Nesterov,
  type Optimizer,
  type OptimizerName,
  RMSprop,
  SGD,
} from "./optim/mod.ts";
