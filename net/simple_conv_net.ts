/**
 * The book's `SimpleConvNet` (section 7.5, `ch07/simple_convnet.py`):
 * conv → relu → pool → affine → relu → affine → softmax.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import { type ImageShape, outputSize } from "../core/im2col.ts";
import type { Kernels } from "../core/kernels.ts";
import { type Backend, selectKernels } from "../core/backend.ts";
import { Affine } from "../layers/affine.ts";
import { Convolution } from "../layers/convolution.ts";
import type { Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { checkRng, checkSizes } from "./batch.ts";
import { initScale, initWeights, type WeightInit } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { SimpleConvNetSpec } from "./network.ts";

/** The six parameters of a {@linkcode SimpleConvNet}. */
export type SimpleConvNetParams = Record<
  "W1" | "b1" | "W2" | "b2" | "W3" | "b3",
  Matrix
>;

/** Options of {@linkcode SimpleConvNet}, with the book's defaults. */
export interface SimpleConvNetOptions {
  /**
   * The generator the initial weights are drawn from (default
   * `new Rng(0)`: the same weights every run).
   */
  rng?: Rng;
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
   * instead of `backend` (default: none, `backend` picks them); the caller
   * closes them. Nets sharing them share their memory.
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
export class SimpleConvNet extends LayerNet {
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** W1, b1, W2, b2, W3, b3: the matrices the layers compute with. */
  declare readonly params: Readonly<SimpleConvNetParams>;
  /** What `buildNet` needs to rebuild this net: its type and sizes. */
  readonly spec: SimpleConvNetSpec;

  /**
   * Creates the net with normal random weights (W1, W2, W3 in order) and
   * zero biases.
   *
   * @param options see {@linkcode SimpleConvNetOptions} (default `{}`: each
   * option at its default)
   * @throws {RangeError} for sizes that do not fit together.
   */
  constructor(options: SimpleConvNetOptions = {}) {
    const where = "SimpleConvNet";
    const {
      rng = new Rng(0),
      input = [1, 28, 28],
      filterNum = 30,
      filterSize = 5,
      pad = 0,
      stride = 1,
      hiddenSize = 100,
      outputSize: classes = 10,
      weightInitStd = 0.01,
      backend,
    } = options;
    checkRng(where, rng);
    checkSizes(where, [
      ["filterNum", filterNum],
      ["hiddenSize", hiddenSize],
      ["outputSize", classes],
    ]);
    initScale(weightInitStd, 1, where); // validates it
    const kernels = selectKernels(where, { backend, kernels: options.kernels });
    const [c, h, w] = input;
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
    const randn = (rows: number, cols: number) =>
      initWeights(rng, rows, cols, weightInitStd, kernels.float64(rows * cols));
    const zeros = (n: number) => kernels.buffer(undefined, 1, n);
    const params = {
      W1: randn(filterNum, c * filterSize * filterSize),
      b1: zeros(filterNum),
      W2: randn(pooled, hiddenSize),
      b2: zeros(hiddenSize),
      W3: randn(hiddenSize, classes),
      b3: zeros(classes),
    };
    const layers = new Map<string, Layer>([
      [
        "Conv1",
        new Convolution(params.W1, params.b1, {
          input,
          filter: [filterSize, filterSize],
          stride,
          pad,
          kernels,
          needsInputGrad: false, // nothing needs ∂L/∂x of the input batch
        }),
      ],
      ["Relu1", new Relu({ kernels })],
      [
        "Pool1",
        new Pooling({ input: poolShape, pool: [2, 2], stride: 2, kernels }),
      ],
      ["Affine1", new Affine(params.W2, params.b2, { kernels })],
      ["Relu2", new Relu({ kernels })],
      ["Affine2", new Affine(params.W3, params.b3, { kernels })],
    ]);
    super({
      name: where,
      kernels,
      inputSize: c * h * w,
      outputSize: classes,
      params,
      layers,
      evalBatchSize: 100, // the book's: im2col of 100 images is 11.5 MB
    });
    this.inputShape = [c, h, w];
    this.spec = {
      type: "SimpleConvNet",
      input: [c, h, w],
      filterNum,
      filterSize,
      pad,
      stride,
      hiddenSize,
      outputSize: classes,
    };
  }

  /** ∂loss/∂params by backpropagation (see `LayerNet.gradient`). */
  override gradient(x: Matrix, t: Labels): SimpleConvNetParams {
    return super.gradient(x, t) as SimpleConvNetParams;
  }

  /** ∂loss/∂params by central differences (see `LayerNet.numericalGradient`). */
  override numericalGradient(x: Matrix, t: Labels): SimpleConvNetParams {
    return super.numericalGradient(x, t) as SimpleConvNetParams;
  }
}
