// What would be silently wrong is refused, or no longer happens: misnamed
// options, BatchNorm trained on one row, a numerical gradient that moves the
// running averages, a method where a count was meant, the book's loop over
// the gradient's keys, a plot with two figures under one name.
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng, SimdKernels } from "../core/mod.ts";
import {
  Affine,
  BatchNormalization,
  Convolution,
  Dropout,
  Pooling,
  Relu,
  Sigmoid,
} from "../layers/mod.ts";
import {
  gradientCheck,
  MultiLayerNet,
  parallelNumericalGradient,
  SimpleConvNet,
  Trainer,
  TwoLayerNet,
} from "../net/mod.ts";
import {
  AdaGrad,
  Adam,
  createOptimizer,
  Momentum,
  Nesterov,
  RMSprop,
  SGD,
} from "../optim/mod.ts";
import { ImageSet } from "../data/dataset.ts";
import { loadMnist } from "../data/mnist.ts";
import { loadNet, saveNet, trainingPlot } from "../io/mod.ts";
import { uniformMatrix } from "./helpers.ts";

const W = Matrix.fromRows([[1, 2], [3, 4]]), b = Matrix.fromRows([[0, 0]]);
const rng = new Rng(0);

Deno.test("every options object refuses a key it does not know, naming the nearest known one", () => {
  const cases: [() => unknown, string][] = [
    [
      () => new SGD({ learning_rate: 0.5 } as never),
      'SGD: expected an option among lr but found "learning_rate"',
    ],
    [
      () => new Momentum({ momentun: 0.5 } as never),
      'Momentum: expected an option among lr, momentum but found "momentun" (did you mean momentum?)',
    ],
    [() => new Nesterov({ Lr: 0.1 } as never), '"Lr" (did you mean lr?)'],
    [() => new AdaGrad({ rate: 1 } as never), "AdaGrad: expected an option"],
    [
      () => new RMSprop({ decay_rate: 0.9 } as never),
      '"decay_rate" (did you mean decayRate?)',
    ],
    [() => new Adam({ beta_1: 0.8 } as never), "(did you mean beta1?)"],
    [
      () => createOptimizer("adam", { betta2: 0.9 }),
      '"betta2" (did you mean beta2?)',
    ],
    [
      () =>
        new TwoLayerNet({
          inputSize: 4,
          hidden_size: 3,
          outputSize: 2,
        } as never),
      'TwoLayerNet: expected an option among inputSize, hiddenSize, outputSize, rng, weightInitStd, backend, kernels, dtype, type but found "hidden_size" (did you mean hiddenSize?)',
    ],
    [
      () =>
        new MultiLayerNet({
          inputSize: 4,
          hiddenSizes: [3],
          outputSize: 2,
          useBatchNorm: true,
        } as never),
      '"useBatchNorm" (did you mean useBatchnorm?)',
    ],
    [
      () => new SimpleConvNet({ filterNumber: 3 } as never),
      '"filterNumber" (did you mean filterNum?)',
    ],
    [
      () => new Affine(W, b, { needInputGrad: false } as never),
      '"needInputGrad" (did you mean needsInputGrad?)',
    ],
    [
      () => new BatchNormalization(b, b, { momentun: 0.5 } as never),
      '"momentun" (did you mean momentum?)',
    ],
    [
      () => new Dropout({ rng, dropout_ratio: 0.5 } as never),
      'Dropout: expected an option among rng, ratio, kernels but found "dropout_ratio"',
    ],
    [() => new Relu({ kernel: undefined } as never), "(did you mean kernels?)"],
    [() => new Sigmoid({ kernel: undefined } as never), "Sigmoid:"],
    [
      () =>
        new Convolution(W, b, {
          input: [1, 2, 2],
          filter: [1, 1],
          strides: 1,
        } as never),
      '"strides" (did you mean stride?)',
    ],
    [
      () => new Pooling({ input: [1, 2, 2], pool: [2, 2], strid: 2 } as never),
      "(did you mean stride?)",
    ],
    [
      () => new ImageSet(new Uint8Array(4), [2], { normalise: true } as never),
      '"normalise" (did you mean normalize?)',
    ],
    [
      () =>
        loadNet(
          saveNet(
            new TwoLayerNet({ inputSize: 2, hiddenSize: 2, outputSize: 2 }),
          ),
          rng,
          { backends: "ts" } as never,
        ),
      '"backends" (did you mean backend?)',
    ],
    [
      () =>
        saveNet(
          new TwoLayerNet({ inputSize: 2, hiddenSize: 2, outputSize: 2 }),
          { dtypes: "F32" } as never,
        ),
      '"dtypes" (did you mean dtype?)',
    ],
    [
      () => trainingPlot({ loss: [], epochs: [], titel: "x" } as never),
      '"titel" (did you mean title?)',
    ],
    [
      () => SimdKernels.create({ thread: 2 } as never),
      "(did you mean threads?)",
    ],
  ];
  for (const [make, message] of cases) {
    assertThrows(make, TypeError, message);
  }
});

