/**
 * The affine (fully connected) layer.
 *
 * @module
 */

import { assertMatrix, ensureShape, Matrix } from "../core/matrix.ts";
import { addRowVector, sumColumns } from "../core/naive.ts";
import { type Kernels, poolKernels, TS_KERNELS } from "../core/kernels.ts";
import {
  type ArrayAllocator,
  type ListRunner,
  matmulSparse,
  matmulTNSparse,
  SparseRows,
} from "../core/sparse.ts";

/**
 * A second thread for the sparse products and the shared memory it reads
 * (a `WorkerPool` from `core/pool.ts`).
 */
export type Pool = ListRunner & ArrayAllocator;

/** Options of the {@linkcode Affine} constructor. */
export interface AffineOptions {
  /**
   * The kernels to compute with (default: the pure-TypeScript ones,
   * `TS_KERNELS`). dW and the sparse copy of the input are allocated from
   * them, so that with `SimdKernels` they live in its memory; pass W and b
   * from there too (`kernels.float64`) or they are copied on every product.
   */
  kernels?: Kernels;
  /**
   * Share the sparse products with a `WorkerPool`'s worker (dW and the
   * sparse input then live in its shared memory), on the pure-TypeScript
   * kernels. Same results. Not with `kernels`.
   */
  pool?: Pool;
}

/**
 * Inputs with at most this fraction of non-zeros take the sparse kernels
 * (bench/matmul_bench.ts: at MNIST's 20 % the sparse forward is ~3× the
 * blocked dense one; at 100 % it is ~1.5× slower). Internal: exported for
 * `net/batch.ts`, not from `mod.ts`.
 */
export const SPARSE_MAX_DENSITY = 0.5;
import type { Layer, Param } from "./layer.ts";

/**
 * Whether x's first row has at most SPARSE_MAX_DENSITY non-zeros: a look at
 * one row before `SparseRows.fill` scans up to half of a dense batch to
 * find out it is dense (~50 µs at 100×784, bench/train_bench.ts "dense").
 * A sparse batch whose first row is dense takes the dense kernels: slower
 * for that batch, the same numbers.
 */
function firstRowSparse(x: Matrix): boolean {
  const k = x.cols, X = x.data;
  let nonZeros = 0;
  for (let p = 0; p < k && p < X.length; p++) if (X[p] !== 0) nonZeros++;
  return nonZeros <= SPARSE_MAX_DENSITY * k;
}

