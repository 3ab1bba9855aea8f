import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  addRowVector,
  matmul,
  matmulTN,
  Matrix,
  Rng,
  SimdKernels,
} from "../core/mod.ts";
import {
  AddLayer,
  Affine,
  CROSS_ENTROPY_DELTA,
  type Layer,
  MulLayer,
  Relu,
  Sigmoid,
  SoftmaxWithLoss,
} from "../layers/mod.ts";
import { numericalGradient } from "../net/mod.ts";
import { layerGradientError, maxAbsDiff, uniformMatrix } from "./helpers.ts";

// Bound for the layer checks below. The central difference with h = 1e-4 has
// truncation error h²/6·|L'''| and rounding error ≈ ε·|L|/h. With inputs and R
// in [-1, 1) and at most 11×13 elements, |L| < 200 and |L'''| < 10 for these
// smooth layers, so the error is below 2e-8 + 5e-10; 1e-6 leaves a wide margin
// while a wrong derivative (an error of order |dout| ≈ 0.1 to 1) stays far
// above it, as the failing-check test shows.
const TOL = 1e-6;
const SHAPES = [[1, 1], [2, 3], [5, 4], [11, 13]] as const;

/** Inputs at least `gap` away from 0, so the ReLU kink is never within h. */
function awayFromZero(rng: Rng, rows: number, cols: number, gap: number) {
  const x = uniformMatrix(rng, rows, cols);
  for (let i = 0; i < x.data.length; i++) {
    if (Math.abs(x.data[i]) < gap) x.data[i] = x.data[i] < 0 ? -gap : gap;
  }
  return x;
}

Deno.test("Relu.backward() matches the numerical gradient", () => {
  const rng = new Rng(1);
  for (const [n, d] of SHAPES) {
    // ReLU is piecewise linear: away from the kink the central difference is
    // exact up to rounding. Keeping |x| ≥ 1e-2 ≫ h rules the kink out.
    const err = layerGradientError(
      new Relu(),
      awayFromZero(rng, n, d, 1e-2),
      rng,
    );
    assert(err < TOL, `${n}×${d}: ${err}`);
  }
});

Deno.test("Sigmoid.backward() matches the numerical gradient", () => {
  const rng = new Rng(2);
  for (const [n, d] of SHAPES) {
    const x = uniformMatrix(rng, n, d, -4, 4);
    const err = layerGradientError(new Sigmoid(), x, rng);
    assert(err < TOL, `${n}×${d}: ${err}`);
  }
});

Deno.test("Affine.backward() matches the numerical gradient for dx, dW and db", () => {
  const rng = new Rng(3);
  for (const [n, d] of SHAPES) {
    for (const h of [1, 7]) {
      const layer = new Affine(
        uniformMatrix(rng, d, h),
        uniformMatrix(rng, 1, h),
      );
      const err = layerGradientError(layer, uniformMatrix(rng, n, d), rng);
      assert(err < TOL, `${n}×${d}·${d}×${h}: ${err}`);
    }
  }
});

Deno.test("the layer check fails for a deliberately wrong backward", () => {
  // Sigmoid whose derivative is off by a factor of 2.
  class WrongSigmoid extends Sigmoid {
    override backward(dout: Matrix): Matrix {
      const dx = super.backward(dout);
      for (let i = 0; i < dx.data.length; i++) dx.data[i] *= 2;
      return dx;
    }
  }
  const rng = new Rng(4);
  const err = layerGradientError(
    new WrongSigmoid(),
    uniformMatrix(rng, 3, 4),
    rng,
  );
  assert(err > 1e-2, `a wrong derivative must be caught, but err = ${err}`);
});

Deno.test("backward never writes into dout", () => {
  const rng = new Rng(5);
  const layers: Layer[] = [
    new Relu(),
    new Sigmoid(),
    new Affine(uniformMatrix(rng, 4, 3), uniformMatrix(rng, 1, 3)),
  ];
  for (const layer of layers) {
    const out = layer.forward(uniformMatrix(rng, 6, 4));
    const dout = uniformMatrix(rng, out.rows, out.cols);
    const before = dout.data.slice();
    layer.backward(dout);
    assertEquals(dout.data, before, layer.constructor.name);
  }
});

