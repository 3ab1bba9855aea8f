/**
 * The foundations: the {@linkcode Matrix} type, the seeded {@linkcode Rng}
 * and the naive reference kernels every faster kernel is tested against.
 *
 * @example Multiply two matrices
 * ```ts
 * import { Matrix, matmul } from "@dlfs/nn/core";
 *
 * const y = matmul(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]]));
 * console.log(y.toRows()); // [[11]]
 * ```
 *
 * @module
 */

export {
  assertMatrix,
  assertSameShape,
  ensureShape,
  kindOf,
  Matrix,
} from "./matrix.ts";
export { Rng } from "./rng.ts";
export {
  addRowVector,
  matmul,
  matmulNT,
  matmulTN,
  sumColumns,
} from "./naive.ts";
