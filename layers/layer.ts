/**
 * The contract every matrix layer of dlfs keeps, and the shape legend used in
 * the comments of every layer.
 *
 * Shape legend:
 * - N: batch size (rows of every activation; one sample per row)
 * - D: input features of a layer (784 for flattened MNIST)
 * - H: output features of a layer (the hidden size, 50 in the book)
 * - C: classes (10 for MNIST)
 *
 * Ownership: `forward` returns a buffer owned by the layer, valid until the
 * layer's next `forward`; `backward` likewise returns its own `dx` buffer and
 * never writes into `dout`. Buffers are allocated on first use and reallocated
 * only when the batch size changes (through the kernels' `buffer`).
 * Parameters are updated in place (their `data` is written, never rebound),
 * so the `Param` objects a layer hands out stay valid for its whole life.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";

/**
 * A trainable parameter and its gradient, both of the same shape. The
 * optimiser writes `value.data` in place; `backward` overwrites `grad.data`.
 *
 * @example
 * ```ts
 * import type { Param } from "@dlfs/nn/layers";
 * import { Matrix } from "@dlfs/nn/core";
 *
 * const p: Param = { name: "b", value: Matrix.zeros(1, 3), grad: Matrix.zeros(1, 3) };
 * for (let i = 0; i < p.value.data.length; i++) p.value.data[i] -= 0.1 * p.grad.data[i];
 * ```
 */
export interface Param {
  /** The parameter's name within its layer: `"W"` or `"b"`. */
  readonly name: string;
  /** The parameter itself, updated in place. */
  readonly value: Matrix;
  /** ∂L/∂value from the last `backward`, same shape as `value`. */
  readonly grad: Matrix;
}

/**
 * A layer of a feed-forward network over N×D batches.
 *
 * @example A layer that doubles its input
 * ```ts
 * import type { Layer, Param } from "@dlfs/nn/layers";
 * import { ensureShape, Matrix } from "@dlfs/nn/core";
 *
 * class Double implements Layer {
 *   #out?: Matrix;
 *   #dx?: Matrix;
 *   forward(x: Matrix): Matrix {
 *     const out = (this.#out = ensureShape(this.#out, x.rows, x.cols));
 *     for (let i = 0; i < x.data.length; i++) out.data[i] = 2 * x.data[i];
 *     return out;
 *   }
 *   backward(dout: Matrix): Matrix {
 *     const dx = (this.#dx = ensureShape(this.#dx, dout.rows, dout.cols));
 *     for (let i = 0; i < dout.data.length; i++) dx.data[i] = 2 * dout.data[i];
 *     return dx;
 *   }
 *   params(): Param[] {
 *     return [];
 *   }
 * }
 * console.log(new Double().forward(Matrix.fromRows([[1, 2]])).toRows()); // [[2, 4]]
 * ```
 */
export interface Layer {
  /**
   * y = f(x): N×D in, N×H out (a buffer owned by the layer). `train` is the
   * book's `train_flg`: layers with a training and a test mode (Dropout,
   * BatchNormalization) run the one it names, training when it is omitted
   * as in the book; the other layers ignore it.
   */
  forward(x: Matrix, train?: boolean): Matrix;
  /**
   * ∂L/∂x from ∂L/∂y (N×H in, N×D out); also overwrites each param's grad.
   * A layer told that its input needs no gradient (`needsInputGrad: false`,
   * a network's first layer) returns undefined and skips that work.
   */
  backward(dout: Matrix): Matrix | undefined;
  /** The layer's trainable parameters, in a fixed order (none for most). */
  params(): Param[];
  /**
   * True for a layer whose training-mode forward draws random numbers
   * (Dropout): two forwards of the same x differ, so a copy of the net in
   * another thread would not compute the same function (default: absent,
   * false).
   */
  readonly random?: boolean;
  /**
   * The generator a random layer draws from (with `random`): whoever saves
   * a training run saves its state too (`Trainer.state()`; default:
   * absent).
   */
  readonly rng?: Rng;
  /**
   * State that is not trained but belongs to the net and is saved with it
   * (BatchNormalization's `running_mean` and `running_var`), by name: the
   * very matrices the layer uses (default: absent, no state).
   */
  state?(): Record<string, Matrix>;
}
