/**
 * im2col and col2im (chapter 7): the rearrangement that turns a convolution
 * into one matrix product.
 *
 * Images are stored as the rest of dlfs stores batches: an N×(C·H·W) Matrix,
 * each row one image laid out channel by channel, row by row (NumPy's
 * N×C×H×W array, flattened per sample).
 *
 * `im2col` writes one row per output position (n, oy, ox), N·OH·OW rows in
 * all, holding the C·FH·FW input values under the filter there (channel,
 * then filter row, then filter column; zeros where the filter overhangs the
 * padding). With the filters as an FN×(C·FH·FW) matrix W, the convolution
 * is then col · Wᵀ.
 *
 * The float32 kernels run copies of `im2col` and `col2im` generated into
 * `f32.ts`: after editing one, run `deno task gen` (tests/twins_test.ts
 * fails until then).
 *
 * @module
 */

import { assertMatrix, ensureShape, type Matrix } from "./matrix.ts";

/** Channels, height and width of one image (NumPy's C×H×W). */
export type ImageShape = readonly [
  channels: number,
  height: number,
  width: number,
];

/** The geometry of a sliding window: filter (or pool) size, stride, padding. */
export interface Window {
  /** Window height FH. */
  height: number;
  /** Window width FW. */
  width: number;
  /** Step between positions (default 1). */
  stride?: number;
  /** Zeros added on every side of the image (default 0). */
  pad?: number;
}

/**
 * The output height and width of `window` slid over images of `shape`:
 * OH = 1 + (H + 2·pad − FH) / stride (likewise OW).
 *
 * @throws {RangeError} when the window does not fit, or the stride does not
 * divide the distance evenly (the book's code would silently truncate).
 *
 * @example
 * ```ts
 * import { outputSize } from "@dlfs/nn/core";
 *
 * console.log(outputSize([1, 28, 28], { height: 5, width: 5 })); // [24, 24]
 * console.log(outputSize([30, 24, 24], { height: 2, width: 2, stride: 2 })); // [12, 12]
 * ```
 */
export function outputSize(
  shape: ImageShape,
  window: Window,
  where = "outputSize()",
): [number, number] {
  const [c, h, w] = shape;
  const { height: fh, width: fw, stride = 1, pad = 0 } = window;
  for (
    const [name, v, min] of [
      ["channels", c, 1],
      ["height", h, 1],
      ["width", w, 1],
      ["window height", fh, 1],
      ["window width", fw, 1],
      ["stride", stride, 1],
      ["pad", pad, 0],
    ] as const
  ) {
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(
        `${where}: expected ${name} to be an integer ≥ ${min} but found ${v}`,
      );
    }
  }
  const spanH = h + 2 * pad - fh, spanW = w + 2 * pad - fw;
  if (spanH < 0 || spanW < 0 || spanH % stride !== 0 || spanW % stride !== 0) {
    throw new RangeError(
      `${where}: expected a ${fh}×${fw} window with stride ${stride} and pad ${pad} to tile a ${h}×${w} image exactly but found ${
        spanH < 0 || spanW < 0 ? "it does not fit" : "a remainder"
      }`,
    );
  }
  return [1 + spanH / stride, 1 + spanW / stride];
}

/**
 * Images (N×(C·H·W)) to columns ((N·OH·OW)×(C·FH·FW)), into `out`
 * (default: a new matrix).
 *
 * @throws {RangeError} if `x` does not have C·H·W columns or the window
 * does not tile the image.
 *
 * @example A 1×3×3 image, 2×2 filter: four positions of four values each
 * ```ts
 * import { im2col, Matrix } from "@dlfs/nn/core";
 *
 * const x = Matrix.fromRows([[1, 2, 3, 4, 5, 6, 7, 8, 9]]);
 * console.log(im2col(x, [1, 3, 3], { height: 2, width: 2 }).toRows());
 * // [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]
 * ```
 */
export function im2col(
  x: Matrix,
  shape: ImageShape,
  window: Window,
  out?: Matrix,
): Matrix {
  const where = "im2col()";
  assertMatrix(where, "x", x);
  const [oh, ow] = outputSize(shape, window, where);
  const [c, h, w] = shape;
  checkImages(where, x, shape);
  const { height: fh, width: fw, stride = 1, pad = 0 } = window;
  const n = x.rows, k = c * fh * fw;
  const col = ensureShape(out, n * oh * ow, k);
  const X = x.data, COL = col.data;
  for (let i = 0; i < n; i++) {
    const img = i * c * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let q = ((i * oh + oy) * ow + ox) * k; // this position's row of col
        for (let ch = 0; ch < c; ch++) {
          const plane = img + ch * h * w;
          for (let fy = 0; fy < fh; fy++) {
            const y = oy * stride + fy - pad;
            for (let fx = 0; fx < fw; fx++) {
              const xx = ox * stride + fx - pad;
              COL[q++] = y >= 0 && y < h && xx >= 0 && xx < w
                ? X[plane + y * w + xx]
                : 0;
            }
          }
        }
      }
    }
  }
  return col;
}

/**
 * Columns back to images: the adjoint of {@linkcode im2col}. Each column
 * entry is added to the input pixel it was copied from (entries over the
 * padding are dropped), which is what a convolution's backward needs.
 * The images go into `out` (default: a new N×(C·H·W) matrix).
 *
 * @throws {RangeError} if `col` is not (N·OH·OW)×(C·FH·FW) for some N.
 *
 * @example
 * ```ts
 * import { col2im, Matrix } from "@dlfs/nn/core";
 *
 * const col = new Matrix(4, 4, new Float64Array(16).fill(1));
 * console.log(col2im(col, [1, 3, 3], { height: 2, width: 2 }).toRows());
 * // [[1, 2, 1, 2, 4, 2, 1, 2, 1]]: how many windows cover each pixel
 * ```
 */
export function col2im(
  col: Matrix,
  shape: ImageShape,
  window: Window,
  out?: Matrix,
): Matrix {
  const where = "col2im()";
  assertMatrix(where, "col", col);
  const [oh, ow] = outputSize(shape, window, where);
  const [c, h, w] = shape;
  const { height: fh, width: fw, stride = 1, pad = 0 } = window;
  const k = c * fh * fw, positions = oh * ow;
  if (col.cols !== k || col.rows % positions !== 0) {
    throw new RangeError(
      `${where}: expected col of shape (N·${positions})×${k} but found ${col.shape}`,
    );
  }
  const n = col.rows / positions;
  const x = ensureShape(out, n, c * h * w);
  const X = x.data, COL = col.data;
  X.fill(0);
  for (let i = 0; i < n; i++) {
    const img = i * c * h * w;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let q = ((i * oh + oy) * ow + ox) * k;
        for (let ch = 0; ch < c; ch++) {
          const plane = img + ch * h * w;
          for (let fy = 0; fy < fh; fy++) {
            const y = oy * stride + fy - pad;
            for (let fx = 0; fx < fw; fx++, q++) {
              const xx = ox * stride + fx - pad;
              if (y >= 0 && y < h && xx >= 0 && xx < w) {
                X[plane + y * w + xx] += COL[q];
              }
            }
          }
        }
      }
    }
  }
  return x;
}

/** Throws unless x has C·H·W columns for `shape`. */
export function checkImages(where: string, x: Matrix, shape: ImageShape): void {
  const [c, h, w] = shape;
  if (x.cols !== c * h * w) {
    throw new RangeError(
      `${where}: expected x with ${c}·${h}·${w} = ${
        c * h * w
      } columns (one ${c}×${h}×${w} image per row) but found x of shape ${x.shape}`,
    );
  }
}
