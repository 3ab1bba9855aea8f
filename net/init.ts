/**
 * Weight initialisation (chapter 6): a fixed standard deviation, Xavier's
 * for sigmoid nets, or He's for ReLU nets.
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";

/**
 * How initial weights are drawn, as the book's `weight_init_std`: a number is
 * the standard deviation itself; `"xavier"` (or `"sigmoid"`) uses √(1/n) and
 * `"he"` (or `"relu"`) √(2/n), with n the number of inputs of the layer.
 */
export type WeightInit = number | "he" | "relu" | "xavier" | "sigmoid";

/**
 * The standard deviation `init` gives a layer with `fanIn` inputs.
 *
 * @param where the function to name in an error.
 * @throws {RangeError} for a negative or non-finite number, or an unknown name.
 *
 * @example
 * ```ts
 * import { initScale } from "@dlfs/nn/net";
 *
 * console.log(initScale("he", 50), initScale("xavier", 100), initScale(0.01, 784)); // 0.2 0.1 0.01
 * ```
 */
export function initScale(
  init: WeightInit,
  fanIn: number,
  where = "initScale()",
): number {
  if (typeof init === "number") {
    if (!Number.isFinite(init) || init < 0) {
      throw new RangeError(
        `${where}: expected a weight init standard deviation ≥ 0 but found ${init}`,
      );
    }
    return init;
  }
  switch (init) {
    case "he":
    case "relu":
      return Math.sqrt(2 / fanIn);
    case "xavier":
    case "sigmoid":
      return Math.sqrt(1 / fanIn);
    default:
      throw new RangeError(
        `${where}: expected a weight init of a number, "he", "relu", "xavier" or "sigmoid" but found ${
          JSON.stringify(init)
        }`,
      );
  }
}

/**
 * A `rows × cols` weight matrix of N(0, σ²) samples with σ from
 * {@linkcode initScale} (fan-in = `rows`), drawn row by row from `rng`, like
 * `scale * np.random.randn(rows, cols)`. `data` is storage for it (e.g.
 * shared memory), zero-filled and of length rows·cols (default: a new
 * `Float64Array`).
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { initWeights } from "@dlfs/nn/net";
 *
 * const W = initWeights(new Rng(0), 784, 50, "he");
 * console.log(W.shape); // 784×50, std ≈ 0.05
 * ```
 */
export function initWeights(
  rng: Rng,
  rows: number,
  cols: number,
  init: WeightInit,
  data?: Float64Array,
): Matrix {
  const scale = initScale(init, rows);
  const W = new Matrix(rows, cols, data);
  for (let i = 0; i < W.data.length; i++) W.data[i] = scale * rng.normal();
  return W;
}
