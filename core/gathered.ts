/**
 * A batch the kernels gathered from bytes (`Kernels.gatherBytes`), whose
 * non-zeros they know and whose dense values they write only when
 * something reads them. Internal: the kernels make these, the layers see a
 * `Matrix`; not exported from mod.ts.
 *
 * Why: a net whose first layer is Affine never reads its batch's values,
 * only multiplies by them, and its products skip the zeros; listing the
 * non-zero pixels straight from the u8 images costs less than writing the
 * dense float64 batch and searching it for zeros (bench/train_bench.ts).
 * Why the list cannot go stale: nothing outside the kernels can read or
 * write the values but through `data`, and the first such read writes them
 * and ends the kernels' use of the list for good (the matrix is an
 * ordinary one from then on, and stays one when gathered into again).
 *
 * @module
 */

import { type DType, dtypeOf, type FloatArray, Matrix } from "./matrix.ts";
import type { ByteCompactLoop, ByteRows, SparseRows } from "./sparse.ts";

// Set by GatheredMatrix's static block, which sees its private fields.
let nonZerosOf: (m: Matrix) => SparseRows | undefined;
let valuesOf: (m: Matrix) => FloatArray;
let storageOf: (m: Matrix) => FloatArray;

/** See the module doc. */
export class GatheredMatrix extends Matrix {
  /** The kernels that gathered it (their memory holds its arrays). */
  readonly owner: object;
  #values: FloatArray; // rows × cols; the values once #written
  #nonZeros?: SparseRows; // the values' non-zeros, while the kernels use them
  #written = false; // whether #values holds the values

  /**
   * An n×d batch of `owner`'s over `values` (n·d, in its memory), its
   * non-zeros to be gathered into `nonZeros` (`fill`).
   */
  constructor(
    rows: number,
    cols: number,
    values: FloatArray,
    nonZeros: SparseRows,
    owner: object,
  ) {
    super(rows, cols, values);
    this.owner = owner;
    this.#values = values;
    this.#nonZeros = nonZeros;
    // data is read through the accessor below; Matrix made it a field.
    Object.defineProperty(this, "data", {
      get: () => this.#expose(),
      enumerable: true,
    });
  }

  /** The element type, read without reading `data` (which ends the list). */
  override get dtype(): DType {
    return dtypeOf(this.#values);
  }

  /**
   * Gathers `rows` (n rows of `cols` bytes): their non-zeros by `loop`,
   * the values left unwritten, while nothing outside the kernels has read
   * them; else the values at once, by `write`.
   */
  fill(
    rows: ByteRows,
    loop: ByteCompactLoop,
    write: (rows: ByteRows, out: Matrix) => void,
  ): void {
    const nonZeros = this.#nonZeros;
    if (nonZeros === undefined) {
      write(rows, new Matrix(this.rows, this.cols, this.#values));
      return;
    }
    nonZeros.fillBytes(rows, loop);
    this.#written = false;
  }

  /**
   * Its list of non-zeros, taken for a batch of another shape (with its
   * arrays); this matrix is given up (see `Kernels.gatherBytes`).
   */
  take(): SparseRows | undefined {
    const nonZeros = this.#nonZeros;
    this.#nonZeros = undefined;
    return nonZeros;
  }

  /** Gives its list's arrays back to its kernels; an ordinary matrix now. */
  dropNonZeros(): void {
    valuesOf(this);
    this.#nonZeros?.release();
    this.#nonZeros = undefined;
  }

  /** `data`, read from outside the kernels: the values, the list dropped. */
  #expose(): FloatArray {
    this.dropNonZeros();
    return this.#values;
  }

  static {
    nonZerosOf = (m) => m instanceof GatheredMatrix ? m.#nonZeros : undefined;
    valuesOf = (m) => {
      if (!(m instanceof GatheredMatrix)) return m.data;
      if (!m.#written) {
        m.#nonZeros?.toDense(new Matrix(m.rows, m.cols, m.#values));
        m.#written = true;
      }
      return m.#values;
    };
    storageOf = (m) => m instanceof GatheredMatrix ? m.#values : m.data;
  }
}

/**
 * The non-zeros of `m` when it is a batch the kernels gathered and nothing
 * has read its values since (then its values are exactly these); else
 * undefined.
 */
export function nonZeros(m: Matrix): SparseRows | undefined {
  return nonZerosOf(m);
}

/**
 * The array behind `m`'s values, as it is (a gathered batch's may not hold
 * them yet): for checks that compare arrays, which must not read `data`.
 */
export function storage(m: Matrix): FloatArray {
  return storageOf(m);
}

/**
 * `m`, or for a gathered batch an ordinary matrix over its values (written
 * if need be, without ending the kernels' use of its non-zeros): what a
 * dense loop of the kernels reads.
 */
export function denseOf(m: Matrix): Matrix {
  return m instanceof GatheredMatrix
    ? new Matrix(m.rows, m.cols, valuesOf(m))
    : m;
}
