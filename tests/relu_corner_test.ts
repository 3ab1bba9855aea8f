// The ReLU corner of the gradient check: a pre-activation within h of 0
// puts the central difference across the kink, and the check says so; clear
// of it, the check passes and says nothing. setAsideKinks() finds the
// elements whose steps cross a kink, a ReLU's or a max pool's.
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertLess,
  assertMatch,
} from "@std/assert";
import { addRowVector, matmul, Matrix, Rng } from "../core/mod.ts";
import {
  compareGradients,
  gradientCheck,
  NUMERICAL_GRADIENT_H,
  reluCornerNote,
  reluMargin,
  setAsideKinks,
  SimpleConvNet,
  TwoLayerNet,
} from "../net/mod.ts";

/**
 * TwoLayerNet(2, 2, 2) on one sample x = [1, 0.5], with W1 = [[1, −1], [0, 1]]
 * so that x·W1 = [1, −0.5]; b1 = [0, 0.5 + a] puts the second hidden unit's
 * pre-activation at a.
 */
function netWithPreActivation(a: number) {
  const net = new TwoLayerNet({
    inputSize: 2,
    hiddenSize: 2,
    outputSize: 2,
    backend: "ts",
  });
  net.params.W1.data.set([1, -1, 0, 1]);
  net.params.b1.data.set([0, 0.5 + a]);
  net.params.W2.data.set([1, -1, 2, 0.5]);
  const x = Matrix.fromRows([[1, 0.5]]);
  return { net, x, t: [0] };
}

/** min |x·W1 + b1|, computed apart from the net's layers. */
function smallestPreActivation(net: TwoLayerNet, x: Matrix): number {
  const a = addRowVector(matmul(x, net.params.W1), net.params.b1);
  return Math.min(...a.data.map(Math.abs));
}

Deno.test("reluMargin() is the smallest |pre-activation| of the ReLU inputs", () => {
  const rng = new Rng(7);
  const net = new TwoLayerNet({
    inputSize: 6,
    hiddenSize: 5,
    outputSize: 3,
    rng,
    weightInitStd: 0.5,
  });
  const x = Matrix.randn(4, 6, rng);
  // to rounding: the net's kernels may sum in another order (FMA)
  assertAlmostEquals(reluMargin(net, x), smallestPreActivation(net, x), 1e-15);
  const { net: near, x: x1 } = netWithPreActivation(3e-5);
  assertAlmostEquals(reluMargin(near, x1), 3e-5, 1e-15);
});

Deno.test("a ReLU input within h of 0 fails the check on b1, and reluCornerNote() says why", () => {
  const { net, x, t } = netWithPreActivation(3e-5);
  const diff = gradientCheck(net, x, t);
  // The kink is straddled by b1[1]'s steps (and W1's): mean |Δ| far above 1e-6.
  assert(diff.b1.meanAbsDiff > 1e-6, `b1: ${diff.b1.meanAbsDiff}`);
  assert(diff.W2.meanAbsDiff < 1e-6, `W2: ${diff.W2.meanAbsDiff}`); // after the ReLU
  const margin = reluMargin(net, x);
  assert(margin < NUMERICAL_GRADIENT_H);
  assertMatch(
    reluCornerNote("b1", diff.b1.meanAbsDiff, margin)!,
    /^b1: \d\.\de-\d+ — a ReLU input is 3e-5 from 0, within h = 1e-4 of its kink: the numerical gradient straddles it \(not a backprop bug\)$/,
  );
});

Deno.test("clear of the kink the check passes and reluCornerNote() has nothing to say", () => {
  const { net, x, t } = netWithPreActivation(0.1);
  const diff = gradientCheck(net, x, t);
  for (const [key, d] of Object.entries(diff)) {
    assert(d.meanAbsDiff < 1e-6, `${key}: ${d.meanAbsDiff}`); // ~1e-8 here
  }
  const margin = reluMargin(net, x);
  assertAlmostEquals(margin, 0.1, 1e-12);
  assertEquals(reluCornerNote("b1", 1e-5, margin), undefined);
  // h is the caller's to change: a step larger than the margin is a corner.
  assertMatch(reluCornerNote("b1", 1e-5, margin, 0.5)!, /within h = 5e-1/);
});

