/**
 * Dropout (Srivastava et al. 2014), the book's `Dropout` (section 6.4.3,
 * "Dropout"; `common/layers.py`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of {@linkcode Dropout}. */
export interface DropoutOptions {
  /** The generator of the masks (seeded, explicit). */
  rng: Rng;
  /** The fraction of units dropped in training (default 0.5). */
  ratio?: number;
  /**
   * Kernels whose memory the layer's buffers come from (e.g. the net's
   * `SimdKernels`, so that the next layer's products read them in place;
   * default: the pure-TypeScript kernels).
   */
  kernels?: Kernels;
}

/**
 * In training mode (`forward(x)` or `forward(x, true)`), zeroes each unit with probability `ratio` (a fresh mask
 * per forward, drawn from `rng`: unit kept when u > ratio, u uniform in
 * [0, 1)); in test mode (`forward(x, false)`, the book's
 * `train_flg=False`), scales every unit by (1 − ratio), as the book does
 * (not "inverted" dropout, which would scale in training instead). Backward
 * passes dout through the kept units.
 *
 * `frozenMask = true` keeps the current mask for the following forwards, so
 * that a numerical gradient sees one fixed function; `holdMask(mask)` gives
 * it a mask to keep (another thread's copy of the net, the same masks).
 *
 * @example
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { Dropout } from "@dlfs/nn/layers";
 *
 * const drop = new Dropout({ rng: new Rng(1), ratio: 0.5 });
 * console.log(drop.forward(Matrix.fromRows([[1, 2, 3, 4]])).toRows()); // some units 0, the rest kept
 * console.log(drop.forward(Matrix.fromRows([[1, 2, 3, 4]]), false).toRows()); // [[0.5, 1, 1.5, 2]]
 * ```
 */
export class Dropout implements Layer {
  /** The fraction of units dropped in training. */
  readonly ratio: number;
  /** Its training-mode masks are random: see `Layer.random`. */
  readonly random = true;
  /** Keep the current mask instead of drawing a new one (for gradient checks). */
  frozenMask = false;
  #rng: Rng;
  #mask: Uint8Array = new Uint8Array(0); // N·D, 1 where the unit is kept
  #maskShape?: Matrix; // the shape the mask was drawn for
  #out?: Matrix;
  #dx?: Matrix;
  #k: Kernels;

  /**
   * Creates the layer.
   *
   * @throws {RangeError} unless ratio is in [0, 1).
   * @throws {TypeError} without an rng.
   */
  constructor(options: DropoutOptions) {
    checkOptions("Dropout", options, ["rng", "ratio", "kernels"]);
    const { rng, ratio = 0.5, kernels } = options ?? {};
    this.#k = kernels ?? TS_KERNELS;
    if (typeof rng?.uniform !== "function") {
      throw new TypeError(
        "Dropout: expected options.rng to be an Rng (e.g. { rng: new Rng(42) }) but found none",
      );
    }
    if (!(ratio >= 0 && ratio < 1)) {
      throw new RangeError(
        `Dropout: expected ratio in [0, 1) but found ${ratio}`,
      );
    }
    this.#rng = rng;
    this.ratio = ratio;
  }

  /**
   * The mask of the last training-mode forward, or the one held: N·D, row
   * by row, 1 where the unit is kept (the book's `mask`; empty before the
   * first; read it, do not write it).
   */
  get mask(): Uint8Array {
    return this.#mask;
  }

  /**
   * Keeps `mask` (an N×D matrix of 0 and 1, 1 where a unit is kept) for the
   * following training-mode forwards of N×D inputs, and sets `frozenMask`.
   *
   * @throws {RangeError} for a value other than 0 or 1.
   */
  holdMask(mask: Matrix): void {
    assertMatrix("Dropout.holdMask()", "mask", mask);
    const M = mask.data, k = this.#k;
    const bad = M.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) {
      throw new RangeError(
        `Dropout.holdMask(): expected a mask of 0 and 1 but found ${
          M[bad]
        } at ${bad}`,
      );
    }
    if (this.#mask.length !== M.length) {
      k.free(this.#mask);
      this.#mask = k.uint8(M.length);
    }
    this.#mask.set(M);
    this.#maskShape = k.buffer(this.#maskShape, mask.rows, mask.cols);
    this.frozenMask = true;
  }

  /**
   * Training (`train`, the default): x · mask; test: x · (1 − ratio).
   * N×D → N×D.
   *
   * @throws {RangeError} with `frozenMask` and a shape other than the mask's.
   */
  forward(x: Matrix, train = true): Matrix {
    const where = "Dropout.forward()";
    assertMatrix(where, "x", x);
    const out = this.#out = this.#k.buffer(this.#out, x.rows, x.cols);
    const X = x.data, O = out.data;
    if (!train) {
      const keep = 1 - this.ratio;
      for (let i = 0; i < X.length; i++) O[i] = X[i] * keep;
      return out;
    }
    if (this.frozenMask && this.#maskShape !== undefined) {
      assertSameShape(where, "x (the frozen mask's shape)", this.#maskShape, x);
    } else {
      if (this.#mask.length !== X.length) {
        this.#k.free(this.#mask);
        this.#mask = this.#k.uint8(X.length);
      }
      for (let i = 0; i < X.length; i++) {
        this.#mask[i] = this.#rng.uniform() > this.ratio ? 1 : 0;
      }
      this.#maskShape = this.#k.buffer(this.#maskShape, x.rows, x.cols);
    }
    const mask = this.#mask;
    for (let i = 0; i < X.length; i++) O[i] = X[i] * mask[i]; // NaN · 0 = NaN, as NumPy's x * mask
    return out;
  }

  /**
   * dx = dout · mask (training-mode forward only).
   *
   * @throws {RangeError} if dout's shape differs from the mask's.
   */
  backward(dout: Matrix): Matrix {
    const where = "Dropout.backward()";
    assertMatrix(where, "dout", dout);
    if (this.#maskShape === undefined) {
      throw new Error(`${where}: called before a forward() in training mode`);
    }
    assertSameShape(where, "dout", this.#maskShape, dout);
    const dx = this.#dx = this.#k.buffer(this.#dx, dout.rows, dout.cols);
    const D = dout.data, G = dx.data, mask = this.#mask;
    for (let i = 0; i < D.length; i++) G[i] = D[i] * mask[i]; // dout * mask
    return dx;
  }

  /** The generator the masks are drawn from: see `Layer.rng`. */
  get rng(): Rng {
    return this.#rng;
  }

  /** Dropout has no parameters. */
  params(): Param[] {
    return [];
  }
}
