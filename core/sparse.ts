/**
 * The zero-skipping products behind the kernels: a matrix's non-zeros in
 * compressed sparse row form ({@linkcode SparseRows}), and the loops that
 * multiply over them. MNIST pixels are about 80 % zeros, so the first
 * layer's forward product x·W1 and its weight gradient xᵀ·dout do a fifth
 * of the dense work this way (measured in `bench/matmul_bench.ts`). The
 * kernels decide when to use them (`dispatch.ts`); layers never see them.
 *
 * Zero skipping and non-finite values: the dense kernels compute 0·∞ = NaN
 * and 0·NaN = NaN, which skipping would lose. So these loops are only to be
 * used when B is all finite; the kernels check that first and take the
 * dense kernel otherwise. Non-finite values in A are never skipped (they
 * are not zero), so they propagate as in the dense kernels.
 *
 * Each output is still one sum in ascending order of p, over the non-zero
 * terms only; adding an exact zero changes no sum (beyond the sign of a zero
 * result), so the results equal the dense kernels' bit for bit.
 *
 * The float32 kernels run copies of its loops (`compactRows`,
 * `productByLists`, …) generated into `f32.ts`: after editing one, run `deno
 * task gen` (tests/twins_test.ts fails until then).
 *
 * @module
 */

import {
  assertMatrix,
  type DType,
  ensureShape,
  type FloatArray,
  floatArray,
  type Matrix,
} from "./matrix.ts";
import { type Allocator, PLAIN_MEMORY } from "./memory.ts";

/**
 * Lists of entries: list r holds `val[q]` at `index[q]` for q in
 * `ptr[r] … ptr[r+1]−1`, for r in 0 … count−1. A CSR matrix's rows (index:
 * the column) or its columns (index: the row), as {@linkcode productByLists}
 * takes them.
 */
export interface Lists {
  /** count + 1 offsets into `index` and `val`. */
  readonly ptr: Int32Array;
  /** Each entry's column (of a row list) or row (of a column list). */
  readonly index: Int32Array;
  /** Each entry's value. */
  readonly val: FloatArray;
  /** The number of lists. */
  readonly count: number;
}

/**
 * Fills `into`'s arrays (reserved for `a` by `SparseRows.fill`) with the
 * non-zeros of `a`; returns their count, or −1 as soon as more than
 * `maxDensity` of them are non-zero: of the first row (a dense operand is
 * found at once), or of the whole. {@linkcode compactRows} is the
 * TypeScript one.
 */
export type CompactLoop = (
  a: Matrix,
  into: SparseRows,
  maxDensity: number,
) => number;

/**
 * Rows of bytes (u8 pixels): row r is `width` bytes from
 * `bytes[indices[r]·width]`, each value times `scale` (1/255: pixels to
 * [0, 1], as the book's `normalize=True`).
 */
export interface ByteRows {
  /** The bytes, row after row. */
  readonly bytes: Uint8Array;
  /** Which rows, in order. */
  readonly indices: ArrayLike<number>;
  /** Bytes per row (D). */
  readonly width: number;
  /** The factor each byte is multiplied by. */
  readonly scale: number;
}

/**
 * Fills `into` (arrays reserved by `SparseRows.fillBytes`) with the
 * non-zero values of `rows`; returns their count. It may write up to
 * {@linkcode BYTE_SLACK} entries past the last one.
 * {@linkcode compactByteRows} is the TypeScript one.
 */
export type ByteCompactLoop = (rows: ByteRows, into: SparseRows) => number;

/**
 * Entries a {@linkcode ByteCompactLoop} may write past the last non-zero
 * (the SIMD one writes eight at a time, keeping those that are).
 */
export const BYTE_SLACK = 8;

/**
 * Fills `into` (arrays sized for `a`'s columns and non-zeros) with the
 * entries of `a` by column; {@linkcode transposeRows} is the TypeScript one.
 */
export type TransposeLoop = (a: SparseRows, into: Lists) => void;

/**
 * A matrix in compressed sparse row (CSR) form, refilled from a dense matrix
 * for each batch with arrays that are reused: the non-zeros of row i are
 * `val[rowPtr[i] … rowPtr[i+1])` at columns `col[…]`, in ascending column
 * order. A column-major copy (CSC) for Aᵀ·B products is built on demand.
 *
 * @example
 * ```ts
 * import { Matrix, SparseRows } from "@dlfs/nn/core";
 *
 * const s = new SparseRows();
 * s.fill(Matrix.fromRows([[0, 2, 0], [1, 0, 0]]));
 * console.log(s.nnz, Array.from(s.col.subarray(0, s.nnz))); // 2 [ 1, 0 ]
 * ```
 */
