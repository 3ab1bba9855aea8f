/**
 * The naive reference kernels: the plainest loops that compute each product,
 * kept forever as the test oracle for faster kernels and as the baseline of
 * every benchmark group. Each writes into `out` when given one (default: a
 * new matrix; reused across
 * calls) and otherwise allocates it.
 *
 * Shapes, with A of shape M×K:
 * - `matmul`:   A (M×K) · B (K×N)  → M×N
 * - `matmulTN`: Aᵀ (K×M) · B (M×N) → K×N   (dW = xᵀ · dout)
 * - `matmulNT`: A (M×K) · Bᵀ (K×N) → M×N, with B of shape N×K (dx = dout · Wᵀ)
 *
 * The float32 kernels run copies of the loops the kernels run
 * (`addRowVector`, `maxPool`, …) generated into `f32.ts`: after editing one,
 * run `deno task gen` (tests/twins_test.ts fails until then).
 *
 * @module
 */

import { assertMatrix, type FloatArray, floatArray, Matrix } from "./matrix.ts";
import type { ImageShape, Window } from "./im2col.ts";
import type { ByteRows } from "./sparse.ts";
import { storage } from "./gathered.ts";

/**
 * C = A · B, the i-j-k triple loop.
 *
 * @param out the M×N output (default: a new matrix); must not be `a` or `b`.
 * @throws {RangeError} if `a.cols !== b.rows` or `out` has the wrong shape.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { matmul, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmul(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]]));
 * assert(c.get(0, 0) === 11); // 1·3 + 2·4
 * ```
 */
export function matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmul("matmul()", a, b, out);
  const m = a.rows, k = a.cols, n = b.cols;
  const A = a.data, B = b.data, C = c.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * B[p * n + j];
      C[i * n + j] = sum;
    }
  }
  return c;
}

/**
 * C = Aᵀ · B without forming Aᵀ; A is M×K, B is M×N, C is K×N. This is the
 * weight gradient `dW = xᵀ · dout`.
 *
 * @throws {RangeError} if `a.rows !== b.rows` or `out` has the wrong shape.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { matmulTN, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmulTN(Matrix.fromRows([[1], [2]]), Matrix.fromRows([[3], [4]]));
 * assert(c.get(0, 0) === 11); // [1 2] · [3 4]ᵀ
 * ```
 */
export function matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmulTN("matmulTN()", a, b, out);
  const m = a.rows, k = a.cols, n = b.cols;
  const A = a.data, B = b.data, C = c.data;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < m; p++) sum += A[p * k + i] * B[p * n + j];
      C[i * n + j] = sum;
    }
  }
  return c;
}

/**
 * C = A · Bᵀ without forming Bᵀ; A is M×K, B is N×K, C is M×N. This is the
 * input gradient `dx = dout · Wᵀ`.
 *
 * @throws {RangeError} if `a.cols !== b.cols` or `out` has the wrong shape.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { matmulNT, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmulNT(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3, 4]]));
 * assert(c.get(0, 0) === 11); // [1 2] · [3 4]ᵀ
 * ```
 */
export function matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmulNT("matmulNT()", a, b, out);
  const m = a.rows, k = a.cols, n = b.rows;
  const A = a.data, B = b.data, C = c.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * B[j * k + p];
      C[i * n + j] = sum;
    }
  }
  return c;
}

/**
 * out = A + b broadcast over rows: `out[i][j] = a[i][j] + b[0][j]`, the bias
 * add of an affine layer. `out` may be `a` (in place).
 *
 * @throws {RangeError} unless `b` is 1×`a.cols` and `out` (if given) is
 * `a.rows`×`a.cols`.
 *
 * @example
 * ```ts
 * import { addRowVector, Matrix } from "@dlfs/nn/core";
 *
 * const y = addRowVector(Matrix.fromRows([[1, 2], [3, 4]]), Matrix.fromRows([[10, 20]]));
 * console.log(y.toRows()); // [[11, 22], [13, 24]]
 * ```
 */
