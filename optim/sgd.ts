/**
 * Stochastic gradient descent, the book's `SGD`.
 *
 * @module
 */

import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
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

  /**
   * One step for every parameter, in place: W ← W − lr·dW, as `axpy(−lr,
   * dW, W)` of `kernels` (the net's, a vector at a time in the SIMD
   * kernels' memory; default: the TypeScript loop), the bits of the book's
   * `params[key] -= self.lr * grads[key]` either way.
   */
  update<K extends string>(
    params: ParamSet<K>,
    grads: ParamSet<K>,
    kernels: Kernels = TS_KERNELS,
  ): void {
    const keys = checkParams("SGD.update()", params, grads);
    this.nextStep();
    for (const key of keys) kernels.axpy(-this.lr, grads[key], params[key]);
  }
}
