import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { Dropout } from "../layers/mod.ts";
import { Rng } from "../core/mod.ts";
import {
  MultiLayerNet,
  parallelNumericalGradient,
  SimpleConvNet,
  TwoLayerNet,
} from "../net/mod.ts";
import { uniformMatrix } from "./helpers.ts";

Deno.test("parallelNumericalGradient() equals the serial numerical gradient bit for bit", async () => {
  const rng = new Rng(70);
  const cases = [
    {
      net: new TwoLayerNet({
        inputSize: 784,
        hiddenSize: 50,
        outputSize: 10,
        rng,
      }),
      x: uniformMatrix(rng, 3, 784, 0, 1),
      t: [7, 2, 1],
    },
    { // the worker builds its copy on the same kind of kernels
      net: new TwoLayerNet({
        inputSize: 784,
        hiddenSize: 50,
        outputSize: 10,
        rng,
        backend: "ts",
      }),
      x: uniformMatrix(rng, 3, 784, 0, 1),
      t: [7, 2, 1],
    },
    {
      net: new MultiLayerNet({
        inputSize: 6,
        hiddenSizes: [5, 4],
        outputSize: 3,
        rng,
        useBatchnorm: true,
        weightDecayLambda: 0.1,
      }),
      x: uniformMatrix(rng, 4, 6, 0, 1),
      t: [0, 1, 2, 1],
    },
    {
      net: new SimpleConvNet({
        rng,
        input: [1, 8, 8],
        filterNum: 2,
        filterSize: 3,
        hiddenSize: 5,
        outputSize: 3,
      }),
      x: uniformMatrix(rng, 2, 64, 0, 1),
      t: [2, 0],
    },
  ];
  for (const { net, x, t } of cases) {
    const serial = net.numericalGradient(x, t) as Record<
      string,
      { data: Float64Array }
    >;
    const parallel = await parallelNumericalGradient(net, x, t);
    for (const [key, g] of Object.entries(serial)) {
      assertEquals(parallel[key].data, g.data, `${net.spec.type} ${key}`);
    }
  }
});

Deno.test("parallelNumericalGradient() refuses Dropout and reports bad input as the net does", async () => {
  const rng = new Rng(71);
  const dropout = new MultiLayerNet({
    inputSize: 4,
    hiddenSizes: [3],
    outputSize: 2,
    rng,
    useDropout: true,
  });
  await assertRejects(
    async () =>
      await parallelNumericalGradient(dropout, uniformMatrix(rng, 1, 4), [0]),
    TypeError,
  );
  const net = new TwoLayerNet({
    inputSize: 4,
    hiddenSize: 3,
    outputSize: 2,
    rng,
  });
  await assertRejects(
    async () =>
      await parallelNumericalGradient(net, uniformMatrix(rng, 1, 5), [0]),
    RangeError,
    "TwoLayerNet.loss(): expected x with 4 columns (inputSize) but found x of shape 1×5",
  );
});

Deno.test("parallelNumericalGradient() sends a net's frozen Dropout masks to its worker: bit for bit the serial gradient", async () => {
  const rng = new Rng(72);
  const net = new MultiLayerNet({
    inputSize: 6,
    hiddenSizes: [5, 4],
    outputSize: 3,
    rng,
    useDropout: true,
    dropoutRatio: 0.3,
  });
  const x = uniformMatrix(rng, 4, 6, 0, 1), t = [0, 1, 2, 1];
  net.loss(x, t, { train: true }); // draws the masks
  for (const layer of net.layers.values()) {
    if (layer instanceof Dropout) layer.frozenMask = true;
  }
  const serial = net.numericalGradient(x, t);
  const parallel = await parallelNumericalGradient(net, x, t);
  for (const [key, g] of Object.entries(serial)) {
    assertEquals(parallel[key].data, g.data, key);
  }
  // Other masks (unfrozen, drawn anew) give another gradient: the masks
  // matter, and the worker had the caller's.
  for (const layer of net.layers.values()) {
    if (layer instanceof Dropout) layer.frozenMask = false;
  }
  net.loss(x, t, { train: true });
  for (const layer of net.layers.values()) {
    if (layer instanceof Dropout) layer.frozenMask = true;
  }
  const other = await parallelNumericalGradient(net, x, t);
  assertNotEquals(other.W1.data, serial.W1.data);
});
