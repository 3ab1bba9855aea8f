/**
 * The SIMD kernels' convolution (`conv_codegen.ts`) behind `Kernels.
 * convolution` and `convolutionBackward`: a plan per layer in the kernels'
 * memory, a scratch area per thread, and the batch split between the
 * threads image by image. Not exported from mod.ts; `SimdKernels`
 * (simd.ts) owns one, on a shared memory (else it keeps the im2col of
 * `dispatch.ts`).
 *
 * Nothing of the book's (N·OH·OW)×(C·FH·FW) columns is kept between
 * forward and backward: backward builds each block's columns again from
 * x, in cache, which costs less than reading them back from memory. So
 * what forward saves is x itself (the layer keeps x unchanged between the
 * two, as for `matmul` and `matmulTN`).
 *
 * @module
 */

import type { Matrix } from "../matrix.ts";
import type {
  ConvolutionGrads,
  ConvolutionSaved,
  Kernels,
} from "../kernels.ts";
import type { ImageShape, Window } from "../im2col.ts";
import { outputSize } from "../im2col.ts";
import { PLAN } from "./conv_codegen.ts";
import type { SimdMemory } from "./memory.ts";
import type { SimdThreads } from "./threads.ts";

/**
 * Elements of one block of columns (K × rows·OW, 128 KB): a block and
 * what its products read stay in a core's L2 (512 KB here).
 */
const BLOCK = 16384;

/** What the SIMD convolution keeps between forward and backward. */
class SimdConvSaved implements ConvolutionSaved {
  readonly kernels: Kernels;
  /** The plan (`PLAN`), in the kernels' memory. */
  readonly plan: Int32Array;
  /** Copies of operands that live outside the kernels' memory, by name. */
  readonly staged = new Map<string, Float64Array>();
  /** Geometry of the last forward. */
  n = 0;
  fn = 0;
  k = 0;
  positions = 0;
  dwt?: Float64Array; // 2 × K×FN: dWᵀ of each half of the batch
  db?: Float64Array; // 2 × FN

  constructor(kernels: Kernels, plan: Int32Array) {
    this.kernels = kernels;
    this.plan = plan;
  }
}

/** See the module doc. */
export class SimdConvolution {
  #kernels: Kernels;
  #memory: SimdMemory;
  #threads: SimdThreads;
  #scratch: Float64Array[] = []; // per thread: the calling one, the worker

  /** The convolution of `kernels`, in `memory`, on `threads`. */
  constructor(kernels: Kernels, memory: SimdMemory, threads: SimdThreads) {
    this.#kernels = kernels;
    this.#memory = memory;
    this.#threads = threads;
  }

  /** See `Kernels.convolution`. */
  forward(
    ...[x, W, b, input, window, out, saved]: Parameters<
      Kernels["convolution"]
    >
  ): ConvolutionSaved {
    const s = saved instanceof SimdConvSaved && saved.kernels === this.#kernels
      ? saved
      : new SimdConvSaved(this.#kernels, this.#kernels.int32(PLAN.SIZE));
    const plan = s.plan, rows = this.#geometry(s, x, W, input, window);
    plan[PLAN.X] = this.#place(s, "x", x.data, true);
    plan[PLAN.W] = this.#place(s, "W", W.data, true);
    plan[PLAN.B] = this.#place(s, "b", b.data, true);
    plan[PLAN.OUT] = this.#place(s, "out", out.data, false);
    const blockPositions = rows * plan[PLAN.OW];
    this.#run("convForward", s, s.k * blockPositions, s.n);
    this.#unstage(s, "out", out.data);
    return s;
  }

  /**
   * See `Kernels.convolutionBackward`.
   *
   * @throws {TypeError} if `saved` is not this convolution's.
   */
  backward(
    dout: Matrix,
    W: Matrix,
    saved: ConvolutionSaved,
    grads: ConvolutionGrads,
  ): void {
    if (!(saved instanceof SimdConvSaved) || saved.kernels !== this.#kernels) {
      throw new TypeError(
        `convolutionBackward(): expected what ${this.#kernels.name} kernels' convolution() saved but found another record`,
      );
    }
    const s = saved, plan = s.plan, { n, fn, k } = s;
    const dwt = s.dwt = this.#sized(s.dwt, 2 * k * fn).fill(0);
    const db = s.db = this.#sized(s.db, 2 * fn).fill(0);
    plan[PLAN.W] = this.#place(s, "W", W.data, true);
    plan[PLAN.DOUT] = this.#place(s, "dout", dout.data, true);
    plan[PLAN.DX] = grads.dx === undefined
      ? 0
      : this.#place(s, "dx", grads.dx.data, false);
    plan[PLAN.DWT] = dwt.byteOffset;
    plan[PLAN.DWT2] = dwt.byteOffset + 8 * k * fn;
    plan[PLAN.DB] = db.byteOffset;
    plan[PLAN.DB2] = db.byteOffset + 8 * fn;
    const half = plan[PLAN.HALF] = Math.round(n / 2);
    const blockPositions = plan[PLAN.ROWS] * plan[PLAN.OW];
    this.#run(
      "convBackward",
      s,
      (2 * k + fn) * blockPositions,
      n,
      grads.dx === undefined ? 1 : 2,
      half,
    );
    if (grads.dx !== undefined) this.#unstage(s, "dx", grads.dx.data);
    // dW = (dWᵀ of the first half + of the second)ᵀ, db likewise
    const dW = grads.dW.data, dB = grads.db.data, second = k * fn;
    for (let f = 0; f < fn; f++) {
      for (let q = 0; q < k; q++) {
        dW[f * k + q] = dwt[q * fn + f] + dwt[second + q * fn + f];
      }
      dB[f] = db[f] + db[fn + f];
    }
  }

