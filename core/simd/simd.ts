/**
 * The WebAssembly SIMD kernels behind the `Kernels` seam, and the memory
 * they work in.
 *
 * Each {@linkcode SimdKernels} owns one `WebAssembly.Memory`. Arrays it
 * hands out (`float64`, `int32`) live in that memory, so a product whose
 * operands come from there copies nothing: the kernel gets their byte
 * offsets. Operands from anywhere else are copied into a scratch area first
 * (and the result copied out), which is correct but slower; a net that uses
 * these kernels allocates its parameters and gradients here.
 *
 * The memory is a shared one (its buffer a `SharedArrayBuffer`): growing it
 * never detaches what was handed out, and TypeScript loops over its arrays
 * run at full speed. (A resizable view, `toResizableBuffer()`, would also
 * survive growth, but V8 runs plain loops over resizable buffers ~10×
 * slower.) Where shared memory is unavailable (a browser page that is not
 * cross-origin isolated), arrays are ordinary ones and every operand is
 * copied. Nothing is shared between instances: a net's memory goes with the
 * net. It grows up to 2 GiB (byte offsets are the kernels' i32s) and never
 * shrinks; inside it a `Heap` reuses the blocks given back (`free`, and
 * `buffer` when a batch outgrows a buffer), so it follows the largest
 * batch, not the sum of all batches.
 *
 * @module
 */

import type { Matrix } from "../matrix.ts";
import { checkOptions } from "../options.ts";
import type { SparseRows } from "../sparse.ts";
import type { ImageShape, Window } from "../im2col.ts";
import { BaseKernels } from "../dispatch.ts";
import { align, Heap } from "../memory.ts";
import { TILES } from "./codegen.ts";
import { CTL, kernelModule, KIND_STOP, KINDS, MAX_PAGES } from "./module.ts";
import { Func, V128, wasmModule } from "./wasm.ts";
import { spinUntil } from "./spin.ts";

/** What the runtime's WebAssembly supports, detected once. */
export interface SimdSupport {
  /** 128-bit SIMD (all current browsers, Deno, Node ≥ 16). */
  simd: boolean;
  /** Relaxed SIMD, whose fused multiply-add the kernels use when present. */
  relaxed: boolean;
}

let support: SimdSupport | undefined;

/**
 * Whether this runtime validates a tiny SIMD module, and one with a
 * relaxed-SIMD multiply-add; detected on the first call.
 *
 * @example
 * ```ts
 * import { simdSupport } from "@dlfs/nn/core";
 *
 * console.log(simdSupport().simd); // true in Deno
 * ```
 */
export function simdSupport(): SimdSupport {
  if (support === undefined) {
    const probe = (relaxed: boolean) => {
      const f = new Func("probe", []);
      const x = f.local(V128);
      f.v128Zero().get(x).f64x2Add().set(x);
      if (relaxed) f.get(x).get(x).get(x).f64x2RelaxedMadd().set(x);
      return typeof WebAssembly === "object" &&
        WebAssembly.validate(wasmModule([f]));
    };
    support = { simd: probe(false), relaxed: false };
    support.relaxed = support.simd && probe(true);
  }
  return support;
}

/** Options of {@linkcode SimdKernels}. */
export interface SimdKernelsOptions {
  /**
   * Use relaxed-SIMD fused multiply-add (default: when the runtime has
   * it). Without it the products `matmul`, `matmulTN` and `runLists` equal
   * the naive kernels bit for bit; with it they differ by rounding.
   */
  fma?: boolean;
  /**
   * 2 to split the larger products between the calling thread and a
   * Worker running the same kernels on the same (shared) memory; results
   * are the same as with 1 (default), bit for bit. Then `close()` the
   * kernels when done. Where the runtime offers no Worker over shared memory
   * (Node, a browser page that is not cross-origin isolated) the kernels run
   * on one thread, the same numbers: `threads` then reads 1.
   */
  threads?: 1 | 2;
  /**
   * false: an unshared memory, as where shared memory is unavailable (a
   * browser page that is not cross-origin isolated): arrays are then
   * ordinary ones and every operand is copied in and out. Default true
   * where the runtime allows it.
   */
  shared?: boolean;
  /** How long the worker spins for the next task before sleeping (ms, default 0.5). */
  spinMs?: number;
  /**
   * Where the second thread's module is (default: `simd_worker.ts` beside
   * this file). Bundled code, such as a web page, passes the URL of its
   * bundle of `core/simd/simd_worker.ts`.
   */
  workerUrl?: string | URL;
  /** How long a product waits for the worker before giving up (ms, default 30000). */
  timeoutMs?: number;
}

