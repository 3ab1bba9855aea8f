/**
 * The foundations: the {@linkcode Matrix} type, the seeded {@linkcode Rng},
 * the naive reference kernels every faster kernel is tested against, the
 * register-blocked kernels ({@linkcode matmulFast} …), the zero-skipping
 * ones ({@linkcode matmulSparse} …), and the WebAssembly SIMD kernels
 * ({@linkcode SimdKernels}, generated at run time by a small assembler in
 * `simd/`), chosen per network through {@linkcode selectKernels}.
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
export { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";
export {
  allFinite,
  type ArrayAllocator,
  type ListRunner,
  matmulSparse,
  matmulTNSparse,
  SparseRows,
} from "./sparse.ts";
export { WorkerPool, type WorkerPoolOptions } from "./pool.ts";
export {
  type Backend,
  checkBackend,
  type KernelChoice,
  type Kernels,
  poolKernels,
  selectKernels,
  TS_KERNELS,
} from "./kernels.ts";
export {
  SimdKernels,
  type SimdKernelsOptions,
  type SimdSupport,
  simdSupport,
} from "./simd/simd.ts";
export {
  col2im,
  im2col,
  type ImageShape,
  outputSize,
  type Window,
} from "./im2col.ts";
