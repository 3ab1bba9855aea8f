/**
 * Compact image sets: pixels stay as bytes (MNIST's 60000 training images are
 * 47 MB as u8, 376 MB as float64) and become float64 matrices only a batch at
 * a time. Pure code: no file access.
 *
 * @module
 */

import { checkOptions, describe } from "../core/options.ts";
import { ensureShape, Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { gatherBytes } from "../core/naive.ts";

/**
 * `count` images of `sampleShape` (e.g. [784] flattened, or [1, 28, 28]) kept
 * as u8 pixels. `batch()` and `sliceRows()` turn the chosen images into an
 * N×D float64 matrix (D = the product of `sampleShape`), scaled to [0, 1]
 * when `normalize` is on, as the book's `load_mnist(normalize=True)` does.
 * Named as a {@linkcode Matrix} of its images would be: the book's
 * `x_train.shape[0]` is `xTrain.rows` and `x_train[:3]` is
 * `xTrain.sliceRows(0, 3)`, whichever of the two `xTrain` is.
 *
 * @example
 * ```ts
 * import { ImageSet } from "@dlfs/nn/data";
 *
 * const images = new ImageSet(new Uint8Array([0, 255, 51, 102]), [2], { normalize: true });
 * console.log(images.count, images.batch([1, 0]).toRows()); // 2 [[0.2, 0.4], [0, 1]]
 * ```
 */
export class ImageSet {
  /** The pixels of image i are `pixels[i·D … (i+1)·D)`. */
  readonly pixels: Uint8Array;
  /** The shape of one image: [784] when flattened, [1, 28, 28] when not. */
  readonly sampleShape: readonly number[];
  /** D, the number of values per image. */
  readonly sampleSize: number;
  /** The number of images (as a `SampleSet`). */
  readonly count: number;
  /** The number of images, the book's `x_train.shape[0]` (as `Matrix.rows`). */
  readonly rows: number;
  /** Whether pixels are scaled by 1/255 into [0, 1]. */
  readonly normalize: boolean;

  /**
   * Wraps `pixels` (not copied).
   *
   * @throws {RangeError} if `pixels.length` is not a multiple of the sample
   * size, or the shape has a non-positive dimension.
   */
  constructor(
    pixels: Uint8Array,
    sampleShape: readonly number[],
    options: { normalize: boolean },
  ) {
    checkOptions("ImageSet", options, ["normalize"]);
    const size = sampleShape.reduce((a, b) => a * b, 1);
    if (!sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(
        `ImageSet: expected sampleShape of positive integers but found [${
          sampleShape.join(", ")
        }]`,
      );
    }
    if (pixels.length % size !== 0) {
      throw new RangeError(
        `ImageSet: expected a multiple of ${size} pixels for samples of shape [${
          sampleShape.join(", ")
        }] but found ${pixels.length}`,
      );
    }
    this.pixels = pixels;
    this.sampleShape = [...sampleShape];
    this.sampleSize = size;
    this.count = this.rows = pixels.length / size;
    this.normalize = options.normalize;
  }

  /**
   * The images at `indices` as an N×D matrix, written into `out` when it has
   * that shape (default: a new matrix; pass one so a training loop allocates
   * nothing). With `kernels`, they gather the pixels into their memory
   * (`Kernels.gatherBytes`: into `out` when it fits, else a new matrix;
   * pass the last one back), as the nets and the Trainer gather their
   * batches.
   *
   * @throws {RangeError} if an index is not an integer in [0, count).
   */
  batch(indices: ArrayLike<number>, out?: Matrix, kernels?: Kernels): Matrix {
    const d = this.sampleSize, n = indices.length;
    for (let r = 0; r < n; r++) {
      const k = indices[r];
      if (!Number.isInteger(k) || k < 0 || k >= this.count) {
        throw new RangeError(
          `ImageSet.batch(): expected indices in [0, ${this.count}) but found indices[${r}] = ${k}`,
        );
      }
    }
    const rows = {
      bytes: this.pixels,
      indices,
      width: d,
      scale: this.normalize ? 1 / 255 : 1,
    };
    return kernels?.gatherBytes(rows, out) ??
      gatherBytes(rows, ensureShape(out, n, d));
  }

  /**
   * Images `start … end−1` as an (end−start)×D matrix: `x_train[start:end]`,
   * as `Matrix.sliceRows`, written into `out` when it has that shape
   * (default: a new matrix).
   *
   * @throws {RangeError} unless 0 ≤ start ≤ end ≤ count.
   */
  sliceRows(start: number, end: number, out?: Matrix): Matrix {
    if (
      !(Number.isInteger(start) && Number.isInteger(end) && 0 <= start &&
        start <= end && end <= this.count)
    ) {
      throw new RangeError(
        `ImageSet.sliceRows(): expected 0 ≤ start ≤ end ≤ ${this.count} but found start ${
          describe(start)
        }, end ${describe(end)}`,
      );
    }
    const indices = new Int32Array(end - start);
    for (let i = 0; i < indices.length; i++) indices[i] = start + i;
    return this.batch(indices, out);
  }
}

/**
 * Labels as the book's `load_mnist` returns them: class indices (u8), or a
 * one-hot N×10 {@linkcode Matrix} with `oneHotLabel`.
 */
export type LabelSet = Uint8Array | Matrix;

export { gatherLabels } from "../layers/labels.ts";

/**
 * One-hot encodes class indices in [0, classes) as an N×classes matrix.
 *
 * @throws {RangeError} if a label is outside [0, classes).
 *
 * @example
 * ```ts
 * import { oneHot } from "@dlfs/nn/data";
 *
 * console.log(oneHot([2, 0], 3).toRows()); // [[0, 0, 1], [1, 0, 0]]
 * ```
 */
export function oneHot(labels: ArrayLike<number>, classes: number): Matrix {
  const m = new Matrix(labels.length, classes);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (!Number.isInteger(k) || k < 0 || k >= classes) {
      throw new RangeError(
        `oneHot(): expected labels in [0, ${classes}) but found labels[${i}] = ${k}`,
      );
    }
    m.data[i * classes + k] = 1;
  }
  return m;
}
