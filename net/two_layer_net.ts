/**
 * The book's two-layer network (section 5.7.2, `ch05/two_layer_net.py`),
 * built from layers: Affine1 → Relu1 → Affine2 → SoftmaxWithLoss.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import { labelIndices, type Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Relu } from "../layers/relu.ts";
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
   * Standard deviation of the normal initial weights (the book's 0.01), or
   * `"he"` / `"xavier"` (see {@linkcode WeightInit}).
   */
  weightInitStd?: WeightInit;
  /** The generator the initial weights are drawn from (seeded, explicit). */
  rng: Rng;
  /**
   * The kernels to compute with: `"auto"` (default: WebAssembly SIMD where
   * the runtime has it, else pure TypeScript), `"simd"` or `"ts"` (the
   * book's loops, blocked; see `core/backend.ts`).
   */
  backend?: Backend;
  /**
   * Kernels made by the caller (e.g. `SimdKernels.create({ threads: 2 })`),
   * instead of `backend`; the caller closes them. Nets sharing them share
   * their memory.
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
 * buffers: read them (or apply them) before the next call.
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
export class TwoLayerNet {
  /** D, the number of input features. */
  readonly inputSize: number;
  /** H, the number of hidden units. */
  readonly hiddenSize: number;
  /** C, the number of classes. */
  readonly outputSize: number;
  /** W1, b1, W2, b2: the very matrices the layers compute with. */
  readonly params: Readonly<TwoLayerNetParams>;
  /** The layers in forward order: Affine1, Relu1, Affine2. */
  readonly layers: ReadonlyMap<string, Layer>;
  /** The loss layer that follows `layers`. */
  readonly lastLayer: SoftmaxWithLoss = new SoftmaxWithLoss();
  /** What `io/` saves to rebuild this net: its type and sizes. */
  readonly spec: {
    type: "TwoLayerNet";
    inputSize: number;
    hiddenSize: number;
    outputSize: number;
  };
  /** The kernels the layers compute with (see `backend`). */
  readonly kernels: Kernels;
  #affine1: Affine;
  #affine2: Affine;
  #rest: Layer[]; // the layers after Affine1, in forward order
  #labels: Int32Array = new Int32Array(0); // scratch for label checks

  /**
   * Creates the net with normal random weights and zero biases.
   *
   * @param inputSize D (784 for MNIST)
   * @param hiddenSize H (50 in the book)
   * @param outputSize C (10 for MNIST)
   * @throws {RangeError} unless the sizes are positive integers and
   * `weightInitStd` is finite and non-negative.
   */
  constructor(
    inputSize: number,
    hiddenSize: number,
    outputSize: number,
    options: TwoLayerNetOptions,
  ) {
    checkSizes("TwoLayerNet", [
      ["inputSize", inputSize],
      ["hiddenSize", hiddenSize],
      ["outputSize", outputSize],
    ]);
    const { weightInitStd = 0.01, rng, backend } = options ?? {};
    initScale(weightInitStd, inputSize, "TwoLayerNet"); // validates it
    checkRng("TwoLayerNet", rng);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.outputSize = outputSize;
    this.spec = { type: "TwoLayerNet", inputSize, hiddenSize, outputSize };
    const kernels = this.kernels = selectKernels("TwoLayerNet", {
      backend,
      kernels: options.kernels,
    });
    const zeros = (rows: number, cols: number) =>
      kernels.buffer(undefined, rows, cols);
    const randn = (rows: number, cols: number) =>
      initWeights(rng, rows, cols, weightInitStd, kernels.float64(rows * cols));
    const W1 = randn(inputSize, hiddenSize);
    const W2 = randn(hiddenSize, outputSize);
    this.params = {
      W1,
      b1: zeros(1, hiddenSize),
      W2,
      b2: zeros(1, outputSize),
    };
    // Nothing needs ∂L/∂x of the input batch: Affine1 skips it.
    this.#affine1 = new Affine(W1, this.params.b1, {
      kernels,
      needsInputGrad: false,
    });
    this.#affine2 = new Affine(W2, this.params.b2, { kernels });
    this.layers = new Map<string, Layer>([
      ["Affine1", this.#affine1],
      ["Relu1", new Relu({ kernels })],
      ["Affine2", this.#affine2],
    ]);
    this.#rest = [...this.layers.values()].slice(1);
  }

  /**
   * The class scores (before softmax) of each row of `x`: N×D → N×C, a buffer
   * owned by the last Affine layer.
   *
   * @throws {RangeError} if `x` does not have D columns.
   */
  predict(x: Batch): Matrix {
    this.#checkX("TwoLayerNet.predict()", x, false);
    return this.#predict(x);
  }

  /**
   * The mean cross-entropy loss of the batch.
   *
   * @param t one-hot N×C or N class indices.
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  loss(x: Batch, t: Labels): number {
    return this.#loss("TwoLayerNet.loss()", x, t);
  }

  /**
   * The fraction of rows whose highest score is the true class (ties go to
   * the lowest index, as `np.argmax`).
   *
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  accuracy(x: Batch, t: Labels): number {
    const where = "TwoLayerNet.accuracy()";
    this.#checkX(where, x, true);
    const labels = (this.#labels = labelIndices(
      where,
      t,
      x.rows,
      this.outputSize,
      this.#labels,
    ));
    return countCorrect(this.#predict(x), labels) / x.rows;
  }

  /**
   * The gradient of the loss by central differences (slow: two forward
   * passes per parameter element). Returns new matrices.
   */
  numericalGradient(x: Batch, t: Labels): TwoLayerNetParams {
    this.#loss("TwoLayerNet.numericalGradient()", x, t); // validates once
    const lossW = () => this.lastLayer.forward(this.#predict(x), t);
    return numericalGradients(lossW, this.params);
  }

  /**
   * The gradient of the loss by backpropagation: one forward pass, then
   * `backward` through the layers in reverse order. Returns the Affine
   * layers' dW/db buffers, overwritten by the next call.
   */
  gradient(x: Batch, t: Labels): TwoLayerNetParams {
    this.#loss("TwoLayerNet.gradient()", x, t); // forward
    backpropagate([...this.layers.values()], this.lastLayer); // backward
    return {
      W1: this.#affine1.dW,
      b1: this.#affine1.db,
      W2: this.#affine2.dW,
      b2: this.#affine2.db,
    };
  }

  #predict(x: Batch): Matrix {
    let y = this.#affine1.forward(x); // dense or sparse x
    for (const layer of this.#rest) y = layer.forward(y);
    return y;
  }

  #loss(where: string, x: Batch, t: Labels): number {
    this.#checkX(where, x, true);
    this.#labels = labelIndices(
      where,
      t,
      x.rows,
      this.outputSize,
      this.#labels,
    );
    return this.lastLayer.forward(this.#predict(x), t);
  }

  #checkX(where: string, x: Batch, needRows: boolean): void {
    checkBatch(where, x, this.inputSize, needRows);
  }
}
