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
import { type DType, type Matrix, Rng } from "../core/mod.ts";
import { gatherLabels } from "../data/mod.ts";
import { TwoLayerNet } from "../net/mod.ts";
import { SGD } from "../optim/mod.ts";
import { data } from "./batches.ts";

/** The book's TwoLayerNet(input_size=784, hidden_size=50, output_size=10). */
const BOOK = { inputSize: 784, hiddenSize: 50, outputSize: 10 };

function iteration(dtype: DType): () => void {
  const rng = new Rng(2);
  const net = new TwoLayerNet({ ...BOOK, rng, backend: "ts", dtype });
  const sgd = new SGD({ lr: 0.1 });
  const indices = new Int32Array(100);
  let x: Matrix | undefined, t: Int32Array | Matrix | undefined;
  return () => {
    for (let k = 0; k < 100; k++) indices[k] = rng.int(data.images.count);
    t = gatherLabels(data.labels, indices, t);
    x = data.images.batch(indices, x, net.kernels);
    sgd.update(net.params, net.gradient(x, t));
  };
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
