/**
 * The contract of the book's optimizers (chapter 6, `common/optimizer.py`):
 * `update(params, grads)` moves every parameter one step, in place.
 *
 * @module
 */

import {
  dtypeOf,
  type FloatArray,
  floatArray,
  type Matrix,
} from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { checkOptions, describe } from "../core/options.ts";

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
  /**
   * Moves each `params[key]` by its rule, using `grads[key]`, in place.
   * `kernels`, optional: those the parameters live in (a net's `kernels`),
   * for an optimizer whose step runs as theirs (SGD's, as `axpy`).
   */
  update<K extends string>(
    params: ParamSet<K>,
    grads: ParamSet<K>,
    kernels?: Kernels,
  ): void;
  /**
   * What it has learned so far, as plain data (optional: the book's
   * optimizers have it; a `Trainer` needs it to save a run).
   */
  state?(): OptimizerState;
  /** Takes back a `state()` (optional, with `state`). */
  setState?(state: OptimizerState): void;
}

/**
 * An optimizer's state as plain data: its kind and settings, its step
 * count and its per-parameter arrays (copies), which is everything its next
 * `update` depends on besides the parameters and gradients. `Trainer.state()`
 * carries it; `saveNet` writes it into the file (the arrays as tensors).
 */
export interface OptimizerState {
  /** Its class, e.g. `"Adam"`. */
  type: string;
  /** Its settings, e.g. `{ lr: 0.001, beta1: 0.9, beta2: 0.999 }`. */
  options: Record<string, number>;
  /** `update` calls so far (Adam's t). */
  steps: number;
  /**
   * Its per-parameter arrays, by slot (Momentum's and Nesterov's velocity
   * `v`, AdaGrad's and RMSprop's `h`, Adam's `m` and `v`; SGD has none),
   * then by parameter key, e.g. `slots.m.W1`.
   */
  slots: Record<string, Record<string, FloatArray>>;
}

/**
 * What the book's six optimizers share: the check of their options (an
 * unknown key is refused, naming the nearest known one), the count of
 * `update` calls, their per-parameter arrays (`slot`), and `state()` /
 * `setState()` over them. A subclass keeps its settings in fields named as
 * its options (`lr`, `momentum`, …).
 */
export abstract class BaseOptimizer implements Optimizer {
  /** The learning rate η. */
  abstract readonly lr: number;
  #type: string;
  #known: readonly string[];
  #slots = new Map<string, StateByKey>();
  #steps = 0;

  /**
   * Checks `options` against the `known` keys (a TypeError naming `type`
   * otherwise) and makes the named `slots`, empty.
   */
  protected constructor(
    type: string,
    options: object | undefined,
    known: readonly string[],
    slots: readonly string[] = [],
  ) {
    checkOptions(type, options, known);
    this.#type = type;
    this.#known = known;
    for (const name of slots) this.#slots.set(name, new StateByKey());
  }

  /** Number of `update` calls so far (Adam's t). */
  get steps(): number {
    return this.#steps;
  }

  /**
   * Moves each `params[key]` by its rule, using `grads[key]`, in place
   * (`kernels`: see {@linkcode Optimizer.update}).
   */
  abstract update<K extends string>(
    params: ParamSet<K>,
    grads: ParamSet<K>,
    kernels?: Kernels,
  ): void;

  /** Counts an `update` call; returns the count, this one included. */
  protected nextStep(): number {
    return ++this.#steps;
  }

  /**
   * Slot `name`'s array for parameter `key`, of W's length and dtype
   * (zeros at first).
   */
  protected slot(name: string, key: string, W: FloatArray): FloatArray {
    return this.#slots.get(name)!.get(key, W);
  }

  /**
   * Its state: settings, step count and copies of its arrays (see
   * {@linkcode OptimizerState}).
   */
  state(): OptimizerState {
    const self = this as unknown as Record<string, number>;
    const slots: OptimizerState["slots"] = {};
    for (const [name, arrays] of this.#slots) slots[name] = arrays.copy();
    return {
      type: this.#type,
      options: Object.fromEntries(this.#known.map((k) => [k, self[k]])),
      steps: this.#steps,
      slots,
    };
  }

  /**
   * Takes back what `state()` returned (copying its arrays), so that the
   * next `update` is the one the saved optimizer would have made.
   *
   * @throws {RangeError} for the state of another kind of optimizer, other
   * settings, or slots that are not this kind's.
   */
  setState(state: OptimizerState): void {
    const where = `${this.#type}.setState()`;
    const self = this as unknown as Record<string, number>;
    if (state?.type !== this.#type) {
      throw new RangeError(
        `${where}: expected the state of ${this.#type} but found ${
          describe(state?.type ?? state)
        }`,
      );
    }
    for (const k of this.#known) {
      if (!Object.is(state.options?.[k], self[k])) {
        throw new RangeError(
          `${where}: expected ${k} ${self[k]} (this optimizer's) but found ${
            describe(state.options?.[k])
          }`,
        );
      }
    }
    if (!Number.isInteger(state.steps) || state.steps < 0) {
      throw new RangeError(
        `${where}: expected steps to be an integer ≥ 0 but found ${
          describe(state.steps)
        }`,
      );
    }
    const names = [...this.#slots.keys()];
    const found = Object.keys(state.slots ?? {});
    if (found.join() !== names.join()) {
      throw new RangeError(
        `${where}: expected slots ${names.join(", ") || "none"} but found ${
          found.join(", ") || "none"
        }`,
      );
    }
    for (const name of names) {
      this.#slots.set(name, StateByKey.from(where, state.slots[name]));
    }
    this.#steps = state.steps;
  }
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
 * length and element type (velocities, sums of squares…).
 */
export class StateByKey {
  #arrays = new Map<string, FloatArray>();

  /**
   * The state for `key`, of W's length and dtype: zeros at first; one of
   * another dtype (restored from a file) converted.
   */
  get(key: string, W: FloatArray): FloatArray {
    let a = this.#arrays.get(key);
    if (a === undefined || a.length !== W.length) {
      a = floatArray(dtypeOf(W), W.length);
      this.#arrays.set(key, a);
    } else if (dtypeOf(a) !== dtypeOf(W)) {
      a = floatArray(dtypeOf(W), W.length);
      a.set(this.#arrays.get(key)!);
      this.#arrays.set(key, a);
    }
    return a;
  }

  /** Copies of the arrays, by key. */
  copy(): Record<string, FloatArray> {
    const out: Record<string, FloatArray> = {};
    for (const [key, a] of this.#arrays) out[key] = a.slice();
    return out;
  }

  /**
   * The arrays of a `copy()`, copied in turn.
   *
   * @throws {RangeError} naming `where` unless each is a Float64Array or
   * a Float32Array.
   */
  static from(
    where: string,
    arrays: Record<string, FloatArray>,
  ): StateByKey {
    const state = new StateByKey();
    for (const [key, a] of Object.entries(arrays ?? {})) {
      if (!(a instanceof Float64Array || a instanceof Float32Array)) {
        throw new RangeError(
          `${where}: expected the array of "${key}" to be a Float64Array or a Float32Array but found ${
            describe(a)
          }`,
        );
      }
      state.#arrays.set(key, a.slice());
    }
    return state;
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
      } 0 but found ${describe(value)}`,
    );
  }
}
