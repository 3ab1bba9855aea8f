// The browser install line: `deno bundle --platform browser` makes one ES
// module of the library (here of mod.ts, as jsr:@dlfs/nn would give it), with
// no runtime API in it; the README's first lines run against that file.
import { assertAlmostEquals, assertNotMatch } from "@std/assert";
import { bundle } from "../web/build.ts";

Deno.test("a browser bundle of @dlfs/nn is one ES module free of Deno.* and node:, and runs the README's first lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-bundle-" });
  try {
    await bundle("mod.ts", `${dir}/dlfs.js`);
    const text = await Deno.readTextFile(`${dir}/dlfs.js`);
    assertNotMatch(text, /\bDeno\.|["']node:/);
    const { Matrix, Rng, TwoLayerNet } = await import(`file://${dir}/dlfs.js`);
    const net = new TwoLayerNet({
      inputSize: 784,
      hiddenSize: 50,
      outputSize: 10,
      rng: new Rng(42),
    });
    // Zero input: uniform softmax, loss −log(0.1 + 1e-7) (the book's delta).
    assertAlmostEquals(
      net.loss(new Matrix(1, 784), [7]),
      -Math.log(0.1 + 1e-7),
      1e-12,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
