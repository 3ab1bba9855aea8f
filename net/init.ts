/**
 * Weight initialisation (chapter 6): a fixed standard deviation, Xavier's
 * for sigmoid nets, or He's for ReLU nets.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import { selectKernels } from "../core/backend.ts";
import { checkOptions } from "../core/options.ts";
import { checkRng } from "./batch.ts";
import type { NetOptions } from "./network.ts";

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

/** Options of {@linkcode initWeights}. */
export interface InitWeightsOptions {
  /**
   * The layer's inputs per output, n of {@linkcode initScale} (default
   * `rows`: an Affine's W is inputs × outputs; a filter bank FN×(C·FH·FW)
   * has C·FH·FW, its `cols`).
   */
  fanIn?: number;
  /**
   * Storage for the matrix (e.g. shared memory), zero-filled and of length
   * rows·cols, of either dtype (default: a new `Float64Array`).
   */
  data?: FloatArray;
}

/**
 * A `rows × cols` weight matrix of N(0, σ²) samples with σ from
 * {@linkcode initScale} (fan-in: `options.fanIn`, default `rows`), drawn
 * row by row from `rng`, like `scale * np.random.randn(rows, cols)`.
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { initWeights } from "@dlfs/nn/net";
 *
 * const W = initWeights(new Rng(0), 784, 50, "he");
 * console.log(W.shape); // 784×50, std ≈ √(2/784) ≈ 0.05
 * const filters = initWeights(new Rng(0), 16, 1 * 3 * 3, "he", { fanIn: 9 });
 * console.log(filters.shape); // 16×9, std ≈ √(2/9) ≈ 0.47
 * ```
 */
export function initWeights(
  rng: Rng,
  rows: number,
  cols: number,
  init: WeightInit,
  options: InitWeightsOptions = {},
): Matrix {
  const { fanIn = rows, data } = options;
  const scale = initScale(init, fanIn);
  const W = new Matrix(rows, cols, data);
  for (let i = 0; i < W.data.length; i++) W.data[i] = scale * rng.normal();
  return W;
}

/**
 * Throws a TypeError naming `where` (and the nearest known key) for a key of
 * a net's options that is none of its `own` (its sizes, its layers) nor a
 * {@linkcode NetOptions} key nor its spec's `type` (taken, so that
 * `new TwoLayerNet({ ...spec, rng })` works).
 */
export function checkNetOptions(
  where: string,
  options: unknown,
  own: readonly string[],
): void {
  checkOptions(where, options, [
    ...own,
    "rng",
    "weightInitStd",
    "backend",
    "kernels",
    "dtype",
    "type",
  ]);
}

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
  const { rng = new Rng(0), weightInitStd = init, backend, dtype } = options;
  checkRng(where, rng);
  initScale(weightInitStd, 1, where); // validates it
  const kernels = selectKernels(where, {
    backend,
    kernels: options.kernels,
    dtype,
  });
  return {
    rng,
    kernels,
    /** An Affine's W, inputs×outputs, drawn from rng row by row (fan-in: inputs). */
    weights: (inputs: number, outputs: number): Matrix =>
      initWeights(rng, inputs, outputs, weightInitStd, {
        data: kernels.floats(inputs * outputs),
      }),
    /**
     * A Convolution's W, FN×(C·FH·FW), drawn from rng row by row (fan-in:
     * C·FH·FW, each filter's inputs; the book's `pre_node_nums`).
     */
    filters: (filterNum: number, fanIn: number): Matrix =>
      initWeights(rng, filterNum, fanIn, weightInitStd, {
        fanIn,
        data: kernels.floats(filterNum * fanIn),
      }),
    /** 1×cols zeros (the book's biases). */
    zeros: (cols: number): Matrix => kernels.buffer(undefined, 1, cols),
  };
}
