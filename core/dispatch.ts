/**
 * What every implementation of the {@linkcode Kernels} seam shares: the
 * choice between the dense and the zero-skipping product, the finiteness
 * guard that keeps 0·∞ = NaN, the memory of which operands were compacted,
 * and buffers that follow the largest batch. An implementation brings its
 * dense loops and its list loop (`ts_kernels.ts`, `simd/simd.ts`) and may
 * replace any other method with a faster one that has the same results.
 *
 * @module
 */

import { assertMatrix, Matrix } from "./matrix.ts";
import type { Batch, Kernels } from "./kernels.ts";
import { PLAIN_MEMORY } from "./memory.ts";
import { isHeldFinite } from "./numerical_gradient.ts";
import type { ImageShape, Window } from "./im2col.ts";
import {
  addRowVector,
  checkMatmul,
  checkMatmulNT,
  checkMatmulTN,
  checkOut,
  maxPool,
  sumColumns,
} from "./naive.ts";
import {
  allFinite,
  compactByteRows,
  compactRows,
  matmulTNSparse,
  productByLists,
  SparseRows,
} from "./sparse.ts";

/**
 * A dense left operand is compacted only when at most this fraction of it
 * is non-zero (bench/matmul_bench.ts: at MNIST's 19 % the sparse product is
 * ~3× the dense one on the scalar kernels; at 100 % it is ~1.5× slower).
 */
export const SPARSE_MAX_DENSITY = 0.5;

/**
 * On vectorised kernels a compaction pays only for products this wide or
 * wider (output columns): MNIST's first layer (50) gains, a convolution's
 * im2col product (30 filters) does not (bench/convnet_bench.ts: finding the
 * zeros cost as much as the dense product it saved, 4.8 + 2.1 ms vs 7.1 ms).
 */
export const VECTORIZED_MIN_WIDTH = 40;

/** Dense operands whose non-zeros are remembered for `matmulTN`. */
const REMEMBERED = 8;

/**
 * Operands of at most this many elements are also remembered by value, so
 * that `matmul` on the same unchanged small batch (a numerical gradient's
 * thousands of forwards on 3 images) compares instead of compacting again.
 */
const COMPARED = 8192;

/** A compacted dense operand: its non-zeros, and its values when small. */
interface Compacted {
  s: SparseRows;
  copy?: Float64Array;
}

