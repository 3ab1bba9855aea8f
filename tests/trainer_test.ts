// The Trainer (the book's common/trainer.py) against a loop written out by
// hand, and the Network contract the three nets share.
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng } from "../core/mod.ts";
import { gatherLabels } from "../layers/labels.ts";
import {
  buildNet,
  DivergenceError,
  MultiLayerNet,
  type Network,
  SimpleConvNet,
  Trainer,
  TwoLayerNet,
} from "../net/mod.ts";
import { Adam, SGD } from "../optim/mod.ts";
import { imageData as data } from "./helpers.ts";

Deno.test("Trainer.train() is the hand-written loop: same losses, accuracies and weights", () => {
  const { images, labels } = data(new Rng(1), 230);
  const test = data(new Rng(2), 70);
  // By hand: draws with replacement, gradient, SGD step, evaluation after
  // the first iteration of each epoch.
  const byHand = new TwoLayerNet({
    inputSize: 49,
    hiddenSize: 8,
    outputSize: 3,
    rng: new Rng(3),
    weightInitStd: 0.3,
  });
  const rng = new Rng(4), sgd = new SGD({ lr: 0.2 });
  const losses: number[] = [], accs: number[] = [];
  const iterPerEpoch = Math.floor(230 / 20);
  for (let i = 0; i < 50; i++) {
    const idx = Int32Array.from({ length: 20 }, () => rng.int(230));
    const x = images.batch(idx), t = gatherLabels(labels, idx);
    sgd.update(byHand.params, byHand.gradient(x, t));
    losses.push(byHand.lastLayer.loss);
    if (i % iterPerEpoch === 0) {
      accs.push(byHand.accuracy(images.sliceRows(0, 230), labels));
      accs.push(byHand.accuracy(test.images.sliceRows(0, 70), test.labels));
    }
  }
  const net = new TwoLayerNet({
    inputSize: 49,
    hiddenSize: 8,
    outputSize: 3,
    rng: new Rng(3),
    weightInitStd: 0.3,
  });
  const seen: number[] = [];
  const trainer = new Trainer(net, images, labels, test.images, test.labels, {
    iterations: 50,
    batchSize: 20,
    optimizer: "SGD",
    optimizerParams: { lr: 0.2 },
    rng: new Rng(4),
    onIteration: (i) => seen.push(i),
  });
  const final = trainer.train();
  assertEquals(trainer.trainLossList, losses);
  assertEquals(
    trainer.epochs.flatMap((e) => [e.trainAcc, e.testAcc]),
    accs,
  );
  assertEquals(trainer.trainAccList, accs.filter((_, k) => k % 2 === 0));
  assertEquals(seen, Array.from({ length: 50 }, (_, i) => i));
  assertEquals(net.params.W1.data, byHand.params.W1.data);
  assertStrictEquals(
    final.testAcc,
    byHand.accuracy(test.images.sliceRows(0, 70), test.labels),
  );
  assertStrictEquals(trainer.iteration, 50);
});

Deno.test("Trainer takes matrices and one-hot labels, evaluates on the first evalSamples, and stops when asked", () => {
  const rng = new Rng(5);
  const x = new Matrix(
    120,
    4,
    Float64Array.from({ length: 480 }, () => rng.uniform()),
  );
  const t = new Matrix(120, 2);
  for (let i = 0; i < 120; i++) {
    t.data[i * 2 + (x.get(i, 0) > x.get(i, 1) ? 1 : 0)] = 1;
  }
  const net = new MultiLayerNet({
    inputSize: 4,
    hiddenSizes: [6],
    outputSize: 2,
    rng,
    weightInitStd: 0.5,
  });
  const stop = new AbortController();
  const trainer = new Trainer(net, x, t, x, t, {
    epochs: 3,
    batchSize: 10,
    optimizer: new Adam({ lr: 0.05 }),
    evalSamples: 50,
    onEpoch: (record) => {
      const head = new Matrix(50, 4, x.data.subarray(0, 200));
      const tHead = new Matrix(50, 2, t.data.subarray(0, 100));
      assertStrictEquals(record.trainAcc, net.accuracy(head, tHead));
      if (record.epoch === 1) stop.abort();
    },
  });
  assertStrictEquals(trainer.maxIter, 36);
  trainer.train({ signal: stop.signal });
  assertStrictEquals(trainer.iteration, 13); // stopped after epoch 1's first iteration
  assertStrictEquals(trainer.epochs.length, 2);
});

Deno.test("Trainer stops a diverging run with a DivergenceError naming the iteration", () => {
  const { images, labels } = data(new Rng(6), 100);
  const net = new TwoLayerNet({
    inputSize: 49,
    hiddenSize: 8,
    outputSize: 3,
    rng: new Rng(7),
    weightInitStd: 1,
  });
  const trainer = new Trainer(net, images, labels, images, labels, {
    optimizerParams: { lr: 1e300 },
    iterations: 20,
  });
  let e: unknown;
  try {
    trainer.train();
  } catch (error) {
    e = error;
  }
  assert(e instanceof DivergenceError && e.iteration >= 1);
  assertMatch(
    e.message,
    /^Trainer: the loss became (NaN|Infinity) at iteration \d+: training diverged/,
  );
  assertThrows(
    () => new Trainer(net, images, labels.subarray(1), images, labels),
    RangeError,
    "Trainer: expected 100 labels for xTrain but found 99",
  );
  assertThrows(
    () => new Trainer(net, images, labels, images, labels, { batchSize: 0 }),
    RangeError,
    "Trainer: expected batchSize to be an integer ≥ 1 but found 0",
  );
  assertMatch(
    (assertThrows(
      () =>
        new Trainer(net, images, labels, images, labels, {
          optimizer: "lbfgs",
        }),
      RangeError,
    )).message,
    /^createOptimizer\(\): expected one of sgd, momentum/,
  );
});

