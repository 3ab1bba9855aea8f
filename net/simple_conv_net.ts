/**
 * The book's `SimpleConvNet` (section 7.5, `ch07/simple_convnet.py`):
 * conv → relu → pool → affine → relu → affine → softmax.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { type ImageShape, outputSize } from "../core/im2col.ts";
import { Affine } from "../layers/affine.ts";
import { Convolution } from "../layers/convolution.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { checkSizes } from "./batch.ts";
import { checkNetOptions, netSetup } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { NetOptions } from "./network.ts";
import type { NetKind } from "./registry.ts";

/**
 * The six parameters of a {@linkcode SimpleConvNet}; any string indexes it
 * too, as the book's loop `for (const key of Object.keys(grads))` does.
 */
export type SimpleConvNetParams =
  & Record<string, Matrix>
  & Record<"W1" | "b1" | "W2" | "b2" | "W3" | "b3", Matrix>;

/** The architecture of a {@linkcode SimpleConvNet}. */
export interface SimpleConvNetSpec {
  /** Which network. */
  type: "SimpleConvNet";
  /** One input image, C×H×W (default [1, 28, 28]). */
  input: [number, number, number];
  /** Number of filters (default 30). */
  filterNum: number;
  /** Filter height and width (default 5). */
  filterSize: number;
  /** The convolution's padding (default 0). */
  pad: number;
  /** The convolution's stride (default 1). */
  stride: number;
  /** Units of the hidden affine layer (default 100). */
  hiddenSize: number;
  /** Classes (default 10). */
  outputSize: number;
}

/**
 * What {@linkcode SimpleConvNet}'s constructor takes: the book's
 * `SimpleConvNet(input_dim=(1, 28, 28), conv_param={…}, hidden_size=100,
 * output_size=10, weight_init_std=0.01)`, each at the book's default unless
 * given, and the {@linkcode NetOptions}.
 */
export type SimpleConvNetOptions =
  & Partial<Omit<SimpleConvNetSpec, "type">>
  & NetOptions;

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
export class SimpleConvNet extends LayerNet<SimpleConvNetParams> {
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** What `buildNet` needs to rebuild this net: its type and sizes. */
  readonly spec: SimpleConvNetSpec;

  /**
   * Creates the net with normal random weights (W1, W2, W3 in order) and
   * zero biases.
   *
   * @param options see {@linkcode SimpleConvNetOptions} (default `{}`: each
   * option at its default)
   * @throws {RangeError} for sizes that do not fit together.
   * @throws {TypeError} for an option it does not take.
   */
  constructor(options: SimpleConvNetOptions = {}) {
    const where = "SimpleConvNet";
    checkNetOptions(where, options, [
      "input",
      "filterNum",
      "filterSize",
      "pad",
      "stride",
      "hiddenSize",
      "outputSize",
    ]);
    const {
      input = [1, 28, 28],
      filterNum = 30,
      filterSize = 5,
      pad = 0,
      stride = 1,
      hiddenSize = 100,
      outputSize: classes = 10,
    } = options;
    checkSizes(where, [
      ["filterNum", filterNum],
      ["hiddenSize", hiddenSize],
      ["outputSize", classes],
    ]);
    const { kernels, weights, filters, zeros } = netSetup(where, options, 0.01);
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
    const params = {
      W1: filters(filterNum, c * filterSize * filterSize),
      b1: zeros(filterNum),
      W2: weights(pooled, hiddenSize),
      b2: zeros(hiddenSize),
      W3: weights(hiddenSize, classes),
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
}

/** The {@linkcode SimpleConvNet} kind of the registry: `--net convnet`. */
export const SIMPLE_CONV_NET: NetKind<SimpleConvNetSpec> = {
  type: "SimpleConvNet",
  name: "convnet",
  summary: "the book's SimpleConvNet, chapter 7",
  module: import.meta.url,
  build: (spec, options) => new SimpleConvNet({ ...spec, ...options }),
  describe: (s) =>
    `SimpleConvNet(${
      s.input.join("×")
    }, ${s.filterNum} filters ${s.filterSize}×${s.filterSize}, pool 2×2, ${s.hiddenSize}, ${s.outputSize})`,
  // As the book's Trainer: per epoch, the accuracy on 1000 images only.
  defaults: { hidden: [100], init: 0.01, evalSamples: 1000 },
  takes: { hidden: "one" },
  forMnist: ({ hidden: [hiddenSize] }) => ({
    type: "SimpleConvNet",
    input: [1, 28, 28],
    filterNum: 30,
    filterSize: 5,
    pad: 0,
    stride: 1,
    hiddenSize,
    outputSize: 10,
  }),
};
