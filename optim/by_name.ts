/**
 * Optimizers by name, as the book's `Trainer` picks them
 * (`optimizer='SGD', optimizer_param={'lr': 0.01}`).
 *
 * @module
 */

import type { Optimizer } from "./optimizer.ts";
import { SGD } from "./sgd.ts";
import { Momentum } from "./momentum.ts";
import { Nesterov } from "./nesterov.ts";
import { AdaGrad } from "./adagrad.ts";
import { RMSprop } from "./rmsprop.ts";
import { Adam } from "./adam.ts";

/** The optimizers by their names, in lower case as the book's dict has them. */
export const OPTIMIZERS = {
  sgd: SGD,
  momentum: Momentum,
  nesterov: Nesterov,
  adagrad: AdaGrad,
  rmsprop: RMSprop,
  adam: Adam,
} as const;

/** The name of an optimizer: `"sgd"`, `"momentum"`, … (any case). */
export type OptimizerName = keyof typeof OPTIMIZERS;

/**
 * The optimizer called `name` (any case, as the book's `.lower()`), with
 * `params` (its constructor's options: `lr`, `momentum`, `beta1`, …; each
 * default is the book's).
 *
 * @throws {RangeError} for an unknown name, or a parameter the optimizer
 * refuses.
 *
 * @example
 * ```ts
 * import { createOptimizer } from "@dlfs/nn/optim";
 *
 * const adam = createOptimizer("Adam", { lr: 0.001 });
 * console.log(adam.constructor.name, (adam as { lr: number }).lr); // Adam 0.001
 * ```
 */
export function createOptimizer(
  name: string,
  params: Record<string, number> = {},
): Optimizer {
  const key = String(name).toLowerCase();
  if (!Object.hasOwn(OPTIMIZERS, key)) {
    throw new RangeError(
      `createOptimizer(): expected one of ${
        Object.keys(OPTIMIZERS).join(", ")
      } but found ${JSON.stringify(name)}`,
    );
  }
  return new OPTIMIZERS[key as OptimizerName](params);
}
