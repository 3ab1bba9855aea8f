/**
 * dlfs: *Deep Learning from Scratch* (Saitoh), chapters 5–8, in
 * TypeScript over typed arrays: backpropagation through the book's layers,
 * its networks, the chapter-6 optimizers and tricks, its Trainer, and the
 * numerical gradient every backward is checked against. The book's
 * concepts are exported here; the registry of net kinds (`buildNet`,
 * `registerNet`) is in `@dlfs/nn/net`, the kernels behind the layers
 * (pure TypeScript and WebAssembly SIMD), their memory and threads in
 * `@dlfs/nn/core`, the MNIST loader and files in `@dlfs/nn/data`, the
 * safetensors format and plots in `@dlfs/nn/io`.
 *
 * @example The book's TwoLayerNet on a random batch
 * ```ts
 * import { Matrix, Rng, TwoLayerNet } from "@dlfs/nn";
 *
 * const rng = new Rng(42);
 * const net = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, rng });
 * const x = new Matrix(3, 784, Float64Array.from({ length: 3 * 784 }, () => rng.uniform()));
 * console.log(net.loss(x, [7, 2, 1])); // ≈ 2.30 = log 10 for a fresh net
 * ```
 *
 * @module
 */

export { argmax, Matrix } from "./core/matrix.ts";
export { Rng } from "./core/rng.ts";
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
  compareGradients,
  DeepConvNet,
  type DeepConvNetOptions,
  type DeepConvNetParams,
  DivergenceError,
  type EpochRecord,
  gradientCheck,
  type GradientDiff,
  initWeights,
  type ModeOptions,
  MultiLayerNet,
  type MultiLayerNetOptions,
  type MultiLayerNetParams,
  type NetOptions,
  type Network,
  parallelNumericalGradient,
  SimpleConvNet,
  type SimpleConvNetOptions,
  type SimpleConvNetParams,
  Trainer,
  type TrainerOptions,
  TwoLayerNet,
  type TwoLayerNetOptions,
  type TwoLayerNetParams,
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
