/**
 * The book's two-layer network (section 5.7.2, `ch05/two_layer_net.py`),
 * built from layers: Affine1 → Relu1 → Affine2 → SoftmaxWithLoss.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { Affine } from "../layers/affine.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
import { checkSizes } from "./batch.ts";
import { checkNetOptions, netSetup } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { NetOptions } from "./network.ts";
import type { NetKind } from "./registry.ts";

/**
 * The four parameters of a {@linkcode TwoLayerNet}, with D inputs, H hidden
 * units and C classes: W1 D×H, b1 1×H, W2 H×C, b2 1×C. `gradient()` and
 * `numericalGradient()` return the same keys and shapes. Any string indexes
 * it too, so that the book's loop over the keys type-checks:
 * `for (const key of Object.keys(grads)) params[key]…`.
 */
export type TwoLayerNetParams = Record<string, Matrix> & {
  /** First-layer weights, D×H. */
  W1: Matrix;
  /** First-layer bias, 1×H. */
  b1: Matrix;
  /** Second-layer weights, H×C. */
  W2: Matrix;
  /** Second-layer bias, 1×C. */
  b2: Matrix;
};

/** The architecture of a {@linkcode TwoLayerNet}: the book's three sizes. */
export interface TwoLayerNetSpec {
  /** Which network. */
  type: "TwoLayerNet";
  /** D, input features (784 for MNIST). */
  inputSize: number;
  /** H, hidden units (50 in the book). */
  hiddenSize: number;
  /** C, classes (10 for MNIST). */
  outputSize: number;
}

/**
 * What {@linkcode TwoLayerNet}'s constructor takes: the book's
 * `TwoLayerNet(input_size, hidden_size, output_size, weight_init_std=0.01)`
 * by name, and the {@linkcode NetOptions} (default weight init 0.01).
 */
export type TwoLayerNetOptions = Omit<TwoLayerNetSpec, "type"> & NetOptions;

/**
 * A two-layer fully connected classifier, as in the book: W1 and W2 drawn
 * from N(0, weightInitStd²) (W1 first, row by row, then W2), biases zero.
 * With `weightInitStd: "he"` or `"xavier"` the standard deviation is set per
 * layer from its fan-in instead.
 *
 * `params` holds the matrices the layers use, so updating `params.W1.data` in
 * place trains the net. `gradient()` returns the Affine layers' own dW and db
 * buffers: read them (or apply them) before the next call. The methods are
 * `LayerNet`'s, written once for the book's nets.
 *
 * @example Gradient check on a tiny random batch, the book's ten lines
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(1);
 * const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 5, outputSize: 3, rng });
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
export class TwoLayerNet extends LayerNet<TwoLayerNetParams> {
  /** H, the number of hidden units. */
  readonly hiddenSize: number;
  /** What `buildNet` needs to rebuild this net: its type and sizes. */
  readonly spec: TwoLayerNetSpec;

  /**
   * Creates the net with normal random weights and zero biases.
   *
   * @param options the sizes and {@linkcode NetOptions}: see
   * {@linkcode TwoLayerNetOptions}
   * @throws {RangeError} unless the sizes are positive integers and
   * `weightInitStd` is finite and non-negative.
   * @throws {TypeError} for an option it does not take.
   */
  constructor(options: TwoLayerNetOptions) {
    const where = "TwoLayerNet";
    checkNetOptions(where, options, ["inputSize", "hiddenSize", "outputSize"]);
    const { inputSize, hiddenSize, outputSize } = options ?? {};
    checkSizes(where, [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["outputSize", outputSize],
    ]);
    const { kernels, weights, zeros } = netSetup(where, options, 0.01);
    const params = {
      W1: weights(inputSize, hiddenSize),
      b1: zeros(hiddenSize),
      W2: weights(hiddenSize, outputSize),
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
}

/** The {@linkcode TwoLayerNet} kind of the registry: `--net two-layer`. */
export const TWO_LAYER_NET: NetKind<TwoLayerNetSpec> = {
  type: "TwoLayerNet",
  name: "two-layer",
  summary: "the book's TwoLayerNet, chapter 5",
  module: import.meta.url,
  build: (spec, options) => new TwoLayerNet({ ...spec, ...options }),
  describe: (s) =>
    `TwoLayerNet(${s.inputSize}, ${s.hiddenSize}, ${s.outputSize})`,
  defaults: { hidden: [50], init: 0.01 },
  takes: { hidden: "one" },
  forMnist: ({ hidden: [hiddenSize] }) => ({
    type: "TwoLayerNet",
    inputSize: 784,
    hiddenSize,
    outputSize: 10,
  }),
};
