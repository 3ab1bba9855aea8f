/**
 * The book's `MultiLayerNet` (chapter 6, `common/multi_layer_net.py`): any
 * number of hidden layers, ReLU or sigmoid, a choice of initial weights, and
 * L2 weight decay.
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
import { Sigmoid } from "../layers/sigmoid.ts";
import { BatchNormalization } from "../layers/batch_normalization.ts";
import { Dropout } from "../layers/dropout.ts";
import { checkRng, checkSizes } from "./batch.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { MultiLayerNetSpec } from "./network.ts";

export type { ModeOptions } from "./network.ts";

/** Options of the {@linkcode MultiLayerNet} constructor. */
export interface MultiLayerNetOptions {
  /**
   * The generator of the initial weights and the Dropout masks (default
   * `new Rng(0)`: the same run every time).
   */
  rng?: Rng;
  /** The hidden layers' activation (default `"relu"`). */
  activation?: "relu" | "sigmoid";
  /**
   * Initial weights (the book's `weight_init_std`; default `"relu"`, i.e.
   * He): a standard deviation, or `"he"`/`"relu"` for √(2/n),
   * `"xavier"`/`"sigmoid"` for √(1/n).
   */
  weightInitStd?: WeightInit;
  /** λ of the L2 penalty ½·λ·ΣW² added to the loss (default 0: none). */
  weightDecayLambda?: number;
  /** Put a BatchNormalization after each hidden Affine (the book's `use_batchnorm`; default false). */
  useBatchnorm?: boolean;
  /** Put a Dropout after each hidden activation (the book's `use_dropout`; default false). */
  useDropout?: boolean;
  /** The fraction dropped by those Dropout layers (default 0.5). */
  dropoutRatio?: number;
  /**
   * The kernels to compute with: `"auto"` (default: WebAssembly SIMD where
   * the runtime has it, else pure TypeScript), `"simd"` or `"ts"` (see
   * `core/backend.ts`).
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
 * const net = new MultiLayerNet(784, [100, 100], 10, { rng, weightInitStd: "he" });
 * console.log(Object.keys(net.params)); // [ "W1", "b1", "W2", "b2", "W3", "b3" ]
 * console.log([...net.layers.keys()]); // Affine1, Activation_function1, Affine2, …
 * const x = new Matrix(2, 784, Float64Array.from({ length: 1568 }, () => rng.uniform()));
 * console.log(net.loss(x, [3, 8])); // ≈ log 10 ± a little
 * ```
 */
export class MultiLayerNet extends LayerNet {
  /** The sizes of the hidden layers, in order. */
  readonly hiddenSizes: readonly number[];
  /** λ of the L2 penalty (0: none). */
  readonly weightDecayLambda: number;
  /** What `buildNet` needs to rebuild this net: its type, sizes and layers. */
  readonly spec: MultiLayerNetSpec;
  /** The BatchNormalization layers, first hidden layer first (none without `useBatchnorm`). */
  readonly batchNorms: readonly BatchNormalization[];
  private readonly affines: readonly Affine[];
  private readonly decayed: Matrix[]; // dW + λW per Affine, when λ > 0

  /**
   * Creates the net with its initial weights drawn from `options.rng`
   * (W1 first, row by row, then W2, …), biases zero.
   *
   * @param options see {@linkcode MultiLayerNetOptions} (default `{}`: each
   * option at its default)
   * @throws {RangeError} for sizes that are not positive integers, a bad
   * `weightInitStd`, a negative `weightDecayLambda` or an unknown
   * activation.
   */
  constructor(
    inputSize: number,
    hiddenSizes: readonly number[],
    outputSize: number,
    options: MultiLayerNetOptions = {},
  ) {
    const where = "MultiLayerNet";
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
      rng = new Rng(0),
      activation = "relu",
      weightInitStd = "relu",
      weightDecayLambda = 0,
      useBatchnorm = false,
      useDropout = false,
      dropoutRatio = 0.5,
      backend,
    } = options;
    checkRng(where, rng);
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
    initScale(weightInitStd, inputSize, where); // validates it
    const kernels = selectKernels(where, { backend, kernels: options.kernels });
    const params: Record<string, Matrix> = {};
    const layers = new Map<string, Layer>();
    const affines: Affine[] = [], norms: BatchNormalization[] = [];
    for (let i = 1; i < sizes.length; i++) {
      const fanIn = sizes[i - 1], fanOut = sizes[i];
      const W = initWeights(
        rng,
        fanIn,
        fanOut,
        weightInitStd,
        kernels.float64(fanIn * fanOut),
      );
      const b = kernels.buffer(undefined, 1, fanOut);
      params[`W${i}`] = W;
      params[`b${i}`] = b;
      // Nothing needs ∂L/∂x of the input batch: Affine1 skips it.
      const affine = new Affine(W, b, { kernels, needsInputGrad: i > 1 });
      affines.push(affine);
      layers.set(`Affine${i}`, affine);
      if (i === sizes.length - 1) break; // the output layer: Affine only
      if (useBatchnorm) {
        const gamma = new Matrix(1, fanOut), beta = new Matrix(1, fanOut);
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
    this.batchNorms = norms;
    this.affines = affines;
    this.decayed = weightDecayLambda > 0
      ? affines.map((a) => new Matrix(a.W.rows, a.W.cols))
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
  override gradient(x: Matrix, t: Labels): Record<string, Matrix> {
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
