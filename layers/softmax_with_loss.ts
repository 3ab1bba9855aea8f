/**
 * Softmax followed by the cross-entropy error: the output layer of the
 * book's classifiers (section 5.6.3, "Softmax-with-Loss layer"; the book's
 * `common/layers.py` `SoftmaxWithLoss`).
 *
 * @module
 */

import { assertMatrix, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import { labelIndices, type Labels } from "./labels.ts";

/** The book's guard inside the log of the cross-entropy: log(y + 1e-7). */
export const CROSS_ENTROPY_DELTA = 1e-7;

/**
 * Softmax over each row of the N×C scores `x`, then the mean cross-entropy
 * against the labels `t`:
 *
 *   y = softmax(x),  L = −(1/N) Σₙ log(y[n, tₙ] + 1e-7)
 *
 * Backward gives the famously clean ∂L/∂x = (y − t) / N, with t one-hot.
 * (It ignores the 1e-7 guard, which only the numerical gradient sees.)
 * Softmax subtracts each row's maximum first, so logits of ±1000 are fine.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { SoftmaxWithLoss } from "@dlfs/nn/layers";
 *
 * const layer = new SoftmaxWithLoss();
 * const loss = layer.forward(Matrix.fromRows([[0, 0, 0]]), [2]);
 * console.log(loss); // ≈ 1.0986 = log 3: uniform scores
 * console.log(layer.backward().toRows()); // [[1/3, 1/3, -2/3]]
 * ```
 */
export class SoftmaxWithLoss {
  #loss = NaN;
  #y?: Matrix; // N×C, softmax output
  #t: Int32Array = new Int32Array(0); // N class indices
  #dx?: Matrix; // N×C
  #k: Kernels;

  /**
   * The layer, its buffers from `options.kernels`' memory (default: the
   * pure-TypeScript kernels'; a net passes its own).
   */
  constructor(options: { kernels?: Kernels } = {}) {
    this.#k = options.kernels ?? TS_KERNELS;
  }

  /** The loss computed by the last forward (NaN before the first). */
  get loss(): number {
    return this.#loss;
  }

  /** The softmax output of the last forward (N×C), or undefined before it. */
  get y(): Matrix | undefined {
    return this.#y;
  }

  /**
   * The labels of the last forward as N class indices (one-hot rows are
   * read as the index of their 1), read-only; empty before the first.
   */
  get t(): Readonly<Int32Array> {
    return this.#t;
  }

  /**
   * Returns the mean cross-entropy loss of the batch.
   *
   * @param x N×C scores (N ≥ 1).
   * @param t labels: one-hot N×C or N class indices.
   * @throws {RangeError} for an empty batch or labels that do not fit `x`.
   */
  forward(x: Matrix, t: Labels): number {
    const where = "SoftmaxWithLoss.forward()";
    assertMatrix(where, "x", x);
    const n = x.rows, c = x.cols;
    if (n === 0 || c === 0) {
      throw new RangeError(
        `${where}: expected a batch of at least one row and one class but found x of shape ${x.shape}`,
      );
    }
    this.#t = labelIndices(where, t, n, c, this.#t);
    const y = (this.#y = this.#k.buffer(this.#y, n, c));
    const X = x.data, Y = y.data;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * c;
      let max = -Infinity;
      for (let j = 0; j < c; j++) if (X[row + j] > max) max = X[row + j];
      let sum = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp(X[row + j] - max); // ≤ 1: no overflow
        Y[row + j] = e;
        sum += e;
      }
      for (let j = 0; j < c; j++) Y[row + j] /= sum;
      loss -= Math.log(Y[row + this.#t[i]] + CROSS_ENTROPY_DELTA);
    }
    return (this.#loss = loss / n);
  }

  /**
   * Returns ∂L/∂x = dout · (y − t) / N, an N×C buffer owned by the layer.
   *
   * @param dout ∂(final loss)/∂L (default 1: L is the final loss, as the
   * book's `backward(dout=1)`).
   * @throws {Error} if called before `forward`.
   */
  backward(dout = 1): Matrix {
    const y = this.#y;
    if (y === undefined) {
      throw new Error("SoftmaxWithLoss.backward(): called before forward()");
    }
    const n = y.rows, c = y.cols, t = this.#t;
    const dx = (this.#dx = this.#k.buffer(this.#dx, n, c));
    const Y = y.data, G = dx.data, scale = dout / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) G[i * c + j] = Y[i * c + j] * scale;
      G[i * c + t[i]] -= scale; // the one-hot t subtracts 1 at the true class
    }
    return dx;
  }
}
