/**
 * Products that skip the zeros of their left operand. MNIST pixels are about
 * 80 % zeros, so the first layer's forward product x·W1 and its weight
 * gradient xᵀ·dout do a fifth of the dense work this way (measured in
 * `bench/matmul_bench.ts`).
 *
 * Zero skipping and non-finite values: the dense kernels compute 0·∞ = NaN
 * and 0·NaN = NaN, which skipping would lose. So these kernels are only to be
 * used when B is all finite ({@linkcode allFinite}); the layers check that
 * first and take the dense kernel otherwise. Non-finite values in A are never
 * skipped (they are not zero), so they propagate as in the dense kernels.
 *
 * Each output is still one sum in ascending order of p, over the non-zero
 * terms only; adding an exact zero changes no sum (beyond the sign of a zero
 * result), so the results equal the dense kernels' bit for bit.
 *
 * @module
 */

import { assertMatrix, kindOf, Matrix } from "./matrix.ts";
import { type Allocator, PLAIN_MEMORY } from "./memory.ts";
import { checkOut } from "./naive.ts";

/**
 * The two loops that find non-zeros ({@linkcode compactRows},
 * {@linkcode compactByteRows}): the SIMD kernels bring faster ones with the
 * same results, for arrays in their memory.
 */
export interface CompactLoops {
  /** See {@linkcode compactRows}. */
  compactRows(
    A: Float64Array,
    m: number,
    k: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
    cap: number,
  ): number;
  /** See {@linkcode compactByteRows}. */
  compactByteRows(
    bytes: Uint8Array,
    starts: ArrayLike<number>,
    d: number,
    scale: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
  ): number;
}

/**
 * Where a {@linkcode SparseRows} keeps its arrays and which loops fill
 * them: the kernels a net computes with are one (`net.kernels`).
 */
export type SparseMemory = Allocator & CompactLoops;

/** Ordinary arrays and the TypeScript loops. */
export const PLAIN_SPARSE: SparseMemory = {
  ...PLAIN_MEMORY,
  compactRows: (...args) => compactRows(...args),
  compactByteRows: (...args) => compactByteRows(...args),
};

