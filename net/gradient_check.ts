/**
 * The gradient check: backpropagation compared with the numerical gradient,
 * parameter by parameter.
 *
 * The ReLU corner. ReLU has a kink at 0, and the numerical gradient
 * steps each parameter by ±h (h = 1e-4, {@linkcode NUMERICAL_GRADIENT_H}).
 * When an input of a ReLU lies within about h of 0, one of the two steps
 * crosses the kink: the central difference then averages the slopes of
 * both sides, and the numerical gradient of the parameters before that ReLU
 * is off, not backprop. The mean |Δ| jumps from ~1e-9 to ~1e-6 (seed 2 of
 * TwoLayerNet(784, 50, 10) on the first three MNIST images: a hidden unit's
 * pre-activation is 4.7e-5, b1's mean |Δ| 3.2e-6). {@linkcode reluMargin}
 * finds how close the check came to a kink and {@linkcode reluCornerNote}
 * says so in one line.
 *
 * A net of many ReLUs (DeepConvNet has ~46,000 ReLU inputs per image) has
 * some within h of their kink on almost any batch, and a max pool whose two
 * largest inputs lie within a step of each other is a kink too.
 * {@linkcode setAsideKinks} finds the elements whose ±h steps cross one (a
 * ReLU mask or a max pool's choice changes), checks them again with steps
 * of h/100, and sets aside those that still cross one.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { NUMERICAL_GRADIENT_H } from "./numerical_gradient.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { keepingState } from "./batch.ts";

/**
 * Anything with the book's pair of gradient methods returning the same keys.
 */
export interface GradientPair<K extends string> {
  /** The gradient by backpropagation. */
  gradient(x: Matrix, t: Labels): Record<K, Matrix>;
  /** The gradient by central differences. */
  numericalGradient(x: Matrix, t: Labels): Record<K, Matrix>;
  /**
   * Optional: state the check's forward passes change and must put back
   * (a `Network`'s BatchNorm running averages).
   */
  state?(): Record<string, Matrix>;
}

/** How far backprop and the numerical gradient disagree on one parameter. */
export interface GradientDiff {
  /** The book's figure: the mean over elements of |backprop − numerical|. */
  meanAbsDiff: number;
  /**
   * The largest |backprop − numerical| / max(|backprop|, |numerical|) over
   * the elements where that denominator is at least
   * {@linkcode REL_ERROR_FLOOR} (below it, both are numerical noise and the
   * ratio says nothing); 0 when no element qualifies; ∞ when an element of
   * either is NaN or ±∞ (then `meanAbsDiff` is NaN or ∞ too: a failure by
   * any threshold).
   */
  maxRelError: number;
}

/**
 * Gradients smaller than this are left out of the relative error: the central
 * difference's own error in float64 is around 1e-10 here (rounding ≈
 * ε·|L|/h ≈ 5e-12 plus truncation h²·|L'''|), so a ratio over such tiny
 * values would measure noise, not backprop.
 */
export const REL_ERROR_FLOOR = 1e-7;

/**
 * Runs `numericalGradient` and `gradient` on the same batch and compares them
 * per parameter (the book's `gradient_check.py`, section 5.7.3). The
 * numerical one runs first, so `gradient`'s returned buffers are the fresh
 * ones. The net is left as it was found: its `state()` (BatchNorm's running
 * averages, which every training-mode forward moves) is put back. (A net
 * with Dropout should freeze its masks first, `frozenMask`: otherwise every
 * forward draws new ones and the two gradients differ by design.) A failure
 * of ~1e-6 on the parameters before a ReLU is often the ReLU corner (see
 * the module doc): check {@linkcode reluMargin} against h.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { gradientCheck, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(3);
 * const net = new TwoLayerNet({ inputSize: 6, hiddenSize: 4, outputSize: 3, rng });
 * const x = new Matrix(3, 6, Float64Array.from({ length: 18 }, () => rng.uniform()));
 * const diffs = gradientCheck(net, x, [0, 1, 2]);
 * for (const [key, d] of Object.entries(diffs)) console.log(key, d.meanAbsDiff, d.maxRelError);
 * assert(Object.values(diffs).every((d) => d.meanAbsDiff < 1e-6));
 * ```
 */
export function gradientCheck<K extends string>(
  net: GradientPair<K>,
  x: Matrix,
  t: Labels,
): Record<K, GradientDiff> {
  return keepingState(net, () => {
    const numerical = net.numericalGradient(x, t);
    const backprop = net.gradient(x, t);
    const out = {} as Record<K, GradientDiff>;
    for (const key of Object.keys(numerical) as K[]) {
      out[key] = compareGradients(backprop[key], numerical[key]);
    }
    return out;
  });
}

