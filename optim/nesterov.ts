/**
 * Nesterov's accelerated gradient, the book's `Nesterov`.
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
 * Momentum that looks ahead, in the book's reformulation (gradient taken at
 * the current point):
 *
 *   v ← momentum · v − lr · g;  W ← W + momentum² · v − (1 + momentum) · lr · g
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Nesterov } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[0]]);
 * new Nesterov({ lr: 0.1, momentum: 0.9 }).update({ W }, { W: Matrix.fromRows([[1]]) });
 * console.log(W.data[0]); // 0.81·(−0.1) − 1.9·0.1 = −0.271
 * ```
 */
export class Nesterov extends BaseOptimizer {
  /** The learning rate (default 0.01). */
  readonly lr: number;
  /** The velocity's decay per step (default 0.9). */
  readonly momentum: number;

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} for a non-positive `lr` or a negative `momentum`.
   * @throws {TypeError} for an option other than those two.
   */
  constructor(options: { lr?: number; momentum?: number } = {}) {
    super("Nesterov", options, ["lr", "momentum"], ["v"]);
    const { lr = 0.01, momentum = 0.9 } = options;
    checkRate("Nesterov", "lr", lr);
    checkRate("Nesterov", "momentum", momentum, true);
    this.lr = lr;
    this.momentum = momentum;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const mu = this.momentum, lr = this.lr;
    const keys = checkParams("Nesterov.update()", params, grads);
    this.nextStep();
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      const v = this.slot("v", key, W);
      for (let i = 0; i < W.length; i++) {
        v[i] = mu * v[i] - lr * dW[i];
        W[i] += mu * mu * v[i] - (1 + mu) * lr * dW[i];
      }
    }
  }
}
