/**
 * The engine under the book's layers, for someone writing a kernel. The
 * layers and nets (`@dlfs/nn`) hold the book's math only; everything they
 * compute with goes through one seam, {@linkcode Kernels}, so that a faster
 * loop (SIMD, a second thread, another element type) is added here and no
 * layer changes.
 *
 * What is here:
 * - {@linkcode Matrix} (row-major `Float64Array`, `rows × cols`) and the
 *   seeded {@linkcode Rng}: the types everything passes around.
 * - {@linkcode Kernels} (`kernels.ts`): the seam. Its doc says what each
 *   method computes, which shapes it takes, who owns `out`, and how memory
 *   is handed out (`float64`, `buffer`: a net's arrays all live in its
 *   kernels' memory, so the SIMD kernels read them without copying).
 * - {@linkcode BaseKernels} (`dispatch.ts`): what every implementation
 *   shares (shape checks, buffers, the choice between the dense and the
 *   zero-skipping product, the finiteness guard that keeps 0·∞ = NaN).
 * - The naive loops (`naive.ts`: {@linkcode matmul}, {@linkcode maxPool}, …)
 *   and {@linkcode im2col} / {@linkcode col2im} under the book's names: the
 *   oracle every kernel is tested against, and each bench group's baseline.
 * - The implementations: {@linkcode TsKernels} (pure TypeScript: the
 *   register-blocked {@linkcode matmulFast} … and the zero-skipping
 *   {@linkcode SparseRows}, {@linkcode productByLists}) and
 *   {@linkcode SimdKernels} (WebAssembly SIMD, generated at run time by a
 *   small assembler in `simd/`, on one thread or two);
 *   {@linkcode selectKernels} turns a net's `backend` option (`"auto"`,
 *   `"simd"`, `"ts"`) into one of them.
 *
 * Writing kernels: extend {@linkcode BaseKernels} with the three dense
 * products (`gemm`, `gemmTN`, `gemmNT`) and override any other method with
 * one that gives the same results (the zero-skipping products' `lists`,
 * `compactRows`, `relu`, `maxPool`, `convolution` …); `BaseKernels` keeps
 * the choice between dense and sparse, the finiteness guard and the
 * buffers. Signatures take matrices and small shape records. A new
 * method: its naive loop first (`naive.ts`), then the method on `Kernels`
 * and on `BaseKernels` (by the naive loop, so every implementation has
 * it), overridden where an implementation is faster; test it against the
 * naive loop on every implementation (`tests/kernels_test.ts`), and keep a
 * fast path only with a `deno bench` under `bench/` that shows its gain.
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
  type DType,
  dtypeOf,
  ensureShape,
  type FloatArray,
  floatArray,
  kindOf,
  Matrix,
} from "./matrix.ts";
export { Rng, type RngState } from "./rng.ts";
export {
  addRowVector,
  allFinite,
  axpy,
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
  checkDtype,
  type KernelChoice,
  selectKernels,
} from "./backend.ts";
export { SimdKernels, type SimdKernelsOptions } from "./simd/simd.ts";
export { KernelMemoryError } from "./simd/memory.ts";
export { type SimdSupport, simdSupport } from "./simd/support.ts";
export {
  col2im,
  im2col,
  type ImageShape,
  outputSize,
  type Window,
} from "./im2col.ts";
