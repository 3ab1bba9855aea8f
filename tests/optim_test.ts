import {
  assert,
  assertMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng } from "../core/mod.ts";
import { TwoLayerNet } from "../net/mod.ts";
import {
  AdaGrad,
  Adam,
  Momentum,
  Nesterov,
  type Optimizer,
  RMSprop,
  SGD,
} from "../optim/mod.ts";

// The book's test function (chapter 6): f(x, y) = x²/20 + y², minimum at 0,
// twenty times steeper in y than in x. ∇f = (x/10, 2y).
const grad = (x: number, y: number) => [x / 10, 2 * y];

/** The trajectory of `opt` from (−7, 2), as the book's figure 6-1 starts. */
function trajectory(opt: Optimizer, steps: number): [number, number][] {
  const p = Matrix.fromRows([[-7, 2]]), g = new Matrix(1, 2);
  const points: [number, number][] = [[-7, 2]];
  for (let i = 0; i < steps; i++) {
    g.data.set(grad(p.data[0], p.data[1]));
    opt.update({ p }, { p: g });
    points.push([p.data[0], p.data[1]]);
  }
  return points;
}

/** The first step at which |∇f| < 1e-3, or −1. */
const converged = (points: [number, number][]) =>
  points.findIndex(([x, y]) => Math.hypot(...grad(x, y)) < 1e-3);
const signChanges = (values: number[]) =>
  values.filter((v, i) => i > 0 && Math.sign(v) !== Math.sign(values[i - 1]))
    .length;

// The book's learning rates for this function (ch06/optimizer_compare_naive.py);
// Nesterov and RMSprop, not in that figure, get rates of the same order.
const OPTIMIZERS = {
  SGD: () => new SGD({ lr: 0.95 }),
  Momentum: () => new Momentum({ lr: 0.1 }),
  Nesterov: () => new Nesterov({ lr: 0.1 }),
  AdaGrad: () => new AdaGrad({ lr: 1.5 }),
  RMSprop: () => new RMSprop({ lr: 0.1 }),
  Adam: () => new Adam({ lr: 0.3 }),
};

Deno.test("every optimizer minimises f(x, y) = x²/20 + y² from (−7, 2)", () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    const points = trajectory(make(), 300);
    const step = converged(points);
    assert(
      step > 0 && step < 200,
      `${name} reached |∇f| < 1e-3 at step ${step}`,
    );
    const [x, y] = points[300];
    assert(x * x / 20 + y * y < 1e-6, `${name} ends at (${x}, ${y})`);
  }
});

Deno.test("SGD zig-zags across the steep y direction while creeping along x", () => {
  const points = trajectory(OPTIMIZERS.SGD(), 30);
  // lr·∂²f/∂y² = 1.9 > 1: every step overshoots in y, and y flips sign each time.
  assertStrictEquals(signChanges(points.map((p) => p[1])), 30);
  // Along the shallow x it never overshoots: x rises monotonically toward 0.
  assert(
    points.every((p, i) => i === 0 || (p[0] > points[i - 1][0] && p[0] < 0)),
  );
});

Deno.test("Momentum rolls past the minimum in x; Nesterov's look-ahead gets there sooner", () => {
  const m = trajectory(OPTIMIZERS.Momentum(), 300),
    n = trajectory(OPTIMIZERS.Nesterov(), 300);
  assert(m.slice(0, 30).some(([x]) => x > 0), "Momentum overshoots x = 0");
  assert(
    converged(n) < converged(m),
    `Nesterov ${converged(n)} vs Momentum ${converged(m)}`,
  );
});

Deno.test("AdaGrad and RMSprop damp the zig-zag; AdaGrad's steps only shrink", () => {
  for (const name of ["AdaGrad", "RMSprop"] as const) {
    const points = trajectory(OPTIMIZERS[name](), 30);
    assertStrictEquals(
      signChanges(points.map((p) => p[1])),
      0,
      `${name} never crosses y = 0`,
    );
  }
  const points = trajectory(OPTIMIZERS.AdaGrad(), 50);
  const lengths = points.slice(1).map(([x, y], i) =>
    Math.hypot(x - points[i][0], y - points[i][1])
  );
  assert(
    lengths.every((l, i) => i === 0 || l < lengths[i - 1]),
    "step lengths decrease",
  );
});