  /**
   * Writes the sizes of a convolution of x (N×(C·H·W)) by W into the plan
   * and `s`; returns the output rows per block.
   */
  #geometry(
    s: SimdConvSaved,
    x: Matrix,
    W: Matrix,
    input: ImageShape,
    window: Window,
  ): number {
    const [c, h, w] = input, [oh, ow] = outputSize(input, window);
    const { height: fh, width: fw, stride = 1, pad = 0 } = window;
    const plan = s.plan, k = c * fh * fw;
    const rows = Math.max(1, Math.min(oh, Math.floor(BLOCK / (k * ow))));
    const sizes: [keyof typeof PLAN, number][] = [
      ["C", c],
      ["H", h],
      ["WIDTH", w],
      ["FN", W.rows],
      ["FH", fh],
      ["FW", fw],
      ["STRIDE", stride],
      ["PAD", pad],
      ["OH", oh],
      ["OW", ow],
      ["ROWS", rows],
    ];
    for (const [slot, v] of sizes) plan[PLAN[slot]] = v;
    s.n = x.rows;
    s.fn = W.rows;
    s.k = k;
    s.positions = oh * ow;
    return rows;
  }

  /**
   * Runs `kind` over the s.n images, split between the threads at `split`
   * (default: half) when a worker runs; each thread's scratch holds
   * `scratch` elements. `passes`: products per image (for the split's
   * threshold).
   */
  #run(
    kind: "convForward" | "convBackward",
    s: SimdConvSaved,
    scratch: number,
    n: number,
    passes = 1,
    split?: number,
  ): void {
    const threads = this.#threads.count, at: number[] = [];
    for (let t = 0; t < threads; t++) {
      this.#scratch[t] = this.#sized(this.#scratch[t], scratch);
      at.push(this.#scratch[t].byteOffset);
    }
    const work = passes * n * s.fn * s.k * s.positions;
    this.#threads.run(kind, n, work, 1, (r0, r1) => [
      s.plan.byteOffset,
      r0,
      r1,
      at[r0 === 0 ? 0 : threads - 1],
    ], split);
  }

  /**
   * `buf` when it holds at least `length` elements, else a new array in
   * the memory (`buf` given back).
   */
  #sized(buf: Float64Array | undefined, length: number): Float64Array {
    if (buf !== undefined && buf.length >= length) return buf;
    if (buf !== undefined) this.#kernels.free(buf);
    return this.#kernels.float64(length);
  }

  /**
   * The byte offset of `data` when it lives in the kernels' memory; else
   * of s's copy under `name` (filled with `data` when `copy`).
   */
  #place(
    s: SimdConvSaved,
    name: string,
    data: Float64Array,
    copy: boolean,
  ): number {
    let buf = s.staged.get(name);
    if (this.#memory.has(data)) {
      if (buf !== undefined) this.#kernels.free(buf);
      s.staged.delete(name);
      return data.byteOffset;
    }
    if (buf === undefined || buf.length !== data.length) {
      if (buf !== undefined) this.#kernels.free(buf);
      buf = this.#kernels.float64(data.length);
      s.staged.set(name, buf);
    }
    if (copy) buf.set(data);
    return buf.byteOffset;
  }

  /** Copies s's copy of an output under `name`, if any, into `data`. */
  #unstage(s: SimdConvSaved, name: string, data: Float64Array): void {
    const buf = s.staged.get(name);
    if (buf !== undefined && !this.#memory.has(data)) data.set(buf);
  }
}