export class SparseRows {
  /** Rows of the source matrix. */
  rows = 0;
  /** Columns of the source matrix. */
  cols = 0;
  /** Number of stored non-zeros. */
  nnz = 0;
  /** Row i's entries are at positions rowPtr[i] … rowPtr[i+1]−1. */
  rowPtr: Int32Array = new Int32Array(1);
  /** Column of each entry. */
  col: Int32Array = new Int32Array(0);
  /** Value of each entry (of `dtype`). */
  val: FloatArray;
  // The same entries by column (CSC), built by columns() when first needed.
  #colPtr: Int32Array = new Int32Array(1);
  #colRow: Int32Array = new Int32Array(0);
  #colVal: FloatArray;
  #colsValid = false;
  #memory: Allocator;
  /** The element type of its values (float64 unless made otherwise). */
  readonly dtype: DType;

  /**
   * An empty matrix; `fill` it. Its arrays come from `memory` (default:
   * plain typed arrays; the kernels pass themselves, so that the arrays
   * live in their memory), its values of `dtype` (default float64; the
   * kernels pass theirs).
   */
  constructor(memory: Allocator = PLAIN_MEMORY, dtype: DType = "float64") {
    this.#memory = memory;
    this.dtype = dtype;
    this.val = this.#colVal = floatArray(dtype, 0);
  }

