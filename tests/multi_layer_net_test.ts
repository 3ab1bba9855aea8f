import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng } from "../core/mod.ts";
import type { Affine, Dropout } from "../layers/mod.ts";
import { Dropout as DropoutLayer } from "../layers/dropout.ts";
import {
  compareGradients,
  gradientCheck,
  initScale,
  initWeights,
  MultiLayerNet,
} from "../net/mod.ts";
import { uniformMatrix } from "./helpers.ts";

/**
 * The smallest |pre-activation| over the hidden layers for batch x. A central
 * difference step of h = 1e-4 moves a pre-activation by at most h times the
 * product of the weight magnitudes on the way (|W| < 2.5 here, two layers
 * deep at most: < 10), so a margin above 1e-3 = 10·h keeps every step clear
 * of ReLU's kink: the loss is smooth along each step and the check tests
 * backprop.
 */
function hiddenMargin(net: MultiLayerNet, x: Matrix): number {
  let margin = Infinity, h = x;
  for (const [name, layer] of [...net.layers].slice(0, -1)) {
    // The input of an activation is its pre-activation (after BatchNorm, if any).
    if (name.startsWith("Activation")) {
      for (const v of h.data) margin = Math.min(margin, Math.abs(v));
    }
    h = layer.forward(h).clone();
  }
  return margin;
}

/**
 * A batch of `rows` samples in [0, 1)^cols, each drawn again (from the same
 * seeded rng, so deterministically) while one of its hidden pre-activations
 * is within the margin of ReLU's kink.
 */
function clearOfKinks(
  net: MultiLayerNet,
  rng: Rng,
  rows: number,
  cols: number,
): Matrix {
  const x = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) {
    for (let tries = 0;; tries++) {
      const row = uniformMatrix(rng, 1, cols, 0, 1);
      if (hiddenMargin(net, row) > 1e-3) {
        x.data.set(row.data, r * cols);
        break;
      }
      if (tries === 100) {
        throw new Error("no sample clear of the kinks in 100 draws");
      }
    }
  }
  return x;
}

for (const backend of ["ts", "simd"] as const) {
  Deno.test(`MultiLayerNet.gradient() matches the numerical gradient: relu/sigmoid, he/xavier, with and without weight decay (${backend})`, () => {
    let seed = 10;
    for (const activation of ["relu", "sigmoid"] as const) {
      for (const weightInit of ["he", "xavier", 0.3] as const) {
        for (const weightDecayLambda of [0, 0.1]) {
          const rng = new Rng(seed++);
          const net = new MultiLayerNet({
            inputSize: 7,
            hiddenSizes: [6, 5, 4],
            outputSize: 3,
            rng,
            activation,
            weightInitStd: weightInit,
            weightDecayLambda,
            backend,
          });
          // Random biases: with the initial zeros, a sample whose hidden row is
          // all zero (every unit off) puts the next pre-activation at exactly 0,
          // on the kink, and b's step of ±h straddles it.
          for (const [key, p] of Object.entries(net.params)) {
            if (key.startsWith("b")) {
              p.data.set(uniformMatrix(rng, 1, p.cols, -0.5, 0.5).data);
            }
          }
          const x = clearOfKinks(net, rng, 4, 7);
          const t = [0, 2, 1, 2];
          const what = `${activation}, ${weightInit}, λ ${weightDecayLambda}`;
          const diff = gradientCheck(net, x, t);
          assertEquals(Object.keys(diff), [
            "W1",
            "b1",
            "W2",
            "b2",
            "W3",
            "b3",
            "W4",
            "b4",
          ]);
          for (const [key, d] of Object.entries(diff)) {
            // Same bound as the chapter-5 check: float64 central differences
            // are accurate to ~1e-9 here; the b's carry the 1e-7 log guard.
            assert(d.meanAbsDiff < 1e-6, `${what} ${key}: ${d.meanAbsDiff}`);
          }
        }
      }
    }
  });
}

