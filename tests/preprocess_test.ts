import { assert, assertEquals } from "@std/assert";
import { Matrix } from "../core/mod.ts";
import { loadMnist, loadNetFile } from "../data/mod.ts";
import { softmax, toMnist } from "../web/preprocess.ts";

// MNIST digits were made by fitting each digit's box into 20×20 and centring
// its mass in 28×28: redrawing a digit ten times larger and running it through
// the demo's toMnist() should give it back, close enough that the demo's
// model reads it the same.
Deno.test("the demo's preprocessing turns a 10× redrawn MNIST digit back into a digit the model reads alike", async () => {
  const { xTest, tTest } = await loadMnist();
  const { net } = await loadNetFile(
    new URL(
      "../examples/ch08/deep_convnet_dlfs.safetensors",
      import.meta.url,
    ).pathname,
  );
  const n = 200, size = 280;
  let same = 0, correctOriginal = 0, diff = 0;
  for (let i = 0; i < n; i++) {
    const original = xTest.batch([i]);
    const big = new Float64Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        big[y * size + x] =
          original.data[Math.floor(y / 10) * 28 + Math.floor(x / 10)];
      }
    }
    const redrawn = toMnist(big, size);
    for (let k = 0; k < 784; k++) {
      diff += Math.abs(redrawn[k] - original.data[k]) / (784 * n);
    }
    const a = net.predict(original).data.slice(),
      b = net.predict(new Matrix(1, 784, redrawn)).data;
    const argmax = (v: ArrayLike<number>) =>
      Array.from(v).indexOf(Math.max(...Array.from(v)));
    if (argmax(a) === argmax(b)) same++;
    if (argmax(a) === tTest[i]) correctOriginal++;
  }
  console.log(
    `mean |Δpixel| ${
      diff.toFixed(4)
    }, same class ${same}/${n}, model right on originals ${correctOriginal}/${n}`,
  );
  assert(diff < 0.1, `mean pixel difference ${diff}`);
  assert(same >= 0.95 * n, `${same}/${n} read alike`);
});

Deno.test("toMnist() is all zeros for an empty pad, and softmax sums to 1", () => {
  assertEquals(toMnist(new Float64Array(100), 10), new Float64Array(784));
  const p = softmax([1000, 0, -1000]);
  assert(Math.abs(p.reduce((a, b) => a + b) - 1) < 1e-15 && p[0] === 1);
});
