/**
 * The affine (fully connected) layer of chapter 5 (section 5.6.2, "Affine
 * layer"; the book's `common/layers.py` `Affine`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of the {@linkcode Affine} constructor. */
export interface AffineOptions {
  /**
   * The kernels to compute with (default: the pure-TypeScript ones). dW,
   * db and the layer's buffers are allocated from them; pass W and b from
   * there too (`kernels.float64`), or the SIMD kernels copy them per
   * product.
   */
  kernels?: Kernels;
  /**
   * Whether `backward` computes dx (default true). A network's first layer
   * sets it to false: nothing needs the gradient of the input batch, and
   * dout · Wᵀ is a third of the layer's work.
   */
  needsInputGrad?: boolean;
}

/**
 * out = x · W + b, with W of shape D×H and b of shape 1×H. Backward:
 * - dx = dout · Wᵀ  (N×H · H×D → N×D)
 * - dW = xᵀ · dout  (D×N · N×H → D×H)
 * - db = Σₙ dout    (column sums, 1×H)
 *
 * Forward keeps a reference to `x` (do not change it before `backward`).
 * `W` and `b` are the matrices passed in, not copies: an optimizer that
 * writes `W.data` trains the layer. Whether x's zeros are skipped (MNIST
 * pixels are ~80 % zeros) is the kernels' business: same results.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Affine } from "@dlfs/nn/layers";
 *
 * const affine = new Affine(Matrix.fromRows([[1, 0], [0, 1], [1, 1]]), Matrix.fromRows([[0.5, -0.5]]));
 * console.log(affine.forward(Matrix.fromRows([[1, 2, 3]])).toRows()); // [[4.5, 4.5]]
 * affine.backward(Matrix.fromRows([[1, 1]]));
 * console.log(affine.dW.toRows(), affine.db.toRows()); // [[1, 1], [2, 2], [3, 3]] [[1, 1]]
 * ```
 */
export class Affine implements Layer {
  /** Weights, D×H (shared with the owner, updated in place). */
  readonly W: Matrix;
  /** Bias, 1×H (shared with the owner, updated in place). */
  readonly b: Matrix;
  /** ∂L/∂W from the last `backward`, D×H. */
  readonly dW: Matrix;
  /** ∂L/∂b from the last `backward`, 1×H. */
  readonly db: Matrix;
  /** Whether `backward` computes dx (see {@linkcode AffineOptions}). */
  readonly needsInputGrad: boolean;
  #x?: Matrix; // N×D, the last input (a reference, not a copy)
  #out?: Matrix; // N×H
  #dx?: Matrix; // N×D
  #k: Kernels;

  /**
   * Wraps `W` (D×H) and `b` (1×H); allocates dW and db.
   *
   * @param options see {@linkcode AffineOptions} (default `{}`: each option at its
   * default)
   * @throws {RangeError} unless `b` is 1×H for H = `W.cols`.
   */
  constructor(W: Matrix, b: Matrix, options: AffineOptions = {}) {
    checkOptions("Affine", options, ["kernels", "needsInputGrad"]);
    assertMatrix("Affine", "W", W);
    assertMatrix("Affine", "b", b);
    if (b.rows !== 1 || b.cols !== W.cols) {
      throw new RangeError(
        `Affine: expected b of shape 1×${W.cols} (W is ${W.shape}) but found ${b.shape}`,
      );
    }
    const k = this.#k = options.kernels ?? TS_KERNELS;
    this.W = W;
    this.b = b;
    this.dW = k.buffer(undefined, W.rows, W.cols);
    this.db = k.buffer(undefined, 1, W.cols);
    this.needsInputGrad = options.needsInputGrad ?? true;
  }

  /** The last input, N×D (undefined before the first forward). */
  get x(): Matrix | undefined {
    return this.#x;
  }

  /**
   * out = x · W + b; N×D → N×H, a buffer owned by the layer.
   *
   * @throws {RangeError} if `x` does not have D = `W.rows` columns.
   */
  forward(x: Matrix): Matrix {
    assertMatrix("Affine.forward()", "x", x);
    if (x.cols !== this.W.rows) {
      throw new RangeError(
        `Affine.forward(): expected x with ${this.W.rows} columns (W is ${this.W.shape}) but found x of shape ${x.shape}`,
      );
    }
    const k = this.#k;
    this.#x = x;
    const out = this.#out = k.buffer(this.#out, x.rows, this.W.cols);
    k.matmul(x, this.W, out); // x · W
    return k.addRowVector(out, this.b, out); // + b
  }

  /**
   * Overwrites dW and db; returns dx (N×D), or undefined when
   * `needsInputGrad` is false.
   *
   * @throws {RangeError} if `dout` is not N×H for the last forward's N.
   */
  backward(dout: Matrix): Matrix | undefined {
    const where = "Affine.backward()", x = this.#x, k = this.#k;
    assertMatrix(where, "dout", dout);
    if (x === undefined) throw new Error(`${where}: called before forward()`);
    if (dout.rows !== x.rows || dout.cols !== this.W.cols) {
      throw new RangeError(
        `${where}: expected dout of shape ${x.rows}×${this.W.cols} (x was ${x.shape}, W is ${this.W.shape}) but found ${dout.shape}`,
      );
    }
    let dx: Matrix | undefined;
    if (this.needsInputGrad) {
      this.#dx = k.buffer(this.#dx, x.rows, x.cols);
      dx = k.matmulNT(dout, this.W, this.#dx); // dx = dout · Wᵀ
    }
    k.matmulTN(x, dout, this.dW); // dW = xᵀ · dout
    k.sumColumns(dout, this.db); // db = Σₙ dout
    return dx;
  }

  /** [W, b] with their gradients dW, db. */
  params(): Param[] {
    return [
      { name: "W", value: this.W, grad: this.dW },
      { name: "b", value: this.b, grad: this.db },
    ];
  }
}
