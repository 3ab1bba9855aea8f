/**
 * The book's `MultiLayerNet` (chapter 6, `common/multi_layer_net.py`): any
 * number of hidden layers, ReLU or sigmoid, a choice of initial weights, and
 * L2 weight decay.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { Affine } from "../layers/affine.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
import { Sigmoid } from "../layers/sigmoid.ts";
import { BatchNormalization } from "../layers/batch_normalization.ts";
import { Dropout } from "../layers/dropout.ts";
import { checkSizes } from "./batch.ts";
import { checkNetOptions, netSetup } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { NetOptions } from "./network.ts";
import type { NetKind } from "./registry.ts";

export type { ModeOptions } from "./network.ts";

/**
 * The parameters of a {@linkcode MultiLayerNet}, as the book's dict: `W1`,
 * `b1`, …, `Wn`, `bn` for its n Affine layers, then with BatchNorm `gamma1`,
 * `beta1`, … for its hidden layers. `gradient()` and `numericalGradient()`
 * return the same keys and shapes. Indexed by any string, as the book's
 * loop `for (const key of Object.keys(grads))` does.
 */
export type MultiLayerNetParams = Record<string, Matrix>;

/** The architecture of a {@linkcode MultiLayerNet}. */
export interface MultiLayerNetSpec {
  /** Which network. */
  type: "MultiLayerNet";
  /** D, input features. */
  inputSize: number;
  /** The hidden layers' sizes (the book's `hidden_size_list`). */
  hiddenSizes: number[];
  /** C, classes. */
  outputSize: number;
  /** The hidden layers' activation (default `"relu"`). */
  activation: "relu" | "sigmoid";
  /** Put a BatchNormalization after each hidden Affine (the book's `use_batchnorm`; default false). */
  useBatchnorm: boolean;
  /** Put a Dropout after each hidden activation (the book's `use_dropout`; default false). */
  useDropout: boolean;
  /** The fraction dropped by those Dropout layers (default 0.5). */
  dropoutRatio: number;
  /** λ of the L2 penalty ½·λ·ΣW² added to the loss (default 0: none). */
  weightDecayLambda: number;
}

/**
 * What {@linkcode MultiLayerNet}'s constructor takes: the book's
 * `MultiLayerNet(input_size, hidden_size_list, output_size, …)` by name,
 * the rest of the spec at its defaults, and the {@linkcode NetOptions}
 * (default weight init `"relu"`, i.e. He, as the book's; `rng` also draws
 * the Dropout masks).
 */
export type MultiLayerNetOptions =
  & Pick<MultiLayerNetSpec, "inputSize" | "hiddenSizes" | "outputSize">
  & Partial<Omit<MultiLayerNetSpec, "type">>
  & NetOptions;

/**
 * Affine → activation → … → Affine → SoftmaxWithLoss, with layer sizes
 * `inputSize, ...hiddenSizes, outputSize`. Parameters `W1 b1 … Wn bn`, layers
 * named as in the book (`Affine1`, `Activation_function1`, …).
 *
 * With weight decay the loss is the cross-entropy plus ½·λ·Σ‖Wᵢ‖² and the
 * gradient of each Wᵢ gains λ·Wᵢ; biases are not decayed.
 *
 * With `useBatchnorm` / `useDropout` it is the book's `MultiLayerNetExtend`:
 * hidden layer i is Affine → BatchNorm → activation → Dropout, with trainable
 * `gamma{i}` (ones) and `beta{i}` (zeros). `predict` and `loss` run those
 * layers in test mode unless `{ train: true }`; `gradient` and
 * `numericalGradient` run them in training mode, as the book's code does.
 *
 * @example A 784-100-100-10 ReLU net with He initialisation
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { MultiLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(0);
 * const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100, 100], outputSize: 10, rng, weightInitStd: "he" });
 * console.log(Object.keys(net.params)); // [ "W1", "b1", "W2", "b2", "W3", "b3" ]
 * console.log([...net.layers.keys()]); // Affine1, Activation_function1, Affine2, …
 * const x = new Matrix(2, 784, Float64Array.from({ length: 1568 }, () => rng.uniform()));
 * console.log(net.loss(x, [3, 8])); // ≈ log 10 ± a little
 * ```
 */
export class MultiLayerNet extends LayerNet<MultiLayerNetParams> {
  /** The sizes of the hidden layers, in order. */
  readonly hiddenSizes: readonly number[];
  /** λ of the L2 penalty (0: none). */
  readonly weightDecayLambda: number;
  /** What `buildNet` needs to rebuild this net: its type, sizes and layers. */
  readonly spec: MultiLayerNetSpec;
  private readonly affines: readonly Affine[];
  private readonly decayed: Matrix[]; // dW + λW per Affine, when λ > 0

