// The memory experiment of issue 20, run by tests/memory_test.ts in a
// process of its own (`--v8-flags=--expose-gc`): a TwoLayerNet(784, 50, 10)
// on the default kernels takes gradient steps on dense batches of 21 … 250
// rows (written into one array of the caller's, so that only the library
// allocates), then one accuracy() over a 10,000-row dense Matrix that is
// dropped afterwards. Prints the growth of RSS after a full GC, in bytes.
import { Matrix, Rng, TwoLayerNet } from "../mod.ts";
import { ImageSet } from "../data/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const rss = () => (gc(), gc(), Deno.memoryUsage().rss);

/** n seeded images of 784 pixels, about as sparse as MNIST. */
function images(rng: Rng, n: number): ImageSet {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = rng.uniform() < 0.19 ? 1 + rng.int(255) : 0;
  }
  return new ImageSet(pixels, [784], { normalize: true });
}

const rng = new Rng(0);
const set = images(rng, 10_000);
const labels = Int32Array.from({ length: 10_000 }, () => rng.int(10));
const net = new TwoLayerNet({
  inputSize: 784,
  hiddenSize: 50,
  outputSize: 10,
  rng,
});
const pool = new Float64Array(250 * 784);
const start = rss();
for (let n = 21; n <= 250; n++) {
  const indices = Int32Array.from({ length: n }, () => rng.int(10_000));
  const x = set.batch(indices, new Matrix(n, 784, pool.subarray(0, n * 784)));
  net.gradient(x, labels.subarray(0, n));
}
(() => net.accuracy(set.sliceRows(0, 10_000), labels))(); // dropped at once
console.log(
  JSON.stringify({ growth: rss() - start, kernels: net.kernels.name }),
);
