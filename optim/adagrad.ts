/**
 * AdaGrad, the book's `AdaGrad`.
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
 * h ← h + g²;  W ← W − lr · g / (√h + 1e-7). Each element's step shrinks
 * as its squared gradients add up (the 1e-7 keeps the first division finite).
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { AdaGrad } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[0, 0]]);
 * new AdaGrad({ lr: 1 }).update({ W }, { W: Matrix.fromRows([[100, 0.01]]) });
 * console.log(W.toRows()); // ≈ [[−1, −1]]: the same first step whatever the scale
 * ```
 */
export class AdaGrad extends BaseOptimizer {
  /** The learning rate (default 0.01). */
  readonly lr: number;

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} unless `lr` is a finite number > 0.
   * @throws {TypeError} for an option other than `lr`.
   */
  constructor(options: { lr?: number } = {}) {
    super("AdaGrad", options, ["lr"], ["h"]);
    const { lr = 0.01 } = options;
    checkRate("AdaGrad", "lr", lr);
    this.lr = lr;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const keys = checkParams("AdaGrad.update()", params, grads);
    this.nextStep();
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      const h = this.slot("h", key, W);
      for (let i = 0; i < W.length; i++) {
        h[i] += dW[i] * dW[i];
        W[i] -= this.lr * dW[i] / (Math.sqrt(h[i]) + 1e-7);
      }
    }
  }
}
