// What train.ts's flags default to, shared with the browser's train page
// (web/train.ts, web/train_worker.ts), so that both train the same nets with
// the same defaults. Each net's own defaults (hidden sizes, weight init,
// per-epoch evaluation, optimizer, epochs) are its registry entry's
// (net/registry.ts).

import type { NetKind } from "../net/registry.ts";
import type { OptimizerName } from "../optim/by_name.ts";

/** The defaults of `deno task train`, shared with the train page. */
export const DEFAULTS = {
  net: "two-layer", // the book's chapter-5 run
  iters: 10000,
  batchSize: 100,
  seed: 42,
  lr: 0.1, // SGD, the chapter-5 run
} as const;

/** What a run's flags say of its length and its optimizer (each may be absent). */
export interface RunFlags {
  optimizer?: OptimizerName;
  lr?: number;
  iters?: number;
  epochs?: number;
}

/**
 * The optimizer, learning rate and length of a run of `kind` with `flags`:
 * each flag given, else the kind's default (the book's train_deepnet.py:
 * Adam, 20 epochs), else SGD at lr 0.1 for 10000 iterations. An optimizer
 * other than SGD takes its own default lr (undefined here); `iters` wins
 * over `epochs`.
 */
export function runDefaults(
  kind: NetKind,
  flags: RunFlags,
): { optimizer: OptimizerName; lr?: number; iters?: number; epochs?: number } {
  const optimizer = flags.optimizer ?? kind.defaults.optimizer ?? "sgd";
  const lr = flags.lr ?? (optimizer === "sgd" ? DEFAULTS.lr : undefined);
  if (flags.iters !== undefined) return { optimizer, lr, iters: flags.iters };
  const epochs = flags.epochs ?? kind.defaults.epochs;
  return epochs === undefined
    ? { optimizer, lr, iters: DEFAULTS.iters }
    : { optimizer, lr, epochs };
}
