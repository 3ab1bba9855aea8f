/**
 * The compute seam: everything a layer computes with, and nothing about how.
 *
 * A layer holds the book's math and calls these with matrices and small
 * shape records; which loop runs is decided here, below the seam, by the
 * kernels a net was built with (see `backend.ts`): the pure-TypeScript ones
 * (`ts_kernels.ts`) or the WebAssembly SIMD ones (`simd/simd.ts`), both
 * built on `dispatch.ts`.
 *
 * How a product runs: `matmul(x, W)` looks at its left operand. When x is
 * mostly zeros (MNIST pixels are ~80 %) and skipping them pays on these
 * kernels, it finds x's non-zeros and multiplies over those only (a batch
 * the kernels gathered from u8 pixels, `gatherBytes`, comes with them);
 * zeros are skipped only while W is all finite, so that 0·∞ still gives
 * NaN, as in NumPy. `matmulTN(x, dout)` (the weight gradient xᵀ·dout)
 * reuses what `matmul(x, …)` found about the same x. Either way the
 * numbers are those of the dense loop. A convolution is one call each way (`convolution`,
 * `convolutionBackward`), so that its loops (im2col and a product here)
 * can change without touching the layer.
 *
 * Memory: arrays come from the kernels (`float64`, `buffer`), so that with
 * the SIMD kernels they live in the one `WebAssembly.Memory` the kernels
 * read without copying; `buffer` gives back a buffer's old block when a
 * larger batch needs a larger one.
 *
 * The element type is the kernels' (`dtype`): float32 kernels hand out
 * matrices whose data is a Float32Array (from `buffer` and `floats`),
 * compute every method over them, and the net takes its parameters from
 * their memory. Layers never name the element type: they allocate through
 * `buffer` and call these methods, so one copy of each layer serves both;
 * only the numerical gradient, an oracle, stays in float64.
 *
 * @module
 */

import type { DType, FloatArray, Matrix } from "./matrix.ts";
import type { Allocator } from "./memory.ts";
import type { ImageShape, Window } from "./im2col.ts";
import type { ByteRows } from "./sparse.ts";

/**
 * What a convolution's forward keeps for its backward, made and read back
 * by the kernels that computed it: for the im2col kernels, the columns
 * (N·OH·OW)×(C·FH·FW) and their working buffers; for the SIMD ones, where
 * x is and the plans of the calls (they build what backward needs from x
 * again, block by block: `simd/convolution.ts`). Opaque to the layer,
 * which keeps it, and x unchanged, between the two calls.
 */
export interface ConvolutionSaved {
  /** The kernels that made it, the only ones that can read it. */
  readonly kernels: Kernels;
}

/** The gradients a convolution's backward writes (see `convolutionBackward`). */
export interface ConvolutionGrads {
  /** ∂L/∂W, FN×(C·FH·FW), overwritten. */
  dW: Matrix;
  /** ∂L/∂b, 1×FN, overwritten. */
  db: Matrix;
  /** ∂L/∂x, N×(C·H·W), overwritten; undefined: not computed. */
  dx?: Matrix;
}

/**
 * What the layers compute with. Every method has the same results on every
 * implementation (bit for bit without fused multiply-add; within rounding
 * with it, see `SimdKernels`), but the convolution: the SIMD kernels' is
 * Winograd's for 3×3 filters and sums in another order, within rounding of
 * the im2col one (bounded in `tests/simd_conv_test.ts`).
 *
 * Ownership: `out` arguments are written, never read; an `out` must not
 * share memory with an operand. After `matmul(a, b)`, do not change `a`
 * before `matmulTN(a, …)` (a layer keeps its `x` unchanged between forward
 * and backward).
 */
export interface Kernels extends Allocator {
  /** `"ts"`, `"simd"` or `"simd+fma"` (see `threads` for a second thread). */
  readonly name: string;
  /** The backend: `"ts"` or `"simd"`. */
  readonly backend: "ts" | "simd";
  /** Threads the large products are split over (1 or 2). */
  readonly threads: number;
  /**
   * The element type of every matrix these kernels make (`buffer`,
   * `floats`, an `out` left out) and of the operands they take.
   */
  readonly dtype: DType;

  /** A zeroed array of `dtype`, `length` long, in these kernels' memory. */
  floats(length: number): FloatArray;

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
  matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** C = Aᵀ · B: A M×K, B M×N → K×N (the weight gradient xᵀ · dout); `out` default: new. */
  matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** C = A · Bᵀ: A M×K, B N×K → M×N (dx = dout · Wᵀ); `out` default: new. */
  matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** out = X + b, the 1×N row b added to every row of X (M×N); `out` default: new (it may be `x`). */
  addRowVector(x: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** out = Σ rows of X: M×N → 1×N (the bias gradient); `out` default: new. */
  sumColumns(x: Matrix, out?: Matrix): Matrix;
  /**
   * y ← y + α·x in place, x and y of one shape (BLAS's axpy; SGD's step is
   * `axpy(−lr, dW, W)`): the bits of the TypeScript loop (`axpy` in
   * `naive.ts`) on every implementation. Returns y.
   *
   * @throws {RangeError} if x and y differ in shape.
   */
  axpy(alpha: number, x: Matrix, y: Matrix): Matrix;
  /** Whether every element of `a` is finite. */
  allFinite(a: Matrix): boolean;
  /**
   * Rows of bytes as numbers (u8 pixels, `ByteRows`): an n×D matrix, into
   * `out` when it is n×D, else a new one. A matrix these kernels make may
   * hold just the bytes' non-zeros and write its values when something
   * first reads them (a net whose first layer only multiplies by its batch
   * never needs them); pass it back as the next `out`, and a new shape
   * gives it up, as `buffer` does.
   *
   * @throws {RangeError} unless every row lies within the bytes.
   */
  gatherBytes(rows: ByteRows, out?: Matrix): Matrix;

  /**
   * ReLU: mask[i] = 1 where x ≤ 0 (the book's `mask = (x <= 0)`), out = x
   * with zeros at the mask. NaN is not ≤ 0: it passes through. All of one
   * length.
   */
  relu(x: Matrix, out: Matrix, mask: Uint8Array): void;
  /** ReLU's backward: dx = dout with zeros at the mask. */
  reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void;

  /**
   * The convolution of section 7.4: FN filters W (FN×(C·FH·FW)) slid as
   * `window` over each image of x (N×(C·H·W), one `input`-shaped image per
   * row), plus the bias b (1×FN) per filter, into `out` (N×(FN·OH·OW), each
   * row FN×OH×OW). Returns what the backward needs, reusing `saved` (the
   * previous forward's) where it can. Shapes are the caller's to check.
   */
  convolution(
    x: Matrix,
    W: Matrix,
    b: Matrix,
    input: ImageShape,
    window: Window,
    out: Matrix,
    saved?: ConvolutionSaved,
  ): ConvolutionSaved;
  /**
   * The convolution's backward from dout (N×(FN·OH·OW)): dW, db and, when
   * given, dx, from what `convolution` saved.
   *
   * @throws {TypeError} if `saved` came from other kernels.
   */
  convolutionBackward(
    dout: Matrix,
    W: Matrix,
    saved: ConvolutionSaved,
    grads: ConvolutionGrads,
  ): void;
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
   * Max pooling's backward: each dout (N×(C·OH·OW)) to where `argmax` says
   * its maximum was, summed where windows overlap, into dx (N×(C·H·W)).
   */
  maxPoolBackward(dout: Matrix, argmax: Int32Array, dx: Matrix): void;

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
