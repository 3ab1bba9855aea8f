/**
 * What every implementation of the {@linkcode Kernels} seam shares: the
 * choice between the dense and the zero-skipping product, the finiteness
 * guard that keeps 0·∞ = NaN, the memory of which operands were compacted,
 * buffers that follow the largest batch, and the convolution by im2col. An
 * implementation brings its dense loops (`ts_kernels.ts`, `simd/simd.ts`)
 * and may replace any other method with a faster one that has the same
 * results.
 *
 * @module
 */

import {
  assertMatrix,
  type DType,
  dtypeOf,
  type FloatArray,
  floatArray,
  Matrix,
} from "./matrix.ts";
import type { ConvolutionGrads, ConvolutionSaved, Kernels } from "./kernels.ts";
import { PLAIN_MEMORY } from "./memory.ts";
import type { ImageShape, Window } from "./im2col.ts";
import {
  checkGather,
  checkMatmul,
  checkMatmulNT,
  checkMatmulTN,
  checkOut,
} from "./naive.ts";
import { type ByteRows, type Lists, SparseRows } from "./sparse.ts";
import { type Loops, loopsOf } from "./loops.ts";
import { denseOf, GatheredMatrix, nonZeros, storage } from "./gathered.ts";

/**
 * A left operand is compacted only while at most this fraction of the rows
 * read so far is non-zero (bench/matmul_bench.ts: at MNIST's 19 % the
 * sparse product is ~3× the dense one on the scalar kernels; at 100 % it is
 * ~1.5× slower). The search gives up on the first row of a dense operand:
 * a look at one row before scanning half of a dense batch (~50 µs at
 * 100×784, bench/train_bench.ts "dense").
 */
export const SPARSE_MAX_DENSITY = 0.5;

/**
 * On vectorised kernels a compaction pays only for products this wide or
 * wider (output columns): MNIST's first layer (50) gains, a convolution's
 * im2col product (30 filters) does not (bench/convnet_bench.ts: finding the
 * zeros cost as much as the dense product it saved, 4.8 + 2.1 ms vs 7.1 ms).
 */
export const VECTORIZED_MIN_WIDTH = 40;

/** Weight matrices whose compacted left operands are remembered. */
const REMEMBERED = 8;

/**
 * The arrays of the last left operand compacted against one B, and which
 * operand that was (for `matmulTN`): only the last one multiplied by B, as
 * a layer keeps only its last input. (Not by `WeakRef`: a weak target
 * stays alive until the current job ends, which in a synchronous training
 * loop is never; every batch would stay.)
 */
interface Slot {
  b: Matrix;
  a?: Matrix;
  s: SparseRows;
}

/** The block each buffer of `buffer()` is a view of. */
const blocks = new WeakMap<FloatArray, FloatArray>();

/**
 * The shared part of every {@linkcode Kernels}: see the module doc.
 * Subclasses implement `gemm`, `gemmTN`, `gemmNT` (dense, shapes checked)
 * and may override the rest.
 */
export abstract class BaseKernels implements Kernels {
  /** See {@linkcode Kernels.name}. */
  abstract readonly name: string;
  /** See {@linkcode Kernels.backend}. */
  abstract readonly backend: "ts" | "simd";
  /** See {@linkcode Kernels.dtype}. */
  readonly dtype: DType;
  /**
   * The TypeScript loops for `dtype`'s arrays (`loops.ts`; internal).
   *
   * @ignore
   */
  protected readonly loops: Loops;
  /**
   * Whether the dense products are vectorised (about 3× the scalar loops),
   * so that skipping zeros pays in fewer products.
   */
  protected abstract readonly vectorized: boolean;
  // One slot per recent B, most recently used last; its arrays are reused
  // by the next compaction against the same B (the next batch through the
  // same layer), so they follow the largest batch and no more.
  #slots: Slot[] = [];
  #compactLoop = (a: Matrix, into: SparseRows, maxDensity: number) =>
    this.compactRows(a, into, maxDensity);
  #byteLoop = (rows: ByteRows, into: SparseRows) =>
    this.compactByteRows(rows, into);
  #writeBytes = (rows: ByteRows, out: Matrix) => this.writeBytes(rows, out);

