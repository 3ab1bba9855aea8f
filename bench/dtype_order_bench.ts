// Whether a float64 training iteration on the pure-TypeScript kernels slows
// down once a float32 one has run in the same process: V8 specialises a
// function on the array types it has seen, and one function fed both
// Float64Array and Float32Array is polymorphic from then on (PERF_NOTES:
// 2.4× on a bare product). The rows run in the order given: float64 first
// (the baseline), float32, then float64 again; "float64 after float32"
// beside the baseline is the cost, ~1× when every hot loop has one copy per
// element type. The iteration is train_bench.ts's (TwoLayerNet(784, 50, 10),
// batch 100, the kernels' batch gather, gradient and the library's SGD), on
// real MNIST batches or the seeded stand-in (see the name). Run this file
// alone (`deno bench -A bench/dtype_order_bench.ts`): another file's benches
// in the same process would feed the loops both types before these rows.
import { type DType, Rng } from "../core/mod.ts";
import { TwoLayerNet } from "../net/mod.ts";
import { BOOK, data, mnistIteration } from "./batches.ts";

function iteration(dtype: DType): () => void {
  const rng = new Rng(2);
  return mnistIteration(
    new TwoLayerNet({ ...BOOK, rng, backend: "ts", dtype }),
    rng,
  );
}

const rows: [string, DType][] = [
  ["float64, first", "float64"],
  ["float32", "float32"],
  ["float64 after float32", "float64"],
];
for (const [name, dtype] of rows) {
  Deno.bench(
    `ts iteration, batch 100, ${data.source} batches, ${name}`,
    {
      group: "dtype order",
      baseline: name === "float64, first",
      warmup: 300,
      n: 1500,
    },
    iteration(dtype),
  );
}