/** setAsideKinks() on each of `keys`, the check's gradients computed here. */
function kinksOf<K extends string>(
  net: TwoLayerNet | SimpleConvNet,
  x: Matrix,
  t: number[],
  keys: readonly K[],
) {
  const numerical = net.numericalGradient(x, t), backprop = net.gradient(x, t);
  const loss = () => net.loss(x, t, { train: true });
  return Object.fromEntries(
    keys.map((k) => [
      k,
      setAsideKinks(net, loss, net.params[k], backprop[k], numerical[k]),
    ]),
  ) as Record<K, ReturnType<typeof setAsideKinks>>;
}

Deno.test("setAsideKinks() checks again with steps of h/100 the elements whose steps cross a ReLU's kink, and sets aside those whose small steps cross it too", () => {
  // b1[1] moves the pre-activation a by ±h, W1[0][1] by ±h (x0 = 1),
  // W1[1][1] by ±h/2 (x1 = 0.5): each across 0 for a = 3e-5 with h = 1e-4;
  // for a = 3e-7 with h = 1e-6 too.
  for (const [a, recheck] of [[3e-5, true], [3e-7, false]] as const) {
    const { net, x, t } = netWithPreActivation(a);
    const { b1, W1 } = kinksOf(net, x, t, ["b1", "W1"]);
    assertEquals([b1.rechecked, b1.kinked], recheck ? [[1], []] : [[], [1]]);
    assertEquals(
      [W1.rechecked, W1.kinked],
      recheck ? [[1, 3], []] : [[], [1, 3]],
    );
    assertLess(b1.meanAbsDiff, 1e-7, `${a}`);
    assertLess(W1.meanAbsDiff, 1e-7, `${a}`);
    assertEquals(
      net.params.W1.data,
      Float64Array.from([1, -1, 0, 1]),
      "put back",
    );
  }
  // Clear of the kink there is nothing to check again.
  const { net, x, t } = netWithPreActivation(0.1);
  const clear = kinksOf(net, x, t, ["W1", "b1", "W2", "b2"]);
  for (const [key, d] of Object.entries(clear)) {
    assertEquals([d.rechecked, d.kinked], [[], []], key);
  }
});

Deno.test("setAsideKinks() finds the elements whose steps switch a max pool's choice", () => {
  // One 1×1 filter over two channels, pooled 2×2: the pool's window holds
  // w0 + b, w1 + b, b, b (x puts channel 0 at the first position, channel 1
  // at the second). w1 = w0 + gap: a step of ±1e-4 in either switches the
  // maximum when gap is 3e-5, a step of ±1e-6 too when it is 3e-7; b moves
  // all four alike and switches nothing.
  for (const [gap, recheck] of [[3e-5, true], [3e-7, false]] as const) {
    const net = new SimpleConvNet({
      input: [2, 2, 2],
      filterNum: 1,
      filterSize: 1,
      hiddenSize: 2,
      outputSize: 2,
      backend: "ts",
    });
    net.params.W1.data.set([1, 1 + gap]);
    net.params.b1.data.set([0.5]);
    net.params.W2.data.set([1, 0.5]);
    net.params.W3.data.set([1, -1, 0.5, 2]);
    const x = Matrix.fromRows([[1, 0, 0, 0, 0, 1, 0, 0]]), t = [0];
    assertGreater(
      compareGradients(net.gradient(x, t).W1, net.numericalGradient(x, t).W1)
        .meanAbsDiff,
      1e-3,
    );
    const { W1, b1 } = kinksOf(net, x, t, ["W1", "b1"]);
    assertEquals(
      [W1.rechecked, W1.kinked],
      recheck ? [[0, 1], []] : [[], [0, 1]],
    );
    if (recheck) assertLess(W1.meanAbsDiff, 1e-7);
    else assert(Number.isNaN(W1.meanAbsDiff), "nothing left to compare");
    assertEquals([b1.rechecked, b1.kinked], [[], []]);
    assertLess(b1.meanAbsDiff, 1e-7);
  }
});
