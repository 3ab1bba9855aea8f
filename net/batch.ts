// Checks and reductions the networks share (not exported from mod.ts).

import { assertMatrix, type Matrix } from "../core/matrix.ts";

/**
 * Throws unless `x` is a Matrix with `inputSize` columns and, when `needRows`,
 * at least one row. Messages name `where` and the shapes.
 */
export function checkBatch(
  where: string,
  x: Matrix,
  inputSize: number,
  needRows: boolean,
): void {
  assertMatrix(where, "x", x);
  if (x.cols !== inputSize) {
    throw new RangeError(
      `${where}: expected x with ${inputSize} columns (inputSize) but found x of shape ${x.shape}`,
    );
  }
  if (needRows && x.rows === 0) {
    throw new RangeError(
      `${where}: expected a batch of at least one row but found x of shape ${x.shape}`,
    );
  }
}

/**
 * How many rows of the scores `y` have their highest score at the label
 * (ties go to the lowest index, as `np.argmax`).
 */
export function countCorrect(y: Matrix, labels: Int32Array): number {
  const c = y.cols, Y = y.data;
  let correct = 0;
  for (let i = 0; i < y.rows; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (Y[i * c + j] > Y[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}
