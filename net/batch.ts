// Checks and reductions the networks share (not exported from mod.ts).

import { assertMatrix, type Matrix } from "../core/matrix.ts";
import { allFinite, type ArrayAllocator, SparseRows } from "../core/sparse.ts";
import { SPARSE_MAX_DENSITY } from "../layers/affine.ts";
import type { Rng } from "../core/rng.ts";

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

/** Throws a TypeError unless `rng` is an Rng (the nets' required option). */
export function checkRng(
  where: string,
  rng: Rng | undefined,
): asserts rng is Rng {
  if (typeof rng?.normal !== "function") {
    throw new TypeError(
      `${where}: expected options.rng to be an Rng (e.g. { rng: new Rng(42) }) but found none`,
    );
  }
}

/**
 * A batch of inputs, one row per sample: dense, or just its non-zeros
 * (`SparseRows`, e.g. from `ImageSet.sparseBatch`), which the nets whose
 * first layer is Affine take as they are (same results, less work).
 */
export type Batch = Matrix | SparseRows;

/**
 * Throws unless `x` is a Matrix (or SparseRows) with `inputSize` columns and, when `needRows`,
 * at least one row. Messages name `where` and the shapes.
 */
export function checkBatch(
  where: string,
  x: Batch,
  inputSize: number,
  needRows: boolean,
): void {
  if (!(x instanceof SparseRows)) assertMatrix(where, "x", x);
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
 * (ties go to the lowest index, as `np.argmax`).
 */
export function countCorrect(y: Matrix, labels: Int32Array): number {
  const c = y.cols, Y = y.data;
  let correct = 0;
  for (let i = 0; i < y.rows; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (Y[i * c + j] > Y[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/**
 * Runs `fn` with the layers' per-forward finiteness check of W switched off,
 * when every parameter is finite now. For the numerical gradient: it checks
 * the parameters once and perturbs them by ±h, which keeps them finite, so
 * the check (half of a batch-3 forward) would only repeat itself.
 */
export function withFiniteWeights<T>(
  layers: Iterable<unknown>,
  params: Iterable<Matrix>,
  fn: () => T,
): T {
  const switchable = [...layers].filter((l): l is { assumeFiniteW: boolean } =>
    typeof (l as { assumeFiniteW?: unknown }).assumeFiniteW === "boolean"
  );
  if (![...params].every(allFinite)) return fn();
  for (const l of switchable) l.assumeFiniteW = true;
  try {
    return fn();
  } finally {
    for (const l of switchable) l.assumeFiniteW = false;
  }
}

/**
 * x's non-zeros as SparseRows (arrays from `alloc`) when a first Affine
 * layer would skip its zeros anyway, else x itself: for the numerical
 * gradient, which runs forward on the same x twice per parameter element,
 * so that the layer does not search x for zeros every time. Same results.
 */
export function sparseOnce(x: Batch, alloc: ArrayAllocator): Batch {
  if (x instanceof SparseRows) return x;
  const s = new SparseRows(alloc);
  return s.fill(x, SPARSE_MAX_DENSITY) ? s : x;
}
