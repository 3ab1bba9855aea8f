/**
 * The SIMD kernels' convolution behind `Kernels.convolution` and
 * `convolutionBackward`: a plan per layer in the kernels' memory, a
 * scratch area per thread, and the batch split between the threads image
 * by image. Two algorithms: Winograd's F(4×4, 3×3) or F(2×2, 3×3) for
 * 3×3 filters of stride 1 over several channels (`winograd_codegen.ts`:
 * 36/144 or 16/36 of the products; `winogradSide` picks), im2col and
 * blocked products for every other window (`conv_codegen.ts`). Not
 * exported from mod.ts; `SimdKernels` (simd.ts) owns one, on a shared
 * memory (else it keeps the im2col of `dispatch.ts`).
 *
 * Float32 kernels call the functions' f32 twins (`convForwardF32`,
 * `winogradForward4F32`, …: f32x4 products, and Winograd's transforms in
 * f32x4, four tiles a vector) on their operands where they are, and pick
 * the algorithms as float64 does. Their rounding is bounded as float64's
 * is (tests/winograd_bounds.ts: Winograd's computation over absolute
 * values, times γ of its depth), with u = 2⁻²⁴, C + 24 deep for out and
 * dx, T + 26 for dW (T the batch's tiles). Float64's depths, C + 20 and
 * T + 23, count every operation of the transforms as a rounding: each 1D
 * transform of d, M and dY 3 deep (× 4 and × 8 exact, × 5 once, two
 * adds), G g Gᵀ and Gᵀ dU G 4 deep a stage (⅙, 1/12 and 1/24 inexact,
 * counted once each), two stages each. The float32 transforms do the same
 * operations in the same order in f32 (the constants rounded to f32 once,
 * as counted), each rounding once with u = 2⁻²⁴, and store what they
 * computed: so the same count, with u = 2⁻²⁴. (Before the f32x4
 * transforms they computed in f64 and rounded at each store of U, V, dY's
 * transform, the results and dW: the 4 and 3 roundings past float64's,
 * no longer spent but kept in the bound.) Measured with the f64
 * transforms on DeepConvNet's convolutions 2–6 (seed 42, 40 Adam steps
 * from He's weights, a batch of 100 MNIST images; the float32 kernels
 * against the float64 oracle on the same float32 operands), the worst
 * error in units of 2⁻²⁴ × Winograd's magnitude, where those depths allow
 * at least 40 and 426:
 *
 * | 2⁻²⁴ × magnitude | out       | dx        | dW        |
 * | ---------------- | --------- | --------- | --------- |
 * | F(4×4, 3×3)      | 0.15–0.73 | 0.17–0.36 | 0.09–0.30 |
 * | F(2×2, 3×3)      | 0.73–1.64 | 0.29–0.71 | 0.22–0.59 |
 *
 * As max|Δ| / max|reference| of each layer's result: F(4×4) out 1.8–3.5e-6,
 * dx 3.3–5.7e-6, dW 1.4–2.3e-6; F(2×2) 1.5–6.4e-7; im2col 1.0–7.7e-7 (the
 * first layer, over one channel, im2col's: out 1.6e-7, dW 5.6e-7). So
 * F(4×4)'s transforms (entries up to 8 and 5) cost float32 about one
 * digit against im2col, within their bound. The f32x4 transforms against
 * the f64 ones, one sitting, uniform operands (W × 0.1) of DeepConvNet's
 * five Winograd convolutions, 4 images: worst out 0.09–0.15 (were
 * 0.09–0.13), dx 0.08–0.13 (0.08–0.12), dW 0.03–0.10 (0.03–0.10).
 *
 * Nothing of the book's (N·OH·OW)×(C·FH·FW) columns is kept between
 * forward and backward: backward builds what it needs again from x, in
 * cache, which costs less than reading it back from memory. So what
 * forward saves is x itself (the layer keeps x unchanged between the two,
 * as for `matmul` and `matmulTN`).
 *
 * Winograd's transforms mix a tile's pixels, and its sums run through
 * larger intermediates than the direct ones: one NaN or ±∞ in x, W or
 * dout makes a whole tile's results NaN (where NumPy gives NaN or ±∞ only
 * to the outputs whose sums hold it), and operands near 1e153 overflow
 * where the direct sums do not. Neither happens with finite results, so
 * a Winograd result (out; dW, dx) with any non-finite element is computed
 * again by im2col, which gives the TypeScript kernels' (NumPy's) results.
 * The check: out and dx, each thread's sum of the outputs as the kernel
 * stores them (float32: of each tile's sum minus itself, 0 or NaN, so
 * that only a tile's outputs near f32's largest overflow it, and im2col
 * computes those again; `winogradOutput`: finite only if they all are);
 * dW (FN×C·9) by `allFinite` (codegen.ts). DeepConvNet's step, one
 * process running the old and new kernels step by step, 100 pairs: +0.3 %
 * (a scan of out and dx by `allFinite` instead, 6.4 M f64 a step: +2.1 %).
 *
 * The batch goes in chunks of about an eighth, which each thread claims
 * in turn (`claiming` in conv_codegen.ts) until none is left: a thread
 * slowed by another process takes fewer. The filters' gradients are
 * summed over each chunk apart, then added in order, so that one thread
 * and two give the same bits.
 *
 * @module
 */

