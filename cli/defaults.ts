// What train.ts's flags default to, shared with the browser's train page
// (web/train.ts, web/train_worker.ts), so that both train the same nets with
// the same defaults. Each net's own defaults (hidden sizes, weight init,
// per-epoch evaluation) are its registry entry's (net/registry.ts).

/** The defaults of `deno task train`, shared with the train page. */
export const DEFAULTS = {
  net: "two-layer", // the book's chapter-5 run
  iters: 10000,
  batchSize: 100,
  seed: 42,
  lr: 0.1, // SGD, the chapter-5 run
} as const;
