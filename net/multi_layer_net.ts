/**
 * The book's `MultiLayerNet` (chapter 6, `common/multi_layer_net.py`): any
 * number of hidden layers, ReLU or sigmoid, a choice of initial weights, and
 * L2 weight decay.
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import { labelIndices, type Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
import { Sigmoid } from "../layers/sigmoid.ts";
import { BatchNormalization } from "../layers/batch_normalization.ts";
import { Dropout } from "../layers/dropout.ts";
import { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";
import {
  backpropagate,
  type Batch,
  checkBatch,
  checkRng,
  checkSizes,
  countCorrect,
  numericalGradients,
} from "./batch.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";

/** Options of the {@linkcode MultiLayerNet} constructor. */
export interface MultiLayerNetOptions {
  /** The generator the initial weights are drawn from (seeded, explicit). */
  rng: Rng;
  /** The hidden layers' activation (default `"relu"`). */
  activation?: "relu" | "sigmoid";
  /**
   * Initial weights (default `"relu"`, i.e. He): a standard deviation, or
   * `"he"`/`"relu"` for √(2/n), `"xavier"`/`"sigmoid"` for √(1/n).
   */
  weightInit?: WeightInit;
  /** λ of the L2 penalty ½·λ·ΣW² added to the loss (default 0: none). */
  weightDecayLambda?: number;
  /** Put a BatchNormalization after each hidden Affine (the book's `use_batchnorm`). */
  useBatchnorm?: boolean;
  /** Put a Dropout after each hidden activation (the book's `use_dropout`). */
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
   * instead of `backend`; the caller closes them. Nets sharing them share
   * their memory.
   */
  kernels?: Kernels;
}

