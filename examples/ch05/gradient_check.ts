// The book's ch05/gradient_check.py (§5.7.3): backprop against the numerical
// gradient on the first three training images; prints the mean absolute
// difference per parameter, as the book's
// `np.average(np.abs(grad_backprop[key] - grad_numerical[key]))`.
//
// Run: deno run -R -E -W -N=registry.npmjs.org examples/ch05/gradient_check.ts

import { compareGradients, gatherLabels, TwoLayerNet } from "@dlfs/nn";
import { loadMnist } from "@dlfs/nn/data";

// read the data
const { xTrain, tTrain } = await loadMnist({
  normalize: true,
  oneHotLabel: true,
});

const network = new TwoLayerNet({
  inputSize: 784,
  hiddenSize: 50,
  outputSize: 10,
});

const xBatch = xTrain.sliceRows(0, 3); // x_train[:3]
const tBatch = gatherLabels(tTrain, [0, 1, 2]); // t_train[:3]

const gradNumerical = network.numericalGradient(xBatch, tBatch);
const gradBackprop = network.gradient(xBatch, tBatch);

for (
  const key of Object.keys(gradNumerical) as (keyof typeof gradNumerical)[]
) {
  const diff =
    compareGradients(gradBackprop[key], gradNumerical[key]).meanAbsDiff;
  console.log(key + ":" + String(diff));
}
