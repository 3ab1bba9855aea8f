// The f32 element type for core/simd/codegen.ts's `gemm`: four lanes to a
// vector. Only bench/matmul_bench.ts's float32 comparison uses it (the
// nets compute in float64; the README says why).
import type { Elem } from "../core/simd/codegen.ts";
import { F32 } from "../core/simd/wasm.ts";

/** f32 in f32x4 vectors. */
export const F32X4: Elem = {
  suffix: "F32",
  bytes: 4,
  lanes: 4,
  scalar: F32,
  load: (f) => f.f32Load(),
  store: (f) => f.f32Store(),
  add: (f) => f.f32Add(),
  mul: (f) => f.f32Mul(),
  zero: (f) => f.f32Zero(),
  splat: (f) => f.v128Load32Splat(),
  vadd: (f) => f.f32x4Add(),
  vmul: (f) => f.f32x4Mul(),
  vmadd: (f) => f.f32x4RelaxedMadd(),
};