/** The block each buffer of `buffer()` is a view of. */
const blocks = new WeakMap<Float64Array, Float64Array>();

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
  /**
   * Whether the dense products are vectorised (about 3× the scalar loops),
   * so that skipping zeros pays in fewer products.
   */
  protected abstract readonly vectorized: boolean;
  #memo = new Map<Matrix, Compacted>(); // dense operands compacted by matmul, oldest first
  #spare: SparseRows[] = []; // their arrays, for the next compaction
  #dense?: Matrix; // a sparse operand made dense (where b is not finite)

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

  /** Output rows 0 … rows−1 of the product over lists (`productByLists`). */
  runLists(
    ptr: Int32Array,
    index: Int32Array,
    val: Float64Array,
    rows: number,
    B: Float64Array,
    n: number,
    C: Float64Array,
  ): void {
    productByLists(ptr, index, val, 0, rows, B, n, C);
  }

  /** A zeroed Float64Array (ordinary; the SIMD kernels' own memory). */
  float64(length: number): Float64Array {
    return PLAIN_MEMORY.float64(length);
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
  free(_array: Float64Array | Int32Array | Uint8Array): void {}

  /** See {@linkcode Kernels.buffer}. */
  buffer(buf: Matrix | undefined, rows: number, cols: number): Matrix {
    if (buf !== undefined && buf.rows === rows && buf.cols === cols) return buf;
    const length = rows * cols;
    let block = buf === undefined ? undefined : blocks.get(buf.data);
    if (block === undefined || block.length < length) {
      if (block !== undefined) this.free(block);
      block = this.float64(length);
    }
    const data = block.subarray(0, length).fill(0);
    blocks.set(data, block);
    return new Matrix(rows, cols, data);
  }

  /** See {@linkcode Kernels.matmul}: sparse or dense, decided here. */
  matmul(a: Batch, b: Matrix, out?: Matrix): Matrix {
    const where = "matmul()";
    if (a instanceof SparseRows) {
      const c = checkSparse(where, a, a.cols, b, out, a.rows);
      if (this.#finite(b)) {
        this.runLists(a.rowPtr, a.col, a.val, a.rows, b.data, b.cols, c.data);
      } else this.gemm(this.#toDense(a), b, c); // 0·∞ must give NaN
      return c;
    }
    const c = checkMatmul(where, a, b, out);
    const s = this.#compact(a, b);
    if (s) {
      this.runLists(s.rowPtr, s.col, s.val, s.rows, b.data, b.cols, c.data);
    } else this.gemm(a, b, c);
    return c;
  }

  /** See {@linkcode Kernels.matmulTN}. */
  matmulTN(a: Batch, b: Matrix, out?: Matrix): Matrix {
    const where = "matmulTN()";
    if (a instanceof SparseRows) {
      const c = checkSparse(where, a, a.rows, b, out, a.cols);
      if (this.#finite(b)) this.sparseTN(a, b, c);
      else this.gemmTN(this.#toDense(a), b, c);
      return c;
    }
    const c = checkMatmulTN(where, a, b, out);
    const s = this.#memo.get(a)?.s; // what matmul(a, …) found, if anything
    if (s && s.rows === a.rows && s.cols === a.cols && this.#finite(b)) {
      this.sparseTN(s, b, c);
    } else this.gemmTN(a, b, c);
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

  /** See {@linkcode Kernels.addRowVector}. */
  addRowVector(x: Matrix, b: Matrix, out?: Matrix): Matrix {
    return addRowVector(x, b, out);
  }

  /** See {@linkcode Kernels.sumColumns}. */
  sumColumns(x: Matrix, out?: Matrix): Matrix {
    return sumColumns(x, out);
  }

  /** See {@linkcode Kernels.allFinite}. */
  allFinite(a: Matrix): boolean {
    return allFinite(a);
  }

  /** See {@linkcode Kernels.relu} (the book's loop). */
  relu(x: Matrix, out: Matrix, mask: Uint8Array): void {
    const X = x.data, O = out.data;
    for (let i = 0; i < X.length; i++) {
      const v = X[i];
      mask[i] = v <= 0 ? 1 : 0;
      O[i] = v <= 0 ? 0 : v;
    }
  }

  /** See {@linkcode Kernels.reluBackward}. */
  reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void {
    const D = dout.data, G = dx.data;
    for (let i = 0; i < D.length; i++) G[i] = mask[i] ? 0 : D[i];
  }

  /** See {@linkcode Kernels.maxPool} (`maxPool` of `naive.ts`). */
  maxPool(
    x: Matrix,
    input: ImageShape,
    window: Window,
    out: Matrix,
    argmax: Int32Array,
  ): void {
    maxPool(x, input, window, out, argmax);
  }

  /** `compactRows` of `sparse.ts`. */
  compactRows(
    A: Float64Array,
    m: number,
    k: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
    cap: number,
  ): number {
    return compactRows(A, m, k, rowPtr, col, val, cap);
  }

  /** `compactByteRows` of `sparse.ts`. */
  compactByteRows(
    bytes: Uint8Array,
    starts: ArrayLike<number>,
    d: number,
    scale: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
  ): number {
    return compactByteRows(bytes, starts, d, scale, rowPtr, col, val);
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
   * pays here and is exact: a mostly zeros (judged by its first row, then
   * by the count), b all finite. Else undefined, and nothing remembered.
   */
  #compact(a: Matrix, b: Matrix): SparseRows | undefined {
    const memo = this.#memo, last = memo.get(a);
    memo.delete(a);
    const pays = !this.vectorized || b.cols >= VECTORIZED_MIN_WIDTH;
    if (pays && last?.copy && same(last.copy, a.data)) {
      if (!this.#finite(b)) {
        this.#spare.push(last.s);
        return undefined;
      }
      memo.set(a, last); // unchanged since it was compacted: reuse
      return last.s;
    }
    if (last) this.#spare.push(last.s);
    if (!pays || !firstRowSparse(a) || !this.#finite(b)) return undefined;
    const s = this.#spare.pop() ?? new SparseRows(this);
    if (!s.fill(a, SPARSE_MAX_DENSITY)) {
      this.#spare.push(s);
      return undefined;
    }
    const n = a.data.length;
    const copy = n > COMPARED
      ? undefined
      : last?.copy?.length === n
      ? last.copy
      : new Float64Array(n);
    copy?.set(a.data);
    memo.set(a, { s, copy });
    if (memo.size > REMEMBERED) {
      const [oldest, t] = memo.entries().next().value!;
      memo.delete(oldest);
      this.#spare.push(t.s);
    }
    return s;
  }

  /**
   * Whether zeros may be skipped against b: it is all finite, known so
   * while a numerical gradient perturbs it, else checked.
   */
  #finite(b: Matrix): boolean {
    return isHeldFinite(b.data) || this.allFinite(b);
  }

  /** C = Aᵀ · B over A's non-zeros (B finite, C of the right shape). */
  protected sparseTN(a: SparseRows, b: Matrix, c: Matrix): void {
    matmulTNSparse(a, b, c, this);
  }

  #toDense(a: SparseRows): Matrix {
    this.#dense = this.buffer(this.#dense, a.rows, a.cols);
    return a.toDense(this.#dense);
  }
}

/** Whether a and b hold the same values (a NaN never matches). */
function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether x's first row has at most SPARSE_MAX_DENSITY non-zeros: a look at
 * one row before `SparseRows.fill` scans up to half of a dense batch to
 * find out it is dense (~50 µs at 100×784, bench/train_bench.ts "dense").
 */
function firstRowSparse(x: Matrix): boolean {
  const k = x.cols, X = x.data;
  let nonZeros = 0;
  for (let p = 0; p < k && p < X.length; p++) if (X[p] !== 0) nonZeros++;
  return nonZeros <= SPARSE_MAX_DENSITY * k;
}

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
  return checkOut(where, out, rows, b.cols, b);
}
