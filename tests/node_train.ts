// dlfs in Node 20: tests/node_test.ts bundles this file for Node
// (`deno bundle --platform node`) and runs it with `node`. It loads MNIST
// from the folder given as its argument (or the user cache), trains the
// book's TwoLayerNet with SIMD kernels asked for two threads (Node has no
// global Worker: one thread, no error), saves the net, loads it back,
// writes it as ONNX beside (`.onnx`: protobufjs bundled for Node), and
// prints one JSON line; exit 1 below 0.85 test accuracy.
import { SimdKernels } from "../core/mod.ts";
import {
  Matrix,
  parallelNumericalGradient,
  Rng,
  Trainer,
  TwoLayerNet,
} from "../mod.ts";
import {
  loadMnist,
  loadNetFile,
  saveNetFile,
  writeFileAtomic,
} from "../data/mod.ts";
import { exportOnnx } from "../io/mod.ts";

// deno-lint-ignore no-explicit-any
const proc = (globalThis as any).process;
const [dir, out] = proc.argv.slice(2);
const { xTrain, tTrain, xTest, tTest } = await loadMnist({
  dir: dir || undefined,
});
const kernels = SimdKernels.create({ threads: 2 })!;
const rng = new Rng(42);
const net = new TwoLayerNet({
  inputSize: 784,
  hiddenSize: 50,
  outputSize: 10,
  rng,
  kernels,
});
const trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
  iterations: 1000,
  batchSize: 100,
  optimizerParams: { lr: 0.1 },
  rng,
});
const { testAcc } = trainer.train();
await saveNetFile(out, net);
const loaded = (await loadNetFile(out)).net;
await writeFileAtomic(out.replace(/\.safetensors$/, ".onnx"), exportOnnx(net));
const reloadedAcc = new Trainer(loaded, xTrain, tTrain, xTest, tTest)
  .evaluate(xTest, tTest);
// The two-thread numerical gradient runs on the calling thread alone here.
const small = new TwoLayerNet({
  inputSize: 6,
  hiddenSize: 4,
  outputSize: 3,
  rng: new Rng(0),
});
const x = new Matrix(2, 6, Float64Array.from({ length: 12 }, (_, i) => i / 12));
const grads = await parallelNumericalGradient(small, x, [0, 2]);
const serial: Record<string, Matrix> = small.numericalGradient(x, [0, 2]);
console.log(JSON.stringify({
  runtime: `node ${proc.versions?.node}`,
  threads: kernels.threads,
  testAcc,
  reloadedAcc,
  sameGradient: Object.keys(serial).every((k) =>
    grads[k].data.every((v, i) => v === serial[k].data[i])
  ),
}));
kernels.close();
proc.exit(testAcc >= 0.85 && reloadedAcc === testAcc ? 0 : 1);
