/**
 * Max pooling of chapter 7 (section 7.4.4, "Pooling layer"; the book's
 * `common/layers.py` `Pooling`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import {
  checkImages,
  type ImageShape,
  outputSize,
  type Window,
} from "../core/im2col.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of {@linkcode Pooling}. */
export interface PoolingOptions {
  /** The shape of one input, C×H×W. */
  input: ImageShape;
  /** Pool height and width (the book's pool_h, pool_w). */
  pool: readonly [height: number, width: number];
  /** Step between windows (default 1, as the book's default; use 2 with 2×2 pools). */
  stride?: number;
  /** Zeros added around each image (default 0). */
  pad?: number;
  /** The kernels to compute with (default: the pure-TypeScript ones). */
  kernels?: Kernels;
}

/**
 * The maximum of each PH×PW window, channel by channel: N×(C·H·W) in,
 * N×(C·OH·OW) out. Backward sends each dout to the position that held the
 * maximum (the first one, in window order, on a tie, as `np.argmax`); a
 * padding zero can be that maximum, and then the gradient goes nowhere.
 *
 * The maxima are found window by window (`Kernels.maxPool`) rather than
 * through im2col as the book does: the same values, without the copy.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Pooling } from "@dlfs/nn/layers";
 *
 * const pool = new Pooling({ input: [1, 2, 4], pool: [2, 2], stride: 2 });
 * console.log(pool.forward(Matrix.fromRows([[1, 5, 2, 0, 3, 4, 8, 6]])).toRows()); // [[5, 8]]
 * ```
 */
export class Pooling implements Layer {
  /** One input's C×H×W. */
  readonly inputShape: ImageShape;
  /** One output's C×OH×OW. */
  readonly outputShape: ImageShape;
  /** The pool's window: PH×PW, stride and pad. */
  readonly window: Readonly<Required<Window>>;
  #argMax: Int32Array = new Int32Array(0); // N·C·OH·OW: per output, its index into x's row (−1: padding)
  #out?: Matrix; // N×(C·OH·OW)
  #dx?: Matrix; // N×(C·H·W)
  #k: Kernels;

  /**
   * Sets up the window.
   *
   * @throws {RangeError} if the window does not tile the input.
   */
  constructor(options: PoolingOptions) {
    checkOptions("Pooling", options, [
      "input",
      "pool",
      "stride",
      "pad",
      "kernels",
    ]);
    const { input, pool, stride = 1, pad = 0, kernels } = options;
    this.#k = kernels ?? TS_KERNELS;
    const window = { height: pool[0], width: pool[1], stride, pad };
    const [oh, ow] = outputSize(input, window, "Pooling");
    this.inputShape = [...input] as unknown as ImageShape;
    this.outputShape = [input[0], oh, ow];
    this.window = Object.freeze(window);
  }

  /** Where each output's maximum was (the book's `arg_max`), row by row. */
  get argMax(): Int32Array {
    return this.#argMax;
  }

  /** N×(C·H·W) → N×(C·OH·OW). */
  forward(x: Matrix): Matrix {
    const where = "Pooling.forward()", k = this.#k;
    assertMatrix(where, "x", x);
    checkImages(where, x, this.inputShape);
    const [c, oh, ow] = this.outputShape, n = x.rows;
    if (this.#argMax.length !== n * c * oh * ow) {
      k.free(this.#argMax);
      this.#argMax = k.int32(n * c * oh * ow);
    }
    const out = this.#out = k.buffer(this.#out, n, c * oh * ow);
    k.maxPool(x, this.inputShape, this.window, out, this.#argMax); // out = max, argMax = where
    return out;
  }

  /**
   * Sends each dout to the position of its window's maximum (the book's
   * `dmax[…, arg_max] = dout`, then col2im, which adds where windows
   * overlap). N×(C·OH·OW) → N×(C·H·W).
   */
  backward(dout: Matrix): Matrix {
    const where = "Pooling.backward()";
    assertMatrix(where, "dout", dout);
    const out = this.#out;
    if (out === undefined) throw new Error(`${where}: called before forward()`);
    assertSameShape(where, "dout", out, dout);
    const [c, h, w] = this.inputShape;
    const dx = this.#dx = this.#k.buffer(this.#dx, dout.rows, c * h * w);
    this.#k.maxPoolBackward(dout, this.#argMax, dx); // dx[arg_max] += dout
    return dx;
  }

  /** Pooling has no parameters. */
  params(): Param[] {
    return [];
  }
}
