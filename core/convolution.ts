/**
 * The convolution by im2col and one matrix product (the book's
 * `common/layers.py` `Convolution`, section 7.4.3), as `BaseKernels`
 * computes it behind the seam: the layer calls `kernels.convolution` and
 * `kernels.convolutionBackward`, and these do the rearranging.
 *
 * The float32 kernels run copies of these functions generated into `f32.ts`:
 * after editing one, run `deno task gen` (tests/twins_test.ts fails until
 * then).
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import type { ConvolutionGrads, ConvolutionSaved, Kernels } from "./kernels.ts";
import { col2im, im2col, type ImageShape, type Window } from "./im2col.ts";

/**
 * What the im2col convolution keeps between forward and backward (exported
 * for its float32 twin in `f32.ts`).
 */
export class Im2colSaved implements ConvolutionSaved {
  readonly kernels: Kernels;
  input: ImageShape;
  window: Window;
  col?: Matrix; // (N·OH·OW)×(C·FH·FW), forward's im2col: what backward needs
  colW?: Matrix; // (C·FH·FW)×FN, Wᵀ (the book's col_W)
  colOut?: Matrix; // (N·OH·OW)×FN, col · col_W
  dout2?: Matrix; // (N·OH·OW)×FN, dout rearranged
  dWt?: Matrix; // (C·FH·FW)×FN, colᵀ · dout
  dcol?: Matrix; // (N·OH·OW)×(C·FH·FW)

  constructor(kernels: Kernels, input: ImageShape, window: Window) {
    this.kernels = kernels;
    this.input = input;
    this.window = window;
  }
}

/**
 * out = col · Wᵀ + b, rearranged from (N·OH·OW)×FN to N×(FN·OH·OW), with
 * col = im2col(x): see `Kernels.convolution`.
 */
export function convolutionByIm2col(
  k: Kernels,
  ...[x, W, b, input, window, out, saved]: Parameters<Kernels["convolution"]>
): ConvolutionSaved {
  const s = saved instanceof Im2colSaved && saved.kernels === k
    ? saved
    : new Im2colSaved(k, input, window);
  s.input = input;
  s.window = window;
  const n = x.rows, fn = W.rows, positions = out.cols / fn;
  s.col = k.buffer(s.col, n * positions, W.cols);
  const col = im2col(x, input, window, s.col);
  const colW = s.colW = transpose(W, k.buffer(s.colW, W.cols, fn));
  s.colOut = k.buffer(s.colOut, n * positions, fn);
  const colOut = k.matmul(col, colW, s.colOut); // col · col_W
  // (n, position, filter) → (n, filter, position), adding the bias: the
  // book's reshape(N, out_h, out_w, -1).transpose(0, 3, 1, 2)
  const C = colOut.data, O = out.data, B = b.data;
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < positions; p++) {
      const src = (i * positions + p) * fn, dst = i * fn * positions + p;
      for (let f = 0; f < fn; f++) O[dst + f * positions] = C[src + f] + B[f];
    }
  }
  return s;
}

/**
 * db = Σ dout, dW = (colᵀ · dout)ᵀ, dcol = dout · W, dx = col2im(dcol),
 * with dout rearranged from N×(FN·OH·OW) to (N·OH·OW)×FN: see
 * `Kernels.convolutionBackward`.
 */
export function convolutionBackwardByIm2col(
  k: Kernels,
  dout: Matrix,
  W: Matrix,
  saved: ConvolutionSaved,
  grads: ConvolutionGrads,
): void {
  const col = saved instanceof Im2colSaved && saved.kernels === k
    ? saved.col
    : undefined;
  if (col === undefined) {
    throw new TypeError(
      `convolutionBackward(): expected what ${k.name} kernels' convolution() saved but found another record`,
    );
  }
  const s = saved as Im2colSaved;
  // (n, filter, position) → (n, position, filter): the book's
  // dout.transpose(0, 2, 3, 1).reshape(-1, FN)
  const fn = W.rows, n = dout.rows, positions = dout.cols / fn;
  const dout2 = s.dout2 = k.buffer(s.dout2, n * positions, fn);
  const D = dout.data, D2 = dout2.data;
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < fn; f++) {
      const src = (i * fn + f) * positions;
      for (let p = 0; p < positions; p++) {
        D2[(i * positions + p) * fn + f] = D[src + p];
      }
    }
  }
  k.sumColumns(dout2, grads.db); // db = Σ dout
  s.dWt = k.buffer(s.dWt, col.cols, fn);
  transpose(k.matmulTN(col, dout2, s.dWt), grads.dW); // dW = (colᵀ · dout)ᵀ
  if (grads.dx === undefined) return;
  s.dcol = k.buffer(s.dcol, dout2.rows, W.cols);
  const dcol = k.matmul(dout2, W, s.dcol); // dout · col_Wᵀ = dout · W
  col2im(dcol, s.input, s.window, grads.dx); // dx
}

/** aᵀ into `out` (a.cols × a.rows). */
function transpose(a: Matrix, out: Matrix): Matrix {
  const A = a.data, T = out.data, m = a.rows, n = a.cols;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  }
  return out;
}
