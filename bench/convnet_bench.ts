// One training iteration of the book's SimpleConvNet at batch 100 (gradient
// + Adam update), the chapter-7 workload; and its forward pass alone. On
// each backend: pure TypeScript (the baseline) and WebAssembly SIMD.
import { Rng } from "../core/mod.ts";
import { SimpleConvNet } from "../net/mod.ts";
import { Adam } from "../optim/mod.ts";
import { data } from "./batches.ts";

for (const backend of ["ts", "simd"] as const) {
  const rng = new Rng(6);
  const net = new SimpleConvNet({ rng, backend });
  const adam = new Adam();
  const batches = Array.from({ length: 4 }, () => data.batch(rng, 100));
  let i = 0;

  Deno.bench(
    `SimpleConvNet iteration, batch 100, ${data.source} (gradient + Adam), ${backend}`,
    { group: "convnet", baseline: backend === "ts", n: 30, warmup: 5 },
    () => {
      const { x, t } = batches[i++ % batches.length];
      adam.update(net.params, net.gradient(x, t));
    },
  );
  Deno.bench(
    `SimpleConvNet forward (predict), batch 100, ${data.source}, ${backend}`,
    { group: "convnet forward", baseline: backend === "ts", n: 30, warmup: 5 },
    () => {
      net.predict(batches[i++ % batches.length].x);
    },
  );
}
