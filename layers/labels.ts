/**
 * Class labels, in either of the book's two forms, and their validation.
 *
 * @module
 */

import { kindOf, Matrix } from "../core/matrix.ts";

/**
 * The true classes of a batch of N samples over C classes: either a one-hot
 * N×C {@linkcode Matrix} (`oneHotLabel: true` in the book) or N class indices
 * in [0, C) (e.g. an `Int32Array`, a `Uint8Array` or a `number[]`).
 *
 * @example Both forms of the labels 2, 0
 * ```ts
 * import type { Labels } from "@dlfs/nn/layers";
 * import { Matrix } from "@dlfs/nn/core";
 *
 * const asIndices: Labels = [2, 0];
 * const asOneHot: Labels = Matrix.fromRows([[0, 0, 1], [1, 0, 0]]);
 * ```
 */
export type Labels = Matrix | ArrayLike<number>;

/**
 * Checks `t` against a batch of `n` samples over `classes` classes and
 * returns its class indices (written into `out` when it has length `n`;
 * default: a new `Int32Array`).
 *
 * @param where the function to name in error messages.
 * @throws {RangeError} when the count, the one-hot shape or a value is wrong.
 * @throws {TypeError} when `t` is neither a Matrix nor array-like.
 *
 * @example
 * ```ts
 * import { labelIndices } from "@dlfs/nn/layers";
 * import { Matrix } from "@dlfs/nn/core";
 *
 * const oneHot = Matrix.fromRows([[0, 0, 1], [1, 0, 0]]);
 * console.log(labelIndices("demo()", oneHot, 2, 3)); // Int32Array(2) [ 2, 0 ]
 * ```
 */
export function labelIndices(
  where: string,
  t: Labels,
  n: number,
  classes: number,
  out?: Int32Array,
): Int32Array {
  const idx = out?.length === n ? out : new Int32Array(n);
  if (t instanceof Matrix) {
    if (t.rows !== n || t.cols !== classes) {
      throw new RangeError(
        `${where}: expected one-hot t of shape ${n}×${classes} but found ${t.shape}`,
      );
    }
    const T = t.data;
    for (let i = 0; i < n; i++) {
      let ones = 0, hot = -1, others = 0;
      for (let j = 0; j < classes; j++) {
        const v = T[i * classes + j];
        if (v === 1) (ones++, hot = j);
        else if (v !== 0) others++;
      }
      if (ones !== 1 || others !== 0) {
        throw new RangeError(
          `${where}: expected each row of one-hot t to hold a single 1 and zeros but found row ${i} = [${
            Array.from(T.subarray(i * classes, (i + 1) * classes)).join(", ")
          }]`,
        );
      }
      idx[i] = hot;
    }
    return idx;
  }
  if (
    t === null || typeof t !== "object" || typeof t.length !== "number"
  ) {
    throw new TypeError(
      `${where}: expected t to be a one-hot Matrix or an array of class indices but found ${
        kindOf(t)
      }`,
    );
  }
  if (t.length !== n) {
    throw new RangeError(
      `${where}: expected ${n} labels (one per row of x) but found ${t.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const v = t[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(
        `${where}: expected labels to be integers in [0, ${classes}) but found t[${i}] = ${v}`,
      );
    }
    idx[i] = v;
  }
  return idx;
}

/**
 * The labels at `indices`: class indices stay indices (an `Int32Array`),
 * one-hot rows stay one-hot rows (a Matrix). Reuses `out` when it fits
 * (default: a new array or matrix).
 *
 * @throws {RangeError} if an index is out of range.
 *
 * @example
 * ```ts
 * import { gatherLabels } from "@dlfs/nn/layers";
 *
 * console.log(gatherLabels(new Uint8Array([7, 2, 1]), [2, 0])); // Int32Array(2) [ 1, 7 ]
 * ```
 */
export function gatherLabels(
  t: Labels,
  indices: ArrayLike<number>,
  out?: Int32Array | Matrix,
): Int32Array | Matrix {
  const n = indices.length;
  const count = t instanceof Matrix ? t.rows : t.length;
  for (let r = 0; r < n; r++) {
    const k = indices[r];
    if (!Number.isInteger(k) || k < 0 || k >= count) {
      throw new RangeError(
        `gatherLabels(): expected indices in [0, ${count}) but found indices[${r}] = ${k}`,
      );
    }
  }
  if (t instanceof Matrix) {
    const c = t.cols;
    const m = out instanceof Matrix && out.rows === n && out.cols === c
      ? out
      : new Matrix(n, c);
    for (let r = 0; r < n; r++) {
      m.data.set(t.data.subarray(indices[r] * c, (indices[r] + 1) * c), r * c);
    }
    return m;
  }
  const idx = out instanceof Int32Array && out.length === n
    ? out
    : new Int32Array(n);
  for (let r = 0; r < n; r++) idx[r] = t[indices[r]];
  return idx;
}
