/**
 * The book's `SimpleConvNet` (section 7.5, `ch07/simple_convnet.py`):
 * conv → relu → pool → affine → relu → affine → softmax.
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import { type ImageShape, outputSize } from "../core/im2col.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import { Convolution } from "../layers/convolution.ts";
import { labelIndices, type Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";
import {
  backpropagate,
  checkBatch,
  checkRng,
  checkSizes,
  countCorrect,
  numericalGradients,
} from "./batch.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";

/** Options of {@linkcode SimpleConvNet}, with the book's defaults. */
export interface SimpleConvNetOptions {
  /** The generator the initial weights are drawn from (seeded, explicit). */
  rng: Rng;
  /** One input image, C×H×W (default [1, 28, 28]). */
  input?: ImageShape;
  /** Number of filters (default 30). */
  filterNum?: number;
  /** Filter height and width (default 5). */
  filterSize?: number;
  /** Padding of the convolution (default 0). */
  pad?: number;
  /** Stride of the convolution (default 1). */
  stride?: number;
  /** Units of the hidden affine layer (default 100). */
  hiddenSize?: number;
  /** Classes (default 10). */
  outputSize?: number;
  /** Initial weights' standard deviation, or "he"/"xavier" (default 0.01). */
  weightInitStd?: WeightInit;
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

/**
 * Conv(FN filters of FS×FS) → ReLU → 2×2 max pool (stride 2) → Affine(H) →
 * ReLU → Affine(C) → SoftmaxWithLoss; the book's defaults give 30 filters of
 * 5×5 over 1×28×28, a 30×12×12 pooled map, 100 hidden units, 10 classes.
 * Parameters W1 (FN×(C·FS·FS), the filters), b1, W2, b2, W3, b3.
 *
 * Inputs are N×(C·H·W) matrices (MNIST with `flatten` either way: the rows
 * are the same 784 pixels).
 *
 * @example
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { SimpleConvNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(0);
 * const net = new SimpleConvNet({ rng, input: [1, 10, 10], filterNum: 4, filterSize: 3, hiddenSize: 8, outputSize: 3 });
 * const x = new Matrix(2, 100, Float64Array.from({ length: 200 }, () => rng.uniform()));
 * console.log(net.loss(x, [0, 2])); // ≈ log 3
 * ```
 */
export class SimpleConvNet {
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** C, the number of classes. */
  readonly outputSize: number;
  /** W1, b1, W2, b2, W3, b3: the matrices the layers compute with. */
  readonly params: Readonly<
    Record<"W1" | "b1" | "W2" | "b2" | "W3" | "b3", Matrix>
  >;
  /** Conv1, Relu1, Pool1, Affine1, Relu2, Affine2. */
  readonly layers: ReadonlyMap<string, Layer>;
  /** The loss layer after `layers`. */
  readonly lastLayer: SoftmaxWithLoss = new SoftmaxWithLoss();
  /** The kernels the layers compute with (see `backend`). */
  readonly kernels: Kernels;
  /** What `io/` saves to rebuild this net: its type and sizes. */
  readonly spec: {
    type: "SimpleConvNet";
    input: [number, number, number];
    filterNum: number;
    filterSize: number;
    pad: number;
    stride: number;
    hiddenSize: number;
    outputSize: number;
  };
  #conv: Convolution;
  #affine1: Affine;
  #affine2: Affine;
  #order: Layer[];
  #labels: Int32Array = new Int32Array(0);

