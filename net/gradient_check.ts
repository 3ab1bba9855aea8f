/**
 * The gradient check: backpropagation compared with the numerical gradient,
 * parameter by parameter.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { Labels } from "../layers/labels.ts";

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
 * forward draws new ones and the two gradients differ by design.)
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { gradientCheck, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(3);
 * const net = new TwoLayerNet(6, 4, 3, { rng });
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
  const saved = Object.values(net.state?.() ?? {}).map((
    m,
  ) => [m, m.data.slice()] as const);
  try {
    const numerical = net.numericalGradient(x, t);
    const backprop = net.gradient(x, t);
    const out = {} as Record<K, GradientDiff>;
    for (const key of Object.keys(numerical) as K[]) {
      out[key] = compareGradients(backprop[key], numerical[key]);
    }
    return out;
  } finally {
    for (const [m, data] of saved) m.data.set(data);
  }
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
