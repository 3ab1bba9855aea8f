import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { addRowVector, matmul, Matrix, Rng } from "../core/mod.ts";
import {
  gradientCheck,
  NUMERICAL_GRADIENT_H,
  numericalGradient,
  TwoLayerNet,
} from "../net/mod.ts";
import { uniformMatrix } from "./helpers.ts";

/** The book's TwoLayerNet(input_size=784, hidden_size=50, output_size=10). */
const BOOK = { inputSize: 784, hiddenSize: 50, outputSize: 10 };

const KEYS = ["W1", "b1", "W2", "b2"] as const;

/** A seeded batch like flattened MNIST: pixels in [0, 1), labels in [0, 10). */
function batch(rng: Rng, n: number, d = 784, c = 10) {
  const x = uniformMatrix(rng, n, d, 0, 1);
  const t = Array.from({ length: n }, () => rng.int(c));
  return { x, t };
}

/**
 * The smallest margin by which the hidden pre-activations a = x·W1 + b1 clear
 * the ReLU kink, relative to how far one numerical-gradient step moves them:
 * perturbing W1[i][j] by ±h moves a[n][j] by h·x[n][i], perturbing b1[j]
 * moves it by h. If every |a[n][j]| exceeds h·max(1, max|x[n]|), no step of
 * the check crosses the kink, and the central difference sees a smooth loss.
 */
function kinkMargin(net: TwoLayerNet, x: Matrix): number {
  const a = addRowVector(matmul(x, net.params.W1), net.params.b1);
  let margin = Infinity;
  for (let n = 0; n < x.rows; n++) {
    let xmax = 1;
    for (let i = 0; i < x.cols; i++) {
      xmax = Math.max(xmax, Math.abs(x.get(n, i)));
    }
    for (let j = 0; j < a.cols; j++) {
      margin = Math.min(
        margin,
        Math.abs(a.get(n, j)) / (NUMERICAL_GRADIENT_H * xmax),
      );
    }
  }
  return margin;
}

for (const backend of ["ts", "simd"] as const) {
  Deno.test(`TwoLayerNet(784, 50, 10).gradient() matches the numerical gradient at the book's magnitudes (${backend})`, () => {
    const rng = new Rng(1);
    const net = new TwoLayerNet({ ...BOOK, rng, backend });
    const { x, t } = batch(rng, 3);
    // The ReLU kink: a pre-activation within one step of zero would make the
    // central difference straddle the kink and give ~1e-5 on W1/b1. This batch
    // is checked to stay clear of it (margin > 1 step), so the bound below
    // tests backprop, not the kink. (The margin of this seed is about 2.7.)
    assert(kinkMargin(net, x) > 1, `kink margin ${kinkMargin(net, x)}`);
    const diff = gradientCheck(net, x, t);
    for (const key of KEYS) {
      // The book prints W1 4e-10, b1 3e-9, W2 6e-9, b2 1.4e-7 (the b2 figure
      // comes from the 1e-7 guard inside the log, which only the numerical
      // gradient sees). The bound: 1e-6 for each.
      assert(
        diff[key].meanAbsDiff <= 1e-6,
        `${key}: ${diff[key].meanAbsDiff}`,
      );
      assert(
        diff[key].maxRelError < 1e-3,
        `${key}: ${diff[key].maxRelError}`,
      );
    }
    // b2's error is dominated by the guard: δ/y_t with y_t ≈ 0.1 gives ~1e-6
    // on the true-class element, so its mean is ~1e-7, well above backprop's
    // rounding. If it were ~1e-12 the guard would be missing.
    assert(diff.b2.meanAbsDiff > 1e-8, `b2: ${diff.b2.meanAbsDiff}`);
  });
}

for (const backend of ["ts", "simd"] as const) {
  Deno.test(`TwoLayerNet.gradient() matches the numerical gradient on small nets and several seeds (${backend})`, () => {
    for (const seed of [2, 3, 4]) {
      const rng = new Rng(seed);
      const net = new TwoLayerNet({
        inputSize: 7,
        hiddenSize: 5,
        outputSize: 3,
        rng,
        weightInitStd: 0.5,
        backend,
      });
      const { x, t } = batch(rng, 4, 7, 3);
      assert(
        kinkMargin(net, x) > 1,
        `seed ${seed}: kink margin ${kinkMargin(net, x)}`,
      );
      const diff = gradientCheck(net, x, t);
      for (const key of KEYS) {
        assert(
          diff[key].meanAbsDiff <= 1e-6,
          `seed ${seed} ${key}: ${diff[key].meanAbsDiff}`,
        );
      }
    }
  });
}

