// One training iteration at batch 100 (gradient + Adam update) of the
// book's SimpleConvNet (chapter 7) and DeepConvNet (chapter 8), and
// SimpleConvNet's forward pass alone. On each backend: pure TypeScript
// (the baseline), WebAssembly SIMD on one thread and on two (one
// SimdKernels' memory shared with a Worker), the SIMD ones also in float32.
import { Rng, SimdKernels } from "../core/mod.ts";
import { DeepConvNet, type NetOptions, SimpleConvNet } from "../net/mod.ts";
import { adamSteps, data } from "./batches.ts";

// Not closed: deno bench ends the process when the benches are done.
const simd2 = SimdKernels.create({ threads: 2 })!;
const simd2f32 = SimdKernels.create({ threads: 2, dtype: "float32" })!;
await simd2.ready();
await simd2f32.ready();

// Float64 (the book's), then float32 ("float32" in the name).
const configs: [string, NetOptions][] = [
  ["ts", { backend: "ts" }],
  ["simd", { backend: "simd" }],
  ["simd, 2 threads", { kernels: simd2 }],
  ["simd float32", { backend: "simd", dtype: "float32" }],
  ["simd float32, 2 threads", { kernels: simd2f32 }],
];

for (const [name, options] of configs) {
  const rng = new Rng(6);
  const net = new SimpleConvNet({ rng, ...options });
  const batches = Array.from({ length: 4 }, () => data.batch(rng, 100));
  let i = 0;

  Deno.bench(
    `SimpleConvNet iteration, batch 100, ${data.source} (gradient + Adam), ${name}`,
    { group: "convnet", baseline: name === "ts", n: 30, warmup: 5 },
    adamSteps(net, rng),
  );
  Deno.bench(
    `SimpleConvNet forward (predict), batch 100, ${data.source}, ${name}`,
    { group: "convnet forward", baseline: name === "ts", n: 30, warmup: 5 },
    () => {
      net.predict(batches[i++ % batches.length].x);
    },
  );
}

for (const [name, options] of configs) {
  const rng = new Rng(8);
  const net = new DeepConvNet({ rng, ...options });
  // TypeScript: ~1.6 s a step here, so fewer of them
  const n = name === "ts" ? 4 : 20;
  Deno.bench(
    `DeepConvNet iteration, batch 100, ${data.source} (gradient + Adam), ${name}`,
    { group: "deep convnet", baseline: name === "ts", n, warmup: 2 },
    adamSteps(net, rng),
  );
}
