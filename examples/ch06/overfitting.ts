// The book's ch06/overfit_weight_decay.py and overfit_dropout.py: only 300
// training images, MultiLayerNet(784, [100] × 6, 10), SGD (lr 0.01), batch
// 100; train and test accuracy every 20 epochs (after the epoch's first
// step, as the book's loop), plain and with weight decay (λ = 0.1) for 200
// epochs, with Dropout (ratio 0.2) for 300, as the book. The plain net
// learns the 300 images by heart; the regularised ones keep train and test
// closer.
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch06/overfitting.ts

import { Rng } from "../../core/mod.ts";
import {
  MultiLayerNet,
  type MultiLayerNetOptions,
  Trainer,
} from "../../net/mod.ts";
import { mnist, table } from "./_shared.ts";

const TRAIN = 300, BATCH = 100;
const x = mnist.xTrain.sliceRows(0, TRAIN), t = mnist.tTrain.subarray(0, TRAIN);
const variants: [string, Partial<MultiLayerNetOptions>, number][] = [
  ["plain", {}, 200],
  ["decay 0.1", { weightDecayLambda: 0.1 }, 200],
  ["dropout 0.2", { useDropout: true, dropoutRatio: 0.2 }, 300],
];
for (const [name, options, epochs] of variants) {
  const rng = new Rng(4);
  const net = new MultiLayerNet({
    inputSize: 784,
    hiddenSizes: [100, 100, 100, 100, 100, 100],
    outputSize: 10,
    rng,
    ...options,
  });
  const rows: (string | number)[][] = [];
  new Trainer(net, x, t, mnist.xTest, mnist.tTest, {
    epochs: epochs + 1, // epochs 0 … 200 (or 300), as the book's max_epochs = 201
    batchSize: BATCH,
    optimizerParams: { lr: 0.01 },
    rng,
    onEpoch: (e) =>
      e.epoch % 20 === 0 && rows.push([String(e.epoch), e.trainAcc, e.testAcc]),
  }).train();
  console.log(`\n${name}:`);
  table(["epoch", "train acc", "test acc"], rows);
}