Deno.test("weight decay adds ½·λ·ΣW² to the loss and λ·W to each weight gradient", () => {
  const make = (weightDecayLambda: number) =>
    new MultiLayerNet({
      inputSize: 5,
      hiddenSizes: [4],
      outputSize: 3,
      rng: new Rng(4),
      weightDecayLambda,
    });
  const plain = make(0), decayed = make(0.5);
  const x = uniformMatrix(new Rng(5), 3, 5, 0, 1), t = [0, 1, 2];
  let sumSq = 0;
  for (const key of ["W1", "W2"] as const) {
    for (const v of plain.params[key].data) sumSq += v * v;
  }
  assert(
    Math.abs(decayed.loss(x, t) - (plain.loss(x, t) + 0.25 * sumSq)) < 1e-12,
  );
  const g0 = plain.gradient(x, t), g1 = decayed.gradient(x, t);
  g1.W1.data.forEach((v, i) =>
    assert(
      Math.abs(v - (g0.W1.data[i] + 0.5 * plain.params.W1.data[i])) < 1e-12,
    )
  );
  assertEquals(g1.b1.data, g0.b1.data, "biases are not decayed");
});

Deno.test("He and Xavier initial weights have the book's standard deviations", () => {
  for (
    const [init, fanIn, std] of [["he", 200, Math.sqrt(2 / 200)], [
      "xavier",
      200,
      Math.sqrt(1 / 200),
    ], [0.01, 200, 0.01]] as const
  ) {
    const W = initWeights(new Rng(6), fanIn, 500, init);
    const mean = (W.data as Float64Array).reduce((a, b) => a + b, 0) /
      W.data.length;
    const sd = Math.sqrt(
      (W.data as Float64Array).reduce((a, b) => a + (b - mean) ** 2, 0) /
        W.data.length,
    );
    // 1e5 samples: the sample sd is within 1 % of σ with overwhelming odds.
    assert(Math.abs(sd / std - 1) < 0.01, `${init}: sd ${sd} vs ${std}`);
  }
  assertStrictEquals(initScale("relu", 50), initScale("he", 50));
  assertStrictEquals(initScale("sigmoid", 50), initScale("xavier", 50));
});

Deno.test("MultiLayerNet with the same seed is bit-identical; it builds the book's layers", () => {
  const a = new MultiLayerNet({
    inputSize: 4,
    hiddenSizes: [3, 3],
    outputSize: 2,
    rng: new Rng(1),
  });
  const b = new MultiLayerNet({
    inputSize: 4,
    hiddenSizes: [3, 3],
    outputSize: 2,
    rng: new Rng(1),
  });
  assertEquals(a.params, b.params);
  assertEquals([...a.layers.keys()], [
    "Affine1",
    "Activation_function1",
    "Affine2",
    "Activation_function2",
    "Affine3",
  ]);
  assertStrictEquals((a.layers.get("Affine2") as Affine).W, a.params.W2);
  assertStrictEquals(
    new MultiLayerNet({
      inputSize: 4,
      hiddenSizes: [],
      outputSize: 2,
      rng: new Rng(1),
    }).layers.size,
    1,
  );
});

Deno.test("MultiLayerNet rejects bad settings and shapes, naming what it expected", () => {
  const rng = new Rng(0);
  const small = { inputSize: 4, hiddenSizes: [3], outputSize: 2, rng };
  assertThrows(
    () =>
      new MultiLayerNet({
        inputSize: 4,
        hiddenSizes: [3, 0],
        outputSize: 2,
        rng,
      }),
    RangeError,
    "MultiLayerNet: expected hiddenSizes[1] to be a positive integer but found 0",
  );
  assertThrows(
    () => new MultiLayerNet({ ...small, activation: "tanh" as "relu" }),
    RangeError,
    'MultiLayerNet: expected activation "relu" or "sigmoid" but found "tanh"',
  );
  assertMatch(
    (assertThrows(
      () => new MultiLayerNet({ ...small, weightDecayLambda: -1 }),
      Error,
    ))
      .message,
    /weightDecayLambda to be a finite number ≥ 0 but found -1/,
  );
  assertThrows(
    () => new MultiLayerNet({ ...small, weightInitStd: "lecun" as "he" }),
    RangeError,
    'MultiLayerNet: expected a weight init of a number, "he", "relu", "xavier" or "sigmoid" but found "lecun"',
  );
  const net = new MultiLayerNet(small);
  for (
    const method of [
      "predict",
      "loss",
      "accuracy",
      "gradient",
      "numericalGradient",
    ] as const
  ) {
    assertThrows(
      () => net[method](Matrix.zeros(2, 5), [0, 1]),
      RangeError,
      `MultiLayerNet.${method}(): expected x with 4 columns (inputSize) but found x of shape 2×5`,
    );
  }
  assertMatch(
    (assertThrows(() => net.loss(Matrix.zeros(2, 4), [0, 2]), Error)).message,
    /MultiLayerNet.loss\(\): expected labels to be integers in \[0, 2\) but found t\[1\] = 2/,
  );
});

