/**
 * Which kernels a network computes with: the backend names users pass
 * (`"auto"`, `"simd"`, `"ts"`) and the one function that turns a choice
 * into {@linkcode Kernels}.
 *
 * @module
 */

import type { Kernels } from "./kernels.ts";
import type { DType } from "./matrix.ts";
import { TsKernels } from "./ts_kernels.ts";
import { SimdKernels } from "./simd/simd.ts";
import { simdSupport } from "./simd/support.ts";

/**
 * Which kernels a network computes with: `"simd"` (WebAssembly SIMD; an
 * error where the runtime lacks it), `"ts"` (pure TypeScript), or `"auto"`
 * (SIMD where available, else TypeScript).
 */
export type Backend = "auto" | "simd" | "ts";

/** What a network computes with: see {@linkcode selectKernels}. */
export interface KernelChoice {
  /** `"auto"` (default), `"simd"` or `"ts"`. */
  backend?: Backend;
  /**
   * Kernels made by the caller, e.g. `SimdKernels.create({ threads: 2 })`,
   * used as they are (and closed by the caller; default: none, `backend`
   * picks them). Nets that share them share their memory.
   */
  kernels?: Kernels;
  /**
   * The element type of parameters, gradients, activations and optimizer
   * state: `"float64"` (default; the book's) or `"float32"` (half the
   * memory; the SIMD products run four lanes a vector instead of two).
   * With `kernels`, theirs (it must agree).
   */
  dtype?: DType;
}

/**
 * Kernels for one network: `choice.kernels` when given; else fresh
 * {@linkcode SimdKernels} (with their own memory) for `"simd"`, or for
 * `"auto"` where the runtime has SIMD; else fresh TypeScript kernels;
 * either of `choice.dtype` (default float64).
 *
 * @param where the caller to name in errors, e.g. `"TwoLayerNet"`
 * @throws {RangeError} for an unknown backend or dtype, `"simd"` without
 * SIMD, both `kernels` and `backend`, or kernels of another dtype than
 * `dtype`.
 *
 * @example
 * ```ts
 * import { selectKernels } from "@dlfs/nn/core";
 *
 * console.log(selectKernels("demo", { backend: "ts" }).name); // ts
 * console.log(selectKernels("demo", {}).name); // simd+fma (in Deno on x86-64)
 * console.log(selectKernels("demo", { dtype: "float32" }).dtype); // float32
 * ```
 */
export function selectKernels(where: string, choice: KernelChoice): Kernels {
  const { backend = "auto", kernels, dtype } = choice;
  checkBackend(where, backend);
  checkDtype(where, dtype ?? "float64");
  if (kernels !== undefined) {
    if (choice.backend !== undefined) {
      throw new RangeError(
        `${where}: expected kernels or a backend but found both (the kernels are of one backend)`,
      );
    }
    if (dtype !== undefined && kernels.dtype !== dtype) {
      throw new RangeError(
        `${where}: expected kernels of dtype ${dtype} but found ${kernels.dtype} kernels`,
      );
    }
    return kernels;
  }
  return (backend !== "ts" && SimdKernels.create({ dtype })) ||
    new TsKernels({ dtype });
}

/**
 * Throws unless `backend` is a {@linkcode Backend} this runtime can run.
 *
 * @throws {RangeError} for an unknown backend, or `"simd"` without
 * WebAssembly SIMD.
 *
 * @example
 * ```ts
 * import { checkBackend } from "@dlfs/nn/core";
 *
 * try {
 *   checkBackend("demo", "gpu" as "ts");
 * } catch (e) {
 *   console.log((e as Error).message); // demo: expected backend "auto", "simd" or "ts" but found "gpu"
 * }
 * ```
 */
export function checkBackend(where: string, backend: Backend): void {
  if (backend !== "auto" && backend !== "simd" && backend !== "ts") {
    throw new RangeError(
      `${where}: expected backend "auto", "simd" or "ts" but found ${
        JSON.stringify(backend)
      }`,
    );
  }
  if (backend === "simd" && !simdSupport().simd) {
    throw new RangeError(
      `${where}: expected a runtime with WebAssembly SIMD for backend "simd" but found none (use "ts")`,
    );
  }
}

/**
 * Throws unless `dtype` is a {@linkcode DType}.
 *
 * @throws {RangeError} `<where>: expected dtype "float32" or "float64" but found …`.
 *
 * @example
 * ```ts
 * import { checkDtype } from "@dlfs/nn/core";
 *
 * checkDtype("demo", "float32"); // passes
 * ```
 */
export function checkDtype(where: string, dtype: DType): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new RangeError(
      `${where}: expected dtype "float32" or "float64" but found ${
        JSON.stringify(dtype)
      }`,
    );
  }
}
