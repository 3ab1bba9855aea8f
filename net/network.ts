/**
 * The contract every network of dlfs keeps: the book's methods (`predict`,
 * `loss`, `accuracy`, `gradient`, `numericalGradient`) over `params`,
 * `layers` and `lastLayer`, and a plain `spec` of its architecture that
 * `buildNet` turns back into the same network.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import type { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";

/** Whether layers with a training mode run in it (the book's `train_flg`). */
export interface ModeOptions {
  /** Training mode: batch statistics, random dropout (default false). */
  train?: boolean;
}

/**
 * A set of samples a network can evaluate in chunks without a float64 copy
 * of the whole set: `ImageSet` from `@dlfs/nn/data` is one.
 */
export interface SampleSet {
  /** Number of samples. */
  readonly count: number;
  /** Values per sample (D). */
  readonly sampleSize: number;
  /**
   * The samples at `indices` as an N×D matrix, into `out` when it fits
   * (default: a new matrix). With `kernels`, gathered into their memory (a
   * new matrix when `out` does not fit: pass the last one back), as a net
   * gathers its minibatches and evaluation chunks.
   */
  batch(indices: ArrayLike<number>, out?: Matrix, kernels?: Kernels): Matrix;
}

/** The architecture of a {@linkcode TwoLayerNet}. */
export interface TwoLayerNetSpec {
  /** Which network. */
  type: "TwoLayerNet";
  /** D, input features. */
  inputSize: number;
  /** H, hidden units. */
  hiddenSize: number;
  /** C, classes. */
  outputSize: number;
}

/** The architecture of a {@linkcode MultiLayerNet}. */
export interface MultiLayerNetSpec {
  /** Which network. */
  type: "MultiLayerNet";
  /** D, input features. */
  inputSize: number;
  /** The hidden layers' sizes. */
  hiddenSizes: number[];
  /** C, classes. */
  outputSize: number;
  /** The hidden layers' activation. */
  activation: "relu" | "sigmoid";
  /** Whether each hidden Affine is followed by BatchNormalization. */
  useBatchnorm: boolean;
  /** Whether each hidden activation is followed by Dropout. */
  useDropout: boolean;
  /** The Dropout layers' ratio. */
  dropoutRatio: number;
  /** λ of the L2 weight decay. */
  weightDecayLambda: number;
}

/** The architecture of a {@linkcode SimpleConvNet}. */
export interface SimpleConvNetSpec {
  /** Which network. */
  type: "SimpleConvNet";
  /** One input image, C×H×W. */
  input: [number, number, number];
  /** Number of filters. */
  filterNum: number;
  /** Filter height and width. */
  filterSize: number;
  /** The convolution's padding. */
  pad: number;
  /** The convolution's stride. */
  stride: number;
  /** Units of the hidden affine layer. */
  hiddenSize: number;
  /** Classes. */
  outputSize: number;
}

/** Any network's architecture: what its `spec` holds, JSON as it is. */
export type NetSpec = TwoLayerNetSpec | MultiLayerNetSpec | SimpleConvNetSpec;

/**
 * A network in the book's shape. All three nets implement it, through
 * `LayerNet`.
 *
 * Ownership: `predict` returns a new matrix the caller owns; `gradient`
 * returns the layers' own gradient buffers, overwritten by the next call
 * (read or apply them first); `numericalGradient` returns new matrices.
 */
export interface Network {
  /** The architecture, as plain JSON data. */
  readonly spec: NetSpec;
  /** D, the values per input sample. */
  readonly inputSize: number;
  /** C, the number of classes. */
  readonly outputSize: number;
  /**
   * The trainable parameters by the book's names (`W1`, `b1`, …): the
   * very matrices the layers compute with, updated in place.
   */
  readonly params: Readonly<Record<string, Matrix>>;
  /** The layers in forward order, by the book's names. */
  readonly layers: ReadonlyMap<string, Layer>;
  /** The loss layer after `layers`. */
  readonly lastLayer: SoftmaxWithLoss;
  /** What the layers compute with. */
  readonly kernels: Kernels;
  /**
   * The class scores (before softmax), N×D → N×C, in a new matrix; of a
   * batch or of a whole `SampleSet`.
   */
  predict(x: Matrix | SampleSet, options?: ModeOptions): Matrix;
  /** The mean loss of a batch or a whole `SampleSet` (plus any weight decay). */
  loss(x: Matrix | SampleSet, t: Labels, options?: ModeOptions): number;
  /** The fraction of rows whose highest score is their label (test mode). */
  accuracy(x: Matrix | SampleSet, t: Labels, batchSize?: number): number;
  /** ∂loss/∂params by backpropagation, keyed like `params`. */
  gradient(x: Matrix, t: Labels): Record<string, Matrix>;
  /** ∂loss/∂params by central differences (slow), keyed like `params`. */
  numericalGradient(x: Matrix, t: Labels): Record<string, Matrix>;
  /**
   * State that is not trained but saved with the net (BatchNorm's running
   * averages), by name; the very matrices the layers use.
   */
  state(): Record<string, Matrix>;
}