Deno.test("Affine updates the matrices it was given, in place", () => {
  const W = Matrix.fromRows([[1], [1]]), b = Matrix.fromRows([[0]]);
  const affine = new Affine(W, b);
  const x = Matrix.fromRows([[1, 2]]);
  assertStrictEquals(affine.forward(x).data[0], 3);
  W.data[0] = 10; // an optimiser writing into the shared matrix
  assertStrictEquals(affine.forward(x).data[0], 12);
  assertStrictEquals(affine.params()[0].value, W);
});

Deno.test("MulLayer and AddLayer backward match the numerical derivative", () => {
  const rng = new Rng(6);
  for (let trial = 0; trial < 5; trial++) {
    const x = rng.uniform() * 4 - 2,
      y = rng.uniform() * 4 - 2,
      dout = rng.uniform();
    const mul = new MulLayer(), add = new AddLayer();
    mul.forward(x, y);
    const [mdx, mdy] = mul.backward(dout);
    const [adx, ady] = add.backward(dout);
    // L = dout · f(x, y); derivatives by central difference on a 1×2 point.
    const p = Matrix.fromRows([[x, y]]);
    const gm = numericalGradient(
      (p) => dout * new MulLayer().forward(p.data[0], p.data[1]),
      p,
    );
    const ga = numericalGradient(
      (p) => dout * new AddLayer().forward(p.data[0], p.data[1]),
      p,
    );
    assert(maxAbsDiff([mdx, mdy], gm.data) < 1e-9);
    assert(maxAbsDiff([adx, ady], ga.data) < 1e-9);
  }
});

Deno.test("SoftmaxWithLoss.backward() matches the numerical gradient, with both label forms", () => {
  const rng = new Rng(7);
  for (const [n, c] of [[1, 2], [3, 10], [8, 5]]) {
    const x = uniformMatrix(rng, n, c, -3, 3);
    const t = Array.from({ length: n }, () => rng.int(c));
    const oneHot = new Matrix(n, c);
    t.forEach((k, i) => (oneHot.data[i * c + k] = 1));
    const layer = new SoftmaxWithLoss();
    const lossIdx = layer.forward(x, t);
    assertStrictEquals(layer.loss, lossIdx);
    const dx = layer.backward().data.slice();
    assertStrictEquals(layer.forward(x, oneHot), lossIdx);
    assertEquals(layer.backward().data, dx);
    // The numerical gradient also sees the 1e-7 guard inside the log, which
    // backward ignores. Differentiating −log(y_t + δ) instead of −log(y_t)
    // scales each element of row n by y_t/(y_t + δ), a shift of at most
    // δ/(N·y_t). With x in [-3, 3) and C ≤ 10, y_t ≥ e^-6/10 ≈ 2.5e-4, so the
    // shift is < 4e-4/N; the central difference adds ~1e-8. Bound: 1e-3/N.
    const num = numericalGradient(
      (x) => new SoftmaxWithLoss().forward(x, t),
      x,
    );
    assert(maxAbsDiff(dx, num.data) < 1e-3 / n, `${n}×${c}`);
  }
});

Deno.test("SoftmaxWithLoss is stable for logits of ±1000 and applies the 1e-7 guard", () => {
  const layer = new SoftmaxWithLoss();
  const x = Matrix.fromRows([[1000, -1000, 0], [-1000, 1000, 999]]);
  // Row 0: class 0 has probability 1; row 1: class 0 has probability 0, so the
  // guard gives −log(0 + 1e-7) instead of infinity.
  const loss = layer.forward(x, [0, 0]);
  const expected =
    (-Math.log(1 + CROSS_ENTROPY_DELTA) - Math.log(CROSS_ENTROPY_DELTA)) / 2;
  assert(Math.abs(loss - expected) < 1e-12, `${loss} vs ${expected}`);
  const dx = layer.backward();
  assert(dx.data.every(Number.isFinite));
  // Backward divides by the batch size N = 2: row 1 is (y − t)/2.
  const y1 = 1 / (1 + Math.exp(-1));
  assert(maxAbsDiff(dx.toRows()[1], [-0.5, y1 / 2, (1 - y1) / 2]) < 1e-12);
});

