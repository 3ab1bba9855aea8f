/**
 * The foundations: the {@linkcode Matrix} type, the seeded {@linkcode Rng},
 * and the compute seam the layers call ({@linkcode Kernels}): the naive
 * reference kernels every faster kernel is tested against, the
 * register-blocked ones ({@linkcode matmulFast} …) and the zero-skipping
 * ones ({@linkcode matmulSparse} …) behind {@linkcode TsKernels}, and the
 * WebAssembly SIMD kernels ({@linkcode SimdKernels}, generated at run time
 * by a small assembler in `simd/`), chosen per network through
 * {@linkcode selectKernels}.
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
  argmax,
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
  maxPool,
  sumColumns,
} from "./naive.ts";
export { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";
export {
  allFinite,
  type CompactLoops,
  matmulSparse,
  matmulTNSparse,
  type RunLists,
  type SparseMemory,
  SparseRows,
} from "./sparse.ts";
export { type Allocator, Heap, PLAIN_MEMORY } from "./memory.ts";
export type { Batch, Kernels } from "./kernels.ts";
export { BaseKernels } from "./dispatch.ts";
export { TS_KERNELS, TsKernels } from "./ts_kernels.ts";
export {
  type Backend,
  checkBackend,
  type KernelChoice,
  selectKernels,
} from "./backend.ts";
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