Deno.test("the gradient check fails when a backward is deliberately wrong", () => {
  const rng = new Rng(5);
  const net = new TwoLayerNet({
    inputSize: 6,
    hiddenSize: 4,
    outputSize: 3,
    rng,
    weightInitStd: 0.5,
  });
  const { x, t } = batch(rng, 3, 6, 3);
  // ReLU's backward without its mask: passes dout through where x ≤ 0 too.
  const relu = net.layers.get("Relu1")!;
  relu.backward = (dout: Matrix) => dout.clone();
  const diff = gradientCheck(net, x, t);
  assert(diff.W1.meanAbsDiff > 1e-4, `W1: ${diff.W1.meanAbsDiff}`);
  assert(diff.b1.meanAbsDiff > 1e-4, `b1: ${diff.b1.meanAbsDiff}`);
  // The layers above the broken one are unaffected.
  assert(diff.W2.meanAbsDiff < 1e-6 && diff.b2.meanAbsDiff < 1e-6);
});

Deno.test("the same seed gives bit-identical parameters and losses; different seeds differ", () => {
  const run = (seed: number) => {
    const rng = new Rng(seed);
    const net = new TwoLayerNet({
      inputSize: 20,
      hiddenSize: 8,
      outputSize: 4,
      rng,
    });
    const { x, t } = batch(rng, 5, 20, 4);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      losses.push(net.loss(x, t));
      const g = net.gradient(x, t);
      for (const key of KEYS) {
        const p = net.params[key].data, d = g[key].data;
        for (let i = 0; i < p.length; i++) p[i] -= 0.5 * d[i];
      }
    }
    return { losses, params: KEYS.map((k) => Array.from(net.params[k].data)) };
  };
  const a = run(42), b = run(42), c = run(43);
  assertEquals(a, b);
  assertNotEquals(a.losses, c.losses);
  assertNotEquals(a.params, c.params);
  assert(a.losses[19] < a.losses[0], "the loss goes down under SGD");
});

Deno.test("TwoLayerNet.params are the layers' matrices, updated in place", () => {
  const net = new TwoLayerNet({
    inputSize: 3,
    hiddenSize: 2,
    outputSize: 2,
    rng: new Rng(0),
  });
  const W1 = net.params.W1;
  const x = Matrix.fromRows([[1, 1, 1]]);
  const g = net.gradient(x, [1]);
  assertStrictEquals(
    g.W1,
    net.gradient(x, [1]).W1,
    "gradient() hands out the layer's dW buffer",
  );
  W1.data.fill(0);
  net.params.b1.data.fill(1);
  // With W1 = 0 and b1 = 1 every hidden unit outputs exactly 1.
  const y = net.predict(x);
  const W2 = net.params.W2;
  assert(Math.abs(y.data[0] - (W2.get(0, 0) + W2.get(1, 0))) < 1e-15);
});

Deno.test("TwoLayerNet.accuracy() takes one-hot or index labels", () => {
  const net = new TwoLayerNet({
    inputSize: 2,
    hiddenSize: 3,
    outputSize: 2,
    rng: new Rng(8),
  });
  const x = Matrix.fromRows([[1, 0], [0, 1], [1, 1], [0.5, 0.2]]);
  const y = net.predict(x).toRows().map((r) => (r[1] > r[0] ? 1 : 0));
  const wrong = y.map((k) => 1 - k);
  assertStrictEquals(net.accuracy(x, y), 1);
  assertStrictEquals(net.accuracy(x, wrong), 0);
  const mixed = [y[0], wrong[1], y[2], wrong[3]];
  assertStrictEquals(net.accuracy(x, mixed), 0.5);
  const oneHot = Matrix.fromRows(mixed.map((k) => (k === 0 ? [1, 0] : [0, 1])));
  assertStrictEquals(net.accuracy(x, oneHot), 0.5);
});

Deno.test("every TwoLayerNet method rejects a mismatched shape and names itself and both shapes", () => {
  const net = new TwoLayerNet({
    inputSize: 4,
    hiddenSize: 3,
    outputSize: 2,
    rng: new Rng(0),
  });
  const bad = Matrix.zeros(2, 5);
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
      () => net[method](bad, [0, 1]),
      RangeError,
      `TwoLayerNet.${method}(): expected x with 4 columns (inputSize) but found x of shape 2×5`,
    );
  }
  const x = Matrix.zeros(2, 4);
  for (
    const method of [
      "loss",
      "accuracy",
      "gradient",
      "numericalGradient",
    ] as const
  ) {
    assertThrows(
      () => net[method](x, Matrix.zeros(2, 3)),
      RangeError,
      `TwoLayerNet.${method}(): expected one-hot t of shape 2×2 but found 2×3`,
    );
    assertThrows(
      () => net[method](x, [0, 2]),
      RangeError,
      `TwoLayerNet.${method}(): expected labels to be integers in [0, 2) but found t[1] = 2`,
    );
    assertThrows(
      () => net[method](Matrix.zeros(0, 4), []),
      RangeError,
      `TwoLayerNet.${method}(): expected a batch of at least one row but found x of shape 0×4`,
    );
  }
  assertThrows(
    () =>
      new TwoLayerNet({
        inputSize: 0,
        hiddenSize: 3,
        outputSize: 2,
        rng: new Rng(0),
      }),
    RangeError,
    "TwoLayerNet: expected inputSize to be a positive integer but found 0",
  );
  assertMatch(
    (assertThrows(
      () =>
        new TwoLayerNet({
          inputSize: 4,
          hiddenSize: 3,
          outputSize: 2,
          rng: {} as Rng,
        }),
      TypeError,
    )).message,
    /expected options.rng to be an Rng/,
  );
});

