// The book's ch06/optimizer_compare_mnist.py: MultiLayerNet(784, [100] × 4,
// 10) trained for 2000 iterations (batch 128) with each optimizer at its
// default rate; the training loss every 100 iterations. Seeded: every run
// prints the same table.
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch06/optimizer_compare.ts

import { Rng } from "../../core/mod.ts";
import { MultiLayerNet, Trainer } from "../../net/mod.ts";
import { mnist, table } from "./_shared.ts";

const names = ["SGD", "Momentum", "AdaGrad", "Adam"];
const losses: Record<string, number[]> = {};
const finalAcc: (string | number)[] = ["test acc"];
for (const name of names) {
  const rng = new Rng(1); // the same initial weights and batches for each
  const net = new MultiLayerNet({
    inputSize: 784,
    hiddenSizes: [100, 100, 100, 100],
    outputSize: 10,
    rng,
  });
  losses[name] = [];
  const trainer = new Trainer(
    net,
    mnist.xTrain,
    mnist.tTrain,
    mnist.xTest,
    mnist.tTest,
    {
      iterations: 2000,
      batchSize: 128,
      optimizer: name, // at the book's default rate
      optimizerParams: {},
      evalSamples: 1000,
      rng,
      onIteration: (i, loss) => i % 100 === 0 && losses[name].push(loss),
    },
  );
  finalAcc.push(trainer.train().testAcc);
}
console.log(
  "training loss (the batch's, before its step) every 100 iterations:",
);
table(
  ["iteration", ...names],
  losses.SGD.map((_, k) => [
    String(k * 100),
    ...names.map((n) => losses[n][k]),
  ]),
);
table(["", ...names], [finalAcc]);
