/**
 * The one data type of dlfs: a dense, row-major matrix of float64 values
 * (or float32 ones, in a net built with `dtype: "float32"`).
 *
 * Element (i, j) of an `rows × cols` matrix lives at `data[i * cols + j]`.
 * A batch of N samples with D features is an N×D matrix (one sample per row);
 * a bias vector is a 1×D matrix.
 *
 * @module
 */

import { describe } from "./options.ts";
import type { Rng } from "./rng.ts";

/**
 * The element type of a matrix and of the kernels that compute with it:
 * `"float64"` (the book's, the default) or `"float32"` (half the bytes,
 * twice the SIMD lanes; see `Kernels.dtype`).
 */
export type DType = "float32" | "float64";

/** The array behind a matrix: one per {@linkcode DType}. */
export type FloatArray = Float64Array | Float32Array;

/**
 * A zeroed array of `length` elements of `dtype`.
 *
 * @throws {RangeError} for a dtype other than `"float32"` and `"float64"`.
 *
 * @example
 * ```ts
 * import { floatArray } from "@dlfs/nn/core";
 *
 * console.log(floatArray("float32", 2)); // Float32Array(2) [ 0, 0 ]
 * ```
 */
export function floatArray(dtype: DType, length: number): FloatArray {
  if (dtype === "float64") return new Float64Array(length);
  if (dtype === "float32") return new Float32Array(length);
  throw new RangeError(
    `floatArray(): expected dtype "float32" or "float64" but found ${
      describe(dtype)
    }`,
  );
}

/**
 * The element type of `data`.
 *
 * @example
 * ```ts
 * import { dtypeOf } from "@dlfs/nn/core";
 *
 * console.log(dtypeOf(new Float32Array(1))); // float32
 * ```
 */
export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float32Array ? "float32" : "float64";
}

/**
 * A dense row-major matrix backed by a `Float64Array` (or a `Float32Array`:
 * see {@linkcode DType}).
 *
 * The shape is fixed at construction and `data.length === rows * cols` always
 * holds. Layers update matrices in place (`data` is written, never rebound),
 * so a reference to a parameter stays valid for the life of a network.
 *
 * @example Build a 2×3 matrix and read an element
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix } from "@dlfs/nn/core";
 *
 * const m = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]);
 * assert(m.rows === 2 && m.cols === 3);
 * assert(m.get(1, 2) === 6); // data[1 * 3 + 2]
 * ```
 */
export class Matrix {
  /** Number of rows (the batch size N for activations). */
  readonly rows: number;
  /** Number of columns (the feature count D for activations). */
  readonly cols: number;
  /** The `rows * cols` elements, row after row. */
  readonly data: FloatArray;