Deno.test("Trainer and loadMnist refuse unknown options too, and optimizerParams beside an optimizer", async () => {
  const net = new TwoLayerNet({ inputSize: 2, hiddenSize: 2, outputSize: 2 });
  const x = Matrix.fromRows([[0, 1], [1, 0]]), t = [1, 0];
  assertThrows(
    () => new Trainer(net, x, t, x, t, { batch_size: 2 } as never),
    TypeError,
    '"batch_size" (did you mean batchSize?)',
  );
  assertThrows(
    () => new Trainer(net, x, t, x, t, { iters: 5 } as never),
    TypeError,
    "Trainer: expected an option among epochs, iterations, batchSize",
  );
  assertThrows(
    () =>
      new Trainer(net, x, t, x, t, {
        optimizer: new Momentum(),
        optimizerParams: { lr: 0.5 },
      }),
    TypeError,
    "Trainer: expected optimizerParams only with an optimizer's name but found them beside a Momentum",
  );
  const trainer = new Trainer(net, x, t, x, t, { batchSize: 2 });
  assertThrows(
    () => trainer.train({ signl: undefined } as never),
    TypeError,
    '"signl" (did you mean signal?)',
  );
  await assertThrowsAsync(
    () => trainer.run({ yield_every: 10 } as never).next(),
    '"yield_every" (did you mean yieldEvery?)',
  );
  await assertThrowsAsync(
    () => loadMnist({ one_hot_label: true } as never),
    '"one_hot_label" (did you mean oneHotLabel?)',
  );
});

/** Awaits `f`, which must reject with a TypeError whose message holds `text`. */
async function assertThrowsAsync(f: () => Promise<unknown>, text: string) {
  const e = await f().then(() => undefined, (e) => e);
  assert(e instanceof TypeError && e.message.includes(text), String(e));
}

Deno.test("SimdKernels.create() refuses a reserve, dtype, spinMs or timeoutMs it cannot take, in one line", () => {
  for (const reserve of ["no", 0, null]) {
    assertThrows(
      () => SimdKernels.create({ reserve } as never),
      TypeError,
      `SimdKernels.create(): expected reserve true or false but found ${
        JSON.stringify(reserve)
      }`,
    );
  }
  for (const reserve of [true, false, undefined]) {
    SimdKernels.create({ reserve })!.close();
  }
  const refused: [object, string][] = [
    [
      { dtype: "float16" },
      'expected dtype "float64" or "float32" but found "float16"',
    ],
    [{ spinMs: -1 }, "expected spinMs a number ≥ 0 but found -1"],
    [{ spinMs: NaN }, "expected spinMs a number ≥ 0 but found NaN"],
    [{ timeoutMs: 0 }, "expected timeoutMs a number > 0 but found 0"],
    [{ timeoutMs: "5" }, "expected timeoutMs a number > 0 but found 5"],
  ];
  for (const [options, message] of refused) {
    assertThrows(
      () => SimdKernels.create(options as never),
      RangeError,
      `SimdKernels.create(): ${message}`,
    );
  }
  SimdKernels.create({ dtype: "float32", spinMs: 0, timeoutMs: Infinity })!
    .close();
});

Deno.test("BatchNormalization refuses to train on one row, in the layer and in the Trainer", () => {
  const bn = new BatchNormalization(
    Matrix.fromRows([[1, 1]]),
    Matrix.fromRows([[0, 0]]),
  );
  assertThrows(
    () => bn.forward(Matrix.fromRows([[1, 2]])),
    RangeError,
    "BatchNormalization.forward(): expected a batch of at least 2 rows in training mode (one row has zero variance, nothing to learn) but found x of shape 1×2",
  );
  bn.forward(Matrix.fromRows([[1, 2]]), false); // test mode: one row is fine
  const net = new MultiLayerNet({
    inputSize: 2,
    hiddenSizes: [3],
    outputSize: 2,
    useBatchnorm: true,
  });
  const x = Matrix.fromRows([[0, 1], [1, 0]]), t = [1, 0];
  assertThrows(
    () => new Trainer(net, x, t, x, t, { batchSize: 1 }),
    RangeError,
    "Trainer: expected batchSize ≥ 2 for a net with BatchNormalization (BatchNorm1: one row has zero variance, nothing to learn) but found 1",
  );
  new Trainer(net, x, t, x, t, { batchSize: 2 }); // two rows are
});