import type { FloatArray, Matrix } from "../matrix.ts";
import type { Window } from "../im2col.ts";
import type {
  ConvolutionGrads,
  ConvolutionSaved,
  Kernels,
} from "../kernels.ts";
import { outputSize } from "../im2col.ts";
import { PLAN, suffix } from "./conv_codegen.ts";
import { type Float, FLOATS } from "./codegen.ts";
import { WPLAN } from "./winograd_codegen.ts";
import type { SimdMemory } from "./memory.ts";
import type { SimdThreads } from "./threads.ts";

/**
 * Elements of one block of im2col's columns (K × rows·OW, 128 KB), and of
 * one block of Winograd's transformed tiles (α²·(C + FN) × tiles, 512 KB):
 * a block's products read a slice at a time, which stays in a core's L2
 * (512 KB here). DeepConvNet's step with 32768, 65536, 131072 and 262144:
 * 175, 150–158, 157 and 161 ms (F(4×4, 3×3) with 64 channels either side
 * takes 4 tiles a block at 32768, 12 at 65536).
 */
const BLOCK = 16384, WINOGRAD_BLOCK = 65536;

/**
 * Tiles a Winograd block has at least, past the budget when C + FN is
 * large: the products' sums run over them in the filters' gradient
 * (DeepConvNet's last two layers, 8×8 with 64 filters: backward 18.8 → 17.3
 * and 10.05 → 9.5 ms with 24 instead of 12 and 16).
 */
const WINOGRAD_MIN_TILES = 24;

/**
 * Input channels from which Winograd pays (its products' inner size): a
 * 28×28 layer of 16 filters at batch 100, forward and backward, over 1, 2,
 * 3, 4 and 6 channels, took 16.3, 17.9, 21.2, 19.4 and 27.8 ms with
 * Winograd's F(4×4, 3×3), 7.6, 17.0, 22.9, 23.2 and 41.8 with im2col.
 */
const WINOGRAD_MIN_CHANNELS = 3;

/**
 * Whether a Winograd result with a non-finite element is computed again by
 * im2col (see the module doc): tests turn it off to show that their checks
 * catch Winograd's results alone.
 */
export const recompute = { nonFinite: true };

