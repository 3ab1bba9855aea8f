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
import type { KernelChoice } from "../core/backend.ts";
import type { Rng } from "../core/rng.ts";
import type { WeightInit } from "./init.ts";
import type { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";

/** Whether layers with a training mode run in it (the book's `train_flg`). */
export interface ModeOptions {
  /**
   * Training mode: batch statistics, random dropout (default false). It
   * changes the net: each forward pass moves BatchNorm's running averages
   * towards the batch's statistics and draws Dropout's masks from its
   * generator.
   */
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

/**
 * A network's architecture as plain JSON data: its kind's `type` (the name
 * it is registered under, see `registerNet`) and the sizes its constructor
 * takes, e.g. `{ type: "TwoLayerNet", inputSize: 784, hiddenSize: 50,
 * outputSize: 10 }`. Each net declares its own (`TwoLayerNetSpec`, …).
 */
export interface NetSpec {
  /** The kind of net, e.g. `"TwoLayerNet"`. */
  readonly type: string;
}

/**
 * What every net's constructor takes besides its architecture: where its
 * initial weights come from, how they are scaled, and what it computes
 * with. `new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10,
 * rng })`: the architecture and these in one object.
 */
export interface NetOptions extends KernelChoice {
  /**
   * The generator of the initial weights (then of Dropout's masks; default
   * `new Rng(0)`: the same weights every run).
   */
  rng?: Rng;
  /**
   * The initial weights' standard deviation (the book's `weight_init_std`),
   * or `"he"` / `"xavier"` (see {@linkcode WeightInit}; default: the net's,
   * as in the book).
   */
  weightInitStd?: WeightInit;
}

/**
 * A network in the book's shape. The book's nets implement it, through
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
  /**
   * ∂loss/∂params by backpropagation, keyed like `params`; its forward pass
   * is a training step's (see `ModeOptions.train` for what that changes).
   */
  gradient(x: Matrix, t: Labels): Record<string, Matrix>;
  /**
   * ∂loss/∂params by central differences (slow), keyed like `params`; the
   * net's state and its random layers' generators are as they were after.
   */
  numericalGradient(x: Matrix, t: Labels): Record<string, Matrix>;
  /**
   * State that is not trained but saved with the net (BatchNorm's running
   * averages), by name; the very matrices the layers use.
   */
  state(): Record<string, Matrix>;
}
