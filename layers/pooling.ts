/**
 * Max pooling (chapter 7).
 *
 * @module
 */

import { assertMatrix, ensureShape, type Matrix } from "../core/matrix.ts";
import { checkImages, type ImageShape, outputSize } from "../core/im2col.ts";
import type { Kernels } from "../core/kernels.ts";
import type { Layer, Param } from "./layer.ts";

/** Options of {@linkcode Pooling}. */
export interface PoolingOptions {
  /** The shape of one input, C×H×W. */
  input: ImageShape;
  /** Pool height and width (the book's pool_h, pool_w). */
  pool: readonly [height: number, width: number];
  /** Step between windows (default 1, as the book's default; use 2 with 2×2 pools). */
  stride?: number;
  /** Zeros added around each image (default 0). */
  pad?: number;
  /**
   * Kernels to allocate from, and to compute with where they bring
   * `maxPool` (the SIMD ones: branch-free, the same numbers).
   */
  kernels?: Kernels;
}

/**
 * The maximum of each PH×PW window, channel by channel: N×(C·H·W) in,
 * N×(C·OH·OW) out. Backward sends each dout to the position that held the
 * maximum (the first one, in window order, on a tie, as `np.argmax`); a
 * padding zero can be that maximum, and then the gradient goes nowhere.
 *
 * Computed directly rather than through im2col: the same values, without
 * the copy.
 *
 * @example
 * ```ts
 * import { Matrix } from "../core/matrix.ts";
 * import { Pooling } from "./pooling.ts";
 *
 * const pool = new Pooling({ input: [1, 2, 4], pool: [2, 2], stride: 2 });
 * console.log(pool.forward(Matrix.fromRows([[1, 5, 2, 0, 3, 4, 8, 6]])).toRows()); // [[5, 8]]
 * ```
 */
export class Pooling implements Layer {
  /** One input's C×H×W. */
  readonly inputShape: ImageShape;
  /** One output's C×OH×OW. */
  readonly outputShape: ImageShape;
  #window: { height: number; width: number; stride: number; pad: number };
  #argmax: Int32Array = new Int32Array(0); // per output: index into the input row, −1 for padding
  #argBlock: Int32Array = new Int32Array(0); // what #argmax views (grows only)
  #kernels?: Kernels;
  #out?: Matrix;
  #dx?: Matrix;
  #n = -1;

  /**
   * Sets up the window.
   *
   * @throws {RangeError} if the window does not tile the input.
   */
  constructor(options: PoolingOptions) {
    const { input, pool, stride = 1, pad = 0, kernels } = options;
    this.#kernels = kernels;
    const window = { height: pool[0], width: pool[1], stride, pad };
    const [oh, ow] = outputSize(input, window, "Pooling");
    this.inputShape = [...input] as unknown as ImageShape;
    this.outputShape = [input[0], oh, ow];
    this.#window = window;
  }

  /** N×(C·H·W) → N×(C·OH·OW). */
  forward(x: Matrix): Matrix {
    const where = "Pooling.forward()";
    assertMatrix(where, "x", x);
    checkImages(where, x, this.inputShape);
    const [c, h, w] = this.inputShape, [, oh, ow] = this.outputShape;
    const { height: ph, width: pw, stride, pad } = this.#window;
    const n = x.rows, outSize = c * oh * ow, kernels = this.#kernels;
    const out = (this.#out = ensureShape(this.#out, n, outSize, kernels));
    if (this.#argBlock.length < n * outSize) {
      this.#argBlock = kernels?.int32(n * outSize) ??
        new Int32Array(n * outSize);
    }
    this.#argmax = this.#argBlock.subarray(0, n * outSize);
    this.#n = n;
    if (
      pad === 0 &&
      kernels?.maxPool?.(x, this.inputShape, this.#window, out, this.#argmax)
    ) {
      return out;
    }
    const X = x.data, O = out.data, arg = this.#argmax;
    for (let i = 0; i < n; i++) {
      const img = i * c * h * w;
      for (let ch = 0; ch < c; ch++) {
        const plane = ch * h * w; // within the image
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const y0 = oy * stride - pad, x0 = ox * stride - pad;
            let best: number, at: number;
            if (y0 >= 0 && x0 >= 0 && y0 + ph <= h && x0 + pw <= w) {
              // Inside the image (always, without padding): no bounds checks.
              at = plane + y0 * w + x0;
              best = X[img + at];
              for (let fy = 0; fy < ph; fy++) {
                const row = plane + (y0 + fy) * w + x0;
                for (let fx = 0; fx < pw; fx++) {
                  const v = X[img + row + fx];
                  if (v > best) (best = v), (at = row + fx);
                }
              }
            } else {
              best = -Infinity;
              at = -1;
              for (let fy = 0; fy < ph; fy++) {
                const y = y0 + fy;
                for (let fx = 0; fx < pw; fx++) {
                  const xx = x0 + fx;
                  const inside = y >= 0 && y < h && xx >= 0 && xx < w;
                  const v = inside ? X[img + plane + y * w + xx] : 0; // padding is 0, as im2col's
                  if (v > best || (at === -1 && best === -Infinity)) {
                    best = v;
                    at = inside ? plane + y * w + xx : -1;
                  }
                }
              }
            }
            const o = i * outSize + (ch * oh + oy) * ow + ox;
            O[o] = best;
            arg[o] = at;
          }
        }
      }
    }
    this.#n = n;
    return out;
  }

  /** Routes each dout to its window's maximum. N×(C·OH·OW) → N×(C·H·W). */
  backward(dout: Matrix): Matrix {
    const where = "Pooling.backward()";
    assertMatrix(where, "dout", dout);
    const n = this.#n;
    if (n < 0) throw new Error(`${where}: called before forward()`);
    const [c, h, w] = this.inputShape, [, oh, ow] = this.outputShape;
    const outSize = c * oh * ow, inSize = c * h * w;
    if (dout.rows !== n || dout.cols !== outSize) {
      throw new RangeError(
        `${where}: expected dout of shape ${n}×${outSize} but found ${dout.shape}`,
      );
    }
    const dx = (this.#dx = ensureShape(this.#dx, n, inSize));
    const D = dout.data, DX = dx.data, arg = this.#argmax;
    DX.fill(0);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < outSize; o++) {
        const at = arg[i * outSize + o];
        if (at >= 0) DX[i * inSize + at] += D[i * outSize + o];
      }
    }
    return dx;
  }

  /** Pooling has no parameters. */
  params(): Param[] {
    return [];
  }
}