/** What the SIMD convolution keeps between forward and backward. */
class SimdConvSaved implements ConvolutionSaved {
  readonly kernels: Kernels;
  /** im2col's plan (`PLAN`) or Winograd's (`WPLAN`), in the kernels' memory. */
  plan: Int32Array;
  /** Winograd's plan of dx, a forward convolution of dout. */
  dxPlan?: Int32Array;
  /** im2col's plan where Winograd's results were not finite (`PLAN`). */
  colPlan?: Int32Array;
  /** The element type the generated functions compute in: the kernels'. */
  t: Float = "f64";
  /**
   * Copies of operands (of type t) that live outside the kernels' memory
   * or are of another type, by name.
   */
  readonly staged = new Map<string, FloatArray>();
  /** Winograd's m (tile side) forward and for dW, and for dx; 0: im2col. */
  m = 0;
  dxM = 0;
  n = 0;
  c = 0;
  h = 0;
  w = 0;
  fn = 0;
  pad = 0;
  oh = 0;
  ow = 0;
  /** x's byte offset in the kernels' memory (or of its copy). */
  xAt = 0;
  window: Window = { height: 0, width: 0 };
  /** The filters transformed (Winograd: U, then for dx turned). */
  U?: FloatArray;
  /** The filters' gradient sums of each chunk of the batch, then db's (t). */
  sums?: FloatArray;

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
  #exports: WebAssembly.Exports; // the filter transforms, winogradFilters2 …
  #counter?: Int32Array; // the next image to claim (`#run`)

  /**
   * The convolution of `kernels`, in `memory`, on `threads`, calling the
   * kernel module's `exports`.
   */
  constructor(
    kernels: Kernels,
    memory: SimdMemory,
    threads: SimdThreads,
    exports: WebAssembly.Exports,
  ) {
    this.#kernels = kernels;
    this.#memory = memory;
    this.#threads = threads;
    this.#exports = exports;
  }

  /** See `Kernels.convolution`. */
  forward(
    ...[x, W, b, input, window, out, saved]: Parameters<
      Kernels["convolution"]
    >
  ): ConvolutionSaved {
    const k = this.#kernels;
    const s = saved instanceof SimdConvSaved && saved.kernels === k
      ? saved
      : new SimdConvSaved(k, k.int32(Math.max(PLAN.SIZE, WPLAN.SIZE)));
    const [c, h, w] = input, [oh, ow] = outputSize(input, window);
    const { height: fh, width: fw, stride = 1, pad = 0 } = window;
    Object.assign(s, { n: x.rows, c, h, w, fn: W.rows, pad, oh, ow, window });
    s.t = k.dtype === "float32" ? "f32" : "f64";
    // Winograd for 3×3 windows of stride 1: F(4×4, 3×3) unless its tiles
    // would reach far past the output's edge, else F(2×2, 3×3); the side
    // of dx's tiles likewise, for x's sides
    const winograd = fh === 3 && fw === 3 && stride === 1 && pad <= 2 &&
      c >= WINOGRAD_MIN_CHANNELS;
    s.m = winograd ? winogradSide(oh, ow) : 0;
    s.dxM = winograd ? winogradSide(h, w) : 0;
    s.xAt = this.#place(s, "x", x.data, true);
    const bAt = this.#place(s, "b", b.data, true);
    const outAt = this.#place(s, "out", out.data, false);
    if (s.m !== 0) {
      const alpha = s.m + 2;
      const U = s.U = this.#sized(s.U, alpha * alpha * s.fn * c, s.t);
      this.#filters(s, W, U, s.m, false);
      if (!this.#winograd(s, s.plan, s.xAt, U.byteOffset, bAt, outAt, s.m)) {
        s.colPlan ??= this.#kernels.int32(PLAN.SIZE);
        this.#colForward(s, this.#colPlan(s, s.colPlan, W, bAt, outAt));
      }
    } else this.#colForward(s, this.#colPlan(s, s.plan, W, bAt, outAt));
    this.#unstage(s, "out", out.data);
    this.#release(s, "x"); // x's copy, if any, is backward's
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
    const s = saved, { dW, dx } = grads;
    const doutAt = this.#place(s, "dout", dout.data, true);
    const dxAt = dx === undefined ? 0 : this.#place(s, "dx", dx.data, false);
    let db: FloatArray;
    if (s.m !== 0) {
      const dWAt = this.#place(s, "dW", dW.data, false);
      db = this.#winogradFilterGrad(s, doutAt, dWAt);
      let finite = this.#finite(s.t, dWAt, dW.data.length);
      if (finite && dxAt !== 0) finite = this.#winogradDx(s, W, doutAt, dxAt);
      if (finite) this.#unstage(s, "dW", dW.data);
      else {
        s.colPlan ??= this.#kernels.int32(PLAN.SIZE);
        const plan = this.#colPlan(s, s.colPlan, W, 0, 0);
        db = this.#colBackward(s, plan, W, doutAt, dxAt, dW);
      }
    } else db = this.#colBackward(s, s.plan, W, doutAt, dxAt, dW);
    const parts = db.length / s.fn;
    for (let f = 0; f < s.fn; f++) { // db: the chunks' sums, in order
      let sum = 0;
      for (let p = 0; p < parts; p++) sum += db[p * s.fn + f];
      grads.db.data[f] = sum;
    }
    if (dx !== undefined) this.#unstage(s, "dx", dx.data);
    this.#release(s);
  }

