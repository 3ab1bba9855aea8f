/**
 * The pure-TypeScript kernels: the register-blocked loops of `fast.ts` for
 * dense products, `sparse.ts`'s list loop for the zero-skipping ones, on
 * the calling thread, with ordinary typed arrays, in float64 or float32
 * (`dtype`). Bit-identical to the naive kernels over the same arrays. The teaching path, and the fallback where WebAssembly
 * SIMD is missing.
 *
 * @module
 */

import type { DType, Matrix } from "./matrix.ts";
import { BaseKernels } from "./dispatch.ts";
import { checkOptions } from "./options.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";

/**
 * The pure-TypeScript kernels (see the module doc). One instance may serve
 * any number of layers and nets of its dtype.
 *
 * @example
 * ```ts
 * import { Matrix, TsKernels } from "@dlfs/nn/core";
 *
 * const k = new TsKernels();
 * console.log(k.matmul(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]])).toRows()); // [[11]]
 * ```
 *
 * @example In float32
 * ```ts
 * import { Matrix, TsKernels } from "@dlfs/nn/core";
 *
 * const k = new TsKernels({ dtype: "float32" });
 * const a = k.buffer(undefined, 1, 2); // a 1×2 matrix over a Float32Array
 * a.data.set([1, 2]);
 * console.log(k.matmul(a, Matrix.fromRows([[3], [4]])).data); // Float32Array(1) [ 11 ]
 * ```
 */
export class TsKernels extends BaseKernels {
  /** `"ts"`. */
  readonly name = "ts";
  /** `"ts"`. */
  readonly backend = "ts";
  /** False: scalar loops. */
  protected readonly vectorized = false;

  /**
   * Kernels of `options.dtype` (default `"float64"`).
   *
   * @throws {RangeError} for a dtype other than `"float32"` and `"float64"`.
   * @throws {TypeError} for an option other than `dtype`.
   */
  constructor(options: { dtype?: DType } = {}) {
    checkOptions("TsKernels", options, ["dtype"]);
    super(options.dtype);
  }

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
