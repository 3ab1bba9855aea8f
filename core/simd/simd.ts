/**
 * The WebAssembly SIMD kernels behind the `Kernels` seam: each method a
 * thin wrapper that hands a generated kernel (`codegen.ts`) the byte
 * offsets of its operands. Where the operands live is `memory.ts`'s
 * business, how a product's rows are split with a second thread
 * `threads.ts`', and the convolution `convolution.ts`' (Winograd's or
 * im2col by blocks, image by image, `winograd_codegen.ts` and
 * `conv_codegen.ts`).
 *
 * Each {@linkcode SimdKernels} owns one `WebAssembly.Memory`; a net that
 * uses these kernels allocates its parameters and gradients there, so that
 * a product copies nothing. Nothing is shared between instances: a net's
 * memory goes with the net.
 *
 * @module
 */

import type { DType, FloatArray, Matrix } from "../matrix.ts";
import { checkOptions } from "../options.ts";
import {
  BYTE_SLACK,
  type ByteRows,
  densityCaps,
  type Lists,
  type SparseRows,
  transposeRows,
} from "../sparse.ts";
import type { ImageShape, Window } from "../im2col.ts";
import type {
  ConvolutionGrads,
  ConvolutionSaved,
  Kernels,
} from "../kernels.ts";
import { SimdConvolution } from "./convolution.ts";
import { BaseKernels } from "../dispatch.ts";
import {
  checkAddRowVector,
  checkAxpy,
  checkGather,
  checkSumColumns,
} from "../naive.ts";
import { packTable, TILES, TILES_F32 } from "./codegen.ts";
import { kernelModule, KINDS } from "./module.ts";

/** A task kind of the threads: which kernel export. */
type Kind = (typeof KINDS)[number];
import { SimdMemory } from "./memory.ts";
import { type Kernel, SimdThreads } from "./threads.ts";
import { simdSupport } from "./support.ts";

/**
 * A float32 A·Bᵀ over at most this many terms runs as A times Bᵀ, B
 * copied out transposed, by `gemmF32`: `gemmNTF32`'s sums across a
 * vector's four lanes cost more than the copy when each dot product is a
 * few vectors long (dout·W2ᵀ of MNIST's net, 10 terms: 15.5 → 5.2 µs a
 * batch of 100, load 6 on 2 cores).
 */
const NT_BY_GEMM_MAX_TERMS = 16;

/** Options of {@linkcode SimdKernels}. */
export interface SimdKernelsOptions {
  /**
   * The element type (default `"float64"`). With `"float32"` the products
   * (dense and sparse) run four lanes a vector (f32x4), the convolution
   * its f32 twins (`convolution.ts`), ReLU, pooling, the bias, the column
   * sums, `axpy`, the pixel compaction, the transpose and the finiteness
   * guard their F32 kernels; compacting a float matrix's zeros and
   * writing pixels as floats stay the TypeScript loops.
   */
  dtype?: DType;
  /**
   * Use relaxed-SIMD fused multiply-add (default: when the runtime has
   * it). Without it, in float64, the products `matmul` and `matmulTN`
   * (dense or sparse) equal the naive kernels bit for bit; with it they
   * differ by rounding. (Float32 rounds every product's terms to float32
   * either way: within float32 rounding of the float64 oracle.)
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
  /**
   * false: the shared memory starts at one page and grows as arrays are
   * handed out. Default true: it is made at its cap of 2 GiB at once
   * (address space; a page is resident once written) and never grows, so
   * that the kernels' bounds checks compare with a constant (faster in
   * Deno: see `core/simd/memory.ts`); where the runtime refuses that much
   * at once, it starts at one page and grows, as with false, and `name`
   * ends in " (growing)". No effect without shared memory. Making one
   * starts a full garbage collection in Deno (V8 counts the 2 GiB as
   * external memory): 4–7 ms on a small heap, ~190 ms on a 221 MiB one.
   */
  reserve?: boolean;
  /**
   * How long the worker spins for the next task before sleeping (ms,
   * default 0.05: spinning longer costs the calling thread time when
   * another process is busy; README, "How a product runs").
   */
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
  /**
   * `"simd"` or `"simd+fma"`; `" (unshared)"` after it without shared
   * memory, `" (growing)"` with a shared memory that grows (`reserve`).
   */
  readonly name: string;
  /** `"simd"`. */
  readonly backend = "simd";
  /** True: f64x2 or f32x4 vectors. */
  protected readonly vectorized = true;
  #memory: SimdMemory;
  #f64: boolean; // float64: every kernel in WebAssembly (float32: not all)
  #bytes: number; // per element: 8 or 4
  #kinds: { gemm: Kind; gemmNT: Kind; lists: Kind };
  #tiles: typeof TILES;
  #threads: SimdThreads;
  #compact: (...args: number[]) => number;
  #compactBytes: (...args: number[]) => number;
  #packTable: Uint8Array; // compactBytes' table, in the memory
  #bt?: Matrix; // Bᵀ of a float32 A·Bᵀ over few terms (gemmNT)
  #transpose: Kernel;
  #allFinite: (a: number, n: number) => number;
  #bytesToF64: Kernel;
  #addRowVector: Kernel;
  #sumColumns: Kernel;
  #axpy: (alpha: number, x: number, y: number, n: number) => void;
  #relu: Kernel;
  #reluBackward: Kernel;
  #maxPool: Kernel;
  #maxPool2x2: Kernel;
  #maxPoolBackward: Kernel;
  #convolution?: SimdConvolution; // on a shared memory

