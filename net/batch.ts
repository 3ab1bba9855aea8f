// Checks and reductions the networks share (not exported from mod.ts).

import {
  argmax,
  assertMatrix,
  ensureShape,
  kindOf,
  type Matrix,
} from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import type { Rng } from "../core/rng.ts";
import type { Layer } from "../layers/layer.ts";
import type { SampleSet } from "./network.ts";

/**
 * Runs `f`, then puts back what a net's forward passes in training mode
 * change, as it was found: its `state()` (BatchNorm's running averages) and
 * the generators its random layers draw from (Dropout's).
 */
export function keepingState<T>(
  net: {
    state?(): Record<string, Matrix>;
    readonly layers?: ReadonlyMap<string, Layer>;
  },
  f: () => T,
): T {
  const saved = Object.values(net.state?.() ?? {}).map((m) =>
    [m, m.data.slice()] as const
  );
  const rngs = [...net.layers?.values() ?? []].flatMap((layer) =>
    layer.rng ? [[layer.rng, layer.rng.state()] as const] : []
  );
  try {
    return f();
  } finally {
    for (const [m, data] of saved) m.data.set(data);
    for (const [rng, state] of rngs) rng.setState(state);
  }
}

/** Throws a RangeError naming the first of `sizes` that is not an integer ≥ 1. */
export function checkSizes(
  where: string,
  sizes: readonly (readonly [name: string, value: number])[],
): void {
  for (const [name, v] of sizes) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `${where}: expected ${name} to be a positive integer but found ${v}`,
      );
    }
  }
}

/** Throws a TypeError unless `rng` is an Rng. */
export function checkRng(
  where: string,
  rng: Rng | undefined,
): asserts rng is Rng {
  if (typeof rng?.normal !== "function") {
    throw new TypeError(
      `${where}: expected options.rng to be an Rng (e.g. { rng: new Rng(42) }) but found ${
        kindOf(rng)
      }`,
    );
  }
}

/**
 * Throws unless `x` is a Matrix with `inputSize` columns and, when `needRows`,
 * at least one row. Messages name `where` and the shapes.
 */
export function checkBatch(
  where: string,
  x: Matrix,
  inputSize: number,
  needRows: boolean,
): void {
  assertMatrix(where, "x", x);
  if (x.cols !== inputSize) {
    throw new RangeError(
      `${where}: expected x with ${inputSize} columns (inputSize) but found x of shape ${x.shape}`,
    );
  }
  if (needRows && x.rows === 0) {
    throw new RangeError(
      `${where}: expected a batch of at least one row but found x of shape ${x.shape}`,
    );
  }
}

/**
 * How many rows of the scores `y` have their highest score at the label
 * (`argmax`: ties go to the lowest index, as `np.argmax`).
 */
export function countCorrect(y: Matrix, labels: Int32Array): number {
  const best = argmax(y);
  let correct = 0;
  for (let i = 0; i < y.rows; i++) if (best[i] === labels[i]) correct++;
  return correct;
}

/**
 * The rows of `x` as a {@linkcode SampleSet}: `batch` copies the rows at
 * `indices` (into the kernels' memory when given the kernels), so that a
 * net evaluating or training on x chunk by chunk keeps no reference to it.
 */
export function rowsOf(x: Matrix): SampleSet {
  const d = x.cols, X = x.data;
  return {
    count: x.rows,
    sampleSize: d,
    batch(indices: ArrayLike<number>, out?: Matrix, kernels?: Kernels) {
      const n = indices.length;
      const b = kernels?.buffer(out, n, d) ?? ensureShape(out, n, d);
      for (let r = 0; r < n; r++) {
        const i = indices[r];
        b.data.set(X.subarray(i * d, (i + 1) * d), r * d);
      }
      return b;
    },
  };
}
