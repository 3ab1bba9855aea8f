/**
 * RMSprop, the book's `RMSprop`.
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
 * h ← decayRate · h + (1 − decayRate) · g²;  W ← W − lr · g / (√h + 1e-7).
 * AdaGrad with a memory that fades, so steps do not shrink to nothing.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { RMSprop } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[0]]);
 * new RMSprop({ lr: 0.01, decayRate: 0.99 }).update({ W }, { W: Matrix.fromRows([[1]]) });
 * console.log(W.data[0]); // −0.01 / √0.01 ≈ −0.1
 * ```
 */
export class RMSprop extends BaseOptimizer {
  /** The learning rate (default 0.01). */
  readonly lr: number;
  /** How much of the running mean of g² is kept per step (default 0.99). */
  readonly decayRate: number;

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} for a non-positive `lr` or `decayRate` outside [0, 1].
   * @throws {TypeError} for an option other than those two.
   */
  constructor(options: { lr?: number; decayRate?: number } = {}) {
    super("RMSprop", options, ["lr", "decayRate"], ["h"]);
    const { lr = 0.01, decayRate = 0.99 } = options;
    checkRate("RMSprop", "lr", lr);
    if (!(decayRate >= 0 && decayRate <= 1)) {
      throw new RangeError(
        `RMSprop: expected decayRate in [0, 1] but found ${decayRate}`,
      );
    }
    this.lr = lr;
    this.decayRate = decayRate;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const d = this.decayRate;
    const keys = checkParams("RMSprop.update()", params, grads);
    this.nextStep();
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      const h = this.slot("h", key, W);
      for (let i = 0; i < W.length; i++) {
        h[i] = d * h[i] + (1 - d) * dW[i] * dW[i];
        W[i] -= this.lr * dW[i] / (Math.sqrt(h[i]) + 1e-7);
      }
    }
  }
}
