/**
 * The convolution layer (chapter 7), by im2col and one matrix product.
 *
 * @module
 */

import { assertMatrix, ensureShape, Matrix } from "../core/matrix.ts";
import { type Kernels, TS_KERNELS } from "../core/kernels.ts";
import { sumColumns } from "../core/naive.ts";
import { matmulSparse, matmulTNSparse, SparseRows } from "../core/sparse.ts";
import {
  checkImages,
  col2im,
  im2col,
  type ImageShape,
  outputSize,
} from "../core/im2col.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of {@linkcode Convolution}. */
export interface ConvolutionOptions {
  /** The shape of one input image, C×H×W (e.g. [1, 28, 28]). */
  input: ImageShape;
  /**
   * The kernels to compute with (default `TS_KERNELS`); dW, db and the
   * layer's buffers come from their memory (see `Affine`).
   */
  kernels?: Kernels;
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
 * - out = col · Wᵀ + b, rearranged from (N·OH·OW)×FN to N×(FN·OH·OW)
 * - dW = doutᵀ · col, db = Σ dout, dcol = dout · W, dx = col2im(dcol)
 *
 * The columns of MNIST digits are mostly zeros, so col · Wᵀ and doutᵀ · col
 * skip them (`core/sparse.ts`, same results) when at most half are non-zero
 * and W, resp. dout, are finite.
 *
 * @example A single 2×2 filter that sums its window
 * ```ts
 * import { Matrix } from "../core/matrix.ts";
 * import { Convolution } from "./convolution.ts";
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
  /**
   * Skip the per-forward check that W is finite (which decides whether the
   * zero-skipping kernel may run). Only for a caller that has checked W and
   * changes it by finite steps, as a numerical gradient does; default false.
   */
  assumeFiniteW = false;
  /** One input image's C×H×W. */
  readonly inputShape: ImageShape;
  /** One output's FN×OH×OW. */
  readonly outputShape: ImageShape;
  #window: { height: number; width: number; stride: number; pad: number };
  #col?: Matrix; // (N·OH·OW)×(C·FH·FW), the last im2col
  #kernels: Kernels;
  #colSparse: SparseRows; // col's non-zeros, when #isSparse
  #isSparse = false;
  #Wt?: Matrix; // (C·FH·FW)×FN, Wᵀ for the sparse product
  #dWt?: Matrix; // (C·FH·FW)×FN
  #colOut?: Matrix; // (N·OH·OW)×FN, col · Wᵀ
  #out?: Matrix; // N×(FN·OH·OW)
  #dout2?: Matrix; // (N·OH·OW)×FN, dout rearranged
  #dcol?: Matrix;
  #dx?: Matrix;
  #n = -1; // batch size of the last forward

  /**
   * Wraps W (FN×(C·FH·FW)) and b (1×FN) for inputs of `options.input`.
   *
   * @throws {RangeError} if the shapes disagree or the window does not tile
   * the image.
   */
  constructor(W: Matrix, b: Matrix, options: ConvolutionOptions) {
    const where = "Convolution";
    assertMatrix(where, "W", W);
    assertMatrix(where, "b", b);
    const { input, filter, stride = 1, pad = 0, kernels = TS_KERNELS } =
      options;
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
    this.W = W;
    this.b = b;
    this.#kernels = kernels;
    this.dW = new Matrix(W.rows, W.cols, kernels.float64(W.rows * W.cols));
    this.db = new Matrix(1, W.rows, kernels.float64(W.rows));
    this.#colSparse = new SparseRows(kernels);
    this.inputShape = [...input] as unknown as ImageShape;
    this.outputShape = [W.rows, oh, ow];
    this.#window = { height: fh, width: fw, stride, pad };
  }

  /** N×(C·H·W) → N×(FN·OH·OW). */
  forward(x: Matrix): Matrix {
    const where = "Convolution.forward()";
    assertMatrix(where, "x", x);
    checkImages(where, x, this.inputShape);
    const n = x.rows, [fn, oh, ow] = this.outputShape, positions = oh * ow;
    const kernels = this.#kernels, rows = n * positions;
    this.#col = ensureShape(this.#col, rows, this.W.cols, kernels);
    const col = im2col(x, this.inputShape, this.#window, this.#col);
    const colOut =
      (this.#colOut = ensureShape(this.#colOut, rows, fn, kernels));
    // Zeros are skipped on the scalar kernels only: with SIMD, finding them
    // (SparseRows.fill) costs as much as the dense product it would save
    // (bench/convnet_bench.ts; measured 4.8 ms + 2.1 ms vs 7.1 ms).
    this.#isSparse = !kernels.vectorized &&
      (this.assumeFiniteW || this.#kernels.allFinite(this.W)) &&
      this.#colSparse.fill(col, 0.5);
    this.#Wt = transpose(this.W, this.#Wt, kernels);
    if (this.#isSparse) {
      matmulSparse(this.#colSparse, this.#Wt, colOut, kernels); // col · Wᵀ, skipping zeros
    } else {
      kernels.matmul(col, this.#Wt, colOut); // col · Wᵀ
    }
    const out = (this.#out = ensureShape(this.#out, n, fn * positions));
    // (n, position, filter) → (n, filter, position), adding the bias.
    const C = colOut.data, O = out.data, B = this.b.data;
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < positions; p++) {
        const src = (i * positions + p) * fn, dst = i * fn * positions + p;
        for (let f = 0; f < fn; f++) O[dst + f * positions] = C[src + f] + B[f];
      }
    }
    this.#n = n;
    return out;
  }

  /** ∂L/∂x, overwriting dW and db. N×(FN·OH·OW) → N×(C·H·W). */
  backward(dout: Matrix): Matrix {
    const dout2 = this.#backwardParams("Convolution.backward()", dout);
    const dcol = (this.#dcol = ensureShape(
      this.#dcol,
      dout2.rows,
      this.W.cols,
      this.#kernels,
    ));
    this.#kernels.matmul(dout2, this.W, dcol); // dout · W
    return (this.#dx = col2im(dcol, this.inputShape, this.#window, this.#dx));
  }

  /**
   * dW and db only, for a first layer whose dx nobody needs (skips the
   * dout·W product and col2im).
   */
  backwardParams(dout: Matrix): void {
    this.#backwardParams("Convolution.backwardParams()", dout);
  }

  /** [W, b] with their gradients. */
  params(): Param[] {
    return [
      { name: "W", value: this.W, grad: this.dW },
      { name: "b", value: this.b, grad: this.db },
    ];
  }

  #backwardParams(where: string, dout: Matrix): Matrix {
    assertMatrix(where, "dout", dout);
    const col = this.#col, n = this.#n;
    if (col === undefined) throw new Error(`${where}: called before forward()`);
    const [fn, oh, ow] = this.outputShape, positions = oh * ow;
    if (dout.rows !== n || dout.cols !== fn * positions) {
      throw new RangeError(
        `${where}: expected dout of shape ${n}×${
          fn * positions
        } (N×FN·OH·OW) but found ${dout.shape}`,
      );
    }
    // (n, filter, position) → (n, position, filter), the layout of col · Wᵀ.
    const dout2 = (this.#dout2 = ensureShape(
      this.#dout2,
      n * positions,
      fn,
      this.#kernels,
    ));
    const D = dout.data, D2 = dout2.data;
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < fn; f++) {
        const src = (i * fn + f) * positions;
        for (let p = 0; p < positions; p++) {
          D2[(i * positions + p) * fn + f] = D[src + p];
        }
      }
    }
    sumColumns(dout2, this.db);
    if (this.#isSparse && this.#kernels.allFinite(dout2)) {
      // (doutᵀ · col)ᵀ = colᵀ · dout, over col's non-zeros
      this.#dWt = ensureShape(this.#dWt, col.cols, fn, this.#kernels);
      matmulTNSparse(this.#colSparse, dout2, this.#dWt, this.#kernels);
      transpose(this.#dWt, this.dW);
    } else {
      this.#kernels.matmulTN(dout2, col, this.dW); // doutᵀ · col: FN×(C·FH·FW)
    }
    return dout2;
  }
}

/** aᵀ, into `out` when it has the shape. */
function transpose(a: Matrix, out?: Matrix, kernels?: Kernels): Matrix {
  const t = ensureShape(out, a.cols, a.rows, kernels);
  const A = a.data, T = t.data, m = a.rows, n = a.cols;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  }
  return t;
}