  /** Runs im2col's forward of `plan` (filled by `#colPlan`) over s's batch. */
  #colForward(s: SimdConvSaved, plan: Int32Array): void {
    const { n, c, fn, oh, ow } = s, rows = plan[PLAN.ROWS];
    const K = c * s.window.height * s.window.width;
    this.#run(`convForward${suffix(s.t)}`, plan, n, n * fn * K * oh * ow, {
      scratch: K * rows * ow,
      chunk: chunkOf(n),
    });
  }

  /**
   * Fills `plan`'s forward slots (`PLAN`): s's x, sizes and window, W,
   * the bias at byte `b` and `out` (0 for backward, which reads neither);
   * returns it.
   */
  #colPlan(
    s: SimdConvSaved,
    plan: Int32Array,
    W: Matrix,
    b: number,
    out: number,
  ): Int32Array {
    const { oh, ow } = s;
    const { height: fh, width: fw, stride = 1 } = s.window, K = W.cols;
    const rows = Math.max(1, Math.min(oh, Math.floor(BLOCK / (K * ow))));
    fill(plan, PLAN, {
      ...sizes(s),
      X: s.xAt,
      W: this.#place(s, "W", W.data, true),
      B: b,
      OUT: out,
      FH: fh,
      FW: fw,
      STRIDE: stride,
      ROWS: rows,
    });
    return plan;
  }

  /**
   * im2col's backward of dout (at byte `doutAt`) by `plan` (forward's,
   * filled by `#colPlan`): dW, dx at byte `dxAt` (0: none). Returns db's
   * sums, FN a chunk of the batch.
   */
  #colBackward(
    s: SimdConvSaved,
    plan: Int32Array,
    W: Matrix,
    doutAt: number,
    dxAt: number,
    dW: Matrix,
  ): FloatArray {
    const { n, fn, oh, ow } = s, K = W.cols, chunk = chunkOf(n);
    plan[PLAN.W] = this.#place(s, "W", W.data, true);
    plan[PLAN.DX] = dxAt;
    const { sums, db, parts } = this.#sums(
      s,
      plan,
      [
        PLAN.DOUT,
        PLAN.DWT,
        PLAN.DWTSTEP,
        PLAN.DB,
        PLAN.DBSTEP,
        PLAN.CHUNK,
      ],
      doutAt,
      K * fn,
      chunk,
    );
    const block = plan[PLAN.ROWS] * ow, work = n * fn * K * oh * ow;
    this.#run(`convBackward${suffix(s.t)}`, plan, n, work * (dxAt ? 2 : 1), {
      scratch: (2 * K + fn) * block,
      chunk,
    });
    // dW = (the chunks' dWᵀ, added in order)ᵀ
    for (let f = 0; f < fn; f++) {
      for (let q = 0; q < K; q++) {
        let sum = 0;
        for (let p = 0; p < parts; p++) sum += sums[p * K * fn + q * fn + f];
        dW.data[f * K + q] = sum;
      }
    }
    return db;
  }

  /**
   * Winograd's filters' gradient from dout (at byte `doutAt`) by s's
   * plan, into byte `dWAt`. Returns db's sums, FN a chunk of the batch.
   */
  #winogradFilterGrad(
    s: SimdConvSaved,
    doutAt: number,
    dWAt: number,
  ): FloatArray {
    const { n, c, fn, oh, ow } = s, plan = s.plan, alpha = s.m + 2;
    const chunk = chunkOf(n, plan[WPLAN.IMAGES]);
    // the filters' sums, α² × FN × C per chunk of the batch
    const { sums, db, parts } = this.#sums(
      s,
      plan,
      [
        WPLAN.DOUT,
        WPLAN.DU,
        WPLAN.DUSTEP,
        WPLAN.DB,
        WPLAN.DBSTEP,
        WPLAN.CHUNK,
      ],
      doutAt,
      alpha * alpha * fn * c,
      chunk,
    );
    this.#run(
      `winogradBackward${s.m}${suffix(s.t)}` as Kind,
      plan,
      n,
      n * fn * c * oh * ow,
      {
        scratch: this.#winogradScratch(plan, alpha, lanesOf(s.t), true),
        chunk,
      },
    );
    // dW = Gᵀ (the chunks' DU, added in order) G
    this.#call(
      `winogradUnfilter${s.m}${suffix(s.t)}`,
      sums.byteOffset,
      dWAt,
      fn,
      c,
      parts,
    );
    return db;
  }

  /**
   * Winograd's dx of dout (at byte `doutAt`) into byte `dxAt`: dout
   * convolved with the filters turned 180°, channels and filters swapped,
   * pad 2 − pad. Returns whether dx is all finite (see `#winograd`).
   */
  #winogradDx(
    s: SimdConvSaved,
    W: Matrix,
    doutAt: number,
    dxAt: number,
  ): boolean {
    const { n, c, fn, oh, ow } = s;
    const a = s.dxM + 2;
    const turned = s.U = this.#sized(s.U, a * a * fn * c, s.t);
    this.#filters(s, W, turned, s.dxM, true);
    s.dxPlan ??= this.#kernels.int32(WPLAN.SIZE);
    const dxSizes = {
      n,
      c: fn,
      h: oh,
      w: ow,
      fn: c,
      pad: 2 - s.pad,
      oh: s.h,
      ow: s.w,
      t: s.t,
    };
    return this.#winograd(
      dxSizes,
      s.dxPlan,
      doutAt,
      turned.byteOffset,
      0,
      dxAt,
      s.dxM,
    );
  }

  /**
   * s's sums of the filters' gradients, `size` elements (of s.t) a chunk
   * of the batch of `chunk` images, then db's, FN a chunk, zeroed; and
   * `plan`'s slots
   * `slots` set to dout's byte offset, the first chunk's sums and how far
   * apart, the first db and how far apart, and the chunk.
   */
  #sums(
    s: SimdConvSaved,
    plan: Int32Array,
    slots: number[],
    doutAt: number,
    size: number,
    chunk: number,
  ): { sums: FloatArray; db: FloatArray; parts: number } {
    const fn = s.fn, parts = Math.ceil(s.n / chunk);
    const sums = s.sums = this.#sized(s.sums, parts * (size + fn), s.t)
      .fill(0);
    const db = sums.subarray(parts * size, parts * (size + fn));
    const bytes = sums.BYTES_PER_ELEMENT;
    [doutAt, sums.byteOffset, bytes * size, db.byteOffset, bytes * fn, chunk]
      .forEach((v, i) => plan[slots[i]] = v);
    return { sums, db, parts };
  }

  /**
   * Whether the `length` elements of type t at byte `at` of the kernels'
   * memory are all finite (always, when `recompute.nonFinite` is off): for
   * dW, small (FN×C·9), which the Winograd forward's sums do not cover.
   */
  #finite(t: Float, at: number, length: number): boolean {
    const allFinite = this.#exports[`allFinite${suffix(t)}`] as (
      a: number,
      n: number,
    ) => number;
    return !recompute.nonFinite || allFinite(at, length) === 1;
  }

  /**
   * U = G g Gᵀ of W's filters (FN×C·9) at U[ξ][f][ch], or with `turned`,
   * of each turned 180° at U[ξ][ch][f] (`winogradFilters` in
   * winograd_codegen.ts).
   */
  #filters(
    s: SimdConvSaved,
    W: Matrix,
    U: FloatArray,
    m: number,
    turned: boolean,
  ): void {
    const w = this.#place(s, "W", W.data, true), fn = W.rows, c = W.cols / 9;
    const e = FLOATS[s.t].bytes, name = `winogradFilters${m}${suffix(s.t)}`;
    const step = e * fn * c;
    if (turned) {
      this.#call(
        name,
        w + 8 * e,
        U.byteOffset,
        c,
        fn,
        9 * e,
        9 * e * c,
        -e,
        step,
      );
    } else {
      this.#call(name, w, U.byteOffset, fn, c, 9 * e * c, 9 * e, e, step);
    }
  }

  /** Calls the kernel module's `name` on this thread. */
  #call(name: string, ...args: number[]): void {
    this.#memory.check();
    (this.#exports[name] as (...args: number[]) => void)(...args);
  }

  /**
   * Winograd's F(m×m, 3×3) forward of the sizes in `s` (c channels of h×w
   * in, fn of oh×ow out) into `plan`, and runs it. Returns whether the
   * outputs are all finite: each thread's sum of them, which the kernel
   * adds up in the first 2 f64 of its scratch, is (always true when
   * `recompute.nonFinite` is off).
   */
  #winograd(
    s: Pick<
      SimdConvSaved,
      "n" | "c" | "h" | "w" | "fn" | "pad" | "oh" | "ow" | "t"
    >,
    plan: Int32Array,
    x: number,
    U: number,
    b: number,
    out: number,
    m: number,
  ): boolean {
    const { n, c, fn, oh, ow } = s;
    const tw = Math.ceil(ow / m), th = Math.ceil(oh / m);
    const alpha = m + 2;
    // tile rows per block, or whole images when one fits
    const tiles = Math.max(
      WINOGRAD_MIN_TILES,
      Math.floor(WINOGRAD_BLOCK / (alpha * alpha * (c + fn))),
    );
    const rows = Math.max(1, Math.min(th, Math.floor(tiles / tw)));
    const images = rows < th ? 1 : Math.max(1, Math.floor(tiles / (th * tw)));
    fill(plan, WPLAN, {
      ...sizes(s),
      X: x,
      U,
      B: b,
      OUT: out,
      TROWS: rows,
      IMAGES: images,
    });
    const kind = `winogradForward${m}${suffix(s.t)}` as Kind;
    this.#run(kind, plan, n, n * fn * c * oh * ow, {
      scratch: this.#winogradScratch(plan, alpha, lanesOf(s.t)),
      chunk: chunkOf(n, images),
    });
    const sums = this.#scratch.slice(0, this.#threads.count);
    return !recompute.nonFinite ||
      sums.every((sum) => Number.isFinite(sum[0] + sum[1]));
  }

  /**
   * f64 of scratch a Winograd plan needs (`winograd` in
   * winograd_codegen.ts), `backward` for the filters' gradient.
   */
  #winogradScratch(
    plan: Int32Array,
    alpha: number,
    lanes: 2 | 4,
    backward = false,
  ): number {
    const c = plan[WPLAN.C], fn = plan[WPLAN.FN], images = plan[WPLAN.IMAGES];
    const m = alpha - 2, th = Math.ceil(plan[WPLAN.OH] / m);
    const tw = Math.ceil(plan[WPLAN.OW] / m);
    const ldv = strideOf(images * plan[WPLAN.TROWS] * tw, lanes);
    const padded = c * (m * th + 2) * (m * tw + 2) +
      (backward ? fn * m * th * m * tw : 0);
    return 2 + images * padded + alpha * alpha * (c + fn) * ldv;
  }

  /**
   * Runs `kind` over the n images of `plan`, `chunk` at a time, each
   * thread (the worker too when it runs) claiming chunks until none is
   * left (`claiming` in conv_codegen.ts); each thread's scratch holds
   * `scratch` f64, the first 2 zeroed (the Winograd forward's sums).
   * `work`: multiply-adds (for the threads' threshold).
   */
  #run(
    kind: Kind,
    plan: Int32Array,
    n: number,
    work: number,
    { scratch, chunk }: { scratch: number; chunk: number },
  ): void {
    const threads = this.#threads.count, at: number[] = [];
    for (let t = 0; t < threads; t++) {
      this.#scratch[t] = this.#sized(this.#scratch[t], scratch).fill(0, 0, 2);
      at.push(this.#scratch[t].byteOffset);
    }
    const counter = this.#counter ??= this.#kernels.int32(1);
    counter[0] = 0; // published to the worker with its task
    this.#threads.share(`${kind}Chunks`, work, (thread) => [
      counter.byteOffset,
      chunk,
      n,
      plan.byteOffset,
      at[thread],
    ]);
  }

  /**
   * `buf` when it holds at least `length` elements of type `t`, else a new
   * array in the memory (`buf` given back).
   */
  #sized(buf: Float64Array | undefined, length: number): Float64Array;
  #sized(buf: FloatArray | undefined, length: number, t: Float): FloatArray;
  #sized(
    buf: FloatArray | undefined,
    length: number,
    t: Float = "f64",
  ): FloatArray {
    if (buf !== undefined && buf.length >= length && isOf(buf, t)) return buf;
    if (buf !== undefined) this.#kernels.free(buf);
    return t === "f64"
      ? this.#kernels.float64(length)
      : this.#kernels.float32(length);
  }

  /**
   * The byte offset of `data` when it lives in the kernels' memory, of
   * type s.t; else of s's copy under `name` (filled with `data`, converted,
   * when `copy`).
   */
  #place(
    s: SimdConvSaved,
    name: string,
    data: FloatArray,
    copy: boolean,
  ): number {
    let buf = s.staged.get(name);
    if (this.#reads(s, data)) {
      if (buf !== undefined) this.#kernels.free(buf);
      s.staged.delete(name);
      return data.byteOffset;
    }
    if (buf === undefined || buf.length !== data.length || !isOf(buf, s.t)) {
      if (buf !== undefined) this.#kernels.free(buf);
      buf = s.t === "f64" // a copy: not zeroed first
        ? this.#memory.float64(data.length, !copy)
        : this.#memory.float32(data.length);
      s.staged.set(name, buf);
    }
    if (copy) buf.set(data);
    return buf.byteOffset;
  }

  /**
   * Gives back s's copies but `keep`'s: a float32 net's layers then share
   * the blocks, one layer's copies at a time, instead of each keeping its
   * own (DeepConvNet: the copies of all its layers' activations).
   */
  #release(s: SimdConvSaved, keep?: string): void {
    for (const [name, buf] of s.staged) {
      if (name === keep) continue;
      this.#kernels.free(buf);
      s.staged.delete(name);
    }
  }

  /** Copies s's copy of an output under `name`, if any, into `data`. */
  #unstage(s: SimdConvSaved, name: string, data: FloatArray): void {
    const buf = s.staged.get(name);
    if (buf !== undefined && !this.#reads(s, data)) data.set(buf);
  }

  /**
   * Whether the generated functions read `data` where it is: of type s.t
   * in the kernels' memory. (Else it is staged, converted where need be.)
   */
  #reads(s: SimdConvSaved, data: FloatArray): boolean {
    return isOf(data, s.t) && this.#memory.has(data);
  }
}