  /**
   * Kernels of `dtype` (default float64).
   *
   * @throws {RangeError} for a dtype other than `"float32"` and `"float64"`.
   */
  constructor(dtype: DType = "float64") {
    floatArray(dtype, 0); // checks it
    this.dtype = dtype;
    this.loops = loopsOf(dtype);
  }

  /** C = A · B for dense operands, C of the right shape. */
  protected abstract gemm(a: Matrix, b: Matrix, c: Matrix): void;
  /** C = Aᵀ · B for dense operands, C of the right shape. */
  protected abstract gemmTN(a: Matrix, b: Matrix, c: Matrix): void;
  /** C = A · Bᵀ for dense operands, C of the right shape. */
  protected abstract gemmNT(a: Matrix, b: Matrix, c: Matrix): void;

  /** 1; 2 while a second thread shares the products. */
  get threads(): number {
    return 1;
  }

  /** The product over lists, every output row (`productByLists`). */
  protected lists(lists: Lists, b: Matrix, c: Matrix): void {
    this.loops.productByLists(lists, b, c);
  }

  /** The non-zeros of `a` into `into` (`compactRows` of `sparse.ts`). */
  protected compactRows(
    a: Matrix,
    into: SparseRows,
    maxDensity: number,
  ): number {
    return this.loops.compactRows(a, into, maxDensity);
  }

  /** The non-zero bytes of `rows` into `into` (`compactByteRows`). */
  protected compactByteRows(rows: ByteRows, into: SparseRows): number {
    return this.loops.compactByteRows(rows, into);
  }

  /** The values of `rows` into `out`, at once (`gatherBytes` of `naive.ts`). */
  protected writeBytes(rows: ByteRows, out: Matrix): void {
    this.loops.gatherBytes(rows, out);
  }

  /** A zeroed Float64Array (ordinary; the SIMD kernels' own memory). */
  float64(length: number): Float64Array {
    return PLAIN_MEMORY.float64(length);
  }
  /** A zeroed Float32Array, likewise. */
  float32(length: number): Float32Array {
    return PLAIN_MEMORY.float32(length);
  }
  /** See {@linkcode Kernels.floats}. */
  floats(length: number): FloatArray {
    return this.dtype === "float32"
      ? this.float32(length)
      : this.float64(length);
  }
  /** A zeroed Int32Array, likewise. */
  int32(length: number): Int32Array {
    return PLAIN_MEMORY.int32(length);
  }
  /** A zeroed Uint8Array, likewise. */
  uint8(length: number): Uint8Array {
    return PLAIN_MEMORY.uint8(length);
  }
  /** Gives back an array from these kernels (ordinary ones: a no-op). */
  free(_array: FloatArray | Int32Array | Uint8Array): void {}

  /** See {@linkcode Kernels.buffer}. */
  buffer(buf: Matrix | undefined, rows: number, cols: number): Matrix {
    if (buf !== undefined && buf.rows === rows && buf.cols === cols) return buf;
    if (buf instanceof GatheredMatrix && buf.owner === this) buf.dropNonZeros();
    return new Matrix(rows, cols, this.#block(buf, rows * cols));
  }

  /**
   * `length` zeroed elements in these kernels' memory: the start of `buf`'s
   * block when it is long enough, else a new block (`buf`'s given back).
   */
  #block(buf: Matrix | undefined, length: number): FloatArray {
    let block = buf === undefined ? undefined : blocks.get(storage(buf));
    if (
      block === undefined || block.length < length ||
      dtypeOf(block) !== this.dtype
    ) {
      if (block !== undefined) this.free(block);
      block = this.floats(length);
    }
    const data = block.subarray(0, length).fill(0);
    blocks.set(data, block);
    return data;
  }

