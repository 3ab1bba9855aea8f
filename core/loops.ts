/**
 * The TypeScript kernels' loops, one copy per element type. V8 compiles a
 * function for the typed arrays it has seen: fed both Float64Array and
 * Float32Array, it runs polymorphic, slower, for the rest of the process
 * (a float64 training iteration on the TypeScript kernels ran ~1.5–2×
 * slower after a float32 one: bench/dtype_order_bench.ts). So the kernels
 * of each dtype run their own copies: the float64 ones where they are
 * written, the float32 ones their twins in `f32.ts`, generated from the same
 * text by `deno task gen` (gen.ts). Internal: not exported from mod.ts.
 *
 * @module
 */

import type { DType } from "./matrix.ts";
import * as f32 from "./f32.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";
import {
  compactByteRows,
  compactRows,
  productByLists,
  productTNByRows,
  transposeRows,
} from "./sparse.ts";
import {
  addRowVector,
  allFinite,
  axpy,
  gatherBytes,
  maxPool,
  maxPoolBackward,
  relu,
  reluBackward,
  sumColumns,
} from "./naive.ts";
import { col2im, im2col } from "./im2col.ts";
import {
  convolutionBackwardByIm2col,
  convolutionByIm2col,
} from "./convolution.ts";

const FLOAT64 = {
  matmulFast,
  matmulTNFast,
  matmulNTFast,
  transposeRows,
  compactRows,
  compactByteRows,
  productByLists,
  productTNByRows,
  axpy,
  addRowVector,
  sumColumns,
  relu,
  reluBackward,
  maxPool,
  maxPoolBackward,
  allFinite,
  gatherBytes,
  im2col,
  col2im,
  convolutionByIm2col,
  convolutionBackwardByIm2col,
};

/** The loops, by name (those of `fast.ts`, `sparse.ts`, `naive.ts`, …). */
export type Loops = typeof FLOAT64;

// Checked here: f32.ts has every loop, with the same signature.
const FLOAT32: Loops = f32;

/** The copies for `dtype`'s arrays. */
export function loopsOf(dtype: DType): Loops {
  return dtype === "float32" ? FLOAT32 : FLOAT64;
}