  /**
   * SIMD kernels, or undefined if the runtime has no WebAssembly SIMD.
   * `options` (default `{}`): see {@linkcode SimdKernelsOptions}, each
   * field's default there (one thread, FMA where the runtime has it).
   *
   * @throws {RangeError} for `fma: true` without relaxed SIMD, `threads`
   * other than 1 or 2, a `dtype` other than "float64" or "float32",
   * `spinMs` not a number ≥ 0 or `timeoutMs` not one > 0.
   * @throws {TypeError} for an option it does not take, or a `reserve`
   * that is not a boolean.
   */
  static create(options: SimdKernelsOptions = {}): SimdKernels | undefined {
    checkOptions("SimdKernels.create()", options, [
      "dtype",
      "timeoutMs",
      "fma",
      "threads",
      "shared",
      "reserve",
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
    if (options.reserve !== undefined && typeof options.reserve !== "boolean") {
      throw new TypeError(
        `SimdKernels.create(): expected reserve true or false but found ${
          JSON.stringify(options.reserve)
        }`,
      );
    }
    const { dtype, spinMs, timeoutMs } = options;
    if (dtype !== undefined && dtype !== "float64" && dtype !== "float32") {
      throw new RangeError(
        `SimdKernels.create(): expected dtype "float64" or "float32" but found ${
          JSON.stringify(dtype)
        }`,
      );
    }
    if (
      spinMs !== undefined &&
      !(typeof spinMs === "number" && Number.isFinite(spinMs) && spinMs >= 0)
    ) {
      throw new RangeError(
        `SimdKernels.create(): expected spinMs a number ≥ 0 but found ${spinMs}`,
      );
    }
    if (
      timeoutMs !== undefined &&
      !(typeof timeoutMs === "number" && timeoutMs > 0)
    ) {
      throw new RangeError(
        `SimdKernels.create(): expected timeoutMs a number > 0 but found ${timeoutMs}`,
      );
    }
    const threads = options.threads ?? 1;
    if (threads !== 1 && threads !== 2) {
      throw new RangeError(
        `SimdKernels.create(): expected threads 1 or 2 but found ${threads}`,
      );
    }
    return new SimdKernels(fma, threads, options);
  }

  private constructor(
    fma: boolean,
    threads: 1 | 2,
    options: SimdKernelsOptions,
  ) {
    super(options.dtype);
    const memory = this.#memory = new SimdMemory(
      options.shared !== false,
      this.dtype,
      options.reserve !== false,
    );
    this.name = (fma ? "simd+fma" : "simd") +
      (memory.fixed ? "" : memory.shared ? " (growing)" : " (unshared)");
    this.#f64 = this.dtype === "float64";
    this.#bytes = this.#f64 ? 8 : 4;
    this.#kinds = this.#f64
      ? { gemm: "gemmChunks", gemmNT: "gemmNTChunks", lists: "listsChunks" }
      : {
        gemm: "gemmF32Chunks",
        gemmNT: "gemmNTF32Chunks",
        lists: "listsF32Chunks",
      };
    this.#tiles = this.#f64 ? TILES : TILES_F32;
    const module = kernelModule(fma, memory.shared, memory.fixed);
    const { exports } = new WebAssembly.Instance(module, {
      env: { memory: memory.memory },
    });
    this.#threads = new SimdThreads(
      memory,
      Object.fromEntries(KINDS.map((kind) => [kind, exports[kind]])) as Record<
        (typeof KINDS)[number],
        Kernel
      >,
      {
        module,
        threads,
        spinMs: options.spinMs ?? 0.05,
        workerUrl: options.workerUrl ??
          new URL("./simd_worker.ts", import.meta.url),
        timeoutMs: options.timeoutMs ?? 30_000,
      },
    );
    // The element-wise kernels of this dtype (float32: those of F32 names).
    const own = (name: string) =>
      exports[this.#f64 ? name : `${name}F32`] as Kernel;
    this.#compact = exports.compact as (...args: number[]) => number;
    this.#transpose = own("transpose");
    this.#compactBytes = own("compactBytes") as (...args: number[]) => number;
    this.#packTable = memory.uint8(256 * 8);
    this.#packTable.set(packTable());
    this.#allFinite = own("allFinite") as (a: number, n: number) => number;
    this.#bytesToF64 = exports.bytesToF64 as Kernel;
    this.#addRowVector = own("addRowVector");
    this.#sumColumns = own("sumColumns");
    this.#axpy = own("axpy");
    this.#relu = own("relu");
    this.#reluBackward = own("reluBackward");
    this.#maxPool = own("maxPool");
    this.#maxPool2x2 = own("maxPool2x2");
    this.#maxPoolBackward = own("maxPoolBackward");
    if (memory.shared) {
      this.#convolution = new SimdConvolution(
        this,
        memory,
        this.#threads,
        exports,
      );
    }
  }

