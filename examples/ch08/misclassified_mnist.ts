// The book's ch08/misclassified_mnist.py (§8.1.2): the trained DeepConvNet
// on the MNIST test images; prints the accuracy, then the first 20
// misclassified digits as {view index: (label, inference), ...} and draws
// them in a 4×5 grid (an SVG file, where the book opens matplotlib's
// window). With the book's 2016 weights on all 10,000 images the book's
// NumPy code prints test accuracy:0.9935.
//
// Run: deno run -R -W -E -N=registry.npmjs.org examples/ch08/misclassified_mnist.ts
//        [--params FILE (.pkl or .safetensors; default the book's 2016 weights)]
//        [--sampled N (the first N test images; default all)]
//        [--svg FILE (default misclassified_mnist.svg)]

import { argmax } from "@dlfs/nn";
import { loadMnist, writeFileAtomic } from "@dlfs/nn/data";
import { digitsPlot } from "@dlfs/nn/io";
import { BOOK_PARAMS, DeepConvNet, flags, loadParams } from "./deep_convnet.ts";

const args = await flags("misclassified_mnist", {
  params: BOOK_PARAMS,
  sampled: undefined,
  svg: "misclassified_mnist.svg",
}, { read: ["params"], write: ["svg"] });

const { xTest, tTest } = await loadMnist({ flatten: false });

const network = new DeepConvNet();
await loadParams(network, args.params);

console.log("calculating test accuracy ... ");
const sampled = Number(args.sampled ?? xTest.count); // x_test[:sampled]

const classifiedIds = new Int32Array(sampled);

let acc = 0.0;
const batchSize = 100;

for (let i = 0; i < Math.ceil(sampled / batchSize); i++) {
  const start = i * batchSize, end = Math.min(start + batchSize, sampled);
  const tx = xTest.sliceRows(start, end); // x_test[i*batch_size:(i+1)*batch_size]
  const y = argmax(network.predict(tx)); // test mode, as train_flg=False
  classifiedIds.set(y, start);
  for (let j = 0; j < y.length; j++) if (y[j] === tTest[start + j]) acc++;
}

acc = acc / sampled;
console.log("test accuracy:" + String(acc));

const maxView = 20;
let currentView = 1;

const misPairs: string[] = [];
const digits = [];
for (let i = 0; i < sampled; i++) {
  if (classifiedIds[i] !== tTest[i]) {
    const pair = `(${tTest[i]}, ${classifiedIds[i]})`;
    digits.push({
      pixels: xTest.sliceRows(i, i + 1).data, // in [0, 1], drawn as gray_r
      caption: `${currentView}: ${pair}`,
    });
    misPairs.push(`${currentView}: ${pair}`);

    currentView += 1;
    if (currentView > maxView) break;
  }
}

console.log("======= misclassified result =======");
console.log("{view index: (label, inference), ...}");
console.log(`{${misPairs.join(", ")}}`);

await writeFileAtomic(args.svg, new TextEncoder().encode(digitsPlot(digits)));
console.log(`(the digits: ${args.svg})`);
