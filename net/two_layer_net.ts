/**
 * The book's two-layer network (section 5.7.2, `ch05/two_layer_net.py`),
 * built from layers: Affine1 → Relu1 → Affine2 → SoftmaxWithLoss.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
import { checkRng, checkSizes } from "./batch.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { TwoLayerNetSpec } from "./network.ts";

/**
 * The four parameters of a {@linkcode TwoLayerNet}, with D inputs, H hidden
 * units and C classes: W1 D×H, b1 1×H, W2 H×C, b2 1×C. `gradient()` and
 * `numericalGradient()` return the same keys and shapes.
 */
export type TwoLayerNetParams = {
  /** First-layer weights, D×H. */
  W1: Matrix;
  /** First-layer bias, 1×H. */
  b1: Matrix;
  /** Second-layer weights, H×C. */
  W2: Matrix;
  /** Second-layer bias, 1×C. */
  b2: Matrix;
};

/** Options of the {@linkcode TwoLayerNet} constructor. */
export interface TwoLayerNetOptions {
  /**
   * Standard deviation of the normal initial weights (default 0.01, the
   * book's), or `"he"` / `"xavier"` (see {@linkcode WeightInit}).
   */
  weightInitStd?: WeightInit;
  /**
   * The generator the initial weights are drawn from (default
   * `new Rng(0)`: the same weights every run).
   */
  rng?: Rng;
  /**
   * The kernels to compute with: `"auto"` (default: WebAssembly SIMD where
   * the runtime has it, else pure TypeScript), `"simd"` or `"ts"` (the
   * book's loops, blocked; see `core/backend.ts`).
   */
  backend?: Backend;
  /**
   * Kernels made by the caller (e.g. `SimdKernels.create({ threads: 2 })`),
   * instead of `backend` (default: none, `backend` picks them); the caller
   * closes them. Nets sharing them share their memory.
   */
  kernels?: Kernels;
}

/**
 * A two-layer fully connected classifier, as in the book: W1 and W2 drawn
 * from N(0, weightInitStd²) (W1 first, row by row, then W2), biases zero.
 * With `weightInitStd: "he"` or `"xavier"` the standard deviation is set per
 * layer from its fan-in instead.
 *
 * `params` holds the matrices the layers use, so updating `params.W1.data` in
 * place trains the net. `gradient()` returns the Affine layers' own dW and db
 * buffers: read them (or apply them) before the next call. The methods are
 * `LayerNet`'s, written once for the three nets.
 *
 * @example Gradient check on a tiny random batch, the book's ten lines
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(1);
 * const net = new TwoLayerNet(4, 5, 3, { rng });
 * const x = new Matrix(2, 4, Float64Array.from({ length: 8 }, () => rng.uniform()));
 * const t = [0, 2];
 * const numerical = net.numericalGradient(x, t);
 * const backprop = net.gradient(x, t);
 * for (const key of ["W1", "b1", "W2", "b2"] as const) {
 *   const a = backprop[key].data, n = numerical[key].data;
 *   let diff = 0;
 *   for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - n[i]);
 *   console.log(`${key}: ${diff / a.length}`); // each well below 1e-6
 * }
 * ```
 */
export class TwoLayerNet extends LayerNet {
  /** H, the number of hidden units. */
  readonly hiddenSize: number;
  /** W1, b1, W2, b2: the very matrices the layers compute with. */
  declare readonly params: Readonly<TwoLayerNetParams>;
  /** What `buildNet` needs to rebuild this net: its type and sizes. */
  readonly spec: TwoLayerNetSpec;

  /**
   * Creates the net with normal random weights and zero biases.
   *
   * @param inputSize D (784 for MNIST)
   * @param hiddenSize H (50 in the book)
   * @param outputSize C (10 for MNIST)
   * @param options see {@linkcode TwoLayerNetOptions} (default `{}`: the book's
   * 0.01 weights from `new Rng(0)`, on the `"auto"` kernels)
   * @throws {RangeError} unless the sizes are positive integers and
   * `weightInitStd` is finite and non-negative.
   */
  constructor(
    inputSize: number,
    hiddenSize: number,
    outputSize: number,
    options: TwoLayerNetOptions = {},
  ) {
    const where = "TwoLayerNet";
    checkSizes(where, [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["outputSize", outputSize],
    ]);
    const { weightInitStd = 0.01, rng = new Rng(0), backend } = options;
    initScale(weightInitStd, inputSize, where); // validates it
    checkRng(where, rng);
    const kernels = selectKernels(where, { backend, kernels: options.kernels });
    const randn = (rows: number, cols: number) =>
      initWeights(rng, rows, cols, weightInitStd, kernels.float64(rows * cols));
    const zeros = (cols: number) => kernels.buffer(undefined, 1, cols);
    const params = {
      W1: randn(inputSize, hiddenSize),
      b1: zeros(hiddenSize),
      W2: randn(hiddenSize, outputSize),
      b2: zeros(outputSize),
    };
    const layers = new Map<string, Layer>([
      // Nothing needs ∂L/∂x of the input batch: Affine1 skips it.
      [
        "Affine1",
        new Affine(params.W1, params.b1, {
          kernels,
          needsInputGrad: false,
        }),
      ],
      ["Relu1", new Relu({ kernels })],
      ["Affine2", new Affine(params.W2, params.b2, { kernels })],
    ]);
    super({ name: where, kernels, inputSize, outputSize, params, layers });
    this.hiddenSize = hiddenSize;
    this.spec = { type: "TwoLayerNet", inputSize, hiddenSize, outputSize };
  }

  /** ∂loss/∂params by backpropagation (see `LayerNet.gradient`). */
  override gradient(x: Matrix, t: Labels): TwoLayerNetParams {
    return super.gradient(x, t) as TwoLayerNetParams;
  }

  /** ∂loss/∂params by central differences (see `LayerNet.numericalGradient`). */
  override numericalGradient(x: Matrix, t: Labels): TwoLayerNetParams {
    return super.numericalGradient(x, t) as TwoLayerNetParams;
  }
}
