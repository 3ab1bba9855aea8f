/**
 * The foundations: the {@linkcode Matrix} type, the seeded {@linkcode Rng},
 * and the compute seam the layers call ({@linkcode Kernels}): the naive
 * reference kernels every faster kernel is tested against, the
 * register-blocked ones ({@linkcode matmulFast} …) and the zero-skipping
 * ones ({@linkcode SparseRows}, {@linkcode productByLists}) behind
 * {@linkcode TsKernels}, and the
 * WebAssembly SIMD kernels ({@linkcode SimdKernels}, generated at run time
 * by a small assembler in `simd/`), chosen per network through
 * {@linkcode selectKernels}.
 *
 * Writing kernels: extend {@linkcode BaseKernels} with the three dense
 * products (`gemm`, `gemmTN`, `gemmNT`) and override any other method with
 * one that gives the same results (the zero-skipping products' `lists`,
 * `compactRows`, `relu`, `maxPool`, `convolution` …); `BaseKernels` keeps
 * the choice between dense and sparse, the finiteness guard and the
 * buffers. Signatures take matrices and small shape records. Add the new
 * kernels to the implementations `tests/kernels_test.ts` checks against
 * the naive ones, and to a bench beside them.
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
  allFinite,
  gatherBytes,
  matmul,
  matmulNT,
  matmulTN,
  maxPool,
  maxPoolBackward,
  sumColumns,
} from "./naive.ts";
export { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";
export {
  type ByteCompactLoop,
  type ByteRows,
  compactByteRows,
  type CompactLoop,
  compactRows,
  type Lists,
  productByLists,
  SparseRows,
  type TransposeLoop,
  transposeRows,
} from "./sparse.ts";
export { type Allocator, Heap, PLAIN_MEMORY } from "./memory.ts";
export type { ConvolutionGrads, ConvolutionSaved, Kernels } from "./kernels.ts";
export { BaseKernels } from "./dispatch.ts";
export { TS_KERNELS, TsKernels } from "./ts_kernels.ts";
export {
  type Backend,
  checkBackend,
  type KernelChoice,
  selectKernels,
} from "./backend.ts";
export { SimdKernels, type SimdKernelsOptions } from "./simd/simd.ts";
export { type SimdSupport, simdSupport } from "./simd/support.ts";
export {
  col2im,
  im2col,
  type ImageShape,
  outputSize,
  type Window,
} from "./im2col.ts";
