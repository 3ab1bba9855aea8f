// One full training iteration of TwoLayerNet(784, 50, 10) at batch 100, as
// the Trainer runs it: batch gather (ImageSet.batch by the net's kernels,
// into their memory; the kernels then find the zeros) + gradient + SGD
// update, on each backend: pure TypeScript (1 thread) and WebAssembly SIMD
// (1 thread, and 2 sharing one SimdKernels' memory), in float64 and in
// float32 ("float32" in the name). Beside it: the same
// with batches gathered outside the kernels' memory (ImageSet.batch alone),
// the book's loop, which calls loss() again after the step, and dense
// random batches of the same shape, where no input is zero. Real MNIST
// batches, or the seeded stand-in (see the name).
import { Matrix, Rng, SimdKernels } from "../core/mod.ts";
import { gatherLabels } from "../data/mod.ts";
import { type NetOptions, TwoLayerNet } from "../net/mod.ts";
import { SGD } from "../optim/mod.ts";
import { BOOK, data, denseBatch, mnistIteration } from "./batches.ts";

// Not closed: deno bench ends the process when the benches are done.
const simd2 = SimdKernels.create({ threads: 2 })!;
const simd2f32 = SimdKernels.create({ threads: 2, dtype: "float32" })!;
await simd2.ready();
await simd2f32.ready();

// Each in float64 (the book's) and float32.
const configs: [string, NetOptions][] = [
  ["ts, 1 thread", { backend: "ts" }],
  ["simd, 1 thread", { backend: "simd" }],
  ["simd, 2 threads", { kernels: simd2 }],
  ["ts float32, 1 thread", { backend: "ts", dtype: "float32" }],
  ["simd float32, 1 thread", { backend: "simd", dtype: "float32" }],
  ["simd float32, 2 threads", { kernels: simd2f32 }],
];

for (const [name, options] of configs) {
  const rng = new Rng(2);
  const net = new TwoLayerNet({ ...BOOK, rng, ...options });
  // The book's SGD, its step in the net's kernels as the Trainer runs it.
  const optimizer = new SGD({ lr: 0.1 });
  const indices = new Int32Array(100);
  let x: Matrix | undefined, mine: Matrix | undefined;
  let t: Int32Array | Matrix | undefined;
  const gather = () => mine = data.images.batch(indices, mine, net.kernels);
  const draw = () => {
    for (let k = 0; k < 100; k++) indices[k] = rng.int(data.images.count);
    t = gatherLabels(data.labels, indices, t);
  };
  Deno.bench(`iteration, batch 100, ${data.source} batches, ${name}`, {
    group: "iteration",
    baseline: name === "ts, 1 thread",
  }, mnistIteration(net, rng));
  Deno.bench(
    `iteration, batch 100, ${data.source} batches gathered outside the kernels, ${name}`,
    { group: "iteration, plain gather" },
    () => {
      draw();
      x = data.images.batch(indices, x);
      optimizer.update(net.params, net.gradient(x, t!), net.kernels);
    },
  );
  Deno.bench(
    `iteration + loss() after the step (the book's loop), ${data.source}, ${name}`,
    { group: "the book's loop" },
    () => {
      draw();
      const batch = gather();
      optimizer.update(net.params, net.gradient(batch, t!), net.kernels);
      net.loss(batch, t!);
    },
  );
}
for (
  const [backend, options] of [
    ["ts", { backend: "ts" }],
    ["simd", { backend: "simd" }],
    ["simd, 2 threads", { kernels: simd2 }],
  ] as const
) {
  const rng = new Rng(3);
  const net = new TwoLayerNet({ ...BOOK, rng, ...options });
  const optimizer = new SGD({ lr: 0.1 });
  // Fresh dense batches (no zeros), cycled, so the sparse path
  // never applies and the dense kernels carry the whole product.
  // In the kernels' memory, as train.ts keeps its batches.
  const batches = Array.from({ length: 8 }, () => {
    const { x, t } = denseBatch(rng, 100);
    const inside = new Matrix(100, 784, net.kernels.float64(100 * 784));
    inside.data.set(x.data);
    return { x: inside, t };
  });
  let i = 0;
  Deno.bench(`iteration, batch 100, dense random batches, ${backend}`, {
    group: "dense",
    baseline: backend === "ts",
  }, () => {
    const { x, t } = batches[i++ % batches.length];
    optimizer.update(net.params, net.gradient(x, t), net.kernels);
  });
}