  /** See {@linkcode Kernels.matmul}: sparse or dense, decided here. */
  matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmul("matmul()", a, b, out);
    const s = this.#compact(a, b);
    if (s) this.lists(s.byRows(), b, c);
    else this.gemm(denseOf(a), b, c);
    return c;
  }

  /** See {@linkcode Kernels.matmulTN}. */
  matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmulTN("matmulTN()", a, b, out);
    // a's non-zeros: gathered with it, or as matmul(a, …) found them.
    const s = nonZeros(a) ?? this.#slots.findLast((slot) => slot.a === a)?.s;
    if (s && s.rows === a.rows && s.cols === a.cols && this.allFinite(b)) {
      this.sparseTN(s, b, c);
    } else this.gemmTN(denseOf(a), b, c);
    return c;
  }

  /** See {@linkcode Kernels.matmulNT}. */
  matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmulNT("matmulNT()", a, b, out);
    this.gemmNT(a, b, c);
    return c;
  }

  /** A · B by the dense kernel alone, never skipping zeros (tests, benches). */
  denseMatmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmul("denseMatmul()", a, b, out);
    this.gemm(a, b, c);
    return c;
  }

  /** Aᵀ · B by the dense kernel alone (see `denseMatmul`). */
  denseMatmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmulTN("denseMatmulTN()", a, b, out);
    this.gemmTN(a, b, c);
    return c;
  }

  /**
   * A · B over a's non-zeros alone, whatever they cost (tests, benches).
   * B must be all finite (no guard here).
   *
   * @throws {RangeError} if the shapes do not fit.
   */
  sparseMatmul(a: SparseRows, b: Matrix, out?: Matrix): Matrix {
    const c = checkSparse("sparseMatmul()", a, a.cols, b, out, a.rows);
    this.lists(a.byRows(), b, c);
    return c;
  }

  /**
   * Fills `into` with a's non-zeros by these kernels' loop; false, leaving
   * it empty, past `maxDensity` (default 1: never). See `SparseRows.fill`.
   */
  compact(a: Matrix, into: SparseRows, maxDensity = 1): boolean {
    return into.fill(a, maxDensity, this.#compactLoop);
  }

  /** Aᵀ · B over a's non-zeros alone (see `sparseMatmul`). */
  sparseMatmulTN(a: SparseRows, b: Matrix, out?: Matrix): Matrix {
    const c = checkSparse("sparseMatmulTN()", a, a.rows, b, out, a.cols);
    this.sparseTN(a, b, c);
    return c;
  }

  /** See {@linkcode Kernels.addRowVector}. */
  addRowVector(x: Matrix, b: Matrix, out?: Matrix): Matrix {
    return this.loops.addRowVector(x, b, out);
  }

  /** See {@linkcode Kernels.sumColumns}. */
  sumColumns(x: Matrix, out?: Matrix): Matrix {
    return this.loops.sumColumns(x, out);
  }

  /** See {@linkcode Kernels.axpy}. */
  axpy(alpha: number, x: Matrix, y: Matrix): Matrix {
    return this.loops.axpy(alpha, x, y);
  }

  /** See {@linkcode Kernels.allFinite}. */
  allFinite(a: Matrix): boolean {
    return this.loops.allFinite(a);
  }

  /**
   * See {@linkcode Kernels.gatherBytes}: into `out` when it is n×D, else
   * into a new matrix in these kernels' memory (`out`'s block and list
   * reused when it was one) that holds the bytes' non-zeros and writes its
   * values only when something reads them (`gathered.ts`); into any other
   * matrix, at once.
   */
  gatherBytes(rows: ByteRows, out?: Matrix): Matrix {
    checkGather("gatherBytes()", rows);
    const n = rows.indices.length, d = rows.width;
    let x = out;
    if (x?.rows !== n || x.cols !== d) {
      const mine = out instanceof GatheredMatrix && out.owner === this;
      const nonZeros = (mine ? out.take() : undefined) ??
        new SparseRows(this, this.dtype);
      x = new GatheredMatrix(n, d, this.#block(out, n * d), nonZeros, this);
    }
    if (x instanceof GatheredMatrix && x.owner === this) {
      x.fill(rows, this.#byteLoop, this.#writeBytes);
    } else this.writeBytes(rows, x);
    return x;
  }

  /** See {@linkcode Kernels.relu} (the book's loop). */
  relu(x: Matrix, out: Matrix, mask: Uint8Array): void {
    this.loops.relu(x, out, mask);
  }

  /** See {@linkcode Kernels.reluBackward}. */
  reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void {
    this.loops.reluBackward(dout, mask, dx);
  }

  /** See {@linkcode Kernels.convolution}: im2col and one product (`convolution.ts`). */
  convolution(...args: Parameters<Kernels["convolution"]>): ConvolutionSaved {
    return this.loops.convolutionByIm2col(this, ...args);
  }

  /** See {@linkcode Kernels.convolutionBackward} (`convolution.ts`). */
  convolutionBackward(
    dout: Matrix,
    W: Matrix,
    saved: ConvolutionSaved,
    grads: ConvolutionGrads,
  ): void {
    this.loops.convolutionBackwardByIm2col(this, dout, W, saved, grads);
  }

  /** See {@linkcode Kernels.maxPool} (`maxPool` of `naive.ts`). */
  maxPool(
    x: Matrix,
    input: ImageShape,
    window: Window,
    out: Matrix,
    argmax: Int32Array,
  ): void {
    this.loops.maxPool(x, input, window, out, argmax);
  }

  /** See {@linkcode Kernels.maxPoolBackward} (`maxPoolBackward` of `naive.ts`). */
  maxPoolBackward(dout: Matrix, argmax: Int32Array, dx: Matrix): void {
    this.loops.maxPoolBackward(dout, argmax, dx);
  }

  /** Resolves at once: one thread. */
  ready(): Promise<void> {
    return Promise.resolve();
  }
  /** Nothing to stop: one thread. */
  close(): void {}
  /** `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * a's non-zeros, remembered for `matmulTN(a, …)`, when skipping a's zeros
   * pays here and is exact: a wide enough product, a mostly zeros (the
   * search gives up on the first row of a dense a, or as soon as the rows
   * so far are more than half non-zero), b all finite. Even at a row or
   * three the guard and the search cost less than the dense product they
   * save (bench/matmul_bench.ts, "gradient check": 3 rows). Else
   * undefined. Either way a is forgotten wherever it was remembered (it
   * may have changed since), and so is what b was multiplied by before.
   */
  #compact(a: Matrix, b: Matrix): SparseRows | undefined {
    const slots = this.#slots;
    for (const slot of slots) {
      if (slot.a === a || slot.b === b) slot.a = undefined;
    }
    if (this.vectorized && b.cols < VECTORIZED_MIN_WIDTH) return undefined;
    const gathered = nonZeros(a);
    if (gathered) return this.allFinite(b) ? gathered : undefined;
    let i = slots.findIndex((slot) => slot.b === b);
    if (i < 0) {
      if (slots.length === REMEMBERED) slots.shift()!.s.release();
      slots.push({ b, s: new SparseRows(this, this.dtype) });
      i = slots.length - 1;
    }
    const [slot] = slots.splice(i, 1);
    slots.push(slot); // most recently used last
    if (!this.compact(a, slot.s, SPARSE_MAX_DENSITY) || !this.allFinite(b)) {
      return undefined;
    }
    slot.a = a;
    return slot.s;
  }

  /**
   * C = Aᵀ · B over A's non-zeros (B finite, C of the right shape): row by
   * row of A for small outputs (`productTNByRows`), else by A's columns.
   */
  protected sparseTN(a: SparseRows, b: Matrix, c: Matrix): void {
    if (a.cols * b.cols <= AXPY_MAX_OUTPUT) {
      this.loops.productTNByRows(a, b, c);
    } else this.lists(a.columns(this.loops.transposeRows), b, c);
  }
}

/**
 * Aᵀ·B outputs of at most this many elements (32 KB) are accumulated row by
 * row of A instead of by A's columns (see `productTNByRows`).
 */
const AXPY_MAX_OUTPUT = 4096;

/** Shapes of a product with a sparse `a`: inner sizes agree, out fits. */
function checkSparse(
  where: string,
  a: SparseRows,
  inner: number,
  b: Matrix,
  out: Matrix | undefined,
  rows: number,
): Matrix {
  assertMatrix(where, "b", b);
  if (inner !== b.rows) {
    throw new RangeError(
      `${where}: expected b with ${inner} rows (a is ${a.shape}, sparse) but found b of shape ${b.shape}`,
    );
  }
  return checkOut(where, out, rows, b.cols, b, b);
}
