/**
 * Adam, the book's `Adam`.
 *
 * @module
 */

import {
  BaseOptimizer,
  checkParams,
  checkRate,
  type ParamSet,
} from "./optimizer.ts";

/**
 * Momentum and RMSprop together, with bias correction folded into the rate
 * as in the book:
 *
 *   t ← t + 1;  lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
 *   m ← m + (1 − β₁)(g − m);  v ← v + (1 − β₂)(g² − v)
 *   W ← W − lr_t · m / (√v + 1e-7)
 *
 * `t` counts `update` calls (one per training iteration).
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Adam } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[0]]);
 * new Adam({ lr: 0.001 }).update({ W }, { W: Matrix.fromRows([[5]]) });
 * console.log(W.data[0]); // ≈ −0.001: Adam's first step is lr, whatever the gradient's scale
 * ```
 */
export class Adam extends BaseOptimizer {
  /** The learning rate (default 0.001). */
  readonly lr: number;
  /** Decay of the gradient's running mean (default 0.9). */
  readonly beta1: number;
  /** Decay of the squared gradient's running mean (default 0.999). */
  readonly beta2: number;

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} for a non-positive `lr` or betas outside [0, 1).
   * @throws {TypeError} for an option other than those three.
   */
  constructor(
    options: { lr?: number; beta1?: number; beta2?: number } = {},
  ) {
    super("Adam", options, ["lr", "beta1", "beta2"], ["m", "v"]);
    const { lr = 0.001, beta1 = 0.9, beta2 = 0.999 } = options;
    checkRate("Adam", "lr", lr);
    for (const [name, b] of [["beta1", beta1], ["beta2", beta2]] as const) {
      if (!(b >= 0 && b < 1)) {
        throw new RangeError(`Adam: expected ${name} in [0, 1) but found ${b}`);
      }
    }
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const keys = checkParams("Adam.update()", params, grads);
    const t = this.nextStep(), b1 = this.beta1, b2 = this.beta2;
    const lrT = this.lr * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      const m = this.slot("m", key, W),
        v = this.slot("v", key, W);
      for (let i = 0; i < W.length; i++) {
        m[i] += (1 - b1) * (dW[i] - m[i]);
        v[i] += (1 - b2) * (dW[i] * dW[i] - v[i]);
        W[i] -= lrT * m[i] / (Math.sqrt(v[i]) + 1e-7);
      }
    }
  }
}
