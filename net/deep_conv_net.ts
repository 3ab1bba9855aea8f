/**
 * The book's `DeepConvNet` (section 8.1, `ch08/deep_convnet.py`): six 3×3
 * convolutions in three pairs, each pair followed by a 2×2 max pool, then
 * affine → relu → dropout → affine → dropout → softmax; 99 %+ on MNIST.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { type ImageShape, outputSize } from "../core/im2col.ts";
import { Affine } from "../layers/affine.ts";
import { Convolution } from "../layers/convolution.ts";
import { Dropout } from "../layers/dropout.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { checkSizes } from "./batch.ts";
import { checkNetOptions, netSetup } from "./init.ts";
import { LayerNet } from "./layer_net.ts";
import type { NetOptions } from "./network.ts";
import type { NetKind } from "./registry.ts";

/**
 * The sixteen parameters of a {@linkcode DeepConvNet}, W1…W8 and b1…b8; any
 * string indexes it too, as the book's loop `for (const key of
 * Object.keys(grads))` does.
 */
export type DeepConvNetParams =
  & Record<string, Matrix>
  & Record<
    | "W1"
    | "b1"
    | "W2"
    | "b2"
    | "W3"
    | "b3"
    | "W4"
    | "b4"
    | "W5"
    | "b5"
    | "W6"
    | "b6"
    | "W7"
    | "b7"
    | "W8"
    | "b8",
    Matrix
  >;

/** One convolution of a {@linkcode DeepConvNet}: the book's `conv_param`. */
export interface ConvParam {
  /** Number of filters, FN. */
  filterNum: number;
  /** Filter height and width, FH = FW. */
  filterSize: number;
  /** Zeros added around each input. */
  pad: number;
  /** Step between filter positions. */
  stride: number;
}

/** The architecture of a {@linkcode DeepConvNet}. */
export interface DeepConvNetSpec {
  /** Which network. */
  type: "DeepConvNet";
  /** One input image, C×H×W (default [1, 28, 28]). */
  input: [number, number, number];
  /** The six convolutions, the book's `conv_param_1` … `conv_param_6`. */
  conv: [ConvParam, ConvParam, ConvParam, ConvParam, ConvParam, ConvParam];
  /** Units of the hidden affine layer (default 50). */
  hiddenSize: number;
  /** Classes (default 10). */
  outputSize: number;
}

/** The book's six convolutions: 16, 16, 32, 32 (pad 2), 64, 64 filters of 3×3. */
const BOOK_CONV: DeepConvNetSpec["conv"] = [
  { filterNum: 16, filterSize: 3, pad: 1, stride: 1 },
  { filterNum: 16, filterSize: 3, pad: 1, stride: 1 },
  { filterNum: 32, filterSize: 3, pad: 1, stride: 1 },
  { filterNum: 32, filterSize: 3, pad: 2, stride: 1 },
  { filterNum: 64, filterSize: 3, pad: 1, stride: 1 },
  { filterNum: 64, filterSize: 3, pad: 1, stride: 1 },
];

/**
 * What {@linkcode DeepConvNet}'s constructor takes: the book's
 * `DeepConvNet(input_dim=(1, 28, 28), conv_param_1={…}, …, conv_param_6={…},
 * hidden_size=50, output_size=10)`, each at the book's default unless
 * given (`conv` whole, all six), and the {@linkcode NetOptions} (default
 * weight init `"he"`, as the book's).
 */
export type DeepConvNetOptions =
  & Partial<Omit<DeepConvNetSpec, "type">>
  & NetOptions;

/**
 * Conv → ReLU → Conv → ReLU → Pool, three times, then Affine(H) → ReLU →
 * Dropout(0.5) → Affine(C) → Dropout(0.5) → SoftmaxWithLoss. The book's
 * defaults: 16, 16, 32, 32, 64, 64 filters of 3×3 (pad 1, the fourth pad
 * 2) over 1×28×28, maps of 16×28×28 → 16×14×14 → 32×16×16 → 32×8×8 →
 * 64×8×8 → 64×4×4, 50 hidden units, 10 classes: 123,552 parameters.
 *
 * Parameters W1…W6 (FN×(C·FH·FW), the filters as the book's
 * `W.reshape(FN, -1)`), W7 (1024×50), W8 (50×10), and their biases b1…b8
 * (1×FN, 1×50, 1×10). Initial weights are He's, √(2/n) with n each layer's
 * fan-in (C·FH·FW for a filter bank: the book's `pre_node_nums` 9, 144,
 * 144, 288, 288, 576, 1024, 50), drawn W1 to W8 from `rng`, which then
 * draws the Dropout masks; biases zero.
 *
 * Inputs are N×(C·H·W) matrices (MNIST, flattened or not: the rows are the
 * same 784 pixels). `predict` and `accuracy` run in test mode (Dropout
 * scales by 0.5), `gradient` in training mode (fresh masks), as the book's.
 *
 * @example The book's net, and a small one of the same layers
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { DeepConvNet } from "@dlfs/nn/net";
 *
 * const book = new DeepConvNet();
 * console.log(book.params.W4.shape, book.params.W7.shape); // 32×144 1024×50
 *
 * const rng = new Rng(0);
 * const conv = { filterNum: 2, filterSize: 3, pad: 1, stride: 1 };
 * const net = new DeepConvNet({
 *   rng,
 *   input: [1, 8, 8],
 *   conv: [conv, conv, conv, conv, conv, conv],
 *   hiddenSize: 4,
 *   outputSize: 3,
 * });
 * const x = new Matrix(2, 64, Float64Array.from({ length: 128 }, () => rng.uniform()));
 * console.log(net.predict(x).shape); // 2×3
 * ```
 */