  /**
   * Wraps `data` (not copied) as a `rows × cols` matrix; `data` defaults
   * to a new zero-filled `Float64Array`.
   *
   * @throws {RangeError} if `rows` or `cols` is not a non-negative integer, or
   * if `data.length !== rows * cols`.
   * @throws {TypeError} if `data` is neither a `Float64Array` nor a
   * `Float32Array`.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Matrix } from "@dlfs/nn/core";
   *
   * const z = new Matrix(2, 2); // zeros
   * const m = new Matrix(1, 3, new Float64Array([1, 2, 3])); // shares the array
   * assert(z.data[3] === 0 && m.get(0, 1) === 2);
   * ```
   */
  constructor(rows: number, cols: number, data?: FloatArray) {
    checkDim("Matrix", "rows", rows);
    checkDim("Matrix", "cols", cols);
    if (data === undefined) {
      data = new Float64Array(rows * cols);
    } else if (
      !(data instanceof Float64Array || data instanceof Float32Array)
    ) {
      throw new TypeError(
        `Matrix: expected data to be a Float64Array or a Float32Array but found ${
          kindOf(data)
        }`,
      );
    } else if (data.length !== rows * cols) {
      throw new RangeError(
        `Matrix: expected data of length ${
          rows * cols
        } for shape ${rows}×${cols} but found length ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /**
   * A `rows × cols` matrix of zeros.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Matrix } from "@dlfs/nn/core";
   *
   * assert(Matrix.zeros(3, 4).data.length === 12);
   * ```
   */
  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  /**
   * A `rows × cols` matrix of normal samples N(0, std²), drawn row by row
   * from `rng`: the book's `std * np.random.randn(rows, cols)`. `std`
   * defaults to 1 (`np.random.randn` itself).
   *
   * @throws {RangeError} if `rows` or `cols` is not a non-negative integer,
   * or `std` is not a finite number.
   *
   * @example `weight_init_std * np.random.randn(784, 50)`
   * ```ts
   * import { Matrix, Rng } from "@dlfs/nn";
   *
   * const W1 = Matrix.randn(784, 50, new Rng(0), 0.01);
   * console.log(W1.shape); // 784×50, entries ≈ ±0.01
   * ```
   */
  static randn(rows: number, cols: number, rng: Rng, std = 1): Matrix {
    if (!Number.isFinite(std)) {
      throw new RangeError(
        `Matrix.randn(): expected std to be a finite number but found ${std}`,
      );
    }
    const m = new Matrix(rows, cols);
    for (let i = 0; i < m.data.length; i++) m.data[i] = std * rng.normal();
    return m;
  }

  /**
   * Copies an array of equal-length rows into a new matrix.
   *
   * @throws {RangeError} if there are no rows, or the rows differ in length.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Matrix } from "@dlfs/nn/core";
   *
   * const b = Matrix.fromRows([[0.1, 0.2]]); // a 1×2 bias
   * assert(b.rows === 1 && b.cols === 2);
   * ```
   */
  static fromRows(rows: readonly (readonly number[])[]): Matrix {
    if (rows.length === 0) {
      throw new RangeError(
        "Matrix.fromRows(): expected at least one row but found none (use Matrix.zeros(0, cols) for an empty matrix)",
      );
    }
    const cols = rows[0].length;
    const m = new Matrix(rows.length, cols);
    for (let i = 0; i < rows.length; i++) {
      if (rows[i].length !== cols) {
        throw new RangeError(
          `Matrix.fromRows(): expected every row to have ${cols} elements (like row 0) but found ${
            rows[i].length
          } in row ${i}`,
        );
      }
      m.data.set(rows[i], i * cols);
    }
    return m;
  }

  /** The element type: `"float32"` over a `Float32Array`, else `"float64"`. */
  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** The shape as text, `"rows×cols"`, as used in every error message. */
  get shape(): string {
    return `${this.rows}×${this.cols}`;
  }

  /**
   * Element (i, j). No bounds check beyond the typed array's own: use it in
   * examples and tests, not in hot loops.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Matrix } from "@dlfs/nn/core";
   *
   * assert(Matrix.fromRows([[1, 2], [3, 4]]).get(1, 0) === 3);
   * ```
   */
  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  /**
   * Rows `start … end−1` as a new (end−start)×cols matrix of its dtype: NumPy's
   * `x[start:end]` (`x[:3]` is `x.sliceRows(0, 3)`), copied rather than a
   * view.
   *
   * @throws {RangeError} unless start and end are integers with
   * 0 ≤ start ≤ end ≤ rows.
   *
   * @example `x[:2]`
   * ```ts
   * import { Matrix } from "@dlfs/nn";
   *
   * const x = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
   * console.log(x.sliceRows(0, 2).toRows()); // [[1, 2], [3, 4]]
   * ```
   */
  sliceRows(start: number, end: number): Matrix {
    if (
      !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start &&
        start <= end && end <= this.rows)
    ) {
      throw new RangeError(
        `Matrix.sliceRows(): expected 0 ≤ start ≤ end ≤ ${this.rows} but found start ${start}, end ${end}`,
      );
    }
    const c = this.cols;
    return new Matrix(end - start, c, this.data.slice(start * c, end * c));
  }

  /**
   * The rows at `indices`, in that order (repeats allowed), as a new
   * indices.length×cols matrix of its dtype: NumPy's `x[batch_mask]` with an array of
   * row indices (`np.random.choice`'s, see `Rng.choice`).
   *
   * @throws {RangeError} if an index is not an integer in [0, rows).
   *
   * @example `x[[2, 0, 2]]`
   * ```ts
   * import { Matrix } from "@dlfs/nn";
   *
   * const x = Matrix.fromRows([[1, 2], [3, 4], [5, 6]]);
   * console.log(x.gatherRows([2, 0, 2]).toRows()); // [[5, 6], [1, 2], [5, 6]]
   * ```
   */
  gatherRows(indices: ArrayLike<number>): Matrix {
    const c = this.cols, n = indices.length;
    const m = new Matrix(n, c, floatArray(this.dtype, n * c));
    for (let r = 0; r < n; r++) {
      const k = indices[r];
      if (!Number.isInteger(k) || k < 0 || k >= this.rows) {
        throw new RangeError(
          `Matrix.gatherRows(): expected indices in [0, ${this.rows}) but found indices[${r}] = ${k}`,
        );
      }
      m.data.set(this.data.subarray(k * c, (k + 1) * c), r * c);
    }
    return m;
  }

  /**
   * A deep copy with its own `data` (of the same dtype).
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Matrix } from "@dlfs/nn/core";
   *
   * const a = Matrix.fromRows([[1, 2]]);
   * const b = a.clone();
   * b.data[0] = 9;
   * assert(a.data[0] === 1);
   * ```
   */
  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /**
   * The rows as plain arrays (for printing and tests).
   *
   * @example
   * ```ts
   * import { Matrix } from "@dlfs/nn/core";
   *
   * console.log(Matrix.fromRows([[1, 2], [3, 4]]).toRows()); // [[1, 2], [3, 4]]
   * ```
   */
  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      out.push(
        Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)),
      );
    }
    return out;
  }
}

