// The book's ch06/overfit_weight_decay.py and overfit_dropout.py: only 300
// training images, MultiLayerNet(784, [100] × 6, 10), SGD (lr 0.01), batch
// 100; train and test accuracy every 20 epochs, plain and with weight decay
// (λ = 0.1) for 200 epochs, with Dropout (ratio 0.2) for 300, as the book.
// The plain net learns the 300 images by heart; the regularised ones keep
// train and test closer.
//
// Run: deno run --allow-read examples/overfitting.ts

import { Rng } from "../core/mod.ts";
import { MultiLayerNet, type MultiLayerNetOptions } from "../net/mod.ts";
import { SGD } from "../optim/mod.ts";
import { accuracy, mnist, sampler, table } from "./_shared.ts";

const TRAIN = 300, BATCH = 100;
const variants: [string, Partial<MultiLayerNetOptions>, number][] = [
  ["plain", {}, 200],
  ["decay 0.1", { weightDecayLambda: 0.1 }, 200],
  ["dropout 0.2", { useDropout: true, dropoutRatio: 0.2 }, 300],
];
for (const [name, options, EPOCHS] of variants) {
  const rng = new Rng(4);
  const net = new MultiLayerNet(784, [100, 100, 100, 100, 100, 100], 10, {
    rng,
    ...options,
  });
  const sgd = new SGD({ lr: 0.01 }), next = sampler(rng, BATCH, TRAIN);
  const rows: (string | number)[][] = [];
  for (let epoch = 0; epoch <= EPOCHS; epoch++) {
    if (epoch % 20 === 0) {
      rows.push([
        String(epoch),
        accuracy(net, mnist.xTrain, mnist.tTrain as Uint8Array, TRAIN),
        accuracy(net, mnist.xTest, mnist.tTest as Uint8Array),
      ]);
    }
    for (let i = 0; i < TRAIN / BATCH; i++) {
      const { x, t } = next();
      sgd.update(net.params, net.gradient(x, t));
    }
  }
  console.log(`\n${name}:`);
  table(["epoch", "train acc", "test acc"], rows);
}