export function addRowVector(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkAddRowVector(a, b, out), m = a.rows, n = a.cols;
  const A = a.data, B = b.data, C = c.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) C[i * n + j] = A[i * n + j] + B[j];
  }
  return c;
}

/**
 * The column sums of A as a 1×N matrix: `out[0][j] = Σᵢ a[i][j]`, the bias
 * gradient `db = Σ over the batch of dout`.
 *
 * @throws {RangeError} if `out` is given and is not 1×`a.cols`.
 *
 * @example
 * ```ts
 * import { Matrix, sumColumns } from "@dlfs/nn/core";
 *
 * console.log(sumColumns(Matrix.fromRows([[1, 2], [3, 4]])).toRows()); // [[4, 6]]
 * ```
 */
export function sumColumns(a: Matrix, out?: Matrix): Matrix {
  const c = checkSumColumns(a, out), m = a.rows, n = a.cols;
  const A = a.data, C = c.data;
  C.fill(0);
  // Row by row, so that a tall A is read once, in order; each column's sum
  // still adds its rows in ascending order.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) C[j] += A[i * n + j];
  }
  return c;
}

/**
 * y ← y + α·x, element by element, in place (BLAS's axpy): the step of
 * SGD, W ← W − lr·∂L/∂W, is `axpy(−lr, dW, W)` (section 6.1.2), the same
 * bits as the book's `W -= lr * dW`. x and y: one shape. Returns y.
 *
 * @throws {RangeError} if x and y differ in shape.
 *
 * @example
 * ```ts
 * import { axpy, Matrix } from "@dlfs/nn/core";
 *
 * const W = Matrix.fromRows([[1, 2]]);
 * axpy(-0.5, Matrix.fromRows([[2, 2]]), W);
 * console.log(W.toRows()); // [[0, 1]]
 * ```
 */
export function axpy(alpha: number, x: Matrix, y: Matrix): Matrix {
  checkAxpy("axpy()", alpha, x, y);
  const X = x.data, Y = y.data;
  for (let i = 0; i < Y.length; i++) Y[i] += alpha * X[i];
  return y;
}

/** `axpy`'s checks, under the name `where`. */
export function checkAxpy(
  where: string,
  alpha: number,
  x: Matrix,
  y: Matrix,
): void {
  assertMatrix(where, "x", x);
  assertMatrix(where, "y", y);
  if (typeof alpha !== "number") {
    throw new TypeError(
      `${where}: expected alpha, a number, but found ${typeof alpha}`,
    );
  }
  if (x.rows !== y.rows || x.cols !== y.cols) {
    throw new RangeError(
      `${where}: expected x and y of one shape but found ${x.shape} and ${y.shape}`,
    );
  }
}

/** `addRowVector`'s checks; returns `out`, or a new matrix if none. */
export function checkAddRowVector(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  assertMatrix("addRowVector()", "a", a);
  assertMatrix("addRowVector()", "b", b);
  if (b.rows !== 1 || b.cols !== a.cols) {
    throw new RangeError(
      `addRowVector(): expected b of shape 1×${a.cols} (a is ${a.shape}) but found ${b.shape}`,
    );
  }
  return checkOut("addRowVector()", out, a.rows, a.cols, a);
}

/** `sumColumns`' checks; returns `out`, or a new matrix if none. */
export function checkSumColumns(a: Matrix, out?: Matrix): Matrix {
  assertMatrix("sumColumns()", "a", a);
  return checkOut("sumColumns()", out, 1, a.cols, a);
}

/**
 * out = max(0, x) and mask = (x ≤ 0), element by element: the book's
 * `Relu.forward` loop (`Kernels.relu`). Shapes are the caller's to check.
 */
export function relu(x: Matrix, out: Matrix, mask: Uint8Array): void {
  const X = x.data, O = out.data;
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    mask[i] = v <= 0 ? 1 : 0;
    O[i] = v <= 0 ? 0 : v;
  }
}

