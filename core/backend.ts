/**
 * Which kernels a network computes with: the backend names users pass
 * (`"auto"`, `"simd"`, `"ts"`) and the one function that turns a choice
 * into {@linkcode Kernels}.
 *
 * @module
 */

import type { Kernels } from "./kernels.ts";
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
}

/**
 * Kernels for one network: `choice.kernels` when given; else fresh
 * {@linkcode SimdKernels} (with their own memory) for `"simd"`, or for
 * `"auto"` where the runtime has SIMD; else fresh TypeScript kernels.
 *
 * @param where the caller to name in errors, e.g. `"TwoLayerNet"`
 * @throws {RangeError} for an unknown backend, `"simd"` without SIMD, or
 * both `kernels` and `backend`.
 *
 * @example
 * ```ts
 * import { selectKernels } from "@dlfs/nn/core";
 *
 * console.log(selectKernels("demo", { backend: "ts" }).name); // ts
 * console.log(selectKernels("demo", {}).name); // simd+fma (in Deno on x86-64)
 * ```
 */
export function selectKernels(where: string, choice: KernelChoice): Kernels {
  const { backend = "auto", kernels } = choice;
  checkBackend(where, backend);
  if (kernels !== undefined) {
    if (choice.backend !== undefined) {
      throw new RangeError(
        `${where}: expected kernels or a backend but found both (the kernels are of one backend)`,
      );
    }
    return kernels;
  }
  return (backend !== "ts" && SimdKernels.create()) || new TsKernels();
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