  /** `length` zeroed values of its dtype from its memory. */
  #floats(length: number): FloatArray {
    return this.dtype === "float32"
      ? this.#memory.float32(length)
      : this.#memory.float64(length);
  }

  /**
   * Refills from dense `a`. Returns false, leaving this empty, as soon as
   * more than `maxDensity` (default 1: never) of the elements of its first
   * row or of the whole turn out non-zero: then a dense kernel is faster.
   * `loop` finds the non-zeros (default {@linkcode compactRows}; the SIMD
   * kernels bring a faster one).
   *
   * @example
   * ```ts
   * import { Matrix, SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * console.log(s.fill(Matrix.fromRows([[1, 2], [3, 0]]), 0.5)); // false: 3 of 4 are non-zero
   * ```
   */
  fill(a: Matrix, maxDensity = 1, loop: CompactLoop = compactRows): boolean {
    assertMatrix("SparseRows.fill()", "a", a);
    const m = a.rows, k = a.cols;
    // A loop may write up to k slots past the last entry of a row (the
    // branch-free ones write every element, keeping only the non-zeros)
    // and checks the density limit once per row: the arrays get that slack.
    this.#reserve(m, Math.min(densityCaps(m, k, maxDensity)[1] + k, m * k));
    const nnz = loop(a, this, maxDensity);
    if (nnz < 0) {
      this.rows = this.cols = this.nnz = 0;
      return false;
    }
    this.rows = m;
    this.cols = k;
    this.nnz = nnz;
    return true;
  }

  /**
   * Refills from rows of bytes (u8 pixels): their non-zero values, without
   * a dense copy. `loop` finds them (default {@linkcode compactByteRows};
   * the SIMD kernels bring a faster one).
   *
   * @example
   * ```ts
   * import { SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * s.fillBytes({ bytes: new Uint8Array([0, 5, 0, 0, 7, 9]), indices: [1, 0], width: 3, scale: 0.5 });
   * console.log(s.toDense().toRows()); // [[0, 3.5, 4.5], [0, 2.5, 0]]
   * ```
   */
  fillBytes(rows: ByteRows, loop: ByteCompactLoop = compactByteRows): void {
    const n = rows.indices.length, d = rows.width;
    this.#reserve(n, n * d + BYTE_SLACK);
    const nnz = loop(rows, this);
    this.rows = n;
    this.cols = d;
    this.nnz = nnz;
  }

  /** "rows×cols", as `Matrix.shape`. */
  get shape(): string {
    return `${this.rows}×${this.cols}`;
  }

  /** The entries by row: list i is row i (index: the column). */
  byRows(): Lists {
    return {
      ptr: this.rowPtr,
      index: this.col,
      val: this.val,
      count: this.rows,
    };
  }

  /** Gives its arrays back to its memory; it is empty afterwards. */
  release(): void {
    const memory = this.#memory;
    for (
      const a of [this.rowPtr, this.col, this.val, this.#colPtr, this.#colRow]
    ) memory.free(a);
    memory.free(this.#colVal);
    this.rowPtr = new Int32Array(1);
    this.col = new Int32Array(0);
    this.val = floatArray(this.dtype, 0);
    this.#colPtr = new Int32Array(1);
    this.#colRow = new Int32Array(0);
    this.#colVal = floatArray(this.dtype, 0);
    this.rows = this.cols = this.nnz = 0;
    this.#colsValid = false;
  }

  /**
   * The dense matrix, into `out` (default: a new matrix).
   *
   * @example
   * ```ts
   * import { Matrix, SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * s.fill(Matrix.fromRows([[0, 2], [3, 0]]));
   * console.log(s.toDense().toRows()); // [[0, 2], [3, 0]]
   * ```
   */
  toDense(out?: Matrix): Matrix {
    const d = ensureShape(out, this.rows, this.cols);
    const D = d.data, k = this.cols;
    D.fill(0);
    for (let i = 0; i < this.rows; i++) {
      for (let q = this.rowPtr[i]; q < this.rowPtr[i + 1]; q++) {
        D[i * k + this.col[q]] = this.val[q];
      }
    }
    return d;
  }

  /**
   * The entries by column: list p holds the non-zeros of column p (index:
   * the row), in ascending row order. Built once per `fill` by a counting
   * sort, O(nnz + cols): `loop` (default {@linkcode transposeRows}; the SIMD
   * kernels bring a faster one).
   *
   * @example
   * ```ts
   * import { Matrix, SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * s.fill(Matrix.fromRows([[0, 5], [6, 7]]));
   * const { ptr, index } = s.columns();
   * console.log(Array.from(ptr.subarray(0, 3)), Array.from(index.subarray(0, 3))); // [0, 1, 3] [1, 0, 1]
   * ```
   */
  columns(loop: TransposeLoop = transposeRows): Lists {
    const k = this.cols;
    const lists = () => ({
      ptr: this.#colPtr,
      index: this.#colRow,
      val: this.#colVal,
      count: k,
    });
    if (!this.#colsValid) {
      const nnz = this.nnz;
      const memory = this.#memory;
      if (this.#colPtr.length < k + 1) {
        memory.free(this.#colPtr);
        this.#colPtr = memory.int32(k + 1);
      }
      if (this.#colRow.length < nnz) { // sized by the non-zeros, not by col's capacity
        memory.free(this.#colRow);
        memory.free(this.#colVal);
        this.#colRow = memory.int32(nnz);
        this.#colVal = this.#floats(nnz);
      }
      loop(this, lists());
      this.#colsValid = true;
    }
    return lists();
  }

  /** Makes room for m rows holding up to `entries` non-zeros. */
  #reserve(m: number, entries: number): void {
    const memory = this.#memory;
    if (this.rowPtr.length < m + 1) {
      memory.free(this.rowPtr);
      this.rowPtr = memory.int32(m + 1);
    }
    if (this.col.length < entries) {
      memory.free(this.col);
      memory.free(this.val);
      this.col = memory.int32(entries);
      this.val = this.#floats(entries);
    }
    this.#colsValid = false;
  }
}

/**
 * The {@linkcode TransposeLoop} in TypeScript: CSR (M×K) to CSC by a
 * counting sort. Rows are walked in order, so each column's rows come out
 * ascending; the scatter uses colPtr shifted by one slot, restored by the
 * final pass.
 */
export function transposeRows(a: SparseRows, into: Lists): void {
  const m = a.rows, k = a.cols, rowPtr = a.rowPtr, col = a.col, val = a.val;
  const { ptr: colPtr, index: colRow, val: colVal } = into;
  colPtr.fill(0, 0, k + 1);
  const nnz = rowPtr[m];
  for (let q = 0; q < nnz; q++) colPtr[col[q] + 1]++;
  for (let p = 0; p < k; p++) colPtr[p + 1] += colPtr[p];
  for (let i = 0; i < m; i++) {
    for (let q = rowPtr[i]; q < rowPtr[i + 1]; q++) {
      const slot = colPtr[col[q]]++;
      colRow[slot] = i;
      colVal[slot] = val[q];
    }
  }
  for (let p = k; p > 0; p--) colPtr[p] = colPtr[p - 1];
  colPtr[0] = 0;
}

/**
 * The {@linkcode CompactLoop} in TypeScript: every element is written at
 * slot q, and q moves on only past a non-zero (NaN !== 0 too: non-finite
 * entries are kept). (A function of its own: as a method body the same
 * loop ran 2.5× slower.) Its `?:` still compiles to a branch, mispredicted
 * on fresh image batches; the SIMD kernels bring a branch-free one.
 */
export function compactRows(
  a: Matrix,
  into: SparseRows,
  maxDensity: number,
): number {
  const m = a.rows, k = a.cols, A = a.data;
  const rowPtr = into.rowPtr, col = into.col, val = into.val;
  const [first, cap] = densityCaps(m, k, maxDensity);
  let q = 0, limit = first;
  for (let i = 0; i < m; i++) {
    rowPtr[i] = q;
    const base = (i * k) | 0;
    for (let p = 0; p < k; p = (p + 1) | 0) {
      const v = A[(base + p) | 0];
      col[q] = p;
      val[q] = v;
      q = (q + (v !== 0 ? 1 : 0)) | 0;
    }
    if (q > limit) return -1;
    limit = cap;
  }
  rowPtr[m] = q;
  return q;
}

/**
 * How many non-zeros an m×k operand may have at `maxDensity`: in its first
 * row, and in all (a {@linkcode CompactLoop}'s limits).
 */
export function densityCaps(
  m: number,
  k: number,
  maxDensity: number,
): [first: number, total: number] {
  return [
    Math.min(Math.floor(maxDensity * k), k),
    Math.min(Math.floor(maxDensity * m * k), m * k),
  ];
}

/**
 * The {@linkcode ByteCompactLoop} in TypeScript, branch-free: every byte is
 * written at q, and q moves on by (−v) >>> 31, which is 1 exactly when the
 * u8 v is non-zero (V8 compiles `compactRows`' `v !== 0 ? 1 : 0` to a
 * branch, which mispredicts on every stroke edge).
 */
export function compactByteRows(rows: ByteRows, into: SparseRows): number {
  const { bytes, indices, width: d, scale } = rows, n = indices.length;
  const rowPtr = into.rowPtr, col = into.col, val = into.val;
  let q = 0;
  for (let r = 0; r < n; r++) {
    rowPtr[r] = q;
    const src = indices[r] * d;
    for (let j = 0; j < d; j++) {
      const v = bytes[(src + j) | 0];
      col[q] = j;
      val[q] = v * scale;
      q = (q + ((-v) >>> 31)) | 0;
    }
  }
  rowPtr[n] = q;
  return q;
}

/**
 * The loop both sparse products share: output row r of C (N columns), for r
 * in rowStart … rowEnd−1 (default: every list), is Σ_q val[q] · B[index[q]]
 * over list r, five output columns at a time. For A·B the lists are A's
 * rows; for Aᵀ·B they are A's columns. B must be all finite (see the module
 * doc); shapes are the caller's to check.
 *
 * @example
 * ```ts
 * import { Matrix, productByLists, SparseRows } from "@dlfs/nn/core";
 *
 * const a = new SparseRows();
 * a.fill(Matrix.fromRows([[0, 2], [1, 0]]));
 * const c = new Matrix(2, 2);
 * productByLists(a.byRows(), Matrix.fromRows([[1, 2], [3, 4]]), c);
 * console.log(c.toRows()); // [[6, 8], [1, 2]]
 * ```
 */
export function productByLists(
  lists: Lists,
  b: Matrix,
  c: Matrix,
  rowStart = 0,
  rowEnd: number = lists.count,
): void {
  const { ptr, index, val } = lists, B = b.data, C = c.data, n = b.cols;
  const n5 = n - (n % 5);
  for (let r = rowStart; r < rowEnd; r++) {
    const start = ptr[r], end = ptr[r + 1], o = r * n;
    for (let j = 0; j < n5; j += 5) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0;
      for (let q = start; q < end; q++) {
        const v = val[q], bp = (index[q] * n + j) | 0;
        c0 += v * B[bp];
        c1 += v * B[bp + 1];
        c2 += v * B[bp + 2];
        c3 += v * B[bp + 3];
        c4 += v * B[bp + 4];
      }
      C[o + j] = c0;
      C[o + j + 1] = c1;
      C[o + j + 2] = c2;
      C[o + j + 3] = c3;
      C[o + j + 4] = c4;
    }
    for (let j = n5; j < n; j++) {
      let sum = 0;
      for (let q = start; q < end; q++) sum += val[q] * B[index[q] * n + j];
      C[o + j] = sum;
    }
  }
}

/**
 * C = Aᵀ · B (K×N) for sparse A (M×K) and B (M×N) with a small output (a
 * convolution's filters) and a tall B: walks A's rows once and adds
 * v · B[p] into output row k, which stays in L1; B streams in order. Each
 * output still sums its terms in ascending p. B must be all finite; shapes
 * are the caller's to check.
 */
export function productTNByRows(a: SparseRows, b: Matrix, c: Matrix): void {
  const n = b.cols, C = c.data, B = b.data;
  const rowPtr = a.rowPtr, col = a.col, v = a.val;
  C.fill(0);
  for (let p = 0; p < a.rows; p++) {
    const bp = p * n;
    for (let q = rowPtr[p]; q < rowPtr[p + 1]; q++) {
      const x = v[q], cp = col[q] * n;
      for (let j = 0; j < n; j++) C[cp + j] += x * B[bp + j];
    }
  }
}