/**
 * The column of the largest value in each row of `y`, an N×C matrix of
 * scores: NumPy's `np.argmax(y, axis=1)`, the predicted class of each
 * sample. Ties go to the lowest column, as in NumPy; a NaN is never the
 * largest (unlike NumPy, which picks it). Written into `out` when it has
 * length N (default: a new `Int32Array`).
 *
 * @throws {TypeError} if `y` is not a Matrix.
 * @throws {RangeError} if `y` has no columns (and at least one row).
 *
 * @example `np.argmax(y, axis=1)`
 * ```ts
 * import { argmax, Matrix } from "@dlfs/nn";
 *
 * const y = Matrix.fromRows([[0.1, 0.8, 0.1], [0.3, 0.1, 0.6]]);
 * console.log(argmax(y)); // Int32Array(2) [ 1, 2 ]
 * ```
 */
export function argmax(y: Matrix, out?: Int32Array): Int32Array {
  assertMatrix("argmax()", "y", y);
  const n = y.rows, c = y.cols, Y = y.data;
  if (c === 0 && n > 0) {
    throw new RangeError(
      `argmax(): expected y with at least one column but found ${y.shape}`,
    );
  }
  const best = out?.length === n ? out : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let j = 1; j < c; j++) if (Y[i * c + j] > Y[i * c + b]) b = j;
    best[i] = b;
  }
  return best;
}

/**
 * Returns `buf` when it already has shape `rows × cols`, otherwise a new
 * zeroed matrix of that shape: how code outside the layers keeps an output
 * buffer across calls. (Layers use their kernels' `buffer`, which also
 * places the memory.)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ensureShape, Matrix } from "@dlfs/nn/core";
 *
 * let out: Matrix | undefined;
 * out = ensureShape(out, 100, 50); // allocates
 * const same = ensureShape(out, 100, 50); // reuses
 * assert(same === out);
 * ```
 */
export function ensureShape(
  buf: Matrix | undefined,
  rows: number,
  cols: number,
): Matrix {
  if (buf !== undefined && buf.rows === rows && buf.cols === cols) return buf;
  return new Matrix(rows, cols);
}

/**
 * Throws a `RangeError` unless `a` and `b` have the same shape.
 *
 * @param where the function to name in the message, e.g. `"Relu.backward()"`.
 * @throws {RangeError} `"<where>: expected <what> of shape A but found B"`.
 *
 * @example
 * ```ts
 * import { assertSameShape, Matrix } from "@dlfs/nn/core";
 *
 * try {
 *   assertSameShape("demo()", "dout", Matrix.zeros(2, 3), Matrix.zeros(3, 2));
 * } catch (e) {
 *   console.log((e as Error).message); // demo(): expected dout of shape 2×3 but found 3×2
 * }
 * ```
 */
export function assertSameShape(
  where: string,
  what: string,
  expected: Matrix,
  found: Matrix,
): void {
  if (expected.rows !== found.rows || expected.cols !== found.cols) {
    throw new RangeError(
      `${where}: expected ${what} of shape ${expected.shape} but found ${found.shape}`,
    );
  }
}

/**
 * Throws a `TypeError` unless `x` is a {@linkcode Matrix}. Used at the API
 * boundary so that a plain array gets a clear message instead of a crash deep
 * inside a loop.
 *
 * @example
 * ```ts
 * import { assertMatrix, Matrix } from "@dlfs/nn/core";
 *
 * assertMatrix("demo()", "x", Matrix.zeros(1, 1)); // passes
 * ```
 */
export function assertMatrix(where: string, what: string, x: unknown): void {
  if (!(x instanceof Matrix)) {
    throw new TypeError(
      `${where}: expected ${what} to be a Matrix but found ${kindOf(x)}`,
    );
  }
}

/**
 * A short name for the kind of a value, for error messages.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { kindOf } from "@dlfs/nn/core";
 *
 * assert(kindOf([1, 2]) === "Array" && kindOf(null) === "null");
 * ```
 */
export function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  return x.constructor?.name ?? "object";
}

function checkDim(where: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `${where}: expected ${what} to be a non-negative integer but found ${
        describe(n)
      }`,
    );
  }
}
