// predict, loss and accuracy on a whole SampleSet (the book's
// `network.accuracy(x_train, t_train)` and friends on an ImageSet), read in
// chunks of 1000: the same numbers as on the set turned into one Matrix.
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { Rng } from "../core/mod.ts";
import { ImageSet } from "../data/dataset.ts";
import { MultiLayerNet, TwoLayerNet } from "../net/mod.ts";

Deno.test("predict, loss and accuracy take a whole ImageSet, chunk by chunk, as the set as one Matrix", () => {
  const rng = new Rng(3);
  const n = 2500, d = 20; // chunks of 1000, 1000 and 500
  const pixels = Uint8Array.from({ length: n * d }, () => rng.int(256));
  const set = new ImageSet(pixels, [d], { normalize: true });
  const t = Int32Array.from({ length: n }, () => rng.int(3));
  const all = set.batch(Int32Array.from({ length: n }, (_, i) => i));
  const nets = [
    new TwoLayerNet({
      inputSize: d,
      hiddenSize: 8,
      outputSize: 3,
      rng: new Rng(1),
      weightInitStd: 0.5,
    }),
    new MultiLayerNet({
      inputSize: d,
      hiddenSizes: [8, 6],
      outputSize: 3,
      rng: new Rng(2),
      weightDecayLambda: 0.1,
    }),
  ];
  for (const net of nets) {
    const whole = net.predict(all);
    const chunked = net.predict(set);
    assertEquals([chunked.rows, chunked.cols], [n, 3]);
    for (let i = 0; i < whole.data.length; i++) {
      assertAlmostEquals(chunked.data[i], whole.data[i], 1e-12);
    }
    // The mean over all samples, weight decay counted once.
    assertAlmostEquals(net.loss(set, t), net.loss(all, t), 1e-12);
    assert(net.loss(set, t) > 0);
    assertEquals(net.accuracy(set, t), net.accuracy(all, t));
  }
});