Deno.test("numericalGradient() restores every element exactly", () => {
  // 0.1 + 1e-4 − 1e-4 !== 0.1 in float64: a restore by arithmetic would drift.
  const x = Matrix.fromRows([[0.1, 0.7, -3.3], [1e-9, 12345.678, 0.3]]);
  const before = x.data.slice();
  const seen: number[][] = [];
  numericalGradient((x) => (seen.push(Array.from(x.data)), 0), x);
  assertEquals(x.data, before);
  // Each call perturbs exactly one element; the others are at their originals.
  for (let call = 0; call < seen.length; call++) {
    const i = Math.floor(call / 2);
    seen[call].forEach((v, k) => k !== i && assertStrictEquals(v, before[k]));
  }
});

Deno.test("numericalGradient() matches an analytic gradient", () => {
  // f(x) = Σ sin(xᵢ)·xᵢ², f' = cos(x)·x² + 2x·sin(x); error O(h²) ≈ 1e-8.
  const x = uniformMatrix(new Rng(12), 3, 4, -2, 2);
  const g = numericalGradient(
    (x) =>
      (x.data as Float64Array).reduce((s, v) => s + Math.sin(v) * v * v, 0),
    x,
  );
  x.data.forEach((v, i) => {
    const exact = Math.cos(v) * v * v + 2 * v * Math.sin(v);
    assert(
      Math.abs(g.data[i] - exact) < 1e-7,
      `${i}: ${g.data[i]} vs ${exact}`,
    );
  });
});

Deno.test("numericalGradient() rejects non-finite input and output", () => {
  const x = Matrix.fromRows([[1, NaN]]);
  assertThrows(
    () => numericalGradient(() => 0, x),
    RangeError,
    "numericalGradient(): expected every element of x to be finite but found x.data[1] = NaN",
  );
  assertMatch(
    (assertThrows(
      () => numericalGradient(() => 0, Matrix.fromRows([[Infinity]])),
      Error,
    ))
      .message,
    /found x.data\[0\] = Infinity/,
  );
  assertThrows(
    () => numericalGradient((x) => Math.log(x.data[0]), Matrix.fromRows([[0]])),
    RangeError,
    "numericalGradient(): expected f to return finite values but found f = -9.210340371976182 at x.data[0] + h and NaN at x.data[0] − h",
  );
});

Deno.test("the SIMD and TypeScript backends train TwoLayerNet alike, to rounding", () => {
  const run = (backend: "ts" | "simd") => {
    const rng = new Rng(8);
    const net = new TwoLayerNet({ ...BOOK, rng, backend, weightInitStd: "he" });
    const losses: number[] = [];
    const { x, t } = batch(rng, 100);
    for (let i = 0; i < x.data.length; i++) { // MNIST-like: 80 % zeros
      if (x.data[i] < 0.8) x.data[i] = 0;
    }
    for (let step = 0; step < 20; step++) {
      const g = net.gradient(x, t);
      losses.push(net.lastLayer.loss);
      for (const key of KEYS) {
        const p = net.params[key].data, d = g[key].data;
        for (let i = 0; i < p.length; i++) p[i] -= 0.1 * d[i];
      }
    }
    return { losses, W1: net.params.W1.data, kernels: net.kernels.name };
  };
  const ts = run("ts"), simd = run("simd");
  assertStrictEquals(ts.kernels, "ts");
  assertMatch(simd.kernels, /^simd/);
  assert(
    ts.losses[19] < ts.losses[0] - 0.1,
    `loss ${ts.losses[0]} → ${ts.losses[19]}`,
  );
  for (let i = 0; i < 20; i++) {
    assert(
      Math.abs(ts.losses[i] - simd.losses[i]) <= 1e-12,
      `step ${i}: ${ts.losses[i]} vs ${simd.losses[i]}`,
    );
  }
  let worst = 0;
  for (let i = 0; i < ts.W1.length; i++) {
    worst = Math.max(worst, Math.abs(ts.W1[i] - simd.W1[i]));
  }
  assert(worst <= 1e-13, `W1 differs by up to ${worst}`);
});