  /**
   * Creates the net with its initial weights drawn from `options.rng`
   * (W1 first, row by row, then W2, …), biases zero.
   *
   * @param options the sizes, the layers and {@linkcode NetOptions}: see
   * {@linkcode MultiLayerNetOptions}
   * @throws {RangeError} for sizes that are not positive integers, a bad
   * `weightInitStd`, a negative `weightDecayLambda` or an unknown
   * activation.
   * @throws {TypeError} for an option it does not take.
   */
  constructor(options: MultiLayerNetOptions) {
    const where = "MultiLayerNet";
    checkNetOptions(where, options, [
      "inputSize",
      "hiddenSizes",
      "outputSize",
      "activation",
      "useBatchnorm",
      "useDropout",
      "dropoutRatio",
      "weightDecayLambda",
    ]);
    const { inputSize, hiddenSizes, outputSize } = options ?? {};
    const sizes = [inputSize, ...(hiddenSizes ?? []), outputSize];
    checkSizes(
      where,
      sizes.map((v, i) => [
        i === 0
          ? "inputSize"
          : i === sizes.length - 1
          ? "outputSize"
          : `hiddenSizes[${i - 1}]`,
        v,
      ]),
    );
    const {
      activation = "relu",
      weightDecayLambda = 0,
      useBatchnorm = false,
      useDropout = false,
      dropoutRatio = 0.5,
    } = options;
    if (activation !== "relu" && activation !== "sigmoid") {
      throw new RangeError(
        `${where}: expected activation "relu" or "sigmoid" but found ${
          JSON.stringify(activation)
        }`,
      );
    }
    if (!Number.isFinite(weightDecayLambda) || weightDecayLambda < 0) {
      throw new RangeError(
        `${where}: expected weightDecayLambda to be a finite number ≥ 0 but found ${weightDecayLambda}`,
      );
    }
    const { rng, kernels, weights, zeros } = netSetup(where, options, "relu");
    const params: MultiLayerNetParams = {};
    const layers = new Map<string, Layer>();
    const affines: Affine[] = [], norms: BatchNormalization[] = [];
    for (let i = 1; i < sizes.length; i++) {
      const W = weights(sizes[i - 1], sizes[i]), b = zeros(sizes[i]);
      params[`W${i}`] = W;
      params[`b${i}`] = b;
      // Nothing needs ∂L/∂x of the input batch: Affine1 skips it.
      const affine = new Affine(W, b, { kernels, needsInputGrad: i > 1 });
      affines.push(affine);
      layers.set(`Affine${i}`, affine);
      if (i === sizes.length - 1) break; // the output layer: Affine only
      if (useBatchnorm) {
        const gamma = zeros(sizes[i]), beta = zeros(sizes[i]);
        gamma.data.fill(1);
        const bn = new BatchNormalization(gamma, beta, { kernels });
        norms.push(bn);
        layers.set(`BatchNorm${i}`, bn);
      }
      const act = activation === "relu"
        ? new Relu({ kernels })
        : new Sigmoid({ kernels });
      layers.set(`Activation_function${i}`, act);
      if (useDropout) {
        const dropout = new Dropout({ rng, ratio: dropoutRatio, kernels });
        layers.set(`Dropout${i}`, dropout);
      }
    }
    // As the book's dict: all W and b first, then gamma1, beta1, gamma2, …
    norms.forEach((bn, k) => {
      params[`gamma${k + 1}`] = bn.gamma;
      params[`beta${k + 1}`] = bn.beta;
    });
    super({ name: where, kernels, inputSize, outputSize, params, layers });
    this.hiddenSizes = [...hiddenSizes];
    this.weightDecayLambda = weightDecayLambda;
    this.affines = affines;
    this.decayed = weightDecayLambda > 0
      ? affines.map((a) => kernels.buffer(undefined, a.W.rows, a.W.cols))
      : [];
    this.spec = {
      type: "MultiLayerNet",
      inputSize,
      hiddenSizes: [...hiddenSizes],
      outputSize,
      activation,
      useBatchnorm,
      useDropout,
      dropoutRatio,
      weightDecayLambda,
    };
  }

  /**
   * ∂loss/∂params by backpropagation (see `LayerNet.gradient`); with
   * weight decay each dWᵢ gains λ·Wᵢ, in a buffer of the net's.
   */
  override gradient(x: Matrix, t: Labels): MultiLayerNetParams {
    const grads = super.gradient(x, t);
    const lambda = this.weightDecayLambda;
    if (lambda > 0) {
      this.affines.forEach((affine, k) => {
        const out = this.decayed[k], W = affine.W.data, G = affine.dW.data;
        const D = out.data;
        for (let i = 0; i < D.length; i++) D[i] = G[i] + lambda * W[i]; // ∂(½λW²)/∂W = λW
        grads[`W${k + 1}`] = out;
      });
    }
    return grads;
  }

  /** ½·λ·Σ‖Wᵢ‖², the weight decay added to the loss. */
  protected override penalty(): number {
    const lambda = this.weightDecayLambda;
    if (lambda === 0) return 0;
    let decay = 0;
    for (const affine of this.affines) {
      const W = affine.W.data;
      let sum = 0;
      for (let i = 0; i < W.length; i++) sum += W[i] * W[i];
      decay += 0.5 * lambda * sum;
    }
    return decay;
  }
}

/** The {@linkcode MultiLayerNet} kind of the registry: `--net multi-layer`. */
export const MULTI_LAYER_NET: NetKind<MultiLayerNetSpec> = {
  type: "MultiLayerNet",
  name: "multi-layer",
  summary: "the book's MultiLayerNet, chapter 6",
  module: import.meta.url,
  build: (spec, options) => new MultiLayerNet({ ...spec, ...options }),
  describe: (s) =>
    `MultiLayerNet(${s.inputSize}, [${
      s.hiddenSizes.join(", ")
    }], ${s.outputSize}${s.useBatchnorm ? ", batchnorm" : ""}${
      s.useDropout ? `, dropout ${s.dropoutRatio}` : ""
    }${
      s.weightDecayLambda > 0 ? `, weight decay ${s.weightDecayLambda}` : ""
    })`,
  defaults: { hidden: [50], init: "he" },
  takes: {
    hidden: "list",
    batchnorm: true,
    dropout: true,
    "weight-decay": true,
  },
  forMnist: (flags) => ({
    type: "MultiLayerNet",
    inputSize: 784,
    hiddenSizes: [...flags.hidden],
    outputSize: 10,
    activation: "relu",
    useBatchnorm: flags.batchnorm,
    useDropout: flags.dropout !== undefined,
    dropoutRatio: flags.dropout ?? 0.5,
    weightDecayLambda: flags.weightDecay,
  }),
};
