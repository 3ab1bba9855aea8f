/**
 * The convolution layer of chapter 7 (section 7.4.3, "Convolution layer";
 * the book's `common/layers.py` `Convolution`). How the convolution is
 * computed (im2col and one matrix product, as the book does) is the
 * kernels' business: one call forward, one backward.
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import type { ConvolutionSaved, Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import {
  checkImages,
  type ImageShape,
  outputSize,
  type Window,
} from "../core/im2col.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of {@linkcode Convolution}. */
export interface ConvolutionOptions {
  /** The shape of one input image, C×H×W (e.g. [1, 28, 28]). */
  input: ImageShape;
  /**
   * The kernels to compute with (default: the pure-TypeScript ones); dW,
   * db and the layer's buffers come from their memory (see `Affine`).
   */
  kernels?: Kernels;
  /**
   * Whether `backward` computes dx (default true; a network's first layer
   * sets it to false: nothing needs the input's gradient).
   */
  needsInputGrad?: boolean;
  /** Filter height and width, FH×FW. */
  filter: readonly [height: number, width: number];
  /** Step between filter positions (default 1). */
  stride?: number;
  /** Zeros added around each image (default 0). */
  pad?: number;
}

/**
 * FN filters of C×FH×FW slid over each image, plus a bias per filter:
 * N×(C·H·W) in, N×(FN·OH·OW) out (each row one FN×OH×OW output, channel
 * by channel, as NumPy's N×FN×OH×OW).
 *
 * W is the FN×(C·FH·FW) matrix of the flattened filters (the book's
 * `W.reshape(FN, -1)`), b is 1×FN. With col = im2col(x), the rows of
 * filter positions, as the book computes it (`Kernels.convolution`):
 * - out = col · col_W + b with col_W = Wᵀ, rearranged from (N·OH·OW)×FN
 *   to N×(FN·OH·OW)
 * - db = Σ dout, dW = (colᵀ · dout)ᵀ, dcol = dout · col_Wᵀ, dx = col2im(dcol)
 *
 * @example A single 2×2 filter that sums its window
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { Convolution } from "@dlfs/nn/layers";
 *
 * const conv = new Convolution(Matrix.fromRows([[1, 1, 1, 1]]), Matrix.fromRows([[0]]), {
 *   input: [1, 3, 3],
 *   filter: [2, 2],
 * });
 * console.log(conv.forward(Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8, 9]])).toRows()); // [[12, 16, 24, 28]]
 * ```
 */
export class Convolution implements Layer {
  /** Filters, FN×(C·FH·FW) (updated in place). */
  readonly W: Matrix;
  /** Biases, 1×FN (updated in place). */
  readonly b: Matrix;
  /** ∂L/∂W from the last backward. */
  readonly dW: Matrix;
  /** ∂L/∂b from the last backward. */
  readonly db: Matrix;
  /** Whether `backward` computes dx (see {@linkcode ConvolutionOptions}). */
  readonly needsInputGrad: boolean;
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** One output's FN×OH×OW. */
  readonly outputShape: ImageShape;
  /** The filter's window: FH×FW, stride and pad. */
  readonly window: Readonly<Required<Window>>;
  #saved?: ConvolutionSaved; // what forward keeps for backward (the book's self.col, col_W)
  #out?: Matrix; // N×(FN·OH·OW)
  #dx?: Matrix; // N×(C·H·W)
  #k: Kernels;

  /**
   * Wraps W (FN×(C·FH·FW)) and b (1×FN) for inputs of `options.input`.
   *
   * @throws {RangeError} if the shapes disagree or the window does not tile
   * the image.
   */
  constructor(W: Matrix, b: Matrix, options: ConvolutionOptions) {
    const where = "Convolution";
    checkOptions(where, options, [
      "input",
      "filter",
      "stride",
      "pad",
      "kernels",
      "needsInputGrad",
    ]);
    assertMatrix(where, "W", W);
    assertMatrix(where, "b", b);
    const { input, filter, stride = 1, pad = 0 } = options;
    const [c] = input, [fh, fw] = filter;
    const [oh, ow] = outputSize(
      input,
      { height: fh, width: fw, stride, pad },
      where,
    );
    if (W.cols !== c * fh * fw) {
      throw new RangeError(
        `${where}: expected W with ${c}·${fh}·${fw} = ${
          c * fh * fw
        } columns (C·FH·FW) but found W of shape ${W.shape}`,
      );
    }
    if (b.rows !== 1 || b.cols !== W.rows) {
      throw new RangeError(
        `${where}: expected b of shape 1×${W.rows} (one per filter) but found ${b.shape}`,
      );
    }
    const k = this.#k = options.kernels ?? TS_KERNELS;
    this.W = W;
    this.b = b;
    this.dW = k.buffer(undefined, W.rows, W.cols);
    this.db = k.buffer(undefined, 1, W.rows);
    this.needsInputGrad = options.needsInputGrad ?? true;
    this.inputShape = [...input] as unknown as ImageShape;
    this.outputShape = [W.rows, oh, ow];
    this.window = Object.freeze({ height: fh, width: fw, stride, pad });
  }

  /** N×(C·H·W) → N×(FN·OH·OW). */
  forward(x: Matrix): Matrix {
    const where = "Convolution.forward()", k = this.#k;
    assertMatrix(where, "x", x);
    checkImages(where, x, this.inputShape);
    const [fn, oh, ow] = this.outputShape;
    const out = this.#out = k.buffer(this.#out, x.rows, fn * oh * ow);
    this.#saved = k.convolution(
      x,
      this.W,
      this.b,
      this.inputShape,
      this.window,
      out,
      this.#saved,
    ); // out = col · col_W + b
    return out;
  }

  /**
   * Overwrites dW and db; returns dx (N×(C·H·W)), or undefined when
   * `needsInputGrad` is false. N×(FN·OH·OW) in.
   */
  backward(dout: Matrix): Matrix | undefined {
    const where = "Convolution.backward()", k = this.#k;
    assertMatrix(where, "dout", dout);
    const out = this.#out, saved = this.#saved;
    if (saved === undefined || out === undefined) {
      throw new Error(`${where}: called before forward()`);
    }
    assertSameShape(where, "dout", out, dout);
    const [c, h, w] = this.inputShape;
    const dx = this.needsInputGrad
      ? this.#dx = k.buffer(this.#dx, dout.rows, c * h * w)
      : undefined;
    k.convolutionBackward(dout, this.W, saved, {
      dW: this.dW,
      db: this.db,
      dx,
    }); // db = Σ dout, dW = (colᵀ · dout)ᵀ, dx = col2im of dout · W
    return dx;
  }

  /** [W, b] with their gradients. */
  params(): Param[] {
    return [
      { name: "W", value: this.W, grad: this.dW },
      { name: "b", value: this.b, grad: this.db },
    ];
  }
}
