// The book's ch05/train_neuralnet.py (§5.7.4): TwoLayerNet(784, 50, 10)
// trained by minibatch SGD with backprop gradients, 10000 iterations of
// batch 100, learning rate 0.1; prints the train and test accuracy once per
// epoch. (`deno task train` is the same run with flags, progress and files.)
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch05/train_neuralnet.ts [iters]

import { gatherLabels, Rng, TwoLayerNet } from "@dlfs/nn";
import { loadMnist } from "@dlfs/nn/data";

// read the data
const { xTrain, tTrain, xTest, tTest } = await loadMnist({
  normalize: true,
  oneHotLabel: true,
});

const network = new TwoLayerNet(784, 50, 10);

const itersNum = Number(Deno.args[0] ?? 10000);
const trainSize = xTrain.count;
const batchSize = 100;
const learningRate = 0.1;

const trainLossList: number[] = [];
const trainAccList: number[] = [];
const testAccList: number[] = [];

const iterPerEpoch = Math.max(trainSize / batchSize, 1);
const rng = new Rng(42); // np.random, seeded

for (let i = 0; i < itersNum; i++) {
  // batch_mask = np.random.choice(train_size, batch_size)
  const batchMask = Array.from({ length: batchSize }, () => rng.int(trainSize));
  const xBatch = xTrain.batch(batchMask);
  const tBatch = gatherLabels(tTrain, batchMask);

  // the gradient by backprop
  const grad = network.gradient(xBatch, tBatch);

  // update: network.params[key] -= learning_rate * grad[key]
  for (const key of ["W1", "b1", "W2", "b2"] as const) {
    const p = network.params[key].data, g = grad[key].data;
    for (let j = 0; j < p.length; j++) p[j] -= learningRate * g[j];
  }

  const loss = network.loss(xBatch, tBatch);
  trainLossList.push(loss);

  if (i % iterPerEpoch === 0) {
    const trainAcc = network.accuracy(xTrain, tTrain);
    const testAcc = network.accuracy(xTest, tTest);
    trainAccList.push(trainAcc);
    testAccList.push(testAcc);
    console.log(trainAcc, testAcc);
  }
}
