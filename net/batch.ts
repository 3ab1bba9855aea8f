// Checks and reductions the networks share (not exported from mod.ts).

import { argmax, kindOf, type Matrix } from "../core/matrix.ts";
import { assertBatch } from "../core/sparse.ts";
import type { Batch } from "../core/kernels.ts";
import { Rng } from "../core/rng.ts";
import { selectKernels } from "../core/backend.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";
import type { NetOptions } from "./network.ts";

export type { Batch };

/**
 * What a net's constructor makes of its {@linkcode NetOptions}, checked and
 * with the defaults (`init`: the net's own weight init): the generator, the
 * kernels, and the two ways the book's nets make parameters in the
 * kernels' memory.
 *
 * @throws {TypeError} for an rng that is not an Rng.
 * @throws {RangeError} for a bad weight init or choice of kernels.
 */
export function netSetup(where: string, options: NetOptions, init: WeightInit) {
  const { rng = new Rng(0), weightInitStd = init, backend } = options;
  checkRng(where, rng);
  initScale(weightInitStd, 1, where); // validates it
  const kernels = selectKernels(where, { backend, kernels: options.kernels });
  return {
    rng,
    kernels,
    /** rows×cols initial weights drawn from rng, row by row (fan-in: rows). */
    weights: (rows: number, cols: number): Matrix =>
      initWeights(rng, rows, cols, weightInitStd, kernels.float64(rows * cols)),
    /** 1×cols zeros (the book's biases). */
    zeros: (cols: number): Matrix => kernels.buffer(undefined, 1, cols),
  };
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
 * Throws unless `x` is a Matrix (or SparseRows) with `inputSize` columns and, when `needRows`,
 * at least one row. Messages name `where` and the shapes.
 */
export function checkBatch(
  where: string,
  x: Batch,
  inputSize: number,
  needRows: boolean,
): void {
  assertBatch(where, x);
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