/**
 * A matrix in compressed sparse row (CSR) form, refilled from a dense matrix
 * for each batch with buffers that are reused: the non-zeros of row i are
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
  /** Value of each entry. */
  val: Float64Array = new Float64Array(0);
  // The same entries by column (CSC), built by columns() when first needed.
  #colPtr: Int32Array = new Int32Array(1);
  #colRow: Int32Array = new Int32Array(0);
  #colVal: Float64Array = new Float64Array(0);
  #colsValid = false;
  #memory: SparseMemory;

  /**
   * An empty matrix; `fill` it. With `memory` (a net's kernels), its arrays
   * come from there and the kernels' own loops fill them (default: plain
   * typed arrays, filled in TypeScript).
   */
  constructor(memory: SparseMemory = PLAIN_SPARSE) {
    this.#memory = memory;
  }

  /**
   * Refills from dense `a`. Returns false, leaving this empty, as soon as
   * more than `maxDensity` (default 1: never) of the elements turn out
   * non-zero: then a dense kernel is faster.
   *
   * @example
   * ```ts
   * import { Matrix, SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * console.log(s.fill(Matrix.fromRows([[1, 2], [3, 0]]), 0.5)); // false: 3 of 4 are non-zero
   * ```
   */
  fill(a: Matrix, maxDensity = 1): boolean {
    assertMatrix("SparseRows.fill()", "a", a);
    const m = a.rows, k = a.cols, A = a.data;
    const cap = Math.min(Math.floor(maxDensity * m * k), m * k);
    // Every element is written at slot q, and q moves on only past a
    // non-zero (NaN !== 0 too: non-finite entries are kept), so a row may
    // write up to k slots past its last entry: the arrays get that much
    // slack, and the density limit is checked once per row. The memory
    // may bring a faster loop (`SimdKernels`: branch-free WebAssembly).
    this.reserve(m, Math.min(cap + k, m * k));
    const nnz = this.#memory.compactRows(
      A,
      m,
      k,
      this.rowPtr,
      this.col,
      this.val,
      cap,
    );
    if (nnz < 0) {
      this.commit(0, 0, 0);
      return false;
    }
    this.commit(m, k, nnz);
    return true;
  }

  /**
   * Refills from n rows of d bytes (u8 pixels): row r is
   * `bytes[starts[r] … starts[r]+d)`, each value times `scale`. What
   * `ImageSet.sparseBatch` uses: no dense copy is ever made.
   *
   * @example
   * ```ts
   * import { SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * s.fillBytes(new Uint8Array([0, 5, 0, 0, 7, 9]), [3, 0], 3, 0.5);
   * console.log(s.toDense().toRows()); // [[0, 3.5, 4.5], [0, 2.5, 0]]
   * ```
   */
  fillBytes(
    bytes: Uint8Array,
    starts: ArrayLike<number>,
    d: number,
    scale: number,
  ): void {
    const n = starts.length;
    this.reserve(n, n * d);
    const nnz = this.#memory.compactByteRows(
      bytes,
      starts,
      d,
      scale,
      this.rowPtr,
      this.col,
      this.val,
    );
    this.commit(n, d, nnz);
  }

  /** "rows×cols", as `Matrix.shape`. */
  get shape(): string {
    return `${this.rows}×${this.cols}`;
  }

  /**
   * Makes room for m rows holding up to `entries` non-zeros, for a caller
   * that writes `rowPtr`, `col` and `val` itself and then calls `commit`
   * (as `ImageSet.sparseBatch` does, straight from pixels).
   */
  reserve(m: number, entries: number): void {
    const memory = this.#memory;
    if (this.rowPtr.length < m + 1) {
      memory.free(this.rowPtr);
      this.rowPtr = memory.int32(m + 1);
    }
    if (this.col.length < entries) {
      memory.free(this.col);
      memory.free(this.val);
      this.col = memory.int32(entries);
      this.val = memory.float64(entries);
    }
    this.#colsValid = false;
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
    this.val = new Float64Array(0);
    this.#colPtr = new Int32Array(1);
    this.#colRow = new Int32Array(0);
    this.#colVal = new Float64Array(0);
    this.rows = this.cols = this.nnz = 0;
    this.#colsValid = false;
  }

  /**
   * Declares the arrays filled: m rows, k columns, `nnz` entries, each row's
   * in ascending column order.
   *
   * @throws {RangeError} unless rowPtr runs from 0 to nnz within the arrays.
   */
  commit(m: number, k: number, nnz: number): void {
    if (
      this.rowPtr.length < m + 1 || this.col.length < nnz ||
      this.rowPtr[0] !== 0 && m > 0 || m > 0 && this.rowPtr[m] !== nnz
    ) {
      throw new RangeError(
        `SparseRows.commit(): expected rowPtr from 0 to ${nnz} over ${m} rows within the arrays but found rowPtr[0] = ${
          this.rowPtr[0]
        }, rowPtr[${m}] = ${this.rowPtr[m]}`,
      );
    }
    this.rows = m;
    this.cols = k;
    this.nnz = nnz;
    this.#colsValid = false;
  }

  /**
   * The dense matrix (into `out` when it has the shape; default: a new
   * matrix).
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
    const d = out?.rows === this.rows && out.cols === this.cols
      ? out
      : new Matrix(this.rows, this.cols);
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
   * The entries by column: the non-zeros of column p are at rows
   * `row[colPtr[p] … colPtr[p+1])`, in ascending row order. Built once per
   * `fill` by a counting sort, O(nnz + cols).
   *
   * @example
   * ```ts
   * import { Matrix, SparseRows } from "@dlfs/nn/core";
   *
   * const s = new SparseRows();
   * s.fill(Matrix.fromRows([[0, 5], [6, 7]]));
   * const { colPtr, row } = s.columns();
   * console.log(Array.from(colPtr.subarray(0, 3)), Array.from(row.subarray(0, 3))); // [0, 1, 3] [1, 0, 1]
   * ```
   */
  columns(): { colPtr: Int32Array; row: Int32Array; val: Float64Array } {
    if (!this.#colsValid) {
      const m = this.rows, k = this.cols, nnz = this.nnz;
      const memory = this.#memory;
      if (this.#colPtr.length < k + 1) {
        memory.free(this.#colPtr);
        this.#colPtr = memory.int32(k + 1);
      }
      if (this.#colRow.length < nnz) { // sized by the non-zeros, not by col's capacity
        memory.free(this.#colRow);
        memory.free(this.#colVal);
        this.#colRow = memory.int32(nnz);
        this.#colVal = memory.float64(nnz);
      }
      transposeRows(
        m,
        k,
        this.rowPtr,
        this.col,
        this.val,
        this.#colPtr,
        this.#colRow,
        this.#colVal,
      );
      this.#colsValid = true;
    }
    return { colPtr: this.#colPtr, row: this.#colRow, val: this.#colVal };
  }
}

/**
 * Throws a `TypeError` unless `x` is a {@linkcode Matrix} or
 * {@linkcode SparseRows}: a batch, as the nets and `Affine` take it.
 *
 * @example
 * ```ts
 * import { assertBatch } from "./sparse.ts";
 *
 * try {
 *   assertBatch("demo()", [[1, 2]]);
 * } catch (e) {
 *   console.log((e as Error).message); // demo(): expected x to be a Matrix or SparseRows but found Array
 * }
 * ```
 */
export function assertBatch(
  where: string,
  x: unknown,
): asserts x is Matrix | SparseRows {
  if (!(x instanceof Matrix) && !(x instanceof SparseRows)) {
    throw new TypeError(
      `${where}: expected x to be a Matrix or SparseRows but found ${
        kindOf(x)
      }`,
    );
  }
}

/**
 * CSR (M×K) to CSC by a counting sort, for `SparseRows.columns`. Rows are
 * walked in order, so each column's rows come out ascending; the scatter
 * uses colPtr shifted by one slot, restored by the final pass.
 */
function transposeRows(
  m: number,
  k: number,
  rowPtr: Int32Array,
  col: Int32Array,
  val: Float64Array,
  colPtr: Int32Array,
  colRow: Int32Array,
  colVal: Float64Array,
): void {
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
 * The loop of `SparseRows.fillBytes`: the non-zero bytes of the rows at
 * `starts` (d bytes each), times `scale`, into rowPtr/col/val; returns
 * their count. Branch-free: every byte is written at q, and q moves on by
 * (−v) >>> 31, which is 1 exactly when the u8 v is non-zero (V8 compiles
 * `compactRows`' `v !== 0 ? 1 : 0` to a branch, which mispredicts on every
 * stroke edge). Internal: exported for `SimdKernels`.
 */
export function compactByteRows(
  bytes: Uint8Array,
  starts: ArrayLike<number>,
  d: number,
  scale: number,
  rowPtr: Int32Array,
  col: Int32Array,
  val: Float64Array,
): number {
  const n = starts.length;
  let q = 0;
  for (let r = 0; r < n; r++) {
    rowPtr[r] = q;
    const src = starts[r];
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
 * The loop of `SparseRows.fill`: the non-zeros of row-major A (M×K) into
 * rowPtr/col/val; returns their count, or −1 once a row ends past `cap`.
 * (A function of its own: as a method body the same loop ran 2.5× slower.)
 * Its `?:` still compiles to a branch, mispredicted on fresh image batches
 * (~230 µs per 100 MNIST images); `SimdKernels.compact` is branch-free.
 * Internal: exported for `SimdKernels`, not from `mod.ts`.
 */
export function compactRows(
  A: Float64Array,
  m: number,
  k: number,
  rowPtr: Int32Array,
  col: Int32Array,
  val: Float64Array,
  cap: number,
): number {
  let q = 0;
  for (let i = 0; i < m; i++) {
    rowPtr[i] = q;
    const base = (i * k) | 0;
    for (let p = 0; p < k; p = (p + 1) | 0) {
      const v = A[(base + p) | 0];
      col[q] = p;
      val[q] = v;
      q = (q + (v !== 0 ? 1 : 0)) | 0;
    }
    if (q > cap) return -1;
  }
  rowPtr[m] = q;
  return q;
}

/**
 * True when every element of `a` is finite: Σ a·0 is 0 for finite elements
 * and NaN as soon as one is ±∞ or NaN. Four running sums, because one sum is
 * a chain of dependent additions 13× slower here (bench/matmul_bench.ts).
 *
 * @example
 * ```ts
 * import { allFinite, Matrix } from "@dlfs/nn/core";
 *
 * console.log(allFinite(Matrix.fromRows([[1, Infinity]]))); // false
 * ```
 */
export function allFinite(a: Matrix): boolean {
  const A = a.data, n4 = A.length - (A.length % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += A[i] * 0;
    s1 += A[i + 1] * 0;
    s2 += A[i + 2] * 0;
    s3 += A[i + 3] * 0;
  }
  for (let i = n4; i < A.length; i++) s0 += A[i] * 0;
  return s0 + s1 + s2 + s3 === 0;
}

/**
 * C = A · B for sparse A (M×K) and dense B (K×N), five output columns at a
 * time. B must be all finite (see the module doc).
 *
 * @param kernels whose `runLists` runs the loop over the lists (default:
 * {@linkcode productByLists} on this thread).
 * @param out the M×N result (default: a new matrix).
 * @throws {RangeError} if `a.cols !== b.rows` or `out` is not M×N.
 *
 * @example
 * ```ts
 * import { matmulSparse, Matrix, SparseRows } from "@dlfs/nn/core";
 *
 * const a = new SparseRows();
 * a.fill(Matrix.fromRows([[0, 2], [1, 0]]));
 * console.log(matmulSparse(a, Matrix.fromRows([[1, 2], [3, 4]])).toRows()); // [[6, 8], [1, 2]]
 * ```
 */
export function matmulSparse(
  a: SparseRows,
  b: Matrix,
  out?: Matrix,
  kernels: { runLists: RunLists } = SERIAL,
): Matrix {
  assertMatrix("matmulSparse()", "b", b);
  if (a.cols !== b.rows) {
    throw new RangeError(
      `matmulSparse(): expected b with ${a.cols} rows (a is ${a.rows}×${a.cols}) but found b of shape ${b.shape}`,
    );
  }
  const m = a.rows, n = b.cols;
  const c = checkOut("matmulSparse()", out, m, n, b);
  kernels.runLists(a.rowPtr, a.col, a.val, m, b.data, n, c.data);
  return c;
}

/**
 * C = Aᵀ · B for sparse A (M×K) and dense B (M×N), giving K×N: the weight
 * gradient xᵀ·dout of a layer whose input x is sparse. Walks A by columns, so
 * each output row is one short list of B's rows; rows of C whose column of A
 * is all zero (MNIST's border pixels) cost nothing but their zeroing. B must
 * be all finite (see the module doc).
 *
 * @param kernels as for {@linkcode matmulSparse}.
 * @param out the K×N result (default: a new matrix).
 * @throws {RangeError} if `a.rows !== b.rows` or `out` is not K×N.
 *
 * @example
 * ```ts
 * import { matmulTNSparse, Matrix, SparseRows } from "@dlfs/nn/core";
 *
 * const x = new SparseRows();
 * x.fill(Matrix.fromRows([[0, 2], [1, 0]]));
 * console.log(matmulTNSparse(x, Matrix.fromRows([[1], [3]])).toRows()); // [[3], [2]]
 * ```
 */
export function matmulTNSparse(
  a: SparseRows,
  b: Matrix,
  out?: Matrix,
  kernels: { runLists: RunLists } = SERIAL,
): Matrix {
  assertMatrix("matmulTNSparse()", "b", b);
  if (a.rows !== b.rows) {
    throw new RangeError(
      `matmulTNSparse(): expected b with ${a.rows} rows (a is ${a.rows}×${a.cols}, used transposed) but found b of shape ${b.shape}`,
    );
  }
  const k = a.cols, n = b.cols;
  const c = checkOut("matmulTNSparse()", out, k, n, b);
  if (k * n <= AXPY_MAX_OUTPUT) {
    // A small output (a convolution's filters) and a tall B: walk A's rows
    // once and add v · B[p] into output row k, which stays in L1; B streams
    // in order. Each output still sums its terms in ascending p.
    const C = c.data, B = b.data, rowPtr = a.rowPtr, col = a.col, v = a.val;
    C.fill(0);
    for (let p = 0; p < a.rows; p++) {
      const bp = p * n;
      for (let q = rowPtr[p]; q < rowPtr[p + 1]; q++) {
        const x = v[q], cp = col[q] * n;
        for (let j = 0; j < n; j++) C[cp + j] += x * B[bp + j];
      }
    }
    return c;
  }
  const { colPtr, row, val } = a.columns();
  kernels.runLists(colPtr, row, val, k, b.data, n, c.data);
  return c;
}

/**
 * Computes output rows 0 … rows−1 exactly as {@linkcode productByLists}
 * does (the SIMD kernels: in WebAssembly, possibly on two threads).
 */
export type RunLists = (
  ptr: Int32Array,
  index: Int32Array,
  val: Float64Array,
  rows: number,
  B: Float64Array,
  n: number,
  C: Float64Array,
) => void;

/**
 * Aᵀ·B outputs of at most this many elements (32 KB) are accumulated row by
 * row of A instead of by A's columns (see matmulTNSparse).
 */
const AXPY_MAX_OUTPUT = 4096;

const SERIAL = {
  runLists:
    ((ptr, index, val, rows, B, n, C) =>
      productByLists(ptr, index, val, 0, rows, B, n, C)) as RunLists,
};

/**
 * The loop both sparse products share: output row r, for r in rowStart … rowEnd−1, is
 * Σ_q val[q] · B[index[q]][·] over q in ptr[r] … ptr[r+1]−1, with B of N
 * columns, five output columns at a time. For A·B the lists are A's rows
 * (index = column of A); for Aᵀ·B they are A's columns (index = row of A).
 */
export function productByLists(
  ptr: Int32Array,
  index: Int32Array,
  val: Float64Array,
  rowStart: number,
  rowEnd: number,
  B: Float64Array,
  n: number,
  C: Float64Array,
): void {
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
