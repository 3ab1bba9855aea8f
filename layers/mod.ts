/**
 * The layers of chapter 5: the scalar {@linkcode MulLayer} and
 * {@linkcode AddLayer} of the computational-graph examples, and the matrix
 * layers {@linkcode Relu}, {@linkcode Sigmoid}, {@linkcode Affine} and
 * {@linkcode SoftmaxWithLoss} that a network is built from; and chapter 6's
 * {@linkcode BatchNormalization} and {@linkcode Dropout}, and chapter 7's
 * {@linkcode Convolution} and {@linkcode Pooling}.
 *
 * @example One forward and backward pass through Affine → Relu → SoftmaxWithLoss
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Affine, Relu, SoftmaxWithLoss } from "@dlfs/nn/layers";
 *
 * const affine = new Affine(Matrix.fromRows([[1, -1], [2, 0]]), Matrix.fromRows([[0, 0]]));
 * const relu = new Relu();
 * const last = new SoftmaxWithLoss();
 * const x = Matrix.fromRows([[1, 1]]);
 * const loss = last.forward(relu.forward(affine.forward(x)), [0]);
 * affine.backward(relu.backward(last.backward()));
 * console.log(loss, affine.dW.toRows());
 * ```
 *
 * @module
 */

export type { Layer, Param } from "./layer.ts";
export { gatherLabels, labelIndices, type Labels } from "./labels.ts";
export { MulLayer } from "./mul_layer.ts";
export { AddLayer } from "./add_layer.ts";
export { Relu } from "./relu.ts";
export { Sigmoid } from "./sigmoid.ts";
export { Affine, type AffineOptions } from "./affine.ts";
export { CROSS_ENTROPY_DELTA, SoftmaxWithLoss } from "./softmax_with_loss.ts";
export {
  BATCH_NORM_EPSILON,
  BatchNormalization,
  type BatchNormalizationOptions,
} from "./batch_normalization.ts";
export { Dropout, type DropoutOptions } from "./dropout.ts";
export { Convolution, type ConvolutionOptions } from "./convolution.ts";
export { Pooling, type PoolingOptions } from "./pooling.ts";