const NETS: [string, () => Network][] = [
  [
    "TwoLayerNet",
    () =>
      new TwoLayerNet({
        inputSize: 49,
        hiddenSize: 6,
        outputSize: 3,
        rng: new Rng(8),
      }),
  ],
  [
    "MultiLayerNet",
    () =>
      new MultiLayerNet({
        inputSize: 49,
        hiddenSizes: [6, 5],
        outputSize: 3,
        rng: new Rng(8),
        useBatchnorm: true,
        weightDecayLambda: 0.1,
      }),
  ],
  ["SimpleConvNet", () =>
    new SimpleConvNet({
      rng: new Rng(8),
      input: [1, 7, 7],
      filterNum: 2,
      filterSize: 2,
      hiddenSize: 5,
      outputSize: 3,
    })],
];

for (const [name, make] of NETS) {
  Deno.test(`${name} keeps the Network contract: predict is the caller's, gradient is the layers', spec rebuilds it`, () => {
    const net = make();
    const { images, labels } = data(new Rng(9), 30);
    const x = images.sliceRows(0, 30);
    const a = net.predict(x), copy = a.data.slice();
    net.predict(images.sliceRows(0, 10)); // another batch must not change a
    assertEquals(a.data, copy);
    const g1 = net.gradient(x, labels), g2 = net.gradient(x, labels);
    assertEquals(Object.keys(g1), Object.keys(net.params));
    for (const key of Object.keys(g1)) assertStrictEquals(g1[key], g2[key]);
    const rebuilt = buildNet(JSON.parse(JSON.stringify(net.spec)), {
      rng: new Rng(8),
    });
    assertEquals(rebuilt.spec, net.spec);
    for (const [key, p] of Object.entries(net.params)) {
      assertStrictEquals(rebuilt.params[key].shape, p.shape, key);
    }
    // accuracy over a whole set, in chunks, is the one-shot figure.
    assertStrictEquals(
      net.accuracy(images, labels, 7),
      net.accuracy(x, labels),
    );
    assertStrictEquals(net.accuracy(x, labels, 4), net.accuracy(x, labels));
  });
}

Deno.test("the nets draw their weights from Rng(0) when given none, as the book's calls expect", () => {
  const a = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10 }),
    b = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10 });
  assertEquals(a.params.W1.data, b.params.W1.data);
  assertEquals(
    a.params.W1.data,
    new TwoLayerNet({
      inputSize: 784,
      hiddenSize: 50,
      outputSize: 10,
      rng: new Rng(0),
    }).params.W1.data,
  );
});

Deno.test("a net's parameters cannot be rebound: assigning one throws instead of training nothing", () => {
  for (const [name, make] of NETS) {
    const net = make();
    const W1 = net.params.W1;
    assertThrows(
      () => {
        (net.params as Record<string, Matrix>).W1 = W1.clone();
      },
      TypeError,
      undefined,
      name,
    );
    assertStrictEquals(net.params.W1, W1);
    // In place, as the book's optimizers do, is how they change.
    net.params.W1.data[0] = 42;
    assertStrictEquals(
      (net.layers.values().next().value as unknown as { W: Matrix }).W.data[0],
      42,
    );
  }
});

Deno.test("Trainer.run() gives train()'s numbers, yields where asked, and stops when its signal is aborted", async () => {
  const { images, labels } = data(new Rng(11), 200);
  const make = () =>
    new TwoLayerNet({
      inputSize: 49,
      hiddenSize: 8,
      outputSize: 3,
      rng: new Rng(12),
      weightInitStd: 0.3,
    });
  const options = {
    iterations: 60,
    batchSize: 10,
    rng: new Rng(13),
    optimizerParams: { lr: 0.1 },
  };
  const a = new Trainer(make(), images, labels, images, labels, options);
  const b = new Trainer(make(), images, labels, images, labels, {
    ...options,
    rng: new Rng(13),
  });
  const seen: number[] = [], losses: number[] = [];
  for await (
    const p of b.run({ yieldEvery: 7, yieldMs: Infinity })
  ) {
    assertStrictEquals(p.maxIter, 60);
    seen.push(p.iteration);
    losses.push(...p.losses);
  }
  assertEquals(seen, [7, 14, 21, 28, 35, 42, 49, 56, 60]);
  assertEquals(b.result(), a.train());
  assertEquals(b.trainLossList, a.trainLossList);
  assertEquals(losses, a.trainLossList, "each loss yielded once");
  // A timer that fires while it runs stops it after its next yield; the
  // caller's own awaits between yields (a checkpoint, a pause) are its own.
  const c = new Trainer(make(), images, labels, images, labels, {
    ...options,
    iterations: 100_000,
  });
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 0);
  let yields = 0;
  const every5 = { signal: stop.signal, yieldEvery: 5, yieldMs: Infinity };
  for await (const _ of c.run(every5)) {
    yields++;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert(yields >= 1 && c.iteration % 5 === 0 && c.iteration < 100_000);
  await assertRejects(
    () => c.run({ yieldEvery: 0 }).next(),
    RangeError,
    "Trainer.run(): expected yieldEvery to be an integer ≥ 1 but found 0",
  );
});