Deno.test("each optimizer follows the book's update rule, element by element", () => {
  // Two parameters with different gradients over three steps, against the
  // book's formulas written out for one element at a time.
  const rng = new Rng(3);
  const g = Array.from({ length: 3 }, () => [rng.normal(), rng.normal()]);
  const check = (opt: Optimizer, rule: (w: number, gs: number[]) => number) => {
    const a = Matrix.fromRows([[0.5, -1]]), b = Matrix.fromRows([[2]]);
    for (const step of g) {
      opt.update({ a, b }, {
        a: Matrix.fromRows([step]),
        b: Matrix.fromRows([[step[0] * 3]]),
      });
    }
    const expected = [
      rule(0.5, g.map((s) => s[0])),
      rule(-1, g.map((s) => s[1])),
      rule(2, g.map((s) => 3 * s[0])),
    ];
    const found = [...a.data, ...b.data];
    found.forEach((v, i) =>
      assert(
        Math.abs(v - expected[i]) < 1e-12,
        `${opt.constructor.name}[${i}]: ${v} vs ${expected[i]}`,
      )
    );
  };
  check(new SGD({ lr: 0.1 }), (w, gs) => gs.reduce((w, g) => w - 0.1 * g, w));
  check(new Momentum({ lr: 0.1, momentum: 0.9 }), (w, gs) => {
    let v = 0;
    for (const g of gs) (v = 0.9 * v - 0.1 * g), (w += v);
    return w;
  });
  check(new Nesterov({ lr: 0.1, momentum: 0.9 }), (w, gs) => {
    let v = 0;
    for (const g of gs) {
      (v = 0.9 * v - 0.1 * g), (w += 0.81 * v - 1.9 * 0.1 * g);
    }
    return w;
  });
  check(new AdaGrad({ lr: 0.1 }), (w, gs) => {
    let h = 0;
    for (const g of gs) (h += g * g), (w -= 0.1 * g / (Math.sqrt(h) + 1e-7));
    return w;
  });
  check(new RMSprop({ lr: 0.1, decayRate: 0.99 }), (w, gs) => {
    let h = 0;
    for (const g of gs) {
      (h = 0.99 * h + 0.01 * g * g), (w -= 0.1 * g / (Math.sqrt(h) + 1e-7));
    }
    return w;
  });
  check(new Adam({ lr: 0.1 }), (w, gs) => {
    let m = 0, v = 0, t = 0;
    for (const g of gs) {
      t++;
      const lrT = 0.1 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
      m += 0.1 * (g - m);
      v += 0.001 * (g * g - v);
      w -= lrT * m / (Math.sqrt(v) + 1e-7);
    }
    return w;
  });
});

Deno.test("optimizers train a TwoLayerNet in place through its params", () => {
  const x = Matrix.fromRows([[0, 1], [1, 0], [1, 1], [0, 0]]), t = [1, 1, 0, 0];
  const optimizers: Record<string, () => Optimizer> = {
    SGD: () => new SGD({ lr: 0.5 }),
    Momentum: () => new Momentum({ lr: 0.1 }),
    Nesterov: () => new Nesterov({ lr: 0.1 }),
    AdaGrad: () => new AdaGrad({ lr: 0.1 }),
    RMSprop: () => new RMSprop({ lr: 0.01 }),
    Adam: () => new Adam({ lr: 0.05 }),
  };
  for (const [name, make] of Object.entries(optimizers)) {
    const net = new TwoLayerNet({
      inputSize: 2,
      hiddenSize: 8,
      outputSize: 2,
      rng: new Rng(1),
      weightInitStd: 0.5,
    });
    const W1 = net.params.W1;
    const opt = make();
    const before = net.loss(x, t);
    for (let i = 0; i < 200; i++) opt.update(net.params, net.gradient(x, t));
    assertStrictEquals(net.params.W1, W1, "updated in place, never rebound");
    assert(
      net.loss(x, t) < before / 2,
      `${name}: ${before} → ${net.loss(x, t)}`,
    );
  }
});

Deno.test("optimizers reject bad settings and mismatched gradients", () => {
  assertThrows(
    () => new SGD({ lr: 0 }),
    RangeError,
    "SGD: expected lr to be a finite number > 0 but found 0",
  );
  assertMatch(
    (assertThrows(() => new Momentum({ momentum: -1 }), Error)).message,
    /Momentum: expected momentum to be a finite number ≥ 0 but found -1/,
  );
  assertMatch(
    (assertThrows(() => new RMSprop({ decayRate: 1.5 }), Error)).message,
    /RMSprop: expected decayRate in \[0, 1\] but found 1.5/,
  );
  assertMatch(
    (assertThrows(() => new Adam({ beta1: 1 }), Error)).message,
    /Adam: expected beta1 in \[0, 1\) but found 1/,
  );
  const W = Matrix.zeros(2, 3);
  assertThrows(
    () => new Adam().update({ W }, { W: Matrix.zeros(3, 2) }),
    RangeError,
    'Adam.update(): expected the gradient of "W" to have shape 2×3 but found 3×2',
  );
  assertThrows(
    () => new SGD().update({ W }, {} as { W: Matrix }),
    RangeError,
    'SGD.update(): expected a gradient for "W" but found none',
  );
});
