/**
 * The convolution layer of chapter 7 (section 7.4.3, "Convolution layer";
 * the book's `common/layers.py` `Convolution`), by im2col and one matrix
 * product.
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, assertSameShape, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import {
  checkImages,
  col2im,
  im2col,
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
 * `W.reshape(FN, -1)`), b is 1×FN. Forward keeps the im2col columns:
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
  #window: Required<Window>;
  #col?: Matrix; // (N·OH·OW)×(C·FH·FW), the last im2col
  #colW?: Matrix; // (C·FH·FW)×FN, Wᵀ (the book's col_W)
  #colOut?: Matrix; // (N·OH·OW)×FN, col · col_W
  #out?: Matrix; // N×(FN·OH·OW)
  #dout2?: Matrix; // (N·OH·OW)×FN, dout rearranged
  #dWt?: Matrix; // (C·FH·FW)×FN, colᵀ · dout
  #dcol?: Matrix; // (N·OH·OW)×(C·FH·FW)
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
    this.#window = { height: fh, width: fw, stride, pad };
  }

  /** N×(C·H·W) → N×(FN·OH·OW). */
  forward(x: Matrix): Matrix {
    const where = "Convolution.forward()", k = this.#k;
    assertMatrix(where, "x", x);
    checkImages(where, x, this.inputShape);
    const n = x.rows, [fn, oh, ow] = this.outputShape, positions = oh * ow;
    this.#col = k.buffer(this.#col, n * positions, this.W.cols);
    const col = im2col(x, this.inputShape, this.#window, this.#col);
    const colW = this.#colW = transpose(
      this.W,
      k.buffer(this.#colW, this.W.cols, fn),
    );
    this.#colOut = k.buffer(this.#colOut, n * positions, fn);
    const colOut = k.matmul(col, colW, this.#colOut); // col · col_W
    // (n, position, filter) → (n, filter, position), adding the bias: the
    // book's reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)
    const out = this.#out = k.buffer(this.#out, n, fn * positions);
    const C = colOut.data, O = out.data, B = this.b.data;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < positions; p++) {
        const src = (i * positions + p) * fn, dst = i * fn * positions + p;
        for (let f = 0; f < fn; f++) O[dst + f * positions] = C[src + f] + B[f];
      }
    }
    return out;
  }

  /**
   * Overwrites dW and db; returns dx (N×(C·H·W)), or undefined when
   * `needsInputGrad` is false. N×(FN·OH·OW) in.
   */
  backward(dout: Matrix): Matrix | undefined {
    const where = "Convolution.backward()", k = this.#k, col = this.#col;
    assertMatrix(where, "dout", dout);
    const out = this.#out;
    if (col === undefined || out === undefined) {
      throw new Error(`${where}: called before forward()`);
    }
    assertSameShape(where, "dout", out, dout);
    // (n, filter, position) → (n, position, filter): the book's
    // dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    const [fn, oh, ow] = this.outputShape, positions = oh * ow, n = dout.rows;
    const dout2 = this.#dout2 = k.buffer(this.#dout2, n * positions, fn);
    const D = dout.data, D2 = dout2.data;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < fn; f++) {
        const src = (i * fn + f) * positions;
        for (let p = 0; p < positions; p++) {
          D2[(i * positions + p) * fn + f] = D[src + p];
        }
      }
    }
    k.sumColumns(dout2, this.db); // db = Σ dout
    this.#dWt = k.buffer(this.#dWt, col.cols, fn);
    transpose(k.matmulTN(col, dout2, this.#dWt), this.dW); // dW = (colᵀ · dout)ᵀ
    if (!this.needsInputGrad) return undefined;
    this.#dcol = k.buffer(this.#dcol, dout2.rows, this.W.cols);
    const dcol = k.matmul(dout2, this.W, this.#dcol); // dout · col_Wᵀ = dout · W
    return this.#dx = col2im(dcol, this.inputShape, this.#window, this.#dx);
  }

  /** [W, b] with their gradients. */
  params(): Param[] {
    return [
      { name: "W", value: this.W, grad: this.dW },
      { name: "b", value: this.b, grad: this.db },
    ];
  }
}

/** aᵀ into `out` (a.cols × a.rows). */
function transpose(a: Matrix, out: Matrix): Matrix {
  const A = a.data, T = out.data, m = a.rows, n = a.cols;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  }
  return out;
}