  /**
   * Creates the net with normal random weights (W1, W2, W3 in order) and
   * zero biases.
   *
   * @throws {RangeError} for sizes that do not fit together.
   */
  constructor(options: SimpleConvNetOptions) {
    const where = "SimpleConvNet";
    const {
      rng,
      input = [1, 28, 28],
      filterNum = 30,
      filterSize = 5,
      pad = 0,
      stride = 1,
      hiddenSize = 100,
      outputSize: classes = 10,
      weightInitStd = 0.01,
      backend,
    } = options ?? {};
    checkRng(where, rng);
    checkSizes(where, [
      ["filterNum", filterNum],
      ["hiddenSize", hiddenSize],
      ["outputSize", classes],
    ]);
    initScale(weightInitStd, 1, where); // validates it
    const kernels = this.kernels = selectKernels(where, {
      backend,
      kernels: options.kernels,
    });
    const [c] = input;
    const [oh, ow] = outputSize(input, {
      height: filterSize,
      width: filterSize,
      stride,
      pad,
    }, where);
    const poolShape: ImageShape = [filterNum, oh, ow];
    const [ph, pw] = outputSize(
      poolShape,
      { height: 2, width: 2, stride: 2 },
      where,
    );
    const pooled = filterNum * ph * pw;

    const W1 = initWeights(
      rng,
      filterNum,
      c * filterSize * filterSize,
      weightInitStd,
      kernels.float64(filterNum * c * filterSize * filterSize),
    );
    const W2 = initWeights(
      rng,
      pooled,
      hiddenSize,
      weightInitStd,
      kernels.float64(pooled * hiddenSize),
    );
    const W3 = initWeights(
      rng,
      hiddenSize,
      classes,
      weightInitStd,
      kernels.float64(hiddenSize * classes),
    );
    const zeros = (n: number) => kernels.buffer(undefined, 1, n);
    this.params = {
      W1,
      b1: zeros(filterNum),
      W2,
      b2: zeros(hiddenSize),
      W3,
      b3: zeros(classes),
    };
    this.inputShape = [...input] as unknown as ImageShape;
    this.outputSize = classes;
    this.spec = {
      type: "SimpleConvNet",
      input: [input[0], input[1], input[2]],
      filterNum,
      filterSize,
      pad,
      stride,
      hiddenSize,
      outputSize: classes,
    };
    this.#conv = new Convolution(W1, this.params.b1, {
      input,
      filter: [filterSize, filterSize],
      stride,
      pad,
      kernels,
      needsInputGrad: false, // nothing needs ∂L/∂x of the input batch
    });
    this.#affine1 = new Affine(W2, this.params.b2, { kernels });
    this.#affine2 = new Affine(W3, this.params.b3, { kernels });
    this.layers = new Map<string, Layer>([
      ["Conv1", this.#conv],
      ["Relu1", new Relu({ kernels })],
      [
        "Pool1",
        new Pooling({
          input: poolShape,
          pool: [2, 2],
          stride: 2,
          kernels,
        }),
      ],
      ["Affine1", this.#affine1],
      ["Relu2", new Relu({ kernels })],
      ["Affine2", this.#affine2],
    ]);
    this.#order = [...this.layers.values()];
  }

  /** The class scores: N×(C·H·W) → N×classes. */
  predict(x: Matrix): Matrix {
    checkBatch("SimpleConvNet.predict()", x, this.#inputSize, false);
    return this.#predict(x);
  }

  /** The mean cross-entropy loss of the batch. */
  loss(x: Matrix, t: Labels): number {
    this.#check("SimpleConvNet.loss()", x, t);
    return this.lastLayer.forward(this.#predict(x), t);
  }

  /**
   * The fraction classified correctly, `batchSize` rows at a time (the book
   * evaluates in batches of 100 to bound the im2col memory).
   */
  accuracy(x: Matrix, t: Labels, batchSize = 100): number {
    const labels = this.#check("SimpleConvNet.accuracy()", x, t).slice();
    let correct = 0;
    for (let start = 0; start < x.rows; start += batchSize) {
      const end = Math.min(start + batchSize, x.rows);
      const rows = new Matrix(
        end - start,
        x.cols,
        x.data.subarray(start * x.cols, end * x.cols),
      );
      correct += countCorrect(this.#predict(rows), labels.subarray(start, end));
    }
    return correct / x.rows;
  }

  /** The gradient by central differences (very slow: for small nets). */
  numericalGradient(
    x: Matrix,
    t: Labels,
  ): Record<"W1" | "b1" | "W2" | "b2" | "W3" | "b3", Matrix> {
    this.#check("SimpleConvNet.numericalGradient()", x, t);
    const lossW = () => this.lastLayer.forward(this.#predict(x), t);
    return numericalGradients(lossW, this.params);
  }

  /** The gradient by backpropagation (buffers reused by the next call). */
  gradient(
    x: Matrix,
    t: Labels,
  ): Record<"W1" | "b1" | "W2" | "b2" | "W3" | "b3", Matrix> {
    this.#check("SimpleConvNet.gradient()", x, t);
    this.lastLayer.forward(this.#predict(x), t); // forward
    backpropagate(this.#order, this.lastLayer); // backward
    return {
      W1: this.#conv.dW,
      b1: this.#conv.db,
      W2: this.#affine1.dW,
      b2: this.#affine1.db,
      W3: this.#affine2.dW,
      b3: this.#affine2.db,
    };
  }

  get #inputSize(): number {
    const [c, h, w] = this.inputShape;
    return c * h * w;
  }

  #predict(x: Matrix): Matrix {
    for (const layer of this.#order) x = layer.forward(x);
    return x;
  }

  #check(where: string, x: Matrix, t: Labels): Int32Array {
    checkBatch(where, x, this.#inputSize, true);
    return (this.#labels = labelIndices(
      where,
      t,
      x.rows,
      this.outputSize,
      this.#labels,
    ));
  }
}
