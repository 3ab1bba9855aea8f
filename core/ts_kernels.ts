/**
 * The pure-TypeScript kernels: the register-blocked loops of `fast.ts` for
 * dense products, `sparse.ts`'s list loop for the zero-skipping ones, on
 * the calling thread, with ordinary typed arrays. Bit-identical to the
 * naive kernels. The teaching path, and the fallback where WebAssembly
 * SIMD is missing.
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import { BaseKernels } from "./dispatch.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";

/**
 * The pure-TypeScript kernels (see the module doc). One instance may serve
 * any number of layers and nets.
 *
 * @example
 * ```ts
 * import { Matrix, TsKernels } from "@dlfs/nn/core";
 *
 * const k = new TsKernels();
 * console.log(k.matmul(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]])).toRows()); // [[11]]
 * ```
 */
export class TsKernels extends BaseKernels {
  /** `"ts"`. */
  readonly name = "ts";
  /** `"ts"`. */
  readonly backend = "ts";
  /** False: scalar loops. */
  protected readonly vectorized = false;

  /** `matmulFast` of `fast.ts`. */
  protected gemm(a: Matrix, b: Matrix, c: Matrix): void {
    matmulFast(a, b, c);
  }
  /** `matmulTNFast` of `fast.ts`. */
  protected gemmTN(a: Matrix, b: Matrix, c: Matrix): void {
    matmulTNFast(a, b, c);
  }
  /** `matmulNTFast` of `fast.ts`. */
  protected gemmNT(a: Matrix, b: Matrix, c: Matrix): void {
    matmulNTFast(a, b, c);
  }
}

/** The kernels a layer computes with when it is given none. */
export const TS_KERNELS: TsKernels = new TsKernels();
