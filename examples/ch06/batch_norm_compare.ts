// The book's ch06/batch_norm_test.py: on 1000 training images,
// MultiLayerNet(784, [100] × 5, 10) with and without BatchNorm, SGD (lr 0.01),
// batch 100, 20 epochs, for several initial weight scales; the training
// accuracy (on those 1000 images) at the end of each run. BatchNorm learns
// fast at every scale; without it, most scales stall (and the largest
// diverges: its loss becomes NaN, where the run stops).
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch06/batch_norm_compare.ts

import { Rng } from "../../core/mod.ts";
import { DivergenceError, MultiLayerNet, Trainer } from "../../net/mod.ts";
import { mnist, table } from "./_shared.ts";

const TRAIN = 1000, EPOCHS = 20, BATCH = 100;
const x = mnist.xTrain.sliceRows(0, TRAIN), t = mnist.tTrain.subarray(0, TRAIN);
const rows: (string | number)[][] = [];
for (const scale of [1, 0.3, 0.1, 0.03, 0.01, 0.003]) {
  const row: (string | number)[] = [String(scale)];
  for (const useBatchnorm of [true, false]) {
    const rng = new Rng(3);
    const net = new MultiLayerNet({
      inputSize: 784,
      hiddenSizes: [100, 100, 100, 100, 100],
      outputSize: 10,
      rng,
      weightInitStd: scale,
      useBatchnorm,
    });
    const trainer = new Trainer(net, x, t, x, t, {
      epochs: EPOCHS,
      batchSize: BATCH,
      optimizerParams: { lr: 0.01 },
      rng,
    });
    try {
      row.push(trainer.train().trainAcc);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      row.push(`NaN at ${e.iteration + 1}`); // the loss diverged: no accuracy
    }
  }
  rows.push(row);
}
console.log(`training accuracy after ${EPOCHS} epochs on ${TRAIN} images:`);
table(["init std", "BatchNorm", "without"], rows);
