/**
 * The sigmoid activation layer of chapter 5 (section 5.5.2, "Sigmoid
 * layer"; the book's `common/layers.py` `Sigmoid`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/**
 * out = 1 / (1 + exp(−x)), elementwise. Forward keeps `out`, because the
 * derivative is expressed through it: ∂out/∂x = out · (1 − out).
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Sigmoid } from "@dlfs/nn/layers";
 *
 * const s = new Sigmoid();
 * console.log(s.forward(Matrix.fromRows([[0]])).toRows()); // [[0.5]]
 * console.log(s.backward(Matrix.fromRows([[1]])).toRows()); // [[0.25]]
 * ```
 */
export class Sigmoid implements Layer {
  #out?: Matrix; // N×D
  #dx?: Matrix; // N×D
  #k: Kernels;

  /**
   * A sigmoid whose buffers come from `options.kernels`' memory (default:
   * the pure-TypeScript kernels'; a net passes its own, so that the next
   * product reads them in place).
   */
  constructor(options: { kernels?: Kernels } = {}) {
    checkOptions("Sigmoid", options, ["kernels"]);
    this.#k = options.kernels ?? TS_KERNELS;
  }

  /** out = σ(x); N×D → N×D. */
  forward(x: Matrix): Matrix {
    assertMatrix("Sigmoid.forward()", "x", x);
    const out = this.#out = this.#k.buffer(this.#out, x.rows, x.cols);
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
    const dx = this.#dx = this.#k.buffer(this.#dx, dout.rows, dout.cols);
    const D = dout.data, O = out.data, G = dx.data;
    for (let i = 0; i < D.length; i++) G[i] = D[i] * (1 - O[i]) * O[i];
    return dx;
  }

  /** Sigmoid has no parameters. */
  params(): Param[] {
    return [];
  }
}
