// The book's ch08/half_float_network.py (§8.3.4): the trained DeepConvNet's
// accuracy with everything in float64, then with its weights and the input
// images rounded to float16 (half precision): deep nets barely need the
// precision. The arithmetic stays float64, as NumPy's (a float16 array
// times a float64 one is computed in float64); only the values are
// rounded. The book's NumPy code, with its 2016 weights on the first 1,000
// test images: 0.993 and 0.993.
//
// Run: deno run -R -E -N=registry.npmjs.org examples/ch08/half_float_network.ts
//        [--params FILE (.pkl or .safetensors; default the book's 2016 weights)]
//        [--sampled N (the first N test images; default 1000)]

import { loadMnist } from "@dlfs/nn/data";
import { BOOK_PARAMS, DeepConvNet, flags, loadParams } from "./deep_convnet.ts";

const args = await flags("half_float_network", {
  params: BOOK_PARAMS,
  sampled: "1000",
}, { read: ["params"] });

const { xTest: images, tTest: labels } = await loadMnist({ flatten: false });

const network = new DeepConvNet();
await loadParams(network, args.params);

const sampled = Number(args.sampled);
const xTest = images.sliceRows(0, sampled); // x_test[:sampled]
const tTest = labels.subarray(0, sampled); // t_test[:sampled]

console.log("caluculate accuracy (float64) ... "); // [sic], as the book prints it
console.log(network.accuracy(xTest, tTest));

// to float16: x_test.astype(np.float16), param[...] = param.astype(np.float16)
xTest.data.set(Float16Array.from(xTest.data));
for (const param of Object.values(network.params)) {
  param.data.set(Float16Array.from(param.data));
}

console.log("caluculate accuracy (float16) ... ");
console.log(network.accuracy(xTest, tTest));