/**
 * The smallest |input| of any {@linkcode Relu} among `net.layers` when `x`
 * goes forward through them: how near the check's forward pass came to a
 * ReLU's kink at 0 (∞ for a net without ReLU). Below h
 * ({@linkcode NUMERICAL_GRADIENT_H}, 1e-4) the numerical gradient may
 * straddle the kink (see the module doc and {@linkcode reluCornerNote}).
 *
 * It runs one forward pass through the layers as they are (in training
 * mode after a `gradient` call, as the check's were), which overwrites what
 * they kept for backward; `state()` (BatchNorm's running averages) is put
 * back. (Dropout draws new masks unless frozen, as for the check itself.)
 *
 * @example
 * ```ts
 * import { Matrix, Rng, TwoLayerNet } from "@dlfs/nn";
 * import { reluMargin } from "@dlfs/nn/net";
 *
 * const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 5, outputSize: 3, rng: new Rng(1) });
 * const x = Matrix.randn(2, 4, new Rng(2));
 * console.log(reluMargin(net, x)); // the smallest |x·W1 + b1| over the batch
 * ```
 */
export function reluMargin(
  net: {
    readonly layers: ReadonlyMap<string, Layer>;
    state?(): Record<string, Matrix>;
  },
  x: Matrix,
): number {
  return keepingState(net, () => {
    let margin = Infinity, y = x;
    for (const layer of net.layers.values()) {
      if (layer instanceof Relu) {
        for (const v of y.data) margin = Math.min(margin, Math.abs(v));
      }
      y = layer.forward(y);
    }
    return margin;
  });
}

/**
 * The line to print beside a failed check when the ReLU corner explains it:
 * `"<key>: <meanAbsDiff> — a ReLU input is <margin> from 0, within h = 1e-4
 * of its kink: the numerical gradient straddles it (not a backprop bug)"`;
 * `undefined` when `margin` (from {@linkcode reluMargin}) is at least `h`
 * (default {@linkcode NUMERICAL_GRADIENT_H}, the numerical gradient's
 * step). The caller decides what fails (e.g. mean |Δ| > 1e-6).
 *
 * @example
 * ```ts
 * import { reluCornerNote } from "@dlfs/nn/net";
 *
 * console.log(reluCornerNote("b1", 3.2e-6, 4.7e-5));
 * // b1: 3.2e-6 — a ReLU input is 4.7e-5 from 0, within h = 1e-4 of its kink: …
 * console.log(reluCornerNote("b1", 3.2e-6, 6.6e-4)); // undefined
 * ```
 */
export function reluCornerNote(
  key: string,
  meanAbsDiff: number,
  margin: number,
  h: number = NUMERICAL_GRADIENT_H,
): string | undefined {
  if (!(margin < h)) return undefined;
  const e = (v: number) => v.toExponential(1).replace(".0e", "e");
  return `${key}: ${e(meanAbsDiff)} — a ReLU input is ${
    e(margin)
  } from 0, within h = ${
    e(h)
  } of its kink: the numerical gradient straddles it (not a backprop bug)`;
}

/** What {@linkcode setAsideKinks} finds for one parameter. */
export interface KinkFreeDiff {
  /**
   * The elements whose ±h steps cross a kink and whose ±h/100 steps do
   * not: compared by the central difference of the smaller step.
   */
  rechecked: number[];
  /** The elements whose ±h/100 steps cross a kink too: set aside. */
  kinked: number[];
  /** The mean |backprop − numerical| over the others (NaN: none left). */
  meanAbsDiff: number;
}

/**
 * The gradient check of one parameter `W` of `net` (the matrix its layers
 * compute with), kinks set aside. `loss` is the function checked (the
 * net's loss on the batch in training mode, as the numerical gradient's,
 * e.g. `() => net.loss(x, t, { train: true })`). Each element whose
 * |backprop − numerical| exceeds `limit` (default 1e-6) is stepped by ±h
 * (default {@linkcode NUMERICAL_GRADIENT_H}): if a ReLU's mask or a max
 * pool's choice (`Relu.mask`, `Pooling.argMax`) then differs from theirs
 * at W, the central difference averaged two slopes there (see the module
 * doc), and the element is checked again with steps of ±h/100 (float64
 * keeps that difference to ~ε·|L|·100/h ≈ 5e-10); if those cross a kink
 * too, it is set aside. Returns those and the mean |Δ| of all the others:
 * a backprop bug shows there, a kink does not. Dropout masks must be
 * frozen, as for the check; W and `state()` are put back.
 *
 * @example A ReLU input 3e-5 from its kink: b1[1]'s steps of 1e-4 cross it
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { compareGradients, setAsideKinks, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const net = new TwoLayerNet({ inputSize: 2, hiddenSize: 2, outputSize: 2 });
 * net.params.W1.data.set([1, -1, 0, 1]); // x·W1 = [1, −0.5]
 * net.params.b1.data.set([0, 0.5 + 3e-5]); // pre-activations [1, 3e-5]
 * net.params.W2.data.set([1, -1, 2, 0.5]);
 * const x = Matrix.fromRows([[1, 0.5]]), t = [0];
 * const numerical = net.numericalGradient(x, t).b1, backprop = net.gradient(x, t).b1;
 * console.log(compareGradients(backprop, numerical).meanAbsDiff); // ≈ 0.1: a failure
 * const loss = () => net.loss(x, t, { train: true });
 * console.log(setAsideKinks(net, loss, net.params.b1, backprop, numerical));
 * // { rechecked: [ 1 ], kinked: [], meanAbsDiff: ≈ 1e-8 }
 * ```
 */
