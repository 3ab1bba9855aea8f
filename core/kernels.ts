/**
 * The compute seam: everything a layer computes with, and nothing about how.
 *
 * A layer holds the book's math and calls these; which loop runs is
 * decided here, below the seam, by the kernels a net was built with (see
 * `backend.ts`): the pure-TypeScript ones (`ts_kernels.ts`) or the
 * WebAssembly SIMD ones (`simd/simd.ts`), both built on `dispatch.ts`.
 *
 * How a product runs: `matmul(x, W)` looks at its left operand. A batch
 * that comes as its non-zeros (`SparseRows`, e.g. MNIST pixels from
 * `ImageSet.sparseBatch`) is multiplied over those non-zeros only; a dense
 * one that is mostly zeros is compacted first, when that pays on these
 * kernels. Zeros are skipped only while the other operand is all finite,
 * so that 0·∞ still gives NaN, as in NumPy. `matmulTN(x, dout)` (the
 * weight gradient xᵀ·dout) reuses what `matmul(x, …)` found out about the
 * same x. Either way the numbers are those of the dense loop.
 *
 * Memory: arrays come from the kernels (`float64`, `buffer`), so that with
 * the SIMD kernels they live in the one `WebAssembly.Memory` the kernels
 * read without copying; `buffer` gives back a buffer's old block when a
 * larger batch needs a larger one.
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import type { Allocator } from "./memory.ts";
import type { CompactLoops, SparseRows } from "./sparse.ts";
import type { ImageShape, Window } from "./im2col.ts";

/**
 * A batch of inputs, one row per sample: dense, or just its non-zeros
 * (`SparseRows`, e.g. from `ImageSet.sparseBatch`), which products take as
 * they are (same results, less work).
 */
export type Batch = Matrix | SparseRows;

/**
 * What the layers compute with. Every method has the same results on every
 * implementation (bit for bit without fused multiply-add; within rounding
 * with it, see `SimdKernels`).
 *
 * Ownership: `out` arguments are written, never read; an `out` must not
 * share memory with an operand. After `matmul(a, b)` with a dense `a`, do
 * not change `a` before `matmulTN(a, …)` (a layer keeps its `x` unchanged
 * between forward and backward).
 */
export interface Kernels extends Allocator, CompactLoops {
  /** `"ts"`, `"simd"` or `"simd+fma"` (see `threads` for a second thread). */
  readonly name: string;
  /** The backend: `"ts"` or `"simd"`. */
  readonly backend: "ts" | "simd";
  /** Threads the large products are split over (1 or 2). */
  readonly threads: number;

  /**
   * `buf` when it is `rows × cols` already; else a zeroed matrix of that
   * shape in these kernels' memory, reusing `buf`'s block when it is large
   * enough and giving it back when it is not. How layers keep their
   * buffers: allocated on first use, valid until the next call.
   */
  buffer(buf: Matrix | undefined, rows: number, cols: number): Matrix;

  /**
   * C = A · B: (M×K) · (K×N) → M×N. Here and below, `out` (default: a new
   * matrix in these kernels' memory) receives the result: it must have the
   * result's shape and not be an input.
   */
  matmul(a: Batch, b: Matrix, out?: Matrix): Matrix;
  /** C = Aᵀ · B: A M×K, B M×N → K×N (the weight gradient xᵀ · dout); `out` default: new. */
  matmulTN(a: Batch, b: Matrix, out?: Matrix): Matrix;
  /** C = A · Bᵀ: A M×K, B N×K → M×N (dx = dout · Wᵀ); `out` default: new. */
  matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** out = X + b, the 1×N row b added to every row of X (M×N); `out` default: new (it may be `x`). */
  addRowVector(x: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** out = Σ rows of X: M×N → 1×N (the bias gradient); `out` default: new. */
  sumColumns(x: Matrix, out?: Matrix): Matrix;
  /** Whether every element of `a` is finite. */
  allFinite(a: Matrix): boolean;

  /**
   * ReLU: mask[i] = 1 where x ≤ 0 (the book's `mask = (x <= 0)`), out = x
   * with zeros at the mask. NaN is not ≤ 0: it passes through. All of one
   * length.
   */
  relu(x: Matrix, out: Matrix, mask: Uint8Array): void;
  /** ReLU's backward: dx = dout with zeros at the mask. */
  reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void;
  /**
   * Max pooling of N images of `input` (C×H×W each, one per row of x):
   * each window's maximum into `out` (N×(C·OH·OW)), and where it was
   * (index into the row of x; −1 for a padding zero) into `argmax`.
   */
  maxPool(
    x: Matrix,
    input: ImageShape,
    window: Window,
    out: Matrix,
    argmax: Int32Array,
  ): void;

  /**
   * Resolves once every thread takes work (at once with one thread).
   *
   * @throws {Error} if a worker did not start.
   */
  ready(): Promise<void>;
  /** Stops a second thread, if any; the kernels then run on one. */
  close(): void;
  /** `close()`, for `using`. */
  [Symbol.dispose](): void;
}