/**
 * dx = dout, 0 where `mask` is set: the book's `Relu.backward` loop
 * (`Kernels.reluBackward`). Shapes are the caller's to check.
 */
export function reluBackward(
  dout: Matrix,
  mask: Uint8Array,
  dx: Matrix,
): void {
  const D = dout.data, G = dx.data;
  for (let i = 0; i < D.length; i++) G[i] = mask[i] ? 0 : D[i];
}

/**
 * The checks of `matmul` shared by every kernel of that product: operand
 * kinds, `a.cols === b.rows`, and `out` (M×N, not aliasing an operand).
 * Returns `out`, or a new M×N matrix. Internal: not exported from `mod.ts`.
 */
export function checkMatmul(
  where: string,
  a: Matrix,
  b: Matrix,
  out: Matrix | undefined,
): Matrix {
  checkOperands(where, a, b, out);
  if (a.cols !== b.rows) {
    throw new RangeError(
      `${where}: expected b with ${a.cols} rows (a is ${a.shape}) but found b of shape ${b.shape}`,
    );
  }
  return checkOut(where, out, a.rows, b.cols, a);
}

/** The checks of `matmulTN` (see {@linkcode checkMatmul}); out is K×N. */
export function checkMatmulTN(
  where: string,
  a: Matrix,
  b: Matrix,
  out: Matrix | undefined,
): Matrix {
  checkOperands(where, a, b, out);
  if (a.rows !== b.rows) {
    throw new RangeError(
      `${where}: expected b with ${a.rows} rows (a is ${a.shape}, used transposed) but found b of shape ${b.shape}`,
    );
  }
  return checkOut(where, out, a.cols, b.cols, a);
}

/** The checks of `matmulNT` (see {@linkcode checkMatmul}); out is M×N. */
export function checkMatmulNT(
  where: string,
  a: Matrix,
  b: Matrix,
  out: Matrix | undefined,
): Matrix {
  checkOperands(where, a, b, out);
  if (a.cols !== b.cols) {
    throw new RangeError(
      `${where}: expected b with ${a.cols} columns (a is ${a.shape}; b is used transposed) but found b of shape ${b.shape}`,
    );
  }
  return checkOut(where, out, a.rows, b.rows, a);
}

function checkOperands(
  where: string,
  a: Matrix,
  b: Matrix,
  out: Matrix | undefined,
): void {
  assertMatrix(where, "a", a);
  assertMatrix(where, "b", b);
  const o = out === undefined ? undefined : storage(out);
  if (o !== undefined && (o === storage(a) || o === storage(b))) {
    throw new RangeError(
      `${where}: expected out to be a separate matrix but found it shares its data with an operand`,
    );
  }
}

/**
 * Returns `out` after checking it is a `rows × cols` Matrix that shares no
 * data with `operand`, or when `out` is undefined a new zeroed matrix of
 * `like`'s dtype (what a kernel's result defaults to: its first operand's
 * element type). Internal: not exported from `mod.ts`.
 */
export function checkOut(
  where: string,
  out: Matrix | undefined,
  rows: number,
  cols: number,
  like: Matrix,
  operand?: Matrix,
): Matrix {
  if (out === undefined) {
    return new Matrix(rows, cols, floatArray(like.dtype, rows * cols));
  }
  assertMatrix(where, "out", out);
  if (operand !== undefined && storage(out) === storage(operand)) {
    throw new RangeError(
      `${where}: expected out to be a separate matrix but found it shares its data with an operand`,
    );
  }
  if (out.rows !== rows || out.cols !== cols) {
    throw new RangeError(
      `${where}: expected out of shape ${rows}×${cols} but found ${out.shape}`,
    );
  }
  return out;
}