Deno.test("numericalGradient and gradientCheck leave BatchNorm's running averages and Dropout's generator as they found them", async () => {
  const r = new Rng(3);
  const x = uniformMatrix(r, 4, 5), t = [0, 1, 2, 1];
  const make = (useDropout: boolean) =>
    new MultiLayerNet({
      inputSize: 5,
      hiddenSizes: [4],
      outputSize: 3,
      useBatchnorm: true,
      useDropout,
      rng: new Rng(4),
    });
  const net = make(true);
  net.loss(x, t, { train: true }); // running averages away from 0
  const state = () => Object.values(net.state()).map((m) => Array.from(m.data));
  const dropout = net.layers.get("Dropout1")!;
  const before = state(), draws = dropout.rng!.state();
  net.numericalGradient(x, t);
  assertEquals(state(), before);
  assertEquals(dropout.rng!.state(), draws);
  gradientCheck(net, x, t);
  assertEquals(state(), before);
  assertEquals(dropout.rng!.state(), draws);
  // The check can fail: a forward in training mode does move both.
  net.loss(x, t, { train: true });
  assertNotEquals(state(), before);
  assertNotEquals(dropout.rng!.state(), draws);
  // On two threads (no Dropout: its masks would differ between threads).
  const plain = make(false);
  plain.loss(x, t, { train: true });
  const averages = Object.values(plain.state()).map((m) => m.data.slice());
  await parallelNumericalGradient(plain, x, t);
  assertEquals(
    Object.values(plain.state()).map((m) => m.data),
    averages,
  );
});

Deno.test("an ImageSet's row count is `rows`, as a Matrix's: rng.choice(xTrain.rows, 100) works, and an error never prints a function", () => {
  const images = new ImageSet(new Uint8Array(6 * 4), [4], { normalize: true });
  assertStrictEquals(images.rows, 6);
  assertStrictEquals(images.rows, images.count);
  assertStrictEquals(images.sliceRows(1, 3).rows, 2);
  assertStrictEquals(rng.choice(images.rows, 100).length, 100);
  const method = (images as unknown as { batch: unknown }).batch;
  const e = assertThrows(() => rng.choice(method as never, 100), RangeError);
  assertStrictEquals(
    e.message,
    "Rng.choice(): expected n to be an integer in [1, 2^31] but found the function batch()",
  );
  assertThrows(
    () => new Matrix(method as never, 2),
    RangeError,
    "but found the function batch()",
  );
  assertThrows(
    () => images.sliceRows(0, "3" as never),
    RangeError,
    'ImageSet.sliceRows(): expected 0 ≤ start ≤ end ≤ 6 but found start 0, end "3"',
  );
});

Deno.test("the book's loop over Object.keys(grads) type-checks and trains every net", () => {
  const x = uniformMatrix(new Rng(1), 2, 16), t = [0, 1];
  const nets = [
    new TwoLayerNet({ inputSize: 16, hiddenSize: 3, outputSize: 2 }),
    new MultiLayerNet({ inputSize: 16, hiddenSizes: [3], outputSize: 2 }),
    new SimpleConvNet({
      input: [1, 4, 4],
      filterNum: 2,
      filterSize: 3,
      hiddenSize: 3,
      outputSize: 2,
    }),
  ];
  for (const net of nets) {
    const before = net.loss(x, t);
    for (let step = 0; step < 20; step++) {
      const grads = net.gradient(x, t);
      // for key in ('W1', 'b1', 'W2', 'b2'): network.params[key] -= … grad[key]
      for (const key of Object.keys(grads)) {
        const p = net.params[key].data, g = grads[key].data;
        for (let i = 0; i < p.length; i++) p[i] -= 0.1 * g[i];
      }
    }
    assert(net.loss(x, t) < before, net.spec.type);
  }
});

Deno.test("the training plot shows each accuracy once, under what it is", () => {
  const svg = trainingPlot({
    loss: [2.3, 1, 0.5, 0.4],
    epochs: [{ iter: 0, trainAcc: 0.1, testAcc: 0.12 }, {
      iter: 2,
      trainAcc: 0.8,
      testAcc: 0.7,
    }],
    title: "TwoLayerNet, sgd lr 0.1",
    final: { iter: 4, trainAcc: 0.85, testAcc: 0.75 },
  });
  assert(
    svg.includes(">TwoLayerNet, sgd lr 0.1</text>"),
    "no figure in the title",
  );
  assert(
    svg.includes(
      "last epoch's evaluation, at iteration 2: train 0.8000, test 0.7000",
    ),
  );
  assert(svg.includes("final, after iteration 4: train 0.8500, test 0.7500"));
  assertStrictEquals(svg.split("0.7500").length, 2, "the final figure once");
});
