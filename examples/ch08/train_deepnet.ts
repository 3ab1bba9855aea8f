// The book's ch08/train_deepnet.py (§8.1.1): DeepConvNet trained by the
// book's Trainer, 20 epochs of batch 100, Adam (lr 0.001), each epoch's
// accuracy on the first 1,000 training and test images, then the final
// test accuracy on all 10,000; the parameters saved. Prints what the
// book's Trainer prints (verbose). `deno task train --net deep-convnet` is
// the same run with progress, ETA, checkpoints and Ctrl-C.
//
// Run: deno run -R -W -E -N=registry.npmjs.org examples/ch08/train_deepnet.ts
//        [--iters N (default: the 20 epochs, 12,000)]
//        [--save FILE (default deep_convnet_params.safetensors)]

import { Rng, Trainer } from "@dlfs/nn";
import { loadMnist } from "@dlfs/nn/data";
import { DeepConvNet, flags, saveParams } from "./deep_convnet.ts";

const args = await flags("train_deepnet", {
  iters: undefined,
  save: "deep_convnet_params.safetensors",
}, { write: ["save"] });
const iters = args.iters === undefined ? undefined : Number(args.iters);
if (iters !== undefined && !(Number.isInteger(iters) && iters >= 1)) {
  console.error(
    `train_deepnet: --iters expects a whole number ≥ 1 but got "${args.iters}"`,
  );
  Deno.exit(2);
}

const { xTrain, tTrain, xTest, tTest } = await loadMnist({ flatten: false });

const rng = new Rng(42); // np.random, seeded: the weights, the batches, the dropout
const network = new DeepConvNet({ rng });
const trainer = new Trainer(network, xTrain, tTrain, xTest, tTest, {
  epochs: 20,
  iterations: iters,
  batchSize: 100,
  optimizer: "Adam",
  optimizerParams: { lr: 0.001 },
  evalSamples: 1000,
  rng,
  onIteration: (_, loss) => console.log("train loss:" + String(loss)),
  onEpoch: ({ epoch, trainAcc, testAcc }) =>
    console.log(
      `=== epoch:${epoch + 1}, train acc:${trainAcc}, test acc:${testAcc} ===`,
    ),
});
const { testAcc } = trainer.train();
console.log("=============== Final Test Accuracy ===============");
console.log("test acc:" + String(testAcc));

// save the parameters
await saveParams(network, args.save);
console.log("Saved Network Parameters!");