/**
 * Max pooling: the maximum of each window of each channel of each image
 * (one C×H×W image per row of x) into `out` (N×(C·OH·OW), channel by
 * channel), and its position within x's row into `argmax` (the first
 * maximum in window order on a tie, as `np.argmax`; −1 where a padding zero
 * is the maximum). The reference for the SIMD kernel, and what the
 * TypeScript kernels run. Shapes are the caller's to check.
 *
 * @example
 * ```ts
 * import { Matrix, maxPool } from "@dlfs/nn/core";
 *
 * const out = new Matrix(1, 2), argmax = new Int32Array(2);
 * maxPool(Matrix.fromRows([[1, 5, 2, 0, 3, 4, 8, 6]]), [1, 2, 4], { height: 2, width: 2, stride: 2 }, out, argmax);
 * console.log(out.toRows(), argmax); // [[5, 8]] Int32Array(2) [ 1, 6 ]
 * ```
 */
export function maxPool(
  x: Matrix,
  input: ImageShape,
  window: Window,
  out: Matrix,
  argmax: Int32Array,
): void {
  const [c, h, w] = input;
  const { height: ph, width: pw, stride = 1, pad = 0 } = window;
  const oh = (h + 2 * pad - ph) / stride + 1,
    ow = (w + 2 * pad - pw) / stride + 1;
  const n = x.rows, outSize = c * oh * ow;
  const X = x.data, O = out.data, arg = argmax;
  for (let i = 0; i < n; i++) {
    const img = i * c * h * w;
    for (let ch = 0; ch < c; ch++) {
      const plane = ch * h * w; // within the image
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const y0 = oy * stride - pad, x0 = ox * stride - pad;
          let best: number, at: number;
          if (y0 >= 0 && x0 >= 0 && y0 + ph <= h && x0 + pw <= w) {
            // Inside the image (always, without padding): no bounds checks.
            at = plane + y0 * w + x0;
            best = X[img + at];
            for (let fy = 0; fy < ph; fy++) {
              const row = plane + (y0 + fy) * w + x0;
              for (let fx = 0; fx < pw; fx++) {
                const v = X[img + row + fx]; // NaN wins; the first one stays
                if (v > best || (v !== v && best === best)) {
                  (best = v), (at = row + fx);
                }
              }
            }
          } else {
            best = -Infinity;
            at = -1;
            for (let fy = 0; fy < ph; fy++) {
              const y = y0 + fy;
              for (let fx = 0; fx < pw; fx++) {
                const xx = x0 + fx;
                const inside = y >= 0 && y < h && xx >= 0 && xx < w;
                const v = inside ? X[img + plane + y * w + xx] : 0; // padding is 0, as im2col's
                if (
                  v > best || (v !== v && best === best) ||
                  (at === -1 && best === -Infinity)
                ) {
                  best = v;
                  at = inside ? plane + y * w + xx : -1;
                }
              }
            }
          }
          const o = i * outSize + (ch * oh + oy) * ow + ox;
          O[o] = best;
          arg[o] = at;
        }
      }
    }
  }
}

/**
 * True when every element of `a` is finite: the guard the kernels read
 * before they skip zeros (0·∞ must give NaN). First the plain sum: finite,
 * it proves every element finite (an ∞ or a NaN never adds back to a finite
 * sum); only when it is not (a non-finite element, or finite ones summing
 * past 1e308) the exact test, Σ a·0: 0 for finite elements, NaN as soon as
 * one is ±∞ or NaN. Four running sums, because one sum is a chain of
 * dependent additions 13× slower here (bench/matmul_bench.ts).
 *
 * @example
 * ```ts
 * import { allFinite, Matrix } from "@dlfs/nn/core";
 *
 * console.log(allFinite(Matrix.fromRows([[1, Infinity]]))); // false
 * ```
 */
export function allFinite(a: Matrix): boolean {
  const sum = sum4(a.data, 1);
  return sum - sum === 0 || sum4(a.data, 0) === 0;
}

/**
 * Σ A[i]·scale, in four running sums. (Indexed i−3 … i under `i < length`,
 * which V8 proves in bounds: 1.25× the loop indexed i … i+3.)
 */
