/**
 * AdaGrad, the book's `AdaGrad`.
 *
 * @module
 */

import {
  checkParams,
  checkRate,
  type Optimizer,
  type ParamSet,
  StateByKey,
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
export class AdaGrad implements Optimizer {
  /** The learning rate (default 0.01). */
  readonly lr: number;
  #h = new StateByKey();

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} unless `lr` is a finite number > 0.
   */
  constructor({ lr = 0.01 }: { lr?: number } = {}) {
    checkRate("AdaGrad", "lr", lr);
    this.lr = lr;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    for (const key of checkParams("AdaGrad.update()", params, grads)) {
      const W = params[key].data, dW = grads[key].data;
      const h = this.#h.get(key, W.length);
      for (let i = 0; i < W.length; i++) {
        h[i] += dW[i] * dW[i];
        W[i] -= this.lr * dW[i] / (Math.sqrt(h[i]) + 1e-7);
      }
    }
  }
}
