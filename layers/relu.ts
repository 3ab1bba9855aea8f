/**
 * The ReLU activation layer.
 *
 * @module
 */

import { assertMatrix, assertSameShape, ensureShape } from "../core/matrix.ts";
import type { Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import type { Layer, Param } from "./layer.ts";

/**
 * out = max(0, x), elementwise. Forward keeps `mask` (1 where x ≤ 0, as in
 * the book); backward passes `dout` where the mask is 0 and zero elsewhere.
 * Unlike the book's version, backward writes into its own `dx`, not into
 * `dout`.
 *
 * @example
 * ```ts
 * import { Matrix } from "../core/matrix.ts";
 * import { Relu } from "./relu.ts";
 *
 * const relu = new Relu();
 * console.log(relu.forward(Matrix.fromRows([[1, -0.5], [-2, 3]])).toRows()); // [[1, 0], [0, 3]]
 * console.log(relu.backward(Matrix.fromRows([[5, 5], [5, 5]])).toRows()); // [[5, 0], [0, 5]]
 * ```
 */
export class Relu implements Layer {
  #mask?: Uint8Array; // N·D, 1 where x ≤ 0
  #out?: Matrix; // N×D
  #dx?: Matrix; // N×D
  #kernels?: Kernels;

  /**
   * A ReLU; with `options.kernels`, its buffers come from their memory, and
   * kernels that bring `relu`/`reluBackward` (the SIMD ones) compute it
   * branch-free instead of the loops below (the same numbers).
   */
  constructor(options: { kernels?: Kernels } = {}) {
    this.#kernels = options.kernels;
  }

  /** out = max(0, x); N×D → N×D. */
  forward(x: Matrix): Matrix {
    assertMatrix("Relu.forward()", "x", x);
    const kernels = this.#kernels;
    const out = (this.#out = ensureShape(this.#out, x.rows, x.cols, kernels));
    if (kernels?.relu) {
      kernels.relu(x, out);
      return out;
    }
    const n = x.data.length;
    if (this.#mask?.length !== n) this.#mask = new Uint8Array(n);
    const X = x.data, O = out.data, mask = this.#mask;
    for (let i = 0; i < n; i++) {
      const v = X[i];
      mask[i] = v <= 0 ? 1 : 0;
      O[i] = v <= 0 ? 0 : v;
    }
    return out;
  }

  /**
   * dx = dout where x > 0, else 0; N×D → N×D.
   *
   * @throws {RangeError} if `dout`'s shape differs from the last `x`'s.
   */
  backward(dout: Matrix): Matrix {
    assertMatrix("Relu.backward()", "dout", dout);
    const out = this.#out;
    if (out === undefined) {
      throw new Error("Relu.backward(): called before forward()");
    }
    assertSameShape("Relu.backward()", "dout", out, dout);
    const kernels = this.#kernels;
    const dx =
      (this.#dx = ensureShape(this.#dx, dout.rows, dout.cols, kernels));
    if (kernels?.reluBackward) {
      kernels.reluBackward(out, dout, dx); // out is 0 exactly where x ≤ 0
      return dx;
    }
    const D = dout.data, G = dx.data, mask = this.#mask!;
    for (let i = 0; i < D.length; i++) G[i] = mask[i] ? 0 : D[i];
    return dx;
  }

  /** ReLU has no parameters. */
  params(): Param[] {
    return [];
  }
}
