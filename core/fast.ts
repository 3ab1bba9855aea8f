/**
 * Register-blocked dense kernels: the same products as `naive.ts`, computed
 * 3 rows × 2 columns of the output at a time so that each loaded element of A
 * is used twice and each of B three times, with six running sums held in
 * registers. Measured in `bench/matmul_bench.ts` (3–4× the naive loops).
 *
 * Every output element is still one sum over p = 0 … K−1 in ascending order,
 * exactly as in the naive kernels, so the results are bit-identical to them
 * (tests/kernels_test.ts checks this on every remainder of the blocking).
 *
 * `|0` on index arithmetic tells V8 the indices are small integers, which
 * removes overflow checks from the inner loops (≈ +20 % here).
 *
 * The float32 kernels run copies of these functions generated into `f32.ts`:
 * after editing one, run `deno task gen` (tests/twins_test.ts fails until
 * then).
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import { checkMatmul, checkMatmulNT, checkMatmulTN } from "./naive.ts";

/**
 * C = A · B (M×K · K×N), register-blocked. Same contract as
 * {@linkcode matmul} in `naive.ts` (`out`: default a new matrix).
 *
 * @example
 * ```ts
 * import { matmulFast, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmulFast(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]]));
 * console.log(c.toRows()); // [[11]]
 * ```
 */
export function matmulFast(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmul("matmulFast()", a, b, out);
  const m = a.rows, k = a.cols, n = b.cols;
  const A = a.data, B = b.data, C = c.data;
  const m3 = m - (m % 3), n2 = n - (n % 2);
  for (let i = 0; i < m3; i += 3) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k;
    const o0 = i * n, o1 = o0 + n, o2 = o1 + n;
    for (let j = 0; j < n2; j += 2) {
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0;
      for (let p = 0, bp = j; p < k; p++, bp = (bp + n) | 0) {
        const b0 = B[bp], b1 = B[bp + 1];
        const x0 = A[(a0 + p) | 0], x1 = A[(a1 + p) | 0], x2 = A[(a2 + p) | 0];
        c00 += x0 * b0;
        c01 += x0 * b1;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c20 += x2 * b0;
        c21 += x2 * b1;
      }
      C[o0 + j] = c00;
      C[o0 + j + 1] = c01;
      C[o1 + j] = c10;
      C[o1 + j + 1] = c11;
      C[o2 + j] = c20;
      C[o2 + j + 1] = c21;
    }
    if (n2 < n) { // the last odd column, three rows at a time
      let c0 = 0, c1 = 0, c2 = 0;
      for (let p = 0, bp = n2; p < k; p++, bp = (bp + n) | 0) {
        const bv = B[bp];
        c0 += A[(a0 + p) | 0] * bv;
        c1 += A[(a1 + p) | 0] * bv;
        c2 += A[(a2 + p) | 0] * bv;
      }
      C[o0 + n2] = c0;
      C[o1 + n2] = c1;
      C[o2 + n2] = c2;
    }
  }
  for (let i = m3; i < m; i++) { // the last one or two rows
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * B[p * n + j];
      C[i * n + j] = sum;
    }
  }
  return c;
}

/**
 * C = Aᵀ · B (A is M×K, B is M×N, C is K×N), register-blocked over C's rows
 * (columns of A) and columns. Same contract as `matmulTN` in `naive.ts` (`out`: default new).
 *
 * @example
 * ```ts
 * import { matmulTNFast, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmulTNFast(Matrix.fromRows([[1], [2]]), Matrix.fromRows([[3], [4]]));
 * console.log(c.toRows()); // [[11]]
 * ```
 */