function sum4(A: FloatArray, scale: number): number {
  const length = A.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 3;
  for (; i < length; i += 4) {
    s0 += A[i - 3] * scale;
    s1 += A[i - 2] * scale;
    s2 += A[i - 1] * scale;
    s3 += A[i] * scale;
  }
  for (i -= 3; i < length; i++) s0 += A[i] * scale;
  return s0 + s1 + s2 + s3;
}

/**
 * Max pooling's backward: each dout goes to the position its window's
 * maximum came from (`argmax`, as `maxPool` wrote it; −1, a padding zero:
 * nowhere), added where windows overlap (the book's `dmax[…, arg_max] =
 * dout`, then col2im). dout is N×(C·OH·OW), dx N×(C·H·W), overwritten.
 * Shapes are the caller's to check.
 *
 * @example
 * ```ts
 * import { Matrix, maxPoolBackward } from "@dlfs/nn/core";
 *
 * const dx = new Matrix(1, 4);
 * maxPoolBackward(Matrix.fromRows([[5, 7]]), new Int32Array([1, 1]), dx);
 * console.log(dx.toRows()); // [[0, 12, 0, 0]]
 * ```
 */
export function maxPoolBackward(
  dout: Matrix,
  argmax: Int32Array,
  dx: Matrix,
): void {
  const n = dout.rows, outSize = dout.cols, inSize = dx.cols;
  const D = dout.data, DX = dx.data;
  DX.fill(0);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < outSize; o++) {
      const at = argmax[i * outSize + o];
      if (at >= 0) DX[i * inSize + at] += D[i * outSize + o];
    }
  }
}

/**
 * Rows of bytes as numbers, into `out` (n rows of D = `rows.width`): row r
 * is the D bytes from `bytes[indices[r]·D]`, each times `scale` (u8 pixels
 * to [0, 1] with 1/255, as the book's `normalize=True`).
 *
 * @throws {RangeError} unless every row lies within `bytes` and `out` is
 * n×D.
 *
 * @example
 * ```ts
 * import { gatherBytes, Matrix } from "@dlfs/nn/core";
 *
 * const rows = { bytes: new Uint8Array([0, 255, 51, 102]), indices: [1, 0], width: 2, scale: 1 / 255 };
 * console.log(gatherBytes(rows, new Matrix(2, 2)).toRows()); // [[0.2, 0.4], [0, 1]]
 * ```
 */
export function gatherBytes(rows: ByteRows, out: Matrix): Matrix {
  checkGather("gatherBytes()", rows, out);
  const { bytes, indices, width: d, scale } = rows, X = out.data;
  for (let r = 0; r < indices.length; r++) {
    scaleInto(bytes, indices[r] * d, X, r * d, d, scale);
  }
  return out;
}

/**
 * Throws unless each index's row lies within `rows.bytes` and `out` (when
 * given) is n×D. Internal: not exported from `mod.ts`.
 */
export function checkGather(where: string, rows: ByteRows, out?: Matrix): void {
  const { bytes, indices, width: d } = rows;
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(
      `${where}: expected a width of at least 1 byte but found ${d}`,
    );
  }
  const count = Math.floor(bytes.length / d);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new RangeError(
        `${where}: expected indices in [0, ${count}) (rows of ${d} bytes) but found indices[${r}] = ${i}`,
      );
    }
  }
  if (out !== undefined) {
    assertMatrix(where, "out", out);
    if (out.rows !== indices.length || out.cols !== d) {
      throw new RangeError(
        `${where}: expected out of shape ${indices.length}×${d} but found ${out.shape}`,
      );
    }
  }
}

/**
 * X[dst …] = P[src …] · scale, d values. (A function of its own: inlined in
 * the row loop it ran ~1.4× slower.)
 */
function scaleInto(
  P: Uint8Array,
  src: number,
  X: FloatArray,
  dst: number,
  d: number,
  scale: number,
): void {
  for (let j = 0; j < d; j++) X[(dst + j) | 0] = P[(src + j) | 0] * scale;
}