export class DeepConvNet extends LayerNet<DeepConvNetParams> {
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** What `buildNet` needs to rebuild this net: its type and sizes. */
  readonly spec: DeepConvNetSpec;

  /**
   * Creates the net with He's initial weights (see the class doc).
   *
   * @param options see {@linkcode DeepConvNetOptions} (default `{}`: the
   * book's net)
   * @throws {RangeError} for sizes that do not fit together (each window
   * must tile its input exactly), or a `conv` that is not six convolutions.
   */
  constructor(options: DeepConvNetOptions = {}) {
    const where = "DeepConvNet";
    checkNetOptions(where, options, [
      "input",
      "conv",
      "hiddenSize",
      "outputSize",
    ]);
    const {
      input = [1, 28, 28],
      conv = BOOK_CONV,
      hiddenSize = 50,
      outputSize: classes = 10,
    } = options;
    if (!Array.isArray(conv) || conv.length !== 6) {
      throw new RangeError(
        `${where}: expected conv to be six convolutions (the book's conv_param_1 … 6) but found ${
          Array.isArray(conv) ? `${conv.length}` : JSON.stringify(conv)
        }`,
      );
    }
    checkSizes(where, [
      ...conv.flatMap((p, i) => [
        [`conv[${i}].filterNum`, p?.filterNum] as const,
        [`conv[${i}].filterSize`, p?.filterSize] as const,
      ]),
      ["hiddenSize", hiddenSize],
      ["outputSize", classes],
    ]);
    const { rng, kernels, weights, filters, zeros } = netSetup(
      where,
      options,
      "he",
    );
    const params: Record<string, Matrix> = {};
    const layers = new Map<string, Layer>();
    // Three times conv → relu → conv → relu → pool, each shape from the last.
    let shape: ImageShape = [...input];
    for (let i = 0; i < 6; i++) {
      const { filterNum, filterSize, pad, stride } = conv[i];
      const W = `W${i + 1}`, b = `b${i + 1}`;
      // Checked here, so that a misfit names the net and the layer.
      const window = { height: filterSize, width: filterSize, stride, pad };
      const [oh, ow] = outputSize(shape, window, `${where} (Conv${i + 1})`);
      params[W] = filters(filterNum, shape[0] * filterSize * filterSize);
      params[b] = zeros(filterNum);
      layers.set(
        `Conv${i + 1}`,
        new Convolution(params[W], params[b], {
          input: shape,
          filter: [filterSize, filterSize],
          stride,
          pad,
          kernels,
          needsInputGrad: i > 0, // nothing needs ∂L/∂x of the input batch
        }),
      );
      layers.set(`Relu${i + 1}`, new Relu({ kernels }));
      shape = [filterNum, oh, ow];
      if (i % 2 === 1) {
        const k = (i + 1) / 2, pool = { height: 2, width: 2, stride: 2 };
        const [ph, pw] = outputSize(shape, pool, `${where} (Pool${k})`);
        layers.set(
          `Pool${k}`,
          new Pooling({ input: shape, pool: [2, 2], stride: 2, kernels }),
        );
        shape = [filterNum, ph, pw];
      }
    }
    const flat = shape[0] * shape[1] * shape[2]; // 64·4·4 = 1024
    params.W7 = weights(flat, hiddenSize);
    params.b7 = zeros(hiddenSize);
    params.W8 = weights(hiddenSize, classes);
    params.b8 = zeros(classes);
    layers.set("Affine1", new Affine(params.W7, params.b7, { kernels }));
    layers.set("Relu7", new Relu({ kernels }));
    layers.set("Dropout1", new Dropout({ rng, ratio: 0.5, kernels }));
    layers.set("Affine2", new Affine(params.W8, params.b8, { kernels }));
    layers.set("Dropout2", new Dropout({ rng, ratio: 0.5, kernels }));
    const [c, h, w] = input;
    super({
      name: where,
      kernels,
      inputSize: c * h * w,
      outputSize: classes,
      params: params as DeepConvNetParams,
      layers,
      evalBatchSize: 100, // the book's accuracy(batch_size=100)
    });
    this.inputShape = [c, h, w];
    this.spec = {
      type: "DeepConvNet",
      input: [c, h, w],
      conv: conv.map(({ filterNum, filterSize, pad, stride }) => ({
        filterNum,
        filterSize,
        pad,
        stride,
      })) as DeepConvNetSpec["conv"],
      hiddenSize,
      outputSize: classes,
    };
  }
}

/** The {@linkcode DeepConvNet} kind of the registry: `--net deep-convnet`. */
export const DEEP_CONV_NET: NetKind<DeepConvNetSpec> = {
  type: "DeepConvNet",
  name: "deep-convnet",
  summary: "the book's DeepConvNet, chapter 8",
  module: import.meta.url,
  build: (spec, options) => new DeepConvNet({ ...spec, ...options }),
  describe: (s) =>
    `DeepConvNet(${s.input.join("×")}, conv ${
      s.conv.map((p) => p.filterNum).join("-")
    }, ${s.hiddenSize}, ${s.outputSize})`,
  // The book's train_deepnet.py: 20 epochs of Adam (lr 0.001, its
  // default), per epoch the accuracy on 1000 images only.
  defaults: {
    hidden: [50],
    init: "he",
    evalSamples: 1000,
    optimizer: "adam",
    epochs: 20,
  },
  takes: { hidden: "one" },
  forMnist: ({ hidden: [hiddenSize] }) => ({
    type: "DeepConvNet",
    input: [1, 28, 28],
    conv: BOOK_CONV.map((p) => ({ ...p })) as DeepConvNetSpec["conv"],
    hiddenSize,
    outputSize: 10,
  }),
};
