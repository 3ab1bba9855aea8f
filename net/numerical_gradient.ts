/**
 * The numerical gradient by central differences (the book's chapter 4
 * `numerical_gradient`, section 4.4): slow, simple and independent of
 * backpropagation, hence the oracle every backward is checked against. It
 * only calls `f`: the kernels behind `f` do not know it is running.
 *
 * @module
 */

import { assertMatrix, Matrix } from "../core/matrix.ts";

/** The step of the central difference, the book's h = 1e-4. */
export const NUMERICAL_GRADIENT_H = 1e-4;

/**
 * ∂f/∂x by central differences, element by element:
 *
 *   grad[i] = (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h,  h = 1e-4
 *
 * `x` is changed in place while `f` is evaluated (so `f` may read it through
 * a closure, as the book's `lambda W: net.loss(x, t)` does; `f` must not
 * write it) and every element is restored to its exact original value before
 * the next one is perturbed.
 *
 * @param f the function to differentiate; it receives `x` and returns a number.
 * @param x the point, a Matrix of any shape.
 * @param range only the elements `start … end−1` (the rest stay 0): a share
 * of the work for one thread (see `parallelNumericalGradient`; default
 * `{}`: every element).
 * @returns a new Matrix of `x`'s shape.
 * @throws {RangeError} if `x` holds a non-finite value, or `f` returns one.
 *
 * @example The gradient of f(x) = x₀² + x₁² at (3, 4) is (6, 8)
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix } from "@dlfs/nn/core";
 * import { numericalGradient } from "@dlfs/nn";
 *
 * const x = Matrix.fromRows([[3, 4]]);
 * const g = numericalGradient((x) => x.data[0] ** 2 + x.data[1] ** 2, x);
 * console.log(g.toRows()); // ≈ [[6, 8]]
 * assert(Math.abs(g.data[0] - 6) < 1e-6 && x.data[0] === 3);
 * ```
 */
export function numericalGradient(
  f: (x: Matrix) => number,
  x: Matrix,
  range: { start?: number; end?: number } = {},
): Matrix {
  const where = "numericalGradient()";
  if (typeof f !== "function") {
    throw new TypeError(
      `${where}: expected f to be a function but found ${typeof f}`,
    );
  }
  assertMatrix(where, "x", x);
  const X = x.data;
  for (let i = 0; i < X.length; i++) {
    if (!Number.isFinite(X[i])) {
      throw new RangeError(
        `${where}: expected every element of x to be finite but found x.data[${i}] = ${
          X[i]
        }`,
      );
    }
  }
  const { start = 0, end = X.length } = range;
  if (
    !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start &&
      start <= end && end <= X.length)
  ) {
    throw new RangeError(
      `${where}: expected 0 ≤ start ≤ end ≤ ${X.length} but found start ${start}, end ${end}`,
    );
  }
  const h = NUMERICAL_GRADIENT_H;
  const grad = new Matrix(x.rows, x.cols);
  for (let i = start; i < end; i++) {
    const tmp = X[i];
    X[i] = tmp + h;
    const fxh1 = f(x); // f(x + h)
    X[i] = tmp - h;
    const fxh2 = f(x); // f(x − h)
    X[i] = tmp; // restore exactly: tmp, not (tmp − h) + h
    if (!Number.isFinite(fxh1) || !Number.isFinite(fxh2)) {
      throw new RangeError(
        `${where}: expected f to return finite values but found f = ${fxh1} at x.data[${i}] + h and ${fxh2} at x.data[${i}] − h`,
      );
    }
    grad.data[i] = (fxh1 - fxh2) / (2 * h);
  }
  return grad;
}
