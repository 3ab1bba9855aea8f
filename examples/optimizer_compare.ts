// The book's ch06/optimizer_compare_mnist.py: MultiLayerNet(784, [100] × 4,
// 10) trained for 2000 iterations (batch 128) with each optimizer at its
// default rate; the training loss every 100 iterations. Seeded: every run
// prints the same table.
//
// Run: deno run --allow-read examples/optimizer_compare.ts

import { Rng } from "../core/mod.ts";
import { MultiLayerNet } from "../net/mod.ts";
import { AdaGrad, Adam, Momentum, type Optimizer, SGD } from "../optim/mod.ts";
import { accuracy, mnist, sampler, table } from "./_shared.ts";

const optimizers: Record<string, () => Optimizer> = {
  SGD: () => new SGD(),
  Momentum: () => new Momentum(),
  AdaGrad: () => new AdaGrad(),
  Adam: () => new Adam(),
};
const losses: Record<string, number[]> = {};
const finalAcc: (string | number)[] = ["test acc"];
for (const [name, make] of Object.entries(optimizers)) {
  const rng = new Rng(1); // the same initial weights and batches for each
  const net = new MultiLayerNet(784, [100, 100, 100, 100], 10, { rng });
  const optimizer = make(), next = sampler(rng, 128);
  losses[name] = [];
  for (let i = 0; i < 2000; i++) {
    const { x, t } = next();
    optimizer.update(net.params, net.gradient(x, t));
    if (i % 100 === 0) losses[name].push(net.lastLayer.loss);
  }
  finalAcc.push(accuracy(net, mnist.xTest, mnist.tTest as Uint8Array));
}
const names = Object.keys(optimizers);
console.log(
  "training loss (the batch's, before its step) every 100 iterations:",
);
table(
  ["iteration", ...names],
  losses.SGD.map((
    _,
    k,
  ) => [String(k * 100), ...names.map((n) => losses[n][k])]),
);
table(["", ...names], [finalAcc]);