/** Whether layers with a training mode run in it (the book's `train_flg`). */
export interface ModeOptions {
  /** Training mode: batch statistics, random dropout (default false). */
  train?: boolean;
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
 * const net = new MultiLayerNet(784, [100, 100], 10, { rng, weightInit: "he" });
 * console.log(Object.keys(net.params)); // [ "W1", "b1", "W2", "b2", "W3", "b3" ]
 * console.log([...net.layers.keys()]); // Affine1, Activation_function1, Affine2, …
 * const x = new Matrix(2, 784, Float64Array.from({ length: 1568 }, () => rng.uniform()));
 * console.log(net.loss(x, [3, 8])); // ≈ log 10 ± a little
 * ```
 */
export class MultiLayerNet {
  /** D, the number of input features. */
  readonly inputSize: number;
  /** The sizes of the hidden layers, in order. */
  readonly hiddenSizes: readonly number[];
  /** C, the number of classes. */
  readonly outputSize: number;
  /** λ of the L2 penalty (0: none). */
  readonly weightDecayLambda: number;
  /** W1, b1, …, Wn, bn: the very matrices the layers compute with. */
  readonly params: Readonly<Record<string, Matrix>>;
  /** The layers in forward order. */
  readonly layers: ReadonlyMap<string, Layer>;
  /** The BatchNormalization layers, first hidden layer first (none without `useBatchnorm`). */
  get batchNorms(): readonly BatchNormalization[] {
    return this.#norms;
  }
  /** The loss layer that follows `layers`. */
  readonly lastLayer: SoftmaxWithLoss = new SoftmaxWithLoss();
  /** What `io/` saves to rebuild this net: its type, sizes and layers. */
  readonly spec: {
    type: "MultiLayerNet";
    inputSize: number;
    hiddenSizes: number[];
    outputSize: number;
    activation: "relu" | "sigmoid";
    useBatchnorm: boolean;
    useDropout: boolean;
    dropoutRatio: number;
    weightDecayLambda: number;
  };
  /** The kernels the layers compute with (see `backend`). */
  readonly kernels: Kernels;
  #affines: Affine[] = [];
  #norms: BatchNormalization[] = [];
  #dropouts: Dropout[] = [];
  #order: Layer[];
  #decayed = new Map<string, Matrix>(); // dW + λW, when λ > 0
  #labels: Int32Array = new Int32Array(0);

  /**
   * Creates the net with its initial weights drawn from `options.rng`
   * (W1 first, row by row, then W2, …), biases zero.
   *
   * @throws {RangeError} for sizes that are not positive integers, a bad
   * `weightInit`, a negative `weightDecayLambda` or an unknown activation.
   */
  constructor(
    inputSize: number,
    hiddenSizes: readonly number[],
    outputSize: number,
    options: MultiLayerNetOptions,
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
      rng,
      activation = "relu",
      weightInit = "relu",
      weightDecayLambda = 0,
      useBatchnorm = false,
      useDropout = false,
      dropoutRatio = 0.5,
      backend,
    } = options ?? {};
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
    initScale(weightInit, inputSize, where); // validates it
    const kernels = this.kernels = selectKernels(where, {
      backend,
      kernels: options.kernels,
    });
    this.inputSize = inputSize;
    this.hiddenSizes = [...hiddenSizes];
    this.outputSize = outputSize;
    this.weightDecayLambda = weightDecayLambda;
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

    const params: Record<string, Matrix> = {};
    const layers = new Map<string, Layer>();
    const norms: [number, Matrix, Matrix][] = [];
    for (let i = 1; i < sizes.length; i++) {
      const fanIn = sizes[i - 1], fanOut = sizes[i];
      const W = initWeights(
        rng,
        fanIn,
        fanOut,
        weightInit,
        kernels.float64(fanIn * fanOut),
      );
      const b = kernels.buffer(undefined, 1, fanOut);
      params[`W${i}`] = W;
      params[`b${i}`] = b;
      // Nothing needs ∂L/∂x of the input batch: Affine1 skips it.
      const affine = new Affine(W, b, { kernels, needsInputGrad: i > 1 });
      this.#affines.push(affine);
      layers.set(`Affine${i}`, affine);
      if (i === sizes.length - 1) break; // the output layer: Affine only
      if (useBatchnorm) {
        const gamma = new Matrix(1, fanOut), beta = new Matrix(1, fanOut);
        gamma.data.fill(1);
        norms.push([i, gamma, beta]);
        const bn = new BatchNormalization(gamma, beta, { kernels });
        this.#norms.push(bn);
        layers.set(`BatchNorm${i}`, bn);
      }
      const act = activation === "relu"
        ? new Relu({ kernels })
        : new Sigmoid({ kernels });
      layers.set(`Activation_function${i}`, act);
      if (useDropout) {
        const dropout = new Dropout({ rng, ratio: dropoutRatio, kernels });
        this.#dropouts.push(dropout);
        layers.set(`Dropout${i}`, dropout);
      }
    }
    // As the book's dict: all W and b first, then gamma1, beta1, gamma2, …
    for (const [i, gamma, beta] of norms) {
      params[`gamma${i}`] = gamma;
      params[`beta${i}`] = beta;
    }
    this.params = params;
    this.layers = layers;
    this.#order = [...layers.values()];
  }

  /**
   * The class scores (before softmax): N×D → N×C, a buffer owned by the last
   * Affine layer.
   *
   * @throws {RangeError} if `x` does not have D columns.
   */
  predict(x: Batch, options: ModeOptions = {}): Matrix {
    checkBatch("MultiLayerNet.predict()", x, this.inputSize, false);
    return this.#predict(x, options.train ?? false);
  }

  /**
   * The mean cross-entropy loss of the batch plus ½·λ·Σ‖Wᵢ‖² (test mode
   * unless `{ train: true }`).
   *
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  loss(x: Batch, t: Labels, options: ModeOptions = {}): number {
    this.#check("MultiLayerNet.loss()", x, t);
    return this.#loss(x, t, options.train ?? false);
  }

  /**
   * The fraction of rows whose highest score is the true class (test mode).
   *
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  accuracy(x: Batch, t: Labels): number {
    const labels = this.#check("MultiLayerNet.accuracy()", x, t);
    return countCorrect(this.#predict(x, false), labels) / x.rows;
  }

  /**
   * The gradient of `loss` (weight decay included) by central differences.
   * Returns new matrices, keyed like `params`.
   */
  numericalGradient(x: Batch, t: Labels): Record<string, Matrix> {
    this.#check("MultiLayerNet.numericalGradient()", x, t);
    const lossW = () => this.#loss(x, t, true);
    return numericalGradients(lossW, this.params);
  }

  /**
   * The gradient of `loss` by backpropagation, keyed like `params`: each
   * layer's dW (+ λW with weight decay) and db. The matrices are reused by
   * the next call.
   */
  gradient(x: Batch, t: Labels): Record<string, Matrix> {
    this.#check("MultiLayerNet.gradient()", x, t);
    this.#loss(x, t, true); // forward
    backpropagate(this.#order, this.lastLayer); // backward
    const grads: Record<string, Matrix> = {};
    const lambda = this.weightDecayLambda;
    this.#affines.forEach((affine, k) => {
      let dW = affine.dW;
      if (lambda > 0) {
        const key = `W${k + 1}`;
        const out = this.#decayed.get(key) ?? new Matrix(dW.rows, dW.cols);
        this.#decayed.set(key, out);
        const W = affine.W.data, G = dW.data, D = out.data;
        for (let i = 0; i < D.length; i++) D[i] = G[i] + lambda * W[i]; // ∂(½λW²)/∂W = λW
        dW = out;
      }
      grads[`W${k + 1}`] = dW;
      grads[`b${k + 1}`] = affine.db;
    });
    this.#norms.forEach((bn, k) => {
      grads[`gamma${k + 1}`] = bn.dgamma;
      grads[`beta${k + 1}`] = bn.dbeta;
    });
    return grads;
  }

  #predict(x: Batch, train: boolean): Matrix {
    for (const bn of this.#norms) bn.training = train;
    for (const dropout of this.#dropouts) dropout.training = train;
    // The first layer is Affine, which also takes x sparse.
    let h = this.#affines[0].forward(x);
    for (let i = 1; i < this.#order.length; i++) h = this.#order[i].forward(h);
    return h;
  }

  /** Cross-entropy plus weight decay; inputs already checked. */
  #loss(x: Batch, t: Labels, train: boolean): number {
    let decay = 0;
    if (this.weightDecayLambda > 0) {
      for (const affine of this.#affines) {
        const W = affine.W.data;
        let sum = 0;
        for (let i = 0; i < W.length; i++) sum += W[i] * W[i];
        decay += 0.5 * this.weightDecayLambda * sum;
      }
    }
    return this.lastLayer.forward(this.#predict(x, train), t) + decay;
  }

  #check(where: string, x: Batch, t: Labels): Int32Array {
    checkBatch(where, x, this.inputSize, true);
    return (this.#labels = labelIndices(
      where,
      t,
      x.rows,
      this.outputSize,
      this.#labels,
    ));
  }
}
