/**
 * The book's ch05/gradient_check.py: TwoLayerNet(784, 50, 10) on a batch of
 * three samples, backprop against the numerical gradient, printing the mean
 * |Δ| of each parameter. Exits 1 if any exceeds 1e-6.
 *
 * Run: `deno task gradient-check`
 *
 * @module
 */

import { Matrix, Rng } from "./core/mod.ts";
import { gradientCheck, TwoLayerNet } from "./net/mod.ts";

const LIMIT = 1e-6;
const rng = new Rng(0);
const net = new TwoLayerNet(784, 50, 10, { rng });
// A seeded random batch of three "images" (pixels in [0, 1)) and labels.
const x = new Matrix(3, 784);
for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform();
const t = [rng.int(10), rng.int(10), rng.int(10)];
console.log(
  "batch: 3 seeded random samples (Rng(0)), TwoLayerNet(784, 50, 10)",
);

const start = performance.now();
const diffs = gradientCheck(net, x, t);
let ok = true;
for (const [key, d] of Object.entries(diffs)) {
  console.log(
    `${key}: ${d.meanAbsDiff.toExponential(2)}  (max relative error ${
      d.maxRelError.toExponential(2)
    })`,
  );
  if (!(d.meanAbsDiff <= LIMIT)) ok = false;
}
console.log(`${((performance.now() - start) / 1000).toFixed(1)} s`);
if (!ok) {
  console.error(`gradient check FAILED: a mean |Δ| exceeds ${LIMIT}`);
  Deno.exit(1);
}
