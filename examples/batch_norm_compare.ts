// The book's ch06/batch_norm_test.py: on 1000 training images,
// MultiLayerNet(784, [100] × 5, 10) with and without BatchNorm, SGD (lr 0.01),
// batch 100, 20 epochs, for several initial weight scales; the training
// accuracy (on those 1000 images) at the end of each run. BatchNorm learns
// fast at every scale; without it, most scales stall.
//
// Run: deno run --allow-read examples/batch_norm_compare.ts

import { Rng } from "../core/mod.ts";
import { MultiLayerNet } from "../net/mod.ts";
import { SGD } from "../optim/mod.ts";
import { accuracy, mnist, sampler, table } from "./_shared.ts";

const TRAIN = 1000, EPOCHS = 20, BATCH = 100;
const rows: (string | number)[][] = [];
for (const scale of [1, 0.3, 0.1, 0.03, 0.01, 0.003]) {
  const row: (string | number)[] = [String(scale)];
  for (const useBatchnorm of [true, false]) {
    const rng = new Rng(3);
    const net = new MultiLayerNet(784, [100, 100, 100, 100, 100], 10, {
      rng,
      weightInit: scale,
      useBatchnorm,
    });
    const sgd = new SGD({ lr: 0.01 }), next = sampler(rng, BATCH, TRAIN);
    for (let i = 0; i < EPOCHS * (TRAIN / BATCH); i++) {
      const { x, t } = next();
      sgd.update(net.params, net.gradient(x, t));
    }
    row.push(accuracy(net, mnist.xTrain, mnist.tTrain as Uint8Array, TRAIN));
  }
  rows.push(row);
}
console.log(`training accuracy after ${EPOCHS} epochs on ${TRAIN} images:`);
table(["init std", "BatchNorm", "without"], rows);
