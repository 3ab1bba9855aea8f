// The book's ch05/train_neuralnet.py (§5.7.4): TwoLayerNet(784, 50, 10)
// trained by minibatch SGD with backprop gradients, 10000 iterations of
// batch 100, learning rate 0.1; prints the train and test accuracy once per
// epoch. (`deno task train` is the same run with flags, progress and files.)
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch05/train_neuralnet.ts [iters]

import { gatherLabels, Rng, SGD, TwoLayerNet } from "@dlfs/nn";
import { loadMnist } from "@dlfs/nn/data";

// read the data
const { xTrain, tTrain, xTest, tTest } = await loadMnist({
  normalize: true,
  oneHotLabel: true,
});

const network = new TwoLayerNet({
  inputSize: 784,
  hiddenSize: 50,
  outputSize: 10,
});

const itersNum = Number(Deno.args[0] ?? 10000);
const trainSize = xTrain.count;
const batchSize = 100;
const learningRate = 0.1;
const optimizer = new SGD({ lr: learningRate });

const trainLossList: number[] = [];
const trainAccList: number[] = [];
const testAccList: number[] = [];

const iterPerEpoch = Math.max(trainSize / batchSize, 1);
const rng = new Rng(42); // np.random, seeded

for (let i = 0; i < itersNum; i++) {
  // batch_mask = np.random.choice(train_size, batch_size)
  const batchMask = rng.choice(trainSize, batchSize);
  const xBatch = xTrain.batch(batchMask); // x_train[batch_mask]
  const tBatch = gatherLabels(tTrain, batchMask); // t_train[batch_mask]

  // the gradient by backprop
  const grad = network.gradient(xBatch, tBatch);

  // update: for key in ('W1', 'b1', 'W2', 'b2'):
  //             network.params[key] -= learning_rate * grad[key]
  optimizer.update(network.params, grad); // in place, every key

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
