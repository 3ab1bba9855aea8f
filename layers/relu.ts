/**
 * The ReLU activation layer of chapter 5 (section 5.5.1, "ReLU layer"; the
 * book's `common/layers.py` `Relu`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/**
 * out = max(0, x), elementwise. Forward keeps `mask`, 1 where x ≤ 0 (the
 * book's `self.mask = (x <= 0)`), and zeroes out there; backward zeroes
 * dout at the mask. Unlike the book's version, backward writes into its
 * own `dx`, not into `dout`.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Relu } from "@dlfs/nn/layers";
 *
 * const relu = new Relu();
 * console.log(relu.forward(Matrix.fromRows([[1, -0.5], [-2, 3]])).toRows()); // [[1, 0], [0, 3]]
 * console.log(relu.mask); // Uint8Array(4) [ 0, 1, 1, 0 ]
 * console.log(relu.backward(Matrix.fromRows([[5, 5], [5, 5]])).toRows()); // [[5, 0], [0, 5]]
 * ```
 */
export class Relu implements Layer {
  #mask: Uint8Array = new Uint8Array(0); // N·D, 1 where x ≤ 0
  #out?: Matrix; // N×D
  #dx?: Matrix; // N×D
  #k: Kernels;

  /**
   * A ReLU computing with `options.kernels` (default: the pure-TypeScript
   * ones), whose memory its buffers come from.
   */
  constructor(options: { kernels?: Kernels } = {}) {
    checkOptions("Relu", options, ["kernels"]);
    this.#k = options.kernels ?? TS_KERNELS;
  }

  /** The mask of the last forward: 1 where x ≤ 0, row by row (read it, do not write it). */
  get mask(): Uint8Array {
    return this.#mask;
  }

  /** out = max(0, x); N×D → N×D. */
  forward(x: Matrix): Matrix {
    assertMatrix("Relu.forward()", "x", x);
    const k = this.#k, n = x.data.length;
    if (this.#mask.length !== n) {
      k.free(this.#mask);
      this.#mask = k.uint8(n);
    }
    const out = this.#out = k.buffer(this.#out, x.rows, x.cols);
    k.relu(x, out, this.#mask); // mask = (x <= 0); out = x, 0 at the mask
    return out;
  }

  /**
   * dx = dout, 0 at the mask; N×D → N×D.
   *
   * @throws {RangeError} if `dout`'s shape differs from the last `x`'s.
   */
  backward(dout: Matrix): Matrix {
    assertMatrix("Relu.backward()", "dout", dout);
    const out = this.#out, k = this.#k;
    if (out === undefined) {
      throw new Error("Relu.backward(): called before forward()");
    }
    assertSameShape("Relu.backward()", "dout", out, dout);
    const dx = this.#dx = k.buffer(this.#dx, dout.rows, dout.cols);
    k.reluBackward(dout, this.#mask, dx); // dout[mask] = 0
    return dx;
  }

  /** ReLU has no parameters. */
  params(): Param[] {
    return [];
  }
}