/**
 * The smallest |ReLU input| of a whole batch in training mode (BatchNorm
 * ties the rows together, so the batch is judged as one), the Dropout masks
 * as they are (frozen).
 */
function trainingMargin(net: MultiLayerNet, x: Matrix): number {
  let margin = Infinity, h = x;
  for (const [name, layer] of [...net.layers].slice(0, -1)) {
    if (name.startsWith("Activation")) {
      for (const v of h.data) margin = Math.min(margin, Math.abs(v));
    }
    h = layer.forward(h, true).clone();
  }
  return margin;
}

/** The smallest softmax probability of a row's true class, training mode. */
function smallestTrueProbability(
  net: MultiLayerNet,
  x: Matrix,
  t: number[],
): number {
  const y = net.predict(x, { train: true }), c = y.cols;
  let smallest = Infinity;
  for (let i = 0; i < y.rows; i++) {
    const row = Array.from(y.data.subarray(i * c, (i + 1) * c));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    smallest = Math.min(smallest, Math.exp(row[t[i]] - max) / sum);
  }
  return smallest;
}

/**
 * The BatchNorm/Dropout gradient check for one seed; the largest mean |Δ|
 * over the parameters, each divided by max(1, its largest |gradient|).
 *
 * Guarded, the check is made where it means something: biases drawn at
 * random (with the book's zero biases, a row whose hidden units are all
 * dropped or dead puts the next ReLU's input at exactly 0, its kink), and
 * the batch and masks redrawn (from the same seeded rng) until every ReLU
 * input is more than 1e-2 from the kink (BatchNorm's division by the
 * batch's spread makes a step of h move it by up to ~1e-3) and every row's
 * true class has a probability of at least 0.05 (backprop, as the book's,
 * ignores the 1e-7 inside log(y + 1e-7), which the numerical gradient sees:
 * a relative error of 1e-7/y).
 */
function extendCheck(
  seed: number,
  useBatchnorm: boolean,
  useDropout: boolean,
  activation: "relu" | "sigmoid",
  guarded: boolean,
): { worst: number; keys: string[] } {
  const rng = new Rng(seed);
  const net = new MultiLayerNet({
    inputSize: 6,
    hiddenSizes: [5, 4],
    outputSize: 3,
    rng,
    activation,
    useBatchnorm,
    useDropout,
    dropoutRatio: 0.3,
    weightDecayLambda: 0.05,
  });
  const t = [0, 1, 2, 1, 0];
  const dropouts = [...net.layers.values()].filter((l) =>
    l instanceof DropoutLayer
  ) as Dropout[];
  if (guarded) {
    for (const [key, p] of Object.entries(net.params)) {
      if (key.startsWith("b")) {
        p.data.forEach((_, i) => p.data[i] = rng.uniform() - 0.5);
      }
    }
  }
  let x: Matrix;
  for (let tries = 0;; tries++) {
    if (tries === 200) {
      throw new Error(`seed ${seed}: no batch clear in 200 draws`);
    }
    x = uniformMatrix(rng, 5, 6, 0, 1);
    // One training-mode pass draws the dropout masks; freezing them makes
    // every forward of the numerical gradient the same function.
    for (const d of dropouts) d.frozenMask = false;
    net.loss(x, t, { train: true });
    for (const d of dropouts) d.frozenMask = true;
    if (!guarded) break;
    const clear = activation === "sigmoid" || trainingMargin(net, x) > 1e-2;
    if (clear && smallestTrueProbability(net, x, t) >= 0.05) break;
  }
  const diff = gradientCheck(net, x, t), grads = net.gradient(x, t);
  let worst = 0;
  for (const [key, d] of Object.entries(diff)) {
    const scale = Math.max(
      1,
      ...Array.from(grads[key as keyof typeof grads].data, Math.abs),
    );
    worst = Math.max(worst, d.meanAbsDiff / scale);
  }
  return { worst, keys: Object.keys(diff) };
}