const PAGE = 65536;
/** Products with fewer multiply-adds stay on the calling thread. */
const MIN_SPLIT_WORK = 100_000;

type Kernel = (...args: number[]) => void;

/**
 * The SIMD kernels and the memory they use. Create one per network (see the
 * module doc); `SimdKernels.create()` returns undefined where the runtime
 * has no WebAssembly SIMD.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, SimdKernels } from "@dlfs/nn/core";
 *
 * const simd = SimdKernels.create();
 * assert(simd !== undefined);
 * const a = new Matrix(1, 2, simd.float64(2)); // in the kernels' memory
 * a.data.set([1, 2]);
 * console.log(simd.matmul(a, Matrix.fromRows([[3], [4]])).toRows()); // [[11]]
 * ```
 *
 * @example Two threads
 * ```ts
 * import { Matrix, SimdKernels } from "@dlfs/nn/core";
 *
 * const simd = SimdKernels.create({ threads: 2 })!;
 * await simd.ready(); // until then, products run on this thread alone
 * const a = new Matrix(300, 400, simd.float64(300 * 400));
 * const b = new Matrix(400, 2, simd.float64(400 * 2));
 * a.data.fill(1);
 * b.data.fill(0.5);
 * console.log(simd.matmul(a, b).get(299, 1)); // 200: rows 150 … 299 came from the worker
 * simd.close();
 * ```
 */
export class SimdKernels extends BaseKernels {
  /** `"simd"` or `"simd+fma"`, `" (unshared)"` without shared memory. */
  readonly name: string;
  /** `"simd"`. */
  readonly backend = "simd";
  /** True: f64x2 vectors. */
  protected readonly vectorized = true;
  #memory: WebAssembly.Memory;
  #shared: boolean; // arrays are handed out from the memory
  #buffer: ArrayBufferLike; // the memory's current buffer
  #mine = new Set<ArrayBufferLike>(); // every buffer the memory has had
  #heap: Heap; // which bytes of the memory are in use
  #scratch = 0; // offset and size of the staging area
  #scratchBytes = 0;
  #kernels: Record<(typeof KINDS)[number], Kernel>;
  #compact: (...args: number[]) => number;
  #allFinite: (a: number, n: number) => number;
  #compactBytes: (...args: number[]) => number;
  #relu: Kernel;
  #reluBackward: Kernel;
  #maxPool: Kernel;
  #maxPool2x2: Kernel;
  #worker?: Worker; // the second thread, until close()
  #ctl?: Int32Array; // its control block
  #seq = 0;
  #timeoutMs: number;
  #workerError?: string; // what the worker reported, if it failed
  #lateness = 0; // moving average of (wait for the worker) / (our own rows' time)
  #alone = 0; // split products to run on this thread alone, contention seen
  #backoff = 32; // how many, next time (doubles while contention lasts)
  #splits = 0; // products split between the threads so far
  #broken?: string; // why these kernels refuse work, after a failure

