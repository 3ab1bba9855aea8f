/**
 * What the runtime's WebAssembly supports, probed once by validating two
 * tiny modules.
 *
 * @module
 */

import { Func, V128, wasmModule } from "./wasm.ts";

/** What the runtime's WebAssembly supports, detected once. */
export interface SimdSupport {
  /** 128-bit SIMD (all current browsers, Deno, Node ≥ 16). */
  simd: boolean;
  /** Relaxed SIMD, whose fused multiply-add the kernels use when present. */
  relaxed: boolean;
}

let support: SimdSupport | undefined;

/**
 * Whether this runtime validates a tiny SIMD module, and one with a
 * relaxed-SIMD multiply-add; detected on the first call.
 *
 * @example
 * ```ts
 * import { simdSupport } from "@dlfs/nn/core";
 *
 * console.log(simdSupport().simd); // true in Deno
 * ```
 */
export function simdSupport(): SimdSupport {
  if (support === undefined) {
    const probe = (relaxed: boolean) => {
      const f = new Func("probe", []);
      const x = f.local(V128);
      f.v128Zero().get(x).f64x2Add().set(x);
      if (relaxed) f.get(x).get(x).get(x).f64x2RelaxedMadd().set(x);
      return typeof WebAssembly === "object" &&
        WebAssembly.validate(wasmModule([f]));
    };
    support = { simd: probe(false), relaxed: false };
    support.relaxed = support.simd && probe(true);
  }
  return support;
}