/** Whether `data`'s elements are of type `t`. */
function isOf(data: FloatArray, t: Float): boolean {
  return data.BYTES_PER_ELEMENT === FLOATS[t].bytes;
}

/** The drivers `#run` runs (their `…Chunks` exports). */
type Kind =
  | `conv${"Forward" | "Backward"}${"" | "F32"}`
  | `winograd${"Forward" | "Backward"}${2 | 4}${"" | "F32"}`;

/** A convolution's sizes: C channels of H×W in, FN of OH×OW out, pad. */
type Sizes = Pick<SimdConvSaved, "c" | "h" | "w" | "fn" | "pad" | "oh" | "ow">;

/** The slots of s's sizes, named as in `PLAN` and `WPLAN` both. */
function sizes({ c, h, w, fn, pad, oh, ow }: Sizes) {
  return { C: c, H: h, WIDTH: w, FN: fn, PAD: pad, OH: oh, OW: ow };
}

/** Sets `plan`'s slots, at their places in `layout` (`PLAN`, `WPLAN`). */
function fill<L extends Record<string, number>>(
  plan: Int32Array,
  layout: L,
  values: Partial<Record<keyof L, number>>,
): void {
  for (const [slot, v] of Object.entries(values)) plan[layout[slot]] = v!;
}