export function setAsideKinks(
  net: {
    readonly layers: ReadonlyMap<string, Layer>;
    state?(): Record<string, Matrix>;
  },
  loss: () => number,
  W: Matrix,
  backprop: Matrix,
  numerical: Matrix,
  options: { limit?: number; h?: number } = {},
): KinkFreeDiff {
  const { limit = 1e-6, h = NUMERICAL_GRADIENT_H } = options;
  compareGradients(backprop, numerical); // checks the shapes
  const a = backprop.data, n = numerical.data, w = W.data;
  const layers = [...net.layers.values()];
  /** loss() at W with w[i] moved by `step`, and whether the piece is base's. */
  const at = (i: number, step: number) => {
    const v = w[i];
    w[i] = v + step;
    const value = loss();
    const same = samePiece(base, linearPiece(layers));
    w[i] = v;
    return { value, same };
  };
  let base: (Uint8Array | Int32Array)[] = [];
  return keepingState(net, () => {
    loss();
    base = linearPiece(layers);
    const rechecked: number[] = [], kinked: number[] = [];
    let sum = 0;
    for (let i = 0; i < a.length; i++) {
      let diff = Math.abs(a[i] - n[i]);
      if (diff > limit || !Number.isFinite(diff)) {
        if (!at(i, h).same || !at(i, -h).same) {
          const fine = h / 100, plus = at(i, fine), minus = at(i, -fine);
          if (!plus.same || !minus.same) {
            kinked.push(i);
            continue;
          }
          rechecked.push(i);
          diff = Math.abs(a[i] - (plus.value - minus.value) / (2 * fine));
        }
      }
      sum += diff;
    }
    return {
      rechecked,
      kinked,
      meanAbsDiff: sum / (a.length - kinked.length),
    };
  });
}

/**
 * The linear piece of the net its layers' last forward pass lies on: each
 * ReLU's mask and each max pool's choice (copies).
 */
function linearPiece(layers: Layer[]): (Uint8Array | Int32Array)[] {
  const piece: (Uint8Array | Int32Array)[] = [];
  for (const layer of layers) {
    if (layer instanceof Relu) piece.push(layer.mask.slice());
    if (layer instanceof Pooling) piece.push(layer.argMax.slice());
  }
  return piece;
}

function samePiece(
  a: (Uint8Array | Int32Array)[],
  b: (Uint8Array | Int32Array)[],
): boolean {
  return a.every((p, k) => p.every((v, i) => v === b[k][i]));
}

/**
 * The {@linkcode GradientDiff} of two gradients of the same shape.
 *
 * @throws {RangeError} if the shapes differ.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { compareGradients } from "@dlfs/nn/net";
 *
 * const d = compareGradients(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[1, 2.002]]));
 * console.log(d.meanAbsDiff, d.maxRelError); // ≈ 0.001, ≈ 0.001
 * ```
 */
export function compareGradients(
  backprop: Matrix,
  numerical: Matrix,
): GradientDiff {
  if (backprop.rows !== numerical.rows || backprop.cols !== numerical.cols) {
    throw new RangeError(
      `compareGradients(): expected numerical of shape ${backprop.shape} (like backprop) but found ${numerical.shape}`,
    );
  }
  const a = backprop.data, n = numerical.data;
  let sum = 0, maxRel = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - n[i]);
    sum += diff;
    if (!Number.isFinite(diff)) maxRel = Infinity; // NaN or ∞ on either side
    const scale = Math.max(Math.abs(a[i]), Math.abs(n[i]));
    if (scale >= REL_ERROR_FLOOR && diff / scale > maxRel) {
      maxRel = diff / scale;
    }
  }
  return {
    meanAbsDiff: a.length === 0 ? 0 : sum / a.length,
    maxRelError: maxRel,
  };
}
