// The book's ch06/weight_init_compare.py: MultiLayerNet(784, [100] × 4, 10)
// with initial weights of std 0.01, Xavier and He, SGD (lr 0.01), batch 128,
// 2000 iterations; the training loss every 100 iterations. With std 0.01
// the deep net barely learns: the signal fades layer by layer.
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch06/weight_init_compare.ts

import { Rng } from "../../core/mod.ts";
import { MultiLayerNet, Trainer, type WeightInit } from "../../net/mod.ts";
import { mnist, table } from "./_shared.ts";

const inits: Record<string, WeightInit> = {
  "std=0.01": 0.01,
  Xavier: "xavier",
  He: "he",
};
const losses: Record<string, number[]> = {};
const finalAcc: (string | number)[] = ["test acc"];
for (const [name, weightInitStd] of Object.entries(inits)) {
  const rng = new Rng(2);
  const net = new MultiLayerNet({
    inputSize: 784,
    hiddenSizes: [100, 100, 100, 100],
    outputSize: 10,
    rng,
    weightInitStd,
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
      optimizerParams: { lr: 0.01 },
      evalSamples: 1000,
      rng,
      onIteration: (i, loss) => i % 100 === 0 && losses[name].push(loss),
    },
  );
  finalAcc.push(trainer.train().testAcc);
}
const names = Object.keys(inits);
console.log("training loss every 100 iterations (ReLU nets):");
table(
  ["iteration", ...names],
  losses[names[0]].map((_, k) => [
    String(k * 100),
    ...names.map((n) => losses[n][k]),
  ]),
);
table(["", ...names], [finalAcc]);