/**
 * Images a chunk of a batch of n: about an eighth, so that a thread slowed
 * by another process leaves at most about that much to wait for, and the
 * filters' gradients are at most 8 sums to add (per layer, 8 × α²·FN·C
 * f64: 9 MB for DeepConvNet's last), rounded up to whole blocks of
 * `images` (a chunk's last block is short otherwise).
 */
export function chunkOf(n: number, images = 1): number {
  return images * Math.max(1, Math.ceil(Math.ceil(n / 8) / images));
}

/**
 * Winograd's m for outputs oh×ow: 4, unless F(4×4, 3×3)'s tiles would
 * compute over 1.35 times the outputs (14×14: 16×16, 1.31; 10×10: 1.44),
 * else 2. DeepConvNet's 14×14 convolutions (the third, the fourth's dx):
 * F(4×4) 1.1–1.25× faster than F(2×2) there, one step beside the other.
 */
export function winogradSide(oh: number, ow: number): 2 | 4 {
  const computed = 16 * Math.ceil(oh / 4) * Math.ceil(ow / 4);
  return computed <= 1.35 * oh * ow ? 4 : 2;
}

/**
 * The row length of a block of `tiles` transformed tiles, `lanes` of them
 * a vector (float64 2, float32 4): past the last tile (float64: an odd
 * last tile's copy lands there; float32: M's four columns past the last,
 * zeroed for the last group's copies, see winograd_codegen.ts), a
 * multiple of `lanes` (16-byte aligned rows), and not of 2·lanes, so that
 * the 16 planes of V and M, C·ldv and FN·ldv apart, do not fall into the
 * same few cache sets (at 126 tiles, ldv = 128 made the transforms 3×
 * slower). Float32's rows aligned (ldv 4 mod 8, was 2 mod 4): its
 * convolutions 2–6 of DeepConvNet 2 % faster, one sitting.
 */
export function strideOf(tiles: number, lanes: 2 | 4 = 2): number {
  const ldv = (tiles + (lanes === 2 ? 2 : 7)) & -lanes;
  return ldv % (2 * lanes) === 0 ? ldv + lanes : ldv;
}

/**
 * Tiles a vector of the Winograd transforms (winograd_codegen.ts): float64
 * two (f64x2), float32 four (f32x4).
 */
function lanesOf(t: Float): 2 | 4 {
  return t === "f64" ? 2 : 4;
}
