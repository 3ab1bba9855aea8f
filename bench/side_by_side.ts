// The Deno half of `side_by_side.py`: one training step of the benches'
// (bench/train_bench.ts's MNIST iteration, bench/convnet_bench.ts's
// DeepConvNet step), run in turns with the book's NumPy step so that both
// see the same machine. Reads commands from stdin, one a line:
//   run SECONDS   steps for that long; answers "ok MEDIAN_MS COUNT"
//   end           exits
// usage: deno run -A bench/side_by_side.ts mnist|deep float64|float32 1|2
import { type DType, Rng, SimdKernels } from "../core/mod.ts";
import { DeepConvNet, TwoLayerNet } from "../net/mod.ts";
import { adamSteps, BOOK, data, mnistIteration } from "./batches.ts";

const [what, dtypeArg, threadsArg] = Deno.args;
if (
  !["mnist", "deep"].includes(what) ||
  !["float64", "float32"].includes(dtypeArg) || !["1", "2"].includes(threadsArg)
) {
  console.error(
    "side_by_side.ts: expected mnist|deep float64|float32 1|2 but found " +
      JSON.stringify(Deno.args),
  );
  Deno.exit(2);
}
if (data.source !== "MNIST") {
  console.error(
    "side_by_side.ts: expected MNIST (MNIST_DIR, or the cache) but found none: the random stand-in would time other pixels than NumPy's",
  );
  Deno.exit(1);
}
const dtype = dtypeArg as DType;
const kernels = SimdKernels.create({
  dtype,
  threads: Number(threadsArg) as 1 | 2,
})!;
await kernels.ready();

// One step, as the bench rows take it (the net drawn from the rng first).
const rng = new Rng(what === "mnist" ? 2 : 8);
const step = what === "mnist"
  ? mnistIteration(new TwoLayerNet({ ...BOOK, rng, kernels, dtype }), rng)
  : adamSteps(new DeepConvNet({ rng, kernels, dtype }), rng);
const encoder = new TextEncoder(), decoder = new TextDecoder();
const buffer = new Uint8Array(256);
let pending = "";
async function line(): Promise<string | undefined> {
  while (!pending.includes("\n")) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) return undefined;
    pending += decoder.decode(buffer.subarray(0, n));
  }
  const at = pending.indexOf("\n"), got = pending.slice(0, at);
  pending = pending.slice(at + 1);
  return got;
}

for (
  let command = await line();
  command?.startsWith("run ");
  command = await line()
) {
  const seconds = Number(command.slice(4)), times: number[] = [];
  const end = performance.now() + 1000 * seconds;
  do { // one step at least
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  } while (performance.now() < end);
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  await Deno.stdout.write(encoder.encode(`ok ${median} ${times.length}\n`));
}
kernels.close();