  /** Threads the products are split over: 2 while a worker runs, else 1. */
  override get threads(): number {
    return this.#threads.count;
  }

  /**
   * Resolves once the second thread takes tasks (at once with one thread).
   *
   * @throws {Error} if the worker is not up within the timeout.
   */
  override ready(): Promise<void> {
    return this.#threads.ready();
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
    this.#threads.close();
  }

  /**
   * Products split between the two threads so far (the rest ran on the
   * calling thread: too small, the worker's core busy, or one thread
   * measured faster: see `core/simd/threads.ts`).
   */
  get splits(): number {
    return this.#threads.splits;
  }

  /** Bytes of WebAssembly memory in blocks handed out (arrays and scratch). */
  get bytes(): number {
    return this.#memory.used;
  }

  /**
   * Bytes of WebAssembly memory the kernels have used at the most (it never
   * shrinks): the memory's length, or where it is made at its cap
   * (`reserve`), up to the end of the highest block handed out, in pages.
   */
  get memoryBytes(): number {
    return this.#memory.extent;
  }

  /** A zeroed Float64Array in the kernels' memory. */
  override float64(length: number): Float64Array {
    return this.#memory.float64(length);
  }

  /** A zeroed Float32Array in the kernels' memory. */
  override float32(length: number): Float32Array {
    return this.#memory.float32(length);
  }

  /** A zeroed Int32Array in the kernels' memory. */
  override int32(length: number): Int32Array {
    return this.#memory.int32(length);
  }

  /** A zeroed Uint8Array in the kernels' memory. */
  override uint8(length: number): Uint8Array {
    return this.#memory.uint8(length);
  }

  /**
   * Gives back an array handed out by `float64`, `float32`, `int32` or
   * `uint8` (a no-op for any other): its bytes are handed out again.
   */
  override free(array: FloatArray | Int32Array | Uint8Array): void {
    this.#memory.free(array);
  }

