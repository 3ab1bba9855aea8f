/**
 * Momentum SGD, the book's `Momentum`.
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
 * v ← momentum · v − lr · ∂L/∂W;  W ← W + v. The velocity v starts at zero,
 * one per parameter: a ball rolling downhill, gathering speed where the
 * gradient keeps its direction.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Momentum } from "@dlfs/nn/optim";
 *
 * const W = Matrix.fromRows([[0]]), g = Matrix.fromRows([[1]]);
 * const opt = new Momentum({ lr: 0.1, momentum: 0.9 });
 * opt.update({ W }, { W: g }); // v = −0.1
 * opt.update({ W }, { W: g }); // v = −0.19
 * console.log(W.data[0]); // ≈ −0.29
 * ```
 */
export class Momentum extends BaseOptimizer {
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
    super("Momentum", options, ["lr", "momentum"], ["v"]);
    const { lr = 0.01, momentum = 0.9 } = options;
    checkRate("Momentum", "lr", lr);
    checkRate("Momentum", "momentum", momentum, true);
    this.lr = lr;
    this.momentum = momentum;
  }

  /** One step for every parameter, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void {
    const keys = checkParams("Momentum.update()", params, grads);
    this.nextStep();
    for (const key of keys) {
      const W = params[key].data, dW = grads[key].data;
      const v = this.slot("v", key, W);
      for (let i = 0; i < W.length; i++) {
        v[i] = this.momentum * v[i] - this.lr * dW[i];
        W[i] += v[i];
      }
    }
  }
}