  /**
   * SIMD kernels, or undefined if the runtime has no WebAssembly SIMD.
   * `options` (default `{}`): see {@linkcode SimdKernelsOptions}, each
   * field's default there (one thread, FMA where the runtime has it).
   *
   * @throws {RangeError} for `fma: true` without relaxed SIMD, or `threads`
   * other than 1 or 2.
   * @throws {TypeError} for an option it does not take.
   */
  static create(options: SimdKernelsOptions = {}): SimdKernels | undefined {
    checkOptions("SimdKernels.create()", options, [
      "timeoutMs",
      "fma",
      "threads",
      "shared",
      "spinMs",
      "workerUrl",
    ]);
    const { simd, relaxed } = simdSupport();
    if (!simd) return undefined;
    const fma = options.fma ?? relaxed;
    if (fma && !relaxed) {
      throw new RangeError(
        "SimdKernels.create(): expected a runtime with relaxed SIMD for fma: true but found none",
      );
    }
    const threads = options.threads ?? 1;
    if (threads !== 1 && threads !== 2) {
      throw new RangeError(
        `SimdKernels.create(): expected threads 1 or 2 but found ${threads}`,
      );
    }
    return new SimdKernels(fma, options);
  }

  private constructor(fma: boolean, options: SimdKernelsOptions) {
    super();
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    let memory: WebAssembly.Memory | undefined;
    if (options.shared !== false) {
      try {
        memory = new WebAssembly.Memory({
          initial: 1,
          maximum: MAX_PAGES,
          shared: true,
        });
      } catch {
        memory = undefined; // no shared memory here
      }
    }
    this.#shared = memory !== undefined;
    memory ??= new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    this.name = (fma ? "simd+fma" : "simd") +
      (this.#shared ? "" : " (unshared)");
    this.#memory = memory;
    this.#buffer = memory.buffer;
    this.#mine.add(this.#buffer);
    this.#heap = new Heap(4 * CTL.SLOTS); // the control block comes first
    const { exports } = new WebAssembly.Instance(
      kernelModule(fma, this.#shared),
      { env: { memory } },
    );
    this.#kernels = {
      gemm: exports.gemm as Kernel,
      gemmNT: exports.gemmNT as Kernel,
      lists: exports.lists as Kernel,
    };
    this.#compact = exports.compact as (...args: number[]) => number;
    this.#allFinite = exports.allFinite as (a: number, n: number) => number;
    this.#compactBytes = exports.compactBytes as (...args: number[]) => number;
    this.#relu = exports.relu as Kernel;
    this.#reluBackward = exports.reluBackward as Kernel;
    this.#maxPool = exports.maxPool as Kernel;
    this.#maxPool2x2 = exports.maxPool2x2 as Kernel;
    // A second thread needs a Worker on shared memory; without, one thread.
    if (
      options.threads === 2 && this.#shared && typeof Worker !== "undefined"
    ) {
      this.#ctl = new Int32Array(this.#buffer, 0, CTL.SLOTS);
      this.#worker = new Worker(
        options.workerUrl ?? new URL("./simd_worker.ts", import.meta.url),
        { type: "module" },
      );
      this.#worker.onerror = (e) => {
        e.preventDefault();
        this.#workerError = e.message;
        Atomics.store(this.#ctl!, CTL.FAILED, 1);
      };
      this.#worker.onmessageerror = () => {
        this.#workerError = "a message to the worker could not be read";
        Atomics.store(this.#ctl!, CTL.FAILED, 1);
      };
      this.#worker.onmessage = (e) => {
        this.#workerError = String(e.data?.error);
      };
      this.#worker.postMessage({
        memory,
        ctl: 0,
        fma,
        spinMs: options.spinMs ?? 0.5,
      });
    }
  }

  /** Threads the products are split over: 2 while a worker runs, else 1. */
  override get threads(): number {
    return this.#worker === undefined ? 1 : 2;
  }

  /**
   * Resolves once the second thread takes tasks (at once with one thread).
   *
   * @throws {Error} if the worker is not up within the timeout.
   */
  override async ready(): Promise<void> {
    const start = performance.now();
    while (this.#worker !== undefined && !this.#workerReady()) {
      if (Atomics.load(this.#ctl!, CTL.FAILED) !== 0) {
        this.#fail("the worker failed to start");
      }
      if (performance.now() - start > this.#timeoutMs) {
        throw new Error(
          `SimdKernels.ready(): the worker did not start within ${this.#timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Stops the second thread; products then run on the calling thread.
   * Idempotent; arrays handed out stay valid.
   *
   * @example
   * ```ts
   * import { SimdKernels } from "@dlfs/nn/core";
   *
   * {
   *   using simd = SimdKernels.create({ threads: 2 })!;
   *   await simd.ready();
   *   console.log(simd.threads); // 2
   * } // closed here, by Symbol.dispose
   * ```
   */
  override close(): void {
    const ctl = this.#ctl, worker = this.#worker;
    if (ctl === undefined || worker === undefined) return;
    this.#worker = undefined;
    Atomics.store(ctl, CTL.KIND, KIND_STOP);
    Atomics.store(ctl, CTL.SEQ, ++this.#seq);
    Atomics.notify(ctl, CTL.SEQ);
    worker.terminate();
  }

  /**
   * Products split between the two threads so far (the rest ran on the
   * calling thread: too small, or the worker's core was busy).
   */
  get splits(): number {
    return this.#splits;
  }

  /** Bytes of WebAssembly memory in blocks handed out (arrays and scratch). */
  get bytes(): number {
    return this.#heap.used;
  }

  /** Bytes the WebAssembly memory holds (it grows, never shrinks). */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** A zeroed Float64Array in the kernels' memory. */
  override float64(length: number): Float64Array {
    if (!this.#shared) return new Float64Array(length);
    const offset = this.#reserve(length * 8); // may grow the memory: view it after
    return new Float64Array(this.#buffer, offset, length);
  }

  /** A zeroed Int32Array in the kernels' memory. */
  override int32(length: number): Int32Array {
    if (!this.#shared) return new Int32Array(length);
    const offset = this.#reserve(length * 4); // may grow the memory: view it after
    return new Int32Array(this.#buffer, offset, length);
  }

  /** A zeroed Uint8Array in the kernels' memory. */
  override uint8(length: number): Uint8Array {
    if (!this.#shared) return new Uint8Array(length);
    const offset = this.#reserve(length); // may grow the memory: view it after
    return new Uint8Array(this.#buffer, offset, length);
  }

  /**
   * Gives back an array handed out by `float64`, `int32` or `uint8` (a
   * no-op for any other): its bytes are handed out again.
   */
  override free(array: Float64Array | Int32Array | Uint8Array): void {
    if (this.#mine.has(array.buffer)) this.#heap.free(array.byteOffset);
  }

  /** C = A · B (dense, checked). */
  protected gemm(a: Matrix, b: Matrix, c: Matrix): void {
    const m = a.rows, k = a.cols, n = b.cols;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      // Rows of C split between the threads at a multiple of the tile.
      this.#split("gemm", m, m * k * n, TILES.gemmRows, (r0, r1) => [
        pa + 8 * k * r0,
        pb,
        pc + 8 * n * r0,
        r1 - r0,
        k,
        n,
        8 * k,
        8,
        0,
      ]);
    });
  }

  /** C = Aᵀ · B (dense, checked). */
  protected gemmTN(a: Matrix, b: Matrix, c: Matrix): void {
    const m = a.rows, k = a.cols, n = b.cols;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      // Element (i, p) of gemm's "A" is A[p][i], at pa + 8i + 8Kp; C's
      // K rows split between the threads.
      this.#split("gemm", k, m * k * n, TILES.gemmRows, (r0, r1) => [
        pa + 8 * r0,
        pb,
        pc + 8 * n * r0,
        r1 - r0,
        m,
        n,
        8,
        8 * k,
        0,
      ]);
    });
  }

  /** C = A · Bᵀ (dense, checked). */
  protected gemmNT(a: Matrix, b: Matrix, c: Matrix): void {
    const m = a.rows, k = a.cols, n = b.rows;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      this.#split("gemmNT", m, m * k * n, TILES.ntRows, (r0, r1) => [
        pa + 8 * k * r0,
        pb,
        pc + 8 * n * r0,
        r1 - r0,
        k,
        n,
      ]);
    });
  }

  /** `productByLists` of `sparse.ts` over all `rows` output rows. */
  override runLists(
    ptr: Int32Array,
    index: Int32Array,
    val: Float64Array,
    rows: number,
    B: Float64Array,
    n: number,
    C: Float64Array,
  ): void {
    // Split where half of the entries (the work) is done.
    const nnz = ptr[rows];
    let split = 0, hi = rows;
    while (split < hi) {
      const mid = (split + hi) >> 1;
      if (ptr[mid] < nnz / 2) split = mid + 1;
      else hi = mid;
    }
    this.#run([ptr, index, val, B], C, ([pp, pi, pv, pb], pc) => {
      this.#split("lists", rows, nnz * n, 1, (r0, r1) => [
        pp,
        pi,
        pv,
        r0,
        r1,
        pb,
        n,
        pc,
      ], split);
    });
  }

  /**
   * C = Aᵀ · B over A's non-zeros, always by A's columns (CSC) and the
   * list kernel: every sum in ascending order with the same multiply-adds
   * as `gemm`, so a sparse x gives the dense product's bits, FMA or not.
   * (`matmulTNSparse` takes a TypeScript loop for small outputs, whose
   * rounding without FMA would differ.)
   */
  protected override sparseTN(a: SparseRows, b: Matrix, c: Matrix): void {
    const { colPtr, row, val } = a.columns();
    this.runLists(colPtr, row, val, a.cols, b.data, b.cols, c.data);
  }

  /**
   * The loop of `SparseRows.fill` (`compactRows` of `sparse.ts`), in
   * WebAssembly when the CSR arrays come from this memory (as a
   * `SparseRows` built on these kernels allocates them; A is copied in if
   * it is not), else the TypeScript loop.
   */
  override compactRows(
    A: Float64Array,
    m: number,
    k: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
    cap: number,
  ): number {
    if (![rowPtr, col, val].every((x) => this.#mine.has(x.buffer))) {
      return super.compactRows(A, m, k, rowPtr, col, val, cap);
    }
    // The kernel writes up to k slots past `cap`, unchecked: check here.
    const slots = Math.min(cap + k, m * k);
    if (
      A.length !== m * k || rowPtr.length < m + 1 || col.length < slots ||
      val.length < slots
    ) {
      throw new RangeError(
        `SimdKernels.compactRows(): expected A of ${
          m * k
        } elements, rowPtr of ${
          m + 1
        } and col, val of ${slots} but found ${A.length}, ${rowPtr.length}, ${col.length}, ${val.length}`,
      );
    }
    let nnz = 0;
    this.#run([A], val, ([pa]) => {
      nnz = this.#compact(
        pa,
        m,
        k,
        rowPtr.byteOffset,
        col.byteOffset,
        val.byteOffset,
        cap,
      );
    });
    return nnz;
  }

  /**
   * The loop of `SparseRows.fillBytes` (`compactByteRows` of `sparse.ts`):
   * the rows are copied side by side into the scratch area, then compacted
   * 16 bytes at a time in WebAssembly, when the CSR arrays come from this
   * memory; else the TypeScript loop.
   */
  override compactByteRows(
    bytes: Uint8Array,
    starts: ArrayLike<number>,
    d: number,
    scale: number,
    rowPtr: Int32Array,
    col: Int32Array,
    val: Float64Array,
  ): number {
    const n = starts.length;
    if (
      ![rowPtr, col, val].every((x) => this.#mine.has(x.buffer)) ||
      rowPtr.length < n + 1 || col.length < n * d || val.length < n * d
    ) {
      return super.compactByteRows(bytes, starts, d, scale, rowPtr, col, val);
    }
    const src = this.#scratchOf(n * d);
    const to = new Uint8Array(this.#buffer, src, n * d);
    for (let r = 0; r < n; r++) {
      to.set(bytes.subarray(starts[r], starts[r] + d), r * d);
    }
    return this.#compactBytes(
      src,
      n,
      d,
      scale,
      rowPtr.byteOffset,
      col.byteOffset,
      val.byteOffset,
    );
  }

  /**
   * ReLU's forward (see `Kernels.relu`), branch-free, where the mask comes
   * from this memory (`uint8`); else the TypeScript loop.
   */
  override relu(x: Matrix, out: Matrix, mask: Uint8Array): void {
    if (!this.#mine.has(mask.buffer)) return super.relu(x, out, mask);
    this.#run([x.data], out.data, ([px], po) => {
      this.#relu(px, po, mask.byteOffset, x.data.length);
    });
  }

  /** ReLU's backward (see `Kernels.reluBackward`), likewise. */
  override reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void {
    if (!this.#mine.has(mask.buffer)) {
      return super.reluBackward(dout, mask, dx);
    }
    this.#run([dout.data], dx.data, ([pd], px) => {
      this.#reluBackward(pd, mask.byteOffset, px, dout.data.length);
    });
  }

  /**
   * Max pooling (see `Kernels.maxPool`), branch-free, for windows without
   * padding whose `argmax` comes from this memory (`int32`); else the
   * TypeScript loop.
   */
  override maxPool(
    x: Matrix,
    input: ImageShape,
    window: Window,
    out: Matrix,
    argmax: Int32Array,
  ): void {
    const { height, width, stride = 1, pad = 0 } = window;
    if (pad !== 0 || !this.#mine.has(argmax.buffer)) {
      return super.maxPool(x, input, window, out, argmax);
    }
    const [c, h, w] = input;
    const oh = (h - height) / stride + 1, ow = (w - width) / stride + 1;
    const kernel = height === 2 && width === 2
      ? this.#maxPool2x2
      : this.#maxPool;
    this.#run([x.data], out.data, ([px], po) => {
      kernel(
        px,
        po,
        argmax.byteOffset,
        x.rows,
        c,
        h,
        w,
        height,
        width,
        stride,
        oh,
        ow,
      );
    });
  }

  /** Whether every element of `a` is finite. */
  override allFinite(a: Matrix): boolean {
    const A = a.data;
    if (!this.#mine.has(A.buffer)) return super.allFinite(a);
    return this.#allFinite(A.byteOffset, A.length) === 1;
  }

  /**
   * Runs `kind` over rows 0 … rows−1: all on this thread, or rows from
   * `split` (by default half, at a multiple of `step`) on the worker while
   * this thread does the rest. `args(r0, r1)` are the kernel's arguments
   * for rows r0 … r1−1.
   */
  #split(
    kind: (typeof KINDS)[number],
    rows: number,
    work: number,
    step: number,
    args: (r0: number, r1: number) => number[],
    split = Math.round(rows / 2 / step) * step,
  ): void {
    const kernel = this.#kernels[kind], ctl = this.#ctl;
    if (
      ctl === undefined || work < MIN_SPLIT_WORK || split <= 0 ||
      split >= rows || !this.#workerReady() || this.#alone > 0
    ) {
      if (this.#alone > 0 && work >= MIN_SPLIT_WORK) this.#alone--;
      kernel(...args(0, rows));
      return;
    }
    const theirs = args(split, rows);
    for (let i = 0; i < theirs.length; i++) ctl[CTL.ARGS + i] = theirs[i];
    ctl[CTL.KIND] = KINDS.indexOf(kind) + 1;
    const seq = ++this.#seq;
    Atomics.store(ctl, CTL.SEQ, seq); // publishes everything written above
    Atomics.notify(ctl, CTL.SEQ);
    this.#splits++;
    const t0 = performance.now();
    kernel(...args(0, split)); // our rows
    const t1 = performance.now();
    if (!spinUntil(ctl, CTL.DONE, seq, this.#timeoutMs, CTL.FAILED)) {
      this.#fail(
        Atomics.load(ctl, CTL.FAILED) !== 0
          ? "the worker failed during a product"
          : `the worker did not finish a product within ${this.#timeoutMs} ms`,
      );
    }
    this.#pace(t1 - t0, performance.now() - t1);
  }

  /**
   * Whether the second thread pays: after a split product, `own` ms of our
   * rows and `waited` ms for the worker's. On a core of its own the worker
   * finishes about when we do; when another process holds that core, it
   * finishes late, and we wait (spinning) longer than the split saved. Then
   * the products run on this thread alone for a while — 64 products, twice
   * as many each time contention is found again in a row, up to 2¹⁶ — and
   * the worker, given nothing, goes to sleep; afterwards a split is tried
   * again. Bench: `train.ts --threads 2` under one busy process (README).
   */
  #pace(own: number, waited: number): void {
    this.#lateness = 0.8 * this.#lateness +
      0.2 * (waited / Math.max(own, 1e-3));
    if (this.#lateness > 0.5) {
      this.#backoff = Math.min(2 * this.#backoff, 65536);
      this.#alone = this.#backoff;
      this.#lateness = 0;
    } else if (this.#lateness < 0.1) this.#backoff = 32;
  }

  /**
   * Stops the worker and refuses all further work: after a failure or a
   * timeout the worker may still be writing into this memory, so none of it
   * may be handed out or computed in again.
   */
  #fail(why: string): never {
    this.close();
    this.#broken = `SimdKernels: ${why}${
      this.#workerError ? ` (${this.#workerError})` : ""
    }; these kernels cannot be used any more`;
    throw new Error(this.#broken);
  }

  /** Throws once the kernels are broken (see `#fail`). */
  #check(): void {
    if (this.#broken !== undefined) throw new Error(this.#broken);
  }

  #workerReady(): boolean {
    return this.#worker !== undefined &&
      Atomics.load(this.#ctl!, CTL.READY) === 1;
  }

  /**
   * Calls `kernel` with the byte offsets of `inputs` and `output`, copying
   * each that is not in this memory into the scratch area first (and the
   * output back afterwards).
   */
  #run(
    inputs: (Float64Array | Int32Array)[],
    output: Float64Array,
    kernel: (offsets: number[], out: number) => void,
  ): void {
    this.#check();
    const all = [...inputs, output];
    let staged = 0;
    for (const x of all) {
      if (!this.#mine.has(x.buffer)) staged += align(x.byteLength);
    }
    let at = this.#scratchOf(staged); // may grow the memory: view it after
    const bytes = new Uint8Array(this.#buffer);
    const offsets = all.map((x, i) => {
      if (this.#mine.has(x.buffer)) return x.byteOffset;
      const offset = at;
      at += align(x.byteLength);
      if (i < inputs.length) {
        bytes.set(new Uint8Array(x.buffer, x.byteOffset, x.byteLength), offset);
      }
      return offset;
    });
    const out = offsets.pop()!;
    kernel(offsets, out);
    if (!this.#mine.has(output.buffer)) {
      output.set(new Float64Array(this.#buffer, out, output.length));
    }
  }

  /**
   * The offset of the scratch area, made at least `bytes` long (a fresh
   * block, twice as long, in place of one too short).
   */
  #scratchOf(bytes: number): number {
    if (bytes > this.#scratchBytes) {
      if (this.#scratchBytes > 0) this.#heap.free(this.#scratch);
      this.#scratchBytes = Math.max(bytes, 2 * this.#scratchBytes);
      this.#scratch = this.#reserve(this.#scratchBytes);
    }
    return this.#scratch;
  }

  /** Offset of `bytes` zeroed bytes, growing the memory if needed. */
  #reserve(bytes: number): number {
    this.#check();
    const offset = this.#heap.alloc(bytes);
    const end = this.#heap.top, have = this.#memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.#memory.grow(pages);
      } catch (e) {
        this.#heap.free(offset);
        throw new RangeError(
          `SimdKernels: expected to grow the WebAssembly memory to ${end} bytes but the runtime refused (${
            (e as Error).message
          })`,
        );
      }
      this.#buffer = this.#memory.buffer; // a new, longer view (old ones stay valid)
      this.#mine.add(this.#buffer);
    }
    // A block given back may hold old values: hand it out zeroed.
    new Uint8Array(this.#buffer, offset, align(bytes)).fill(0);
    return offset;
  }
}
