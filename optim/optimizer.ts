/**
 * The contract of the book's optimizers (chapter 6, `common/optimizer.py`):
 * `update(params, grads)` moves every parameter one step, in place.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";

/**
 * Parameters or gradients by name, e.g. a net's `params` and what its
 * `gradient()` returns: `{ W1, b1, W2, b2 }`.
 */
export type ParamSet<K extends string = string> = { readonly [P in K]: Matrix };

/**
 * One step of gradient-based optimisation. Implementations keep whatever
 * state they need (velocities, squared-gradient sums) per parameter name, so
 * one optimizer serves one set of parameters.
 *
 * @example A hand-written optimizer: SGD with a fixed step
 * ```ts
 * import type { Optimizer, ParamSet } from "@dlfs/nn/optim";
 * import { Matrix } from "@dlfs/nn/core";
 *
 * const halfStep: Optimizer = {
 *   lr: 0.5,
 *   update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>) {
 *     for (const key in params) {
 *       const p = params[key].data, g = grads[key].data;
 *       for (let i = 0; i < p.length; i++) p[i] -= this.lr * g[i];
 *     }
 *   },
 * };
 * const W = Matrix.fromRows([[1]]);
 * halfStep.update({ W }, { W: Matrix.fromRows([[2]]) });
 * console.log(W.data[0]); // 0
 * ```
 */
export interface Optimizer {
  /** The learning rate η. */
  readonly lr: number;
  /** Moves each `params[key]` by its rule, using `grads[key]`, in place. */
  update<K extends string>(params: ParamSet<K>, grads: ParamSet<K>): void;
}

/**
 * Checks that `grads` has a gradient of the right shape for every parameter
 * and returns the keys. Shared by the optimizers; not exported from mod.ts.
 */
export function checkParams<K extends string>(
  where: string,
  params: ParamSet<K>,
  grads: ParamSet<K>,
): K[] {
  const keys = Object.keys(params) as K[];
  for (const key of keys) {
    const p = params[key], g = grads?.[key];
    if (g === undefined) {
      throw new RangeError(
        `${where}: expected a gradient for "${key}" but found none`,
      );
    }
    if (p.rows !== g.rows || p.cols !== g.cols) {
      throw new RangeError(
        `${where}: expected the gradient of "${key}" to have shape ${p.shape} but found ${g.shape}`,
      );
    }
  }
  return keys;
}

/**
 * Per-parameter state arrays, allocated on first use with the parameter's
 * length (velocities, sums of squares…).
 */
export class StateByKey {
  #arrays = new Map<string, Float64Array>();

  /** The zero-initialised state for `key`, of `length` elements. */
  get(key: string, length: number): Float64Array {
    let a = this.#arrays.get(key);
    if (a === undefined || a.length !== length) {
      a = new Float64Array(length);
      this.#arrays.set(key, a);
    }
    return a;
  }
}

/** Throws unless `value` is a finite number > 0 (or ≥ 0 with `zeroOk`). */
export function checkRate(
  where: string,
  name: string,
  value: number,
  zeroOk = false,
): void {
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new RangeError(
      `${where}: expected ${name} to be a finite number ${
        zeroOk ? "≥" : ">"
      } 0 but found ${value}`,
    );
  }
}
