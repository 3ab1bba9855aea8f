/**
 * The sigmoid activation layer.
 *
 * @module
 */

import { assertMatrix, assertSameShape, ensureShape } from "../core/matrix.ts";
import type { Matrix } from "../core/matrix.ts";
import type { ArrayAllocator } from "../core/sparse.ts";
import type { Layer, Param } from "./layer.ts";

/**
 * out = 1 / (1 + exp(−x)), elementwise. Forward keeps `out`, because the
 * derivative is expressed through it: ∂out/∂x = out · (1 − out).
 *
 * @example
 * ```ts
 * import { Matrix } from "../core/matrix.ts";
 * import { Sigmoid } from "./sigmoid.ts";
 *
 * const s = new Sigmoid();
 * console.log(s.forward(Matrix.fromRows([[0]])).toRows()); // [[0.5]]
 * console.log(s.backward(Matrix.fromRows([[1]])).toRows()); // [[0.25]]
 * ```
 */
export class Sigmoid implements Layer {
  #out?: Matrix; // N×D
  #dx?: Matrix; // N×D
  #alloc?: ArrayAllocator;

  /**
   * A sigmoid; with `options.kernels`, its buffers come from their memory
   * (e.g. the net's `SimdKernels`, so that the next product reads them in
   * place).
   */
  constructor(options: { kernels?: ArrayAllocator } = {}) {
    this.#alloc = options.kernels;
  }

  /** out = σ(x); N×D → N×D. */
  forward(x: Matrix): Matrix {
    assertMatrix("Sigmoid.forward()", "x", x);
    const out =
      (this.#out = ensureShape(this.#out, x.rows, x.cols, this.#alloc));
    const X = x.data, O = out.data;
    for (let i = 0; i < X.length; i++) O[i] = 1 / (1 + Math.exp(-X[i]));
    return out;
  }

  /**
   * dx = dout · out · (1 − out); N×D → N×D.
   *
   * @throws {RangeError} if `dout`'s shape differs from the last `x`'s.
   */
  backward(dout: Matrix): Matrix {
    assertMatrix("Sigmoid.backward()", "dout", dout);
    const out = this.#out;
    if (out === undefined) {
      throw new Error("Sigmoid.backward(): called before forward()");
    }
    assertSameShape("Sigmoid.backward()", "dout", out, dout);
    const dx =
      (this.#dx = ensureShape(this.#dx, dout.rows, dout.cols, this.#alloc));
    const D = dout.data, O = out.data, G = dx.data;
    for (let i = 0; i < D.length; i++) G[i] = D[i] * (1 - O[i]) * O[i];
    return dx;
  }

  /** Sigmoid has no parameters. */
  params(): Param[] {
    return [];
  }
}
