// Each layer's forward and backward at the book's shapes (batch 100,
// TwoLayerNet(784, 50, 10)).
import { Matrix, Rng } from "../core/mod.ts";
import { Affine, Relu, SoftmaxWithLoss } from "../layers/mod.ts";
import { data, normalMatrix } from "./batches.ts";

const rng = new Rng(5);
const { x, t } = data.batch(rng, 100);
const W1 = normalMatrix(rng, 784, 50, 0.01), b1 = new Matrix(1, 50);
const affine1 = new Affine(W1, b1);
const first = new Affine(W1, b1, { needsInputGrad: false }); // a net's Affine1
const relu = new Relu();
const affine2 = new Affine(normalMatrix(rng, 50, 10, 0.01), new Matrix(1, 10));
const last = new SoftmaxWithLoss();
const a1 = affine1.forward(x), h = relu.forward(a1), y = affine2.forward(h);
first.forward(x);
last.forward(y, t);
const d50 = normalMatrix(rng, 100, 50), d10 = normalMatrix(rng, 100, 10);

Deno.bench(`Affine1.forward 100×784 → 50 (${data.source} x)`, {
  group: "forward",
}, () => {
  affine1.forward(x);
});
Deno.bench("Relu.forward 100×50", { group: "forward" }, () => {
  relu.forward(a1);
});
Deno.bench("Affine2.forward 100×50 → 10", { group: "forward" }, () => {
  affine2.forward(h);
});
Deno.bench("SoftmaxWithLoss.forward 100×10", { group: "forward" }, () => {
  last.forward(y, t);
});
Deno.bench("SoftmaxWithLoss.backward 100×10", { group: "backward" }, () => {
  last.backward();
});
Deno.bench("Affine2.backward 100×10 → 50", { group: "backward" }, () => {
  affine2.backward(d10);
});
Deno.bench("Relu.backward 100×50", { group: "backward" }, () => {
  relu.backward(d50);
});
Deno.bench(
  `Affine1.backward, needsInputGrad false (dW, db only; ${data.source} x)`,
  {
    group: "backward",
  },
  () => {
    first.backward(d50);
  },
);
Deno.bench(`Affine1.backward (with dx; ${data.source} x)`, {
  group: "backward",
}, () => {
  affine1.backward(d50);
});
