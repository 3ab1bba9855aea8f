/**
 * A second thread for the sparse products: a module Worker that shares a
 * control block and a data buffer (SharedArrayBuffer) with the main thread.
 *
 * A product is split by output rows so that each thread gets about half of
 * the non-zeros. The main thread copies the worker's share of the lists and
 * all of B into shared memory, bumps a counter, computes its own share in
 * place, then spins until the worker is done and copies the worker's rows
 * back. The worker spins briefly after each task before it sleeps, so the
 * products of one training iteration reach it in about a microsecond rather
 * than the ~50 µs of a message (see `../shared/PERF_NOTES.md`).
 *
 * Both threads run the same loop over the same rows, so the results are
 * bit-identical to the single-threaded kernels. Small products (below
 * {@linkcode WorkerPool.minWork} multiply-adds) and products issued before the
 * worker has started run on the main thread alone.
 *
 * Opt-in: create one, hand it to the layers (`new TwoLayerNet(…, { pool })`),
 * and `close()` it when done. Needs `SharedArrayBuffer`, i.e. Deno, Node, or
 * a cross-origin-isolated page.
 *
 * @module
 */

import {
  type ArrayAllocator,
  type ListRunner,
  productByLists,
} from "./sparse.ts";
import { Matrix } from "./matrix.ts";
import { CTL, CTL_SLOTS, KIND_LISTS, KIND_STOP } from "./pool_layout.ts";
import { spinUntil } from "./spin.ts";

/** Options of {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /** How long the worker spins for the next task before sleeping (ms). */
  spinMs?: number;
  /** How long the main thread waits for a task before giving up (ms). */
  timeoutMs?: number;
}

/** Bytes of shared memory the pool may grow to. */
const MAX_BYTES = 1 << 30;

/**
 * The main thread plus one Worker, sharing the sparse products of the layers.
 *
 * Arrays the pool allocates ({@linkcode WorkerPool.matrix},
 * {@linkcode WorkerPool.float64}, {@linkcode WorkerPool.int32}) live in its
 * shared memory, so the worker reads and writes them in place; any other
 * operand is copied in (and the worker's output rows copied out) per call.
 * A net built with `{ pool }` keeps its parameters, gradients and sparse
 * inputs there. Allocations are never freed one by one: the memory lives as
 * long as the pool or a matrix that uses it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Matrix, matmulSparse, SparseRows, WorkerPool } from "@dlfs/nn/core";
 *
 * const pool = new WorkerPool();
 * try {
 *   await pool.ready();
 *   const a = new SparseRows(pool);
 *   a.fill(new Matrix(300, 200, Float64Array.from({ length: 60000 }, (_, i) => i % 3 ? 0 : i / 1e4)));
 *   const b = new Matrix(200, 50, Float64Array.from({ length: 10000 }, (_, i) => i / 1e3));
 *   assert.deepEqual(matmulSparse(a, b, undefined, pool).data, matmulSparse(a, b).data);
 * } finally {
 *   pool.close();
 * }
 * ```
 */
export class WorkerPool implements ListRunner, ArrayAllocator {
  /** Products with fewer multiply-adds than this stay on the main thread. */
  static readonly minWork = 100_000;
  #worker: Worker;
  #ctl: Int32Array;
  #data: SharedArrayBuffer;
  #used = 0; // bytes handed out by the allocator; scratch starts here
  #seq = 0;
  #closed = false;
  #timeoutMs: number;