/**
 * out = x · W + b, with W of shape D×H and b of shape 1×H.
 *
 * Forward keeps a reference to `x` (the caller must not change it before
 * `backward`). Backward computes
 * - dx = dout · Wᵀ  (N×H · H×D → N×D)
 * - dW = xᵀ · dout  (D×N · N×H → D×H)
 * - db = Σₙ dout    (column sums, 1×H)
 *
 * `W` and `b` are the matrices passed in, not copies: a network that owns
 * them sees every update, and an optimiser that writes `W.data` trains the
 * layer.
 *
 * Speed: the products use the register-blocked kernels of `core/fast.ts`;
 * an input that is mostly zeros (MNIST pixels) takes the zero-skipping
 * kernels of `core/sparse.ts` for x·W and xᵀ·dout, provided W (resp. dout)
 * is all finite so that 0·∞ still gives NaN. Results are the same either
 * way. A first layer, whose dx nobody needs, calls `backwardParams` instead
 * of `backward` and skips the dout·Wᵀ product.
 *
 * @example
 * ```ts
 * import { Matrix } from "../core/matrix.ts";
 * import { Affine } from "./affine.ts";
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
  /**
   * Skip the per-forward check that W is finite (which decides whether the
   * zero-skipping kernel may run). Only for a caller that has checked W and
   * changes it by finite steps, as a numerical gradient does; default false.
   */
  assumeFiniteW = false;
  #x?: Matrix | SparseRows; // N×D, the last input (a reference, not a copy)
  #kernels: Kernels;
  #xSparse: SparseRows; // a dense x's non-zeros, refilled per forward
  #sparse?: SparseRows; // x's non-zeros when the last forward skipped zeros
  #xDense?: Matrix; // a sparse x made dense, when a dense product needs it
  #out?: Matrix; // N×H
  #dx?: Matrix; // N×D

  /**
   * Wraps `W` (D×H) and `b` (1×H); allocates dW and db from the kernels'
   * memory (see {@linkcode AffineOptions}).
   *
   * @throws {RangeError} unless `b` is 1×H for H = `W.cols`, or if both
   * `kernels` and `pool` are given.
   */
  constructor(W: Matrix, b: Matrix, options: AffineOptions = {}) {
    assertMatrix("Affine", "W", W);
    assertMatrix("Affine", "b", b);
    if (b.rows !== 1 || b.cols !== W.cols) {
      throw new RangeError(
        `Affine: expected b of shape 1×${W.cols} (W is ${W.shape}) but found ${b.shape}`,
      );
    }
    this.W = W;
    this.b = b;
    if (options.kernels !== undefined && options.pool !== undefined) {
      throw new RangeError(
        "Affine: expected either kernels or pool but found both (a WorkerPool runs the TypeScript kernels)",
      );
    }
    const kernels = this.#kernels = options.kernels ??
      (options.pool ? poolKernels(options.pool) : TS_KERNELS);
    this.dW = new Matrix(W.rows, W.cols, kernels.float64(W.rows * W.cols));
    this.db = new Matrix(1, b.cols, kernels.float64(b.cols));
    this.#xSparse = new SparseRows(kernels);
  }

  /**
   * out = x · W + b; N×D → N×H. `x` may also come sparse (its non-zeros as
   * `SparseRows`, e.g. from `ImageSet.sparseBatch`): same results, without
   * the search for zeros.
   *
   * @throws {RangeError} if `x` does not have D = `W.rows` columns.
   */
  forward(x: Matrix | SparseRows): Matrix {
    if (!(x instanceof SparseRows)) assertMatrix("Affine.forward()", "x", x);
    if (x.cols !== this.W.rows) {
      throw new RangeError(
        `Affine.forward(): expected x with ${this.W.rows} columns (W is ${this.W.shape}) but found x of shape ${x.shape}`,
      );
    }
    this.#x = x;
    const out = (this.#out = ensureShape(
      this.#out,
      x.rows,
      this.W.cols,
      this.#kernels,
    ));
    // Skip x's zeros only while W is finite (0·∞ must give NaN), and only
    // when x is sparse enough to pay.
    this.#sparse = undefined;
    if (this.assumeFiniteW || this.#kernels.allFinite(this.W)) {
      if (x instanceof SparseRows) this.#sparse = x;
      else if (
        firstRowSparse(x) && this.#xSparse.fill(x, SPARSE_MAX_DENSITY)
      ) {
        this.#sparse = this.#xSparse;
      }
    }
    if (this.#sparse) matmulSparse(this.#sparse, this.W, out, this.#kernels);
    else this.#kernels.matmul(this.#dense(x), this.W, out);
    return addRowVector(out, this.b, out);
  }

  /**
   * Returns dx (N×D) and overwrites dW and db.
   *
   * @throws {RangeError} if `dout` is not N×H for the last forward's N.
   */
  backward(dout: Matrix): Matrix {
    const x = this.#backwardParams("Affine.backward()", dout);
    const dx =
      (this.#dx = ensureShape(this.#dx, x.rows, x.cols, this.#kernels));
    return this.#kernels.matmulNT(dout, this.W, dx); // dx = dout · Wᵀ
  }

  /**
   * Overwrites dW and db like `backward`, without computing dx: for the
   * first layer of a network, whose input needs no gradient.
   *
   * @throws {RangeError} if `dout` is not N×H for the last forward's N.
   *
   * @example
   * ```ts
   * import { Matrix } from "../core/matrix.ts";
   * import { Affine } from "./affine.ts";
   *
   * const first = new Affine(Matrix.fromRows([[1, 0], [0, 1]]), Matrix.fromRows([[0, 0]]));
   * first.forward(Matrix.fromRows([[3, 4]]));
   * first.backwardParams(Matrix.fromRows([[1, 2]]));
   * console.log(first.dW.toRows()); // [[3, 6], [4, 8]]
   * ```
   */
  backwardParams(dout: Matrix): void {
    this.#backwardParams("Affine.backwardParams()", dout);
  }

  /** x itself, or a sparse x made dense (0·∞ must still give NaN). */
  #dense(x: Matrix | SparseRows): Matrix {
    if (!(x instanceof SparseRows)) return x;
    return (this.#xDense = x.toDense(this.#xDense));
  }

  /** dW and db from dout; returns the forward's x. */
  #backwardParams(where: string, dout: Matrix): Matrix | SparseRows {
    assertMatrix(where, "dout", dout);
    const x = this.#x;
    if (x === undefined) {
      throw new Error(`${where}: called before forward()`);
    }
    if (dout.rows !== x.rows || dout.cols !== this.W.cols) {
      throw new RangeError(
        `${where}: expected dout of shape ${x.rows}×${this.W.cols} (x was ${x.shape}, W is ${this.W.shape}) but found ${dout.shape}`,
      );
    }
    // dW = xᵀ · dout, skipping x's zeros when dout is finite (0·∞ = NaN).
    if (this.#sparse && this.#kernels.allFinite(dout)) {
      matmulTNSparse(this.#sparse, dout, this.dW, this.#kernels);
    } else {
      this.#kernels.matmulTN(this.#dense(x), dout, this.dW);
    }
    sumColumns(dout, this.db); // db = Σₙ dout
    return x;
  }

  /** [W, b] with their gradients dW, db. */
  params(): Param[] {
    return [
      { name: "W", value: this.W, grad: this.dW },
      { name: "b", value: this.b, grad: this.db },
    ];
  }
}