Deno.test("every layer rejects a mismatched shape and names itself and both shapes", () => {
  const relu = new Relu(), sig = new Sigmoid();
  relu.forward(Matrix.zeros(2, 3));
  sig.forward(Matrix.zeros(2, 3));
  assertThrows(
    () => relu.backward(Matrix.zeros(3, 2)),
    RangeError,
    "Relu.backward(): expected dout of shape 2×3 but found 3×2",
  );
  assertThrows(
    () => sig.backward(Matrix.zeros(2, 4)),
    RangeError,
    "Sigmoid.backward(): expected dout of shape 2×3 but found 2×4",
  );
  const affine = new Affine(Matrix.zeros(4, 3), Matrix.zeros(1, 3));
  assertThrows(
    () => affine.forward(Matrix.zeros(2, 5)),
    RangeError,
    "Affine.forward(): expected x with 4 columns (W is 4×3) but found x of shape 2×5",
  );
  affine.forward(Matrix.zeros(2, 4));
  assertThrows(
    () => affine.backward(Matrix.zeros(2, 4)),
    RangeError,
    "Affine.backward(): expected dout of shape 2×3 (x was 2×4, W is 4×3) but found 2×4",
  );
  assertThrows(
    () => new Affine(Matrix.zeros(4, 3), Matrix.zeros(3, 1)),
    RangeError,
    "Affine: expected b of shape 1×3 (W is 4×3) but found 3×1",
  );
  const last = new SoftmaxWithLoss();
  assertThrows(
    () => last.forward(Matrix.zeros(2, 3), Matrix.zeros(2, 4)),
    RangeError,
    "SoftmaxWithLoss.forward(): expected one-hot t of shape 2×3 but found 2×4",
  );
  assertThrows(
    () => last.forward(Matrix.zeros(2, 3), [0]),
    RangeError,
    "SoftmaxWithLoss.forward(): expected 2 labels (one per row of x) but found 1",
  );
  assertThrows(
    () => relu.forward([[1]] as unknown as Matrix),
    TypeError,
    "Relu.forward(): expected x to be a Matrix but found Array",
  );
});

Deno.test("SoftmaxWithLoss rejects bad labels and an empty batch", () => {
  const last = new SoftmaxWithLoss();
  const x = Matrix.zeros(2, 3);
  assertThrows(
    () => last.forward(x, [0, 3]),
    RangeError,
    "SoftmaxWithLoss.forward(): expected labels to be integers in [0, 3) but found t[1] = 3",
  );
  assertMatch(
    (assertThrows(() => last.forward(x, [0, 1.5]), Error)).message,
    /integers in \[0, 3\) but found t\[1\] = 1.5/,
  );
  assertMatch(
    (assertThrows(() => last.forward(x, [-1, 0]), Error)).message,
    /but found t\[0\] = -1/,
  );
  assertThrows(
    () => last.forward(x, Matrix.fromRows([[1, 0, 0], [0.5, 0.5, 0]])),
    RangeError,
    "SoftmaxWithLoss.forward(): expected each row of one-hot t to hold a single 1 and zeros but found row 1 = [0.5, 0.5, 0]",
  );
  assertThrows(
    () => last.forward(Matrix.zeros(0, 3), []),
    RangeError,
    "SoftmaxWithLoss.forward(): expected a batch of at least one row and one class but found x of shape 0×3",
  );
  assertThrows(() => last.forward(x, "01" as unknown as number[]), TypeError);
});

Deno.test("backward before forward is a clear error", () => {
  for (
    const layer of [
      new Relu(),
      new Sigmoid(),
      new Affine(Matrix.zeros(1, 1), Matrix.zeros(1, 1)),
    ]
  ) {
    assertMatch(
      (assertThrows(() => layer.backward(Matrix.zeros(1, 1)), Error)).message,
      /backward\(\): called before forward\(\)/,
    );
  }
  assertMatch(
    (assertThrows(() => new SoftmaxWithLoss().backward(), Error)).message,
    /called before forward/,
  );
  assertMatch(
    (assertThrows(() => new MulLayer().backward(1), Error)).message,
    /called before forward/,
  );
});