  /**
   * Starts the worker (asynchronously: until it is up, products run on the
   * main thread; `await pool.ready()` to wait for it).
   *
   * @throws {TypeError} where `SharedArrayBuffer` is not available.
   */
  constructor(options: WorkerPoolOptions = {}) {
    if (typeof SharedArrayBuffer === "undefined") {
      throw new TypeError(
        "WorkerPool: expected SharedArrayBuffer (Deno, Node, or a cross-origin-isolated page) but found none",
      );
    }
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#ctl = new Int32Array(new SharedArrayBuffer(4 * CTL_SLOTS));
    this.#data = new SharedArrayBuffer(1 << 20, { maxByteLength: MAX_BYTES });
    this.#worker = new Worker(new URL("./pool_worker.ts", import.meta.url), {
      type: "module",
    });
    this.#worker.postMessage({
      ctl: this.#ctl.buffer,
      data: this.#data,
      spinMs: options.spinMs ?? 0.5,
    });
  }

  /** Number of threads the products are split over (2). */
  get threads(): number {
    return 2;
  }

  /**
   * Resolves once the worker takes tasks.
   *
   * @throws {Error} if it is not up within the timeout, or the pool is closed.
   */
  async ready(): Promise<void> {
    const start = performance.now();
    while (this.#closed || Atomics.load(this.#ctl, CTL.READY) !== 1) {
      if (this.#closed) {
        throw new Error("WorkerPool.ready(): the pool is closed");
      }
      if (performance.now() - start > this.#timeoutMs) {
        throw new Error(
          `WorkerPool.ready(): the worker did not start within ${this.#timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * A zeroed `rows × cols` matrix in the pool's shared memory.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "@dlfs/nn/core";
   *
   * const pool = new WorkerPool();
   * console.log(pool.matrix(2, 3).shape); // 2×3
   * pool.close();
   * ```
   */
  matrix(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols, this.float64(rows * cols));
  }

  /** A zeroed Float64Array in the pool's shared memory. */
  float64(length: number): Float64Array {
    return new Float64Array(this.#data, this.#allocate(8 * length), length);
  }

  /** A zeroed Int32Array in the pool's shared memory. */
  int32(length: number): Int32Array {
    return new Int32Array(this.#data, this.#allocate(4 * length), length);
  }

  /**
   * Output rows 0 … rows−1 of the product described by the lists (see
   * `productByLists` in `sparse.ts`), split between the two threads by
   * their share of the entries. Called by the sparse kernels.
   *
   * @throws {Error} if the pool is closed or the worker stops answering.
   */
  runLists(
    ptr: Int32Array,
    index: Int32Array,
    val: Float64Array,
    rows: number,
    B: Float64Array,
    n: number,
    C: Float64Array,
  ): void {
    if (this.#closed) throw new Error("WorkerPool: used after close()");
    const nnz = ptr[rows];
    if (
      nnz * n < WorkerPool.minWork || rows < 2 ||
      Atomics.load(this.#ctl, CTL.READY) !== 1
    ) {
      productByLists(ptr, index, val, 0, rows, B, n, C);
      return;
    }
    // The first row whose list starts at or past half of the entries.
    let lo = 1, hi = rows - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ptr[mid] < nnz / 2) lo = mid + 1;
      else hi = mid;
    }
    const split = lo;

    // Each operand in shared memory: where it is, or a scratch copy.
    let scratch = this.#used;
    const place = (
      a: Int32Array | Float64Array,
      length: number,
      copy: boolean,
    ) => {
      if (a.buffer === this.#data) return a.byteOffset / a.BYTES_PER_ELEMENT;
      const bytes = a.BYTES_PER_ELEMENT;
      const at = Math.ceil(scratch / 8) * 8;
      scratch = at + bytes * length;
      this.#reserve(scratch);
      if (copy) {
        const view = bytes === 4
          ? new Int32Array(this.#data, at, length)
          : new Float64Array(this.#data, at, length);
        view.set(a.subarray(0, length));
      }
      return at / bytes;
    };
    const ctl = this.#ctl;
    ctl[CTL.PTR] = place(ptr, rows + 1, true);
    ctl[CTL.INDEX] = place(index, nnz, true);
    ctl[CTL.VAL] = place(val, nnz, true);
    ctl[CTL.B] = place(B, B.length, true);
    const cShared = C.buffer === this.#data;
    const cOff = place(C, rows * n, false);
    ctl[CTL.C] = cOff;
    ctl[CTL.B_LEN] = B.length;
    ctl[CTL.N] = n;
    ctl[CTL.ROW_START] = split;
    ctl[CTL.ROW_END] = rows;
    ctl[CTL.KIND] = KIND_LISTS;
    const seq = ++this.#seq;
    Atomics.store(ctl, CTL.SEQ, seq); // publishes everything written above
    Atomics.notify(ctl, CTL.SEQ);

    productByLists(ptr, index, val, 0, split, B, n, C); // our rows

    this.#await(seq);
    if (!cShared) {
      C.set(
        new Float64Array(
          this.#data,
          8 * (cOff + split * n),
          (rows - split) * n,
        ),
        split * n,
      );
    }
  }

  /**
   * Stops the worker. Idempotent; the pool cannot be used afterwards.
   *
   * @example
   * ```ts
   * import { WorkerPool } from "@dlfs/nn/core";
   *
   * const pool = new WorkerPool();
   * pool.close();
   * pool.close(); // harmless
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#ctl, CTL.KIND, KIND_STOP);
    Atomics.store(this.#ctl, CTL.SEQ, ++this.#seq);
    Atomics.notify(this.#ctl, CTL.SEQ);
    this.#worker.terminate();
  }

  /** `close()`, for `using`: the worker stops when the block ends. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Spins until the worker reports task `seq` done. */
  #await(seq: number): void {
    if (!spinUntil(this.#ctl, CTL.DONE, seq, this.#timeoutMs)) {
      this.close();
      throw new Error(
        `WorkerPool: the worker did not finish a task within ${this.#timeoutMs} ms`,
      );
    }
  }

  /** Hands out `bytes` (64-byte aligned) of zeroed shared memory for good. */
  #allocate(bytes: number): number {
    if (this.#closed) throw new Error("WorkerPool: used after close()");
    const at = Math.ceil(this.#used / 64) * 64;
    this.#reserve(at + bytes);
    this.#used = at + bytes;
    // Scratch copies may have used this memory before: zero it.
    new Uint8Array(this.#data, at, bytes).fill(0);
    return at;
  }

  /** Grows the shared data buffer to at least `bytes`. */
  #reserve(bytes: number): void {
    if (this.#data.byteLength >= bytes) return;
    if (bytes > MAX_BYTES) {
      throw new RangeError(
        `WorkerPool: expected at most ${MAX_BYTES} bytes of shared operands but found ${bytes}`,
      );
    }
    this.#data.grow(
      Math.min(MAX_BYTES, Math.max(bytes, 2 * this.#data.byteLength)),
    );
  }
}
