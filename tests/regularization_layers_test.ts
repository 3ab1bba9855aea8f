import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng } from "../core/mod.ts";
import {
  BATCH_NORM_EPSILON,
  BatchNormalization,
  Dropout,
} from "../layers/mod.ts";
import { layerGradientError, maxAbsDiff, uniformMatrix } from "./helpers.ts";

// Same bound and reasoning as tests/layers_test.ts: smooth layers, inputs and
// R in [-1, 1) or so, float64 central differences accurate to ~1e-8.
const TOL = 1e-6;

Deno.test("BatchNormalization.backward() matches the numerical gradient for dx, dγ and dβ", () => {
  const rng = new Rng(30);
  for (const [n, d] of [[2, 1], [3, 4], [8, 5], [13, 7]]) {
    const bn = new BatchNormalization(
      uniformMatrix(rng, 1, d, 0.5, 2),
      uniformMatrix(rng, 1, d),
    );
    const err = layerGradientError(bn, uniformMatrix(rng, n, d, -2, 2), rng);
    assert(err < TOL, `${n}×${d}: ${err}`);
  }
});

Deno.test("BatchNormalization normalises with the batch in training and with the running averages in test", () => {
  const bn = new BatchNormalization(
    Matrix.fromRows([[2, 1]]),
    Matrix.fromRows([[0.5, 0]]),
    { momentum: 0.9 },
  );
  const x = Matrix.fromRows([[1, 4], [3, 4], [5, 7]]);
  const out = bn.forward(x).clone();
  // Column 0: μ = 3, σ² = 8/3; out = 2·(x − 3)/√(8/3 + ε) + 0.5.
  const s0 = Math.sqrt(8 / 3 + BATCH_NORM_EPSILON);
  assert(
    maxAbsDiff([out.get(0, 0), out.get(1, 0), out.get(2, 0)], [
      2 * -2 / s0 + 0.5,
      0.5,
      2 * 2 / s0 + 0.5,
    ]) < 1e-12,
  );
  // Running averages after one batch: 0.1 of the batch statistics.
  assert(maxAbsDiff(bn.runningMean.data, [0.3, 0.5]) < 1e-12);
  assert(maxAbsDiff(bn.runningVar.data, [0.1 * 8 / 3, 0.1 * 2]) < 1e-12);
  const averages = [...bn.runningMean.data, ...bn.runningVar.data];
  const test = bn.forward(Matrix.fromRows([[1, 1]]), false);
  const expected = [
    2 * (1 - 0.3) / Math.sqrt(0.8 / 3 + BATCH_NORM_EPSILON) + 0.5,
    (1 - 0.5) / Math.sqrt(0.2 + BATCH_NORM_EPSILON),
  ];
  assert(maxAbsDiff(test.data, expected) < 1e-12);
  assertEquals(
    [...bn.runningMean.data, ...bn.runningVar.data],
    averages,
    "test mode leaves the averages alone",
  );
  assertMatch(
    (assertThrows(() => bn.backward(Matrix.zeros(1, 2)), Error)).message,
    /without a forward\(\) in training mode/,
  );
});

Deno.test("BatchNormalization rejects bad shapes and settings", () => {
  assertThrows(
    () => new BatchNormalization(Matrix.zeros(1, 3), Matrix.zeros(1, 2)),
    RangeError,
    "BatchNormalization: expected gamma and beta of shape 1×D but found 1×3 and 1×2",
  );
  const bn = new BatchNormalization(Matrix.zeros(1, 3), Matrix.zeros(1, 3));
  assertThrows(
    () => bn.forward(Matrix.zeros(2, 4)),
    RangeError,
    "BatchNormalization.forward(): expected x with 3 columns (gamma is 1×3) but found x of shape 2×4",
  );
  bn.forward(Matrix.zeros(2, 3));
  assertMatch(
    (assertThrows(() => bn.backward(Matrix.zeros(3, 3)), Error)).message,
    /expected dout of shape 2×3 but found 3×3/,
  );
});

Deno.test("Dropout.backward() matches the numerical gradient with its mask fixed", () => {
  const rng = new Rng(31);
  for (const [n, d] of [[1, 5], [4, 6], [9, 11]]) {
    const drop = new Dropout({ rng: new Rng(n * 100 + d), ratio: 0.4 });
    const x = uniformMatrix(rng, n, d);
    drop.forward(x);
    drop.frozenMask = true; // every forward of the check sees the same mask
    assert(layerGradientError(drop, x, rng) < TOL, `${n}×${d}`);
  }
});

Deno.test("Dropout drops about `ratio` of the units, reproducibly, and scales by 1 − ratio in test mode", () => {
  const x = Matrix.fromRows([Array.from({ length: 10000 }, () => 1)]);
  const a = new Dropout({ rng: new Rng(5), ratio: 0.3 }),
    b = new Dropout({ rng: new Rng(5), ratio: 0.3 });
  const first = a.forward(x).data.slice() as Float64Array;
  const kept = first.reduce((s, v) => s + v, 0);
  // Binomial(1e4, 0.7): sd ≈ 46, the bound is ~5 sd.
  assert(Math.abs(kept - 7000) < 230, `kept ${kept}`);
  assertEquals(b.forward(x).data, first, "same seed, same mask");
  assertNotEquals(a.forward(x).data, first, "a new mask each forward");
  assert(a.forward(x, false).data.every((v) => Math.abs(v - 0.7) < 1e-15));
  assertMatch(
    (assertThrows(() => new Dropout({ rng: new Rng(1), ratio: 1 }), Error))
      .message,
    /expected ratio in \[0, 1\) but found 1/,
  );
});

Deno.test("Dropout.holdMask() keeps a given mask for the training-mode forwards, as another Dropout's frozen one, and refuses values other than 0 and 1", () => {
  const x = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]);
  const drawn = new Dropout({ rng: new Rng(8) });
  drawn.forward(x);
  const held = new Dropout({ rng: new Rng(9) }); // other draws
  held.holdMask(
    new Matrix(2, 3, Float64Array.from(drawn.mask)),
  );
  assert(held.frozenMask);
  drawn.frozenMask = true;
  assertEquals(held.forward(x).data, drawn.forward(x).data);
  assertEquals(held.forward(x).data, drawn.forward(x).data, "and again");
  assertEquals(
    held.backward(Matrix.fromRows([[1, 1, 1], [1, 1, 1]])).data,
    Float64Array.from(drawn.mask),
  );
  assertThrows(
    () => held.holdMask(Matrix.fromRows([[1, 0.5]])),
    RangeError,
    "Dropout.holdMask(): expected a mask of 0 and 1 but found 0.5 at 1",
  );
  assertThrows(
    () => held.forward(Matrix.zeros(1, 3)),
    RangeError,
    "Dropout.forward(): expected x (the frozen mask's shape) of shape 2×3 but found 1×3",
  );
});
