// float32 halves what a net holds in floats: every kind of the registry,
// its arrays counted by the kernels that handed them out (tests/net_bytes.ts).
import { assertEquals, assertThrows } from "@std/assert";
import { netKinds } from "../net/mod.ts";
import { CountingKernels, type NetBytes, netBytes } from "./net_bytes.ts";

/** Asserts `f32` holds half of `f64`'s float bytes, no Float64Array, the same integers. */
function assertHalf(f64: NetBytes, f32: NetBytes, what: string): void {
  for (const role of ["params", "grads", "optimizer", "activations"] as const) {
    assertEquals(2 * f32[role], f64[role], `${what}: ${role}`);
  }
  assertEquals(f32.integers, f64.integers, `${what}: integers`);
  assertEquals(f32.float64, 0, `${what}: Float64Arrays in float32`);
}

Deno.test("every net kind holds exactly half the float bytes in float32: parameters, gradients, optimizer state, activations", () => {
  for (const kind of netKinds()) {
    const f64 = netBytes(kind, "float64", 5, 12);
    const f32 = netBytes(kind, "float32", 5, 12);
    assertHalf(f64, f32, kind.name);
    assertEquals(f64.float64, f64.params + f64.grads + f64.activations);
  }
});

Deno.test("the half check fails on one float64 buffer in a float32 net", () => {
  class OneFloat64 extends CountingKernels {
    #given = false;
    override floats(length: number) {
      if (this.#given) return super.floats(length);
      this.#given = true;
      return this.float64(length);
    }
  }
  const kind = netKinds()[0];
  const f64 = netBytes(kind, "float64", 5, 12);
  const f32 = netBytes(
    kind,
    "float32",
    5,
    12,
    new OneFloat64({ dtype: "float32" }),
  );
  assertThrows(() => assertHalf(f64, f32, kind.name), Error, kind.name);
});