  /** C = A · B (dense, checked). */
  protected gemm(a: Matrix, b: Matrix, c: Matrix): void {
    this.#gemm(a, b, c, false);
  }

  /** C = Aᵀ · B (dense, checked). */
  protected gemmTN(a: Matrix, b: Matrix, c: Matrix): void {
    this.#gemm(a, b, c, true);
  }

  /**
   * C = A · B, or Aᵀ · B with `tn`: element (i, p) of gemm's "A" at
   * pa + aRow·i + aStep·p (A[p][i] with `tn`); C's rows claimed by the
   * threads, a multiple of the tile at a time.
   */
  #gemm(a: Matrix, b: Matrix, c: Matrix, tn: boolean): void {
    const e = this.#bytes, n = b.cols;
    const [rows, k] = tn ? [a.cols, a.rows] : [a.rows, a.cols];
    const [aRow, aStep] = tn ? [e, e * a.cols] : [e * a.cols, e];
    this.#memory.stage([a.data, b.data], c.data, ([pa, pb], pc) => {
      this.#threads.claim(
        this.#kinds.gemm,
        rows,
        this.#tiles.gemmRows,
        rows * k * n,
        [pa, pb, pc, k, n, aRow, aStep],
      );
    });
  }

  /** C = A · Bᵀ (dense, checked). */
  protected gemmNT(a: Matrix, b: Matrix, c: Matrix): void {
    const m = a.rows, k = a.cols, n = b.rows;
    if (!this.#f64 && k <= NT_BY_GEMM_MAX_TERMS) {
      const bt = this.#bt = this.buffer(this.#bt, k, n),
        B = b.data,
        T = bt.data;
      for (let j = 0; j < n; j++) {
        for (let p = 0; p < k; p++) T[p * n + j] = B[j * k + p];
      }
      return this.#gemm(a, bt, c, false);
    }
    this.#memory.stage([a.data, b.data], c.data, ([pa, pb], pc) => {
      this.#threads.claim(
        this.#kinds.gemmNT,
        m,
        this.#tiles.ntRows,
        m * k * n,
        [
          pa,
          pb,
          pc,
          k,
          n,
        ],
      );
    });
  }

  /** `productByLists` of `sparse.ts`, in WebAssembly, over every list. */
  protected override lists(lists: Lists, b: Matrix, c: Matrix): void {
    const { ptr, index, val, count } = lists, n = b.cols;
    this.#memory.stage([ptr, index, val, b.data], c.data, (at, pc) => {
      const [pp, pi, pv, pb] = at;
      this.#threads.claim(this.#kinds.lists, count, 1, ptr[count] * n, [
        pp,
        pi,
        pv,
        pb,
        n,
        pc,
      ]);
    });
  }

  /**
   * C = Aᵀ · B over A's non-zeros, always by A's columns (CSC) and the
   * list kernel: every sum in ascending order with the same multiply-adds
   * as `gemm`, so a sparse x gives the dense product's bits, FMA or not.
   * (The TypeScript kernels take a row-by-row loop for small outputs,
   * whose rounding without FMA would differ.)
   */
  protected override sparseTN(a: SparseRows, b: Matrix, c: Matrix): void {
    this.lists(a.columns((a, into) => this.#columns(a, into)), b, c);
  }

  /**
   * The counting sort of `SparseRows.columns` in WebAssembly (1.6× the
   * TypeScript loop on a batch of 100 MNIST images: 50 vs 81 µs), where
   * every array is in this memory; else the TypeScript loop.
   */
  #columns(a: SparseRows, into: Lists): void {
    const arrays = [a.rowPtr, a.col, a.val, into.ptr, into.index, into.val];
    if (!arrays.every((x) => this.#memory.has(x))) {
      return transposeRows(a, into);
    }
    this.#memory.check();
    this.#transpose(a.rows, a.cols, ...arrays.map((x) => x.byteOffset));
  }

  /**
   * The loop of `SparseRows.fill`, in WebAssembly when the CSR arrays come
   * from this memory (as a `SparseRows` built on these kernels allocates
   * them; `a` is copied in if it is not), else the TypeScript loop.
   */
  protected override compactRows(
    a: Matrix,
    into: SparseRows,
    maxDensity: number,
  ): number {
    const { rowPtr, col, val } = into, m = a.rows, k = a.cols;
    if (!this.#f64 || ![rowPtr, col, val].every((x) => this.#memory.has(x))) {
      return super.compactRows(a, into, maxDensity);
    }
    // The kernel writes up to k slots past the cap, unchecked: check here.
    const [first, cap] = densityCaps(m, k, maxDensity);
    const slots = Math.min(cap + k, m * k);
    if (rowPtr.length < m + 1 || col.length < slots || val.length < slots) {
      throw new RangeError(
        `SimdKernels.compactRows(): expected rowPtr of ${
          m + 1
        } and col, val of ${slots} but found ${rowPtr.length}, ${col.length}, ${val.length}`,
      );
    }
    let nnz = 0;
    this.#memory.stage([a.data], val, ([pa]) => {
      nnz = this.#compact(
        pa,
        m,
        k,
        rowPtr.byteOffset,
        col.byteOffset,
        val.byteOffset,
        first,
        cap,
      );
    });
    return nnz;
  }

  /**
   * The loop of `SparseRows.fillBytes`: the rows copied side by side into
   * the scratch area, then compacted 16 bytes at a time in WebAssembly, when
   * the CSR arrays come from this memory; else the TypeScript loop.
   */
  protected override compactByteRows(rows: ByteRows, into: SparseRows): number {
    const { rowPtr, col, val } = into;
    if (![rowPtr, col, val].every((x) => this.#memory.has(x))) {
      return super.compactByteRows(rows, into);
    }
    const n = rows.indices.length, slots = n * rows.width + BYTE_SLACK;
    if (rowPtr.length < n + 1 || col.length < slots || val.length < slots) {
      throw new RangeError(
        `SimdKernels.compactByteRows(): expected rowPtr of ${
          n + 1
        } and col, val of ${slots} but found ${rowPtr.length}, ${col.length}, ${val.length}`,
      );
    }
    const src = this.#stageBytes(rows);
    return this.#compactBytes(
      src,
      n,
      rows.width,
      rows.scale,
      rowPtr.byteOffset,
      col.byteOffset,
      val.byteOffset,
      this.#packTable.byteOffset,
    );
  }

  /**
   * The values of rows of bytes into `out` at once (see
   * `Kernels.gatherBytes`): the rows copied side by side into the scratch
   * area, then converted 16 bytes at a time in WebAssembly, when `out`
   * lives in this memory; else the TypeScript loop.
   */
  protected override writeBytes(rows: ByteRows, out: Matrix): void {
    if (!this.#memory.fits(out.data) || !this.#f64) {
      return super.writeBytes(rows, out);
    }
    checkGather("gatherBytes()", rows, out);
    const src = this.#stageBytes(rows);
    this.#bytesToF64(src, out.data.length, rows.scale, out.data.byteOffset);
  }

  /** The rows of `rows`, side by side in the scratch area: its offset. */
  #stageBytes(rows: ByteRows): number {
    this.#memory.check();
    const { bytes, indices, width: d } = rows, n = indices.length;
    const src = this.#memory.scratch(n * d); // may grow the memory: view it after
    const to = new Uint8Array(this.#memory.buffer, src, n * d);
    for (let r = 0; r < n; r++) {
      const start = indices[r] * d;
      to.set(bytes.subarray(start, start + d), r * d);
    }
    return src;
  }

  /**
   * out = X + b, b added to every row (see `Kernels.addRowVector`), a
   * vector at a time in WebAssembly: the TypeScript loop's numbers.
   */
  override addRowVector(x: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkAddRowVector(x, b, out);
    this.#memory.stage([x.data, b.data], c.data, ([px, pb], pc) => {
      this.#addRowVector(px, pb, pc, x.rows, x.cols);
    });
    return c;
  }

  /**
   * The column sums (see `Kernels.sumColumns`), a vector of columns at a
   * time, each adding its rows in order: the TypeScript loop's numbers.
   */
  override sumColumns(x: Matrix, out?: Matrix): Matrix {
    const c = checkSumColumns(x, out);
    this.#memory.stage([x.data], c.data, ([px], pc) => {
      this.#sumColumns(px, pc, x.rows, x.cols);
    });
    return c;
  }

  /**
   * y ← y + α·x (see `Kernels.axpy`) a vector at a time, where x and y
   * are floats of `dtype` in this memory; else the TypeScript loop.
   */
  override axpy(alpha: number, x: Matrix, y: Matrix): Matrix {
    checkAxpy("axpy()", alpha, x, y);
    if (!this.#memory.fits(x.data) || !this.#memory.fits(y.data)) {
      return super.axpy(alpha, x, y);
    }
    this.#memory.check();
    this.#axpy(alpha, x.data.byteOffset, y.data.byteOffset, y.data.length);
    return y;
  }

  /**
   * ReLU's forward (see `Kernels.relu`), branch-free, where the mask comes
   * from this memory (`uint8`); else the TypeScript loop.
   */
  override relu(x: Matrix, out: Matrix, mask: Uint8Array): void {
    if (!this.#memory.has(mask)) return super.relu(x, out, mask);
    this.#memory.stage([x.data], out.data, ([px], po) => {
      this.#relu(px, po, mask.byteOffset, x.data.length);
    });
  }

  /** ReLU's backward (see `Kernels.reluBackward`), likewise. */
  override reluBackward(dout: Matrix, mask: Uint8Array, dx: Matrix): void {
    if (!this.#memory.has(mask)) return super.reluBackward(dout, mask, dx);
    this.#memory.stage([dout.data], dx.data, ([pd], px) => {
      this.#reluBackward(pd, mask.byteOffset, px, dout.data.length);
    });
  }

  /**
   * The convolution (see `Kernels.convolution`) block by block of output
   * rows, image by image, split between the threads (`convolution.ts`);
   * on an unshared memory, im2col and one product (`dispatch.ts`).
   */
  override convolution(
    ...args: Parameters<Kernels["convolution"]>
  ): ConvolutionSaved {
    return this.#convolution?.forward(...args) ?? super.convolution(...args);
  }

  /**
   * The convolution's backward (see `Kernels.convolutionBackward`), as
   * `convolution` computed the forward.
   *
   * @throws {TypeError} if `saved` came from other kernels.
   */
  override convolutionBackward(
    dout: Matrix,
    W: Matrix,
    saved: ConvolutionSaved,
    grads: ConvolutionGrads,
  ): void {
    if (this.#convolution) {
      this.#convolution.backward(dout, W, saved, grads);
    } else super.convolutionBackward(dout, W, saved, grads);
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
    if (pad !== 0 || !this.#memory.has(argmax)) {
      return super.maxPool(x, input, window, out, argmax);
    }
    const [c, h, w] = input;
    const oh = (h - height) / stride + 1, ow = (w - width) / stride + 1;
    const kernel = height === 2 && width === 2
      ? this.#maxPool2x2
      : this.#maxPool;
    this.#memory.stage([x.data], out.data, ([px], po) => {
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

  /**
   * Max pooling's backward (see `Kernels.maxPoolBackward`), where `argmax`
   * comes from this memory; else the TypeScript loop.
   */
  override maxPoolBackward(
    dout: Matrix,
    argmax: Int32Array,
    dx: Matrix,
  ): void {
    if (!this.#memory.has(argmax)) {
      return super.maxPoolBackward(dout, argmax, dx);
    }
    this.#memory.stage([dout.data], dx.data, ([pd], px) => {
      this.#maxPoolBackward(
        pd,
        argmax.byteOffset,
        px,
        dout.rows,
        dout.cols,
        dx.cols,
      );
    });
  }

  /** Whether every element of `a` is finite. */
  override allFinite(a: Matrix): boolean {
    const A = a.data;
    if (!this.#memory.fits(A)) return super.allFinite(a);
    return this.#allFinite(A.byteOffset, A.length) === 1;
  }
}