Deno.test("Affine gives the naive kernels' results on its sparse and dense paths, NaN and ∞ included", () => {
  const rng = new Rng(13);
  // x mostly zeros (the sparse path) and fully dense (the blocked path).
  const sparseX = uniformMatrix(rng, 7, 13).data.map((
    v,
    i,
  ) => (i % 5 === 0 ? v : 0));
  // And sparse but for a dense first row, which sends the layer to the
  // dense kernels without a search for zeros.
  const denseFirst = sparseX.slice();
  denseFirst.fill(0.5, 0, 13);
  const inputs = [
    new Matrix(7, 13, sparseX),
    uniformMatrix(rng, 7, 13),
    new Matrix(7, 13, denseFirst),
  ];
  for (const x of inputs) {
    for (const poison of [undefined, Infinity, NaN]) {
      const W = uniformMatrix(rng, 13, 4), b = uniformMatrix(rng, 1, 4);
      // A non-finite weight in a row that x's zeros would skip: the dense
      // result there is 0·∞ = NaN, and the layer must give the same.
      if (poison !== undefined) W.data[1 * 4 + 2] = poison;
      const affine = new Affine(W, b);
      const dout = uniformMatrix(rng, 7, 4);
      const out = affine.forward(x).data.slice();
      affine.backward(dout);
      assertEquals(
        out,
        addRowVector(matmul(x, W), b).data,
        `forward, poison ${poison}`,
      );
      assertEquals(
        affine.dW.data,
        matmulTN(x, dout).data,
        `dW, poison ${poison}`,
      );
    }
    // A non-finite dout reaches dW through the zeros of x as well.
    const affine = new Affine(uniformMatrix(rng, 13, 4), new Matrix(1, 4));
    affine.forward(x);
    const dout = uniformMatrix(rng, 7, 4);
    dout.data[5] = -Infinity;
    affine.backward(dout);
    assertEquals(affine.dW.data, matmulTN(x, dout).data);
  }
});

Deno.test("Relu on the SIMD kernels gives the book's Relu, NaN, −0 and ±∞ included", () => {
  const rng = new Rng(300);
  for (
    const kernels of [
      SimdKernels.create()!,
      SimdKernels.create({ shared: false })!,
    ]
  ) {
    for (const cols of [1, 2, 7, 50]) {
      const x = uniformMatrix(rng, 3, cols, -1, 1);
      const special = [NaN, -0, 0, Infinity, -Infinity, 5e-324, -5e-324];
      for (let i = 0; i < x.data.length; i += 3) {
        x.data[i] = special[(i / 3) % special.length];
      }
      const dout = uniformMatrix(rng, 3, cols, -1, 1);
      dout.data[0] = NaN;
      const book = new Relu(), simd = new Relu({ kernels });
      const same = (a: Matrix, b: Matrix, what: string) =>
        a.data.forEach((v, i) =>
          assert(
            Object.is(v, b.data[i]),
            `${what} ${cols}: ${v} vs ${b.data[i]} at ${i}`,
          )
        );
      same(simd.forward(x), book.forward(x), "forward");
      same(simd.backward(dout), book.backward(dout), "backward");
    }
  }
});

// The book inspects its layers' fields (§5.5.1 prints Relu's mask; Affine
// keeps x, dW, db; SoftmaxWithLoss keeps y and t): readable here too.
Deno.test("the fields the book prints are readable after forward and backward", () => {
  const x = Matrix.fromRows([[1.0, -0.5], [-2.0, 3.0]]);
  const relu = new Relu();
  relu.forward(x);
  assertEquals(Array.from(relu.mask), [0, 1, 1, 0]); // mask = (x <= 0)

  const affine = new Affine(
    Matrix.fromRows([[1, 2], [3, 4]]),
    Matrix.fromRows([[0.5, -0.5]]),
  );
  affine.forward(x);
  affine.backward(Matrix.fromRows([[1, 0], [0, 1]]));
  assertEquals((affine.x as Matrix).toRows(), x.toRows());
  assertEquals(affine.dW.toRows(), [[1, -2], [-0.5, 3]]); // xᵀ · dout
  assertEquals(affine.db.toRows(), [[1, 1]]);

  const softmax = new SoftmaxWithLoss();
  softmax.forward(x, Matrix.fromRows([[0, 1], [1, 0]])); // one-hot
  assertEquals(Array.from(softmax.t), [1, 0]);
  for (const row of softmax.y!.toRows()) {
    assertAlmostEquals(row[0] + row[1], 1, 1e-15);
  }
});
