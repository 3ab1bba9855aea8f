/**
 * Stochastic gradient descent, the book's `SGD`.
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
 * W ← W − lr · ∂L/∂W.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { SGD } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[1, 2]]);
 * new SGD({ lr: 0.5 }).update({ W }, { W: Matrix.fromRows([[2, 2]]) });
 * console.log(W.toRows()); // [[0, 1]]
 * ```
 */
export class SGD extends BaseOptimizer {
  /** The learning rate (the book's default 0.01). */
  readonly lr: number;

  /**
   * Creates it, with the book's defaults for what is left out.
   *
   * @throws {RangeError} unless `lr` is a finite number > 0.
   * @throws {TypeError} for an option other than `lr`.
   */
  constructor(options: { lr?: number } = {}) {
    super("SGD", options, ["lr"]);
    const { lr = 0.01 } = options;
    checkRate("SGD", "lr", lr);
    this.lr = lr;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const keys = checkParams("SGD.update()", params, grads);
    this.nextStep();
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      for (let i = 0; i < W.length; i++) W[i] -= this.lr * dW[i];
    }
  }
}