Deno.test("MultiLayerNet with BatchNorm and Dropout (the book's MultiLayerNetExtend) passes the gradient check", () => {
  let seed = 40;
  for (
    const [useBatchnorm, useDropout] of [[true, false], [false, true], [
      true,
      true,
    ]]
  ) {
    for (const activation of ["relu", "sigmoid"] as const) {
      const what =
        `batchnorm ${useBatchnorm}, dropout ${useDropout}, ${activation}`;
      const { worst, keys } = extendCheck(
        seed++,
        useBatchnorm,
        useDropout,
        activation,
        true,
      );
      if (useBatchnorm) {
        assert(keys.includes("gamma2") && keys.includes("beta2"), what);
      }
      assert(worst < 1e-6, `${what}: ${worst}`);
    }
  }
});

Deno.test("with its guards the BatchNorm/Dropout check passes on every seed; without, it fails on some", () => {
  let failedUnguarded = 0;
  for (let seed = 1000; seed < 1100; seed++) {
    for (const [bn, dropout] of [[true, false], [false, true], [true, true]]) {
      const { worst } = extendCheck(seed, bn, dropout, "relu", true);
      assert(
        worst < 1e-6,
        `seed ${seed}, bn ${bn}, dropout ${dropout}: ${worst}`,
      );
      if (extendCheck(seed, bn, dropout, "relu", false).worst >= 1e-6) {
        failedUnguarded++;
      }
    }
  }
  assert(failedUnguarded > 0, "no seed failed without the guards");
});

Deno.test("gradientCheck() leaves BatchNorm's running averages as it found them", () => {
  const rng = new Rng(12);
  const net = new MultiLayerNet({
    inputSize: 6,
    hiddenSizes: [5],
    outputSize: 3,
    rng,
    useBatchnorm: true,
  });
  const x = uniformMatrix(rng, 4, 6, 0, 1), t = [0, 1, 2, 1];
  net.loss(x, t, { train: true }); // running averages away from 0
  const before = Object.values(net.state()).map((m) => m.data.slice());
  assert(before[0].some((v) => v !== 0));
  gradientCheck(net, x, t);
  assertEquals(Object.values(net.state()).map((m) => m.data), before);
});

Deno.test("compareGradients() fails a NaN or ∞ backprop gradient", () => {
  const numerical = Matrix.fromRows([[1, 2, 3]]);
  for (const bad of [NaN, Infinity]) {
    const d = compareGradients(Matrix.fromRows([[1, bad, 3]]), numerical);
    assertStrictEquals(d.maxRelError, Infinity);
    assert(!(d.meanAbsDiff < 1e-6));
  }
  assertStrictEquals(compareGradients(numerical, numerical).maxRelError, 0);
});

Deno.test("MultiLayerNet runs BatchNorm and Dropout in test mode for predict, loss and accuracy by default", () => {
  const net = new MultiLayerNet({
    inputSize: 4,
    hiddenSizes: [6],
    outputSize: 2,
    rng: new Rng(8),
    useBatchnorm: true,
    useDropout: true,
  });
  const x = uniformMatrix(new Rng(9), 5, 4, 0, 1);
  assertEquals(
    [...net.layers.keys()],
    ["Affine1", "BatchNorm1", "Activation_function1", "Dropout1", "Affine2"],
  );
  assertEquals(Object.keys(net.params), [
    "W1",
    "b1",
    "W2",
    "b2",
    "gamma1",
    "beta1",
  ]);
  // Test mode is deterministic (running averages, scaling by 1 − ratio)…
  const a = net.predict(x).clone(), b = net.predict(x).clone();
  assertEquals(a.data, b.data);
  // …training mode draws a new dropout mask each time.
  const c = net.predict(x, { train: true }).clone(),
    d = net.predict(x, { train: true }).clone();
  assertNotEquals(c.data, d.data);
});
