// Numerical vs backprop gradient of TwoLayerNet(784, 50, 10): the chapter's
// point in one ratio. One group per backend (the pure TypeScript kernels,
// WebAssembly SIMD), backprop its baseline, so that each summary compares
// the two gradients on the same kernels; the batch-100 group compares the
// backends.
import { Rng } from "../core/mod.ts";
import { parallelNumericalGradient, TwoLayerNet } from "../net/mod.ts";
import { BOOK, data } from "./batches.ts";

for (const backend of ["ts", "simd"] as const) {
  const rng = new Rng(4);
  const net = new TwoLayerNet({ ...BOOK, rng, backend });
  const b3 = data.batch(rng, 3), b100 = data.batch(rng, 100);
  const group3 =
    `gradient, TwoLayerNet(784, 50, 10), batch 3, ${data.source} images, ${backend} kernels`;

  Deno.bench(`backprop gradient(), ${backend}`, {
    group: group3,
    baseline: true,
  }, () => {
    net.gradient(b3.x, b3.t);
  });
  Deno.bench(`numericalGradient(), ${backend}`, {
    group: group3,
    n: 3,
    warmup: 1,
  }, () => {
    net.numericalGradient(b3.x, b3.t);
  });
  Deno.bench(`parallelNumericalGradient(), 2 threads, ${backend}`, {
    group: group3,
    n: 3,
    warmup: 1,
  }, async () => {
    await parallelNumericalGradient(net, b3.x, b3.t);
  });
  Deno.bench(
    `backprop gradient(), batch 100, ${data.source} images, ${backend}`,
    {
      group: "backprop, batch 100",
      baseline: backend === "ts",
    },
    () => {
      net.gradient(b100.x, b100.t);
    },
  );
}