export function matmulTNFast(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmulTN("matmulTNFast()", a, b, out);
  const m = a.rows, k = a.cols, n = b.cols;
  const A = a.data, B = b.data, C = c.data;
  const k3 = k - (k % 3), n2 = n - (n % 2);
  C.fill(0);
  // The sum over p runs in chunks of TN_CHUNK rows, each chunk's rows of A
  // and B staying in cache while every 3×2 block of C takes its share: with
  // a tall A (a convolution's 57600 im2col rows) one pass per block would
  // stream all of A and B from memory each time (bench/matmul_bench.ts).
  // Each output still adds its terms in ascending p, so the result is the
  // naive kernel's to the bit.
  for (let p0 = 0; p0 < m; p0 += TN_CHUNK) {
    const p1 = Math.min(m, p0 + TN_CHUNK);
    for (let i = 0; i < k3; i += 3) {
      const o0 = i * n, o1 = o0 + n, o2 = o1 + n;
      for (let j = 0; j < n2; j += 2) {
        let c00 = C[o0 + j], c01 = C[o0 + j + 1];
        let c10 = C[o1 + j], c11 = C[o1 + j + 1];
        let c20 = C[o2 + j], c21 = C[o2 + j + 1];
        for (let p = p0; p < p1; p++) {
          const ap = (p * k + i) | 0, bp = (p * n + j) | 0;
          const x0 = A[ap], x1 = A[ap + 1], x2 = A[ap + 2];
          const b0 = B[bp], b1 = B[bp + 1];
          c00 += x0 * b0;
          c01 += x0 * b1;
          c10 += x1 * b0;
          c11 += x1 * b1;
          c20 += x2 * b0;
          c21 += x2 * b1;
        }
        C[o0 + j] = c00;
        C[o0 + j + 1] = c01;
        C[o1 + j] = c10;
        C[o1 + j + 1] = c11;
        C[o2 + j] = c20;
        C[o2 + j + 1] = c21;
      }
      if (n2 < n) {
        let c0 = C[o0 + n2], c1 = C[o1 + n2], c2 = C[o2 + n2];
        for (let p = p0; p < p1; p++) {
          const ap = (p * k + i) | 0, bv = B[(p * n + n2) | 0];
          c0 += A[ap] * bv;
          c1 += A[ap + 1] * bv;
          c2 += A[ap + 2] * bv;
        }
        C[o0 + n2] = c0;
        C[o1 + n2] = c1;
        C[o2 + n2] = c2;
      }
    }
    for (let i = k3; i < k; i++) {
      for (let j = 0; j < n; j++) {
        let sum = C[i * n + j];
        for (let p = p0; p < p1; p++) sum += A[p * k + i] * B[p * n + j];
        C[i * n + j] = sum;
      }
    }
  }
  return c;
}

/** Rows of A and B per pass of {@linkcode matmulTNFast}. */
export const TN_CHUNK = 256;

/**
 * C = A · Bᵀ (A is M×K, B is N×K, C is M×N): each output is a dot product of
 * two contiguous rows, blocked 3 rows of A × 2 rows of B. Same contract as
 * `matmulNT` in `naive.ts` (`out`: default a new matrix).
 *
 * @example
 * ```ts
 * import { matmulNTFast, Matrix } from "@dlfs/nn/core";
 *
 * const c = matmulNTFast(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3, 4]]));
 * console.log(c.toRows()); // [[11]]
 * ```
 */
export function matmulNTFast(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  const c = checkMatmulNT("matmulNTFast()", a, b, out);
  const m = a.rows, k = a.cols, n = b.rows;
  const A = a.data, B = b.data, C = c.data;
  const m3 = m - (m % 3), n2 = n - (n % 2);
  for (let i = 0; i < m3; i += 3) {
    const a0 = i * k, a1 = a0 + k, a2 = a1 + k;
    const o0 = i * n, o1 = o0 + n, o2 = o1 + n;
    for (let j = 0; j < n2; j += 2) {
      const b0 = j * k, b1 = b0 + k;
      let c00 = 0, c01 = 0, c10 = 0, c11 = 0, c20 = 0, c21 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = B[(b0 + p) | 0], y1 = B[(b1 + p) | 0];
        const x0 = A[(a0 + p) | 0], x1 = A[(a1 + p) | 0], x2 = A[(a2 + p) | 0];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c20 += x2 * y0;
        c21 += x2 * y1;
      }
      C[o0 + j] = c00;
      C[o0 + j + 1] = c01;
      C[o1 + j] = c10;
      C[o1 + j + 1] = c11;
      C[o2 + j] = c20;
      C[o2 + j + 1] = c21;
    }
    if (n2 < n) {
      const b0 = n2 * k;
      let c0 = 0, c1 = 0, c2 = 0;
      for (let p = 0; p < k; p++) {
        const y = B[(b0 + p) | 0];
        c0 += A[(a0 + p) | 0] * y;
        c1 += A[(a1 + p) | 0] * y;
        c2 += A[(a2 + p) | 0] * y;
      }
      C[o0 + n2] = c0;
      C[o1 + n2] = c1;
      C[o2 + n2] = c2;
    }
  }
  for (let i = m3; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += A[i * k + p] * B[j * k + p];
      C[i * n + j] = sum;
    }
  }
  return c;
}
