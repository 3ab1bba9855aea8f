/**
 * The second thread of the SIMD kernels: a Worker running the same kernel
 * module on the same shared memory (`simd_worker.ts`), the control block
 * they talk through, how a product's rows are split between the threads,
 * and the back-off when the worker's core is busy. Not exported from
 * mod.ts; `SimdKernels` (simd.ts) owns one.
 *
 * @module
 */

import { CTL, KIND_STOP, KINDS } from "./module.ts";
import type { SimdMemory } from "./memory.ts";
import { spinUntil } from "./spin.ts";

/** A kernel export: byte offsets and sizes in, nothing out. */
export type Kernel = (...args: number[]) => void;

/** Products with fewer multiply-adds stay on the calling thread. */
const MIN_SPLIT_WORK = 100_000;

/** How `SimdThreads` starts its worker. */
export interface ThreadOptions {
  /** Whether the kernel module uses fused multiply-add. */
  fma: boolean;
  /** 2 for a worker (where the memory is shared and Workers exist), else 1. */
  threads: 1 | 2;
  /** How long the worker spins for the next task before sleeping (ms). */
  spinMs: number;
  /** The worker's module. */
  workerUrl: string | URL;
  /** How long a product waits for the worker before giving up (ms). */
  timeoutMs: number;
}

/**
 * Runs kernels on the calling thread, or splits their rows with a Worker:
 * see the module doc.
 */
export class SimdThreads {
  #memory: SimdMemory;
  #kernels: Record<(typeof KINDS)[number], Kernel>; // the calling thread's
  #worker?: Worker; // the second thread, until close()
  #ctl?: Int32Array; // its control block
  #seq = 0;
  #timeoutMs: number;
  #workerError?: string; // what the worker reported, if it failed
  #lateness = 0; // moving average of (wait for the worker) / (our own rows' time)
  #alone = 0; // split products to run on this thread alone, contention seen
  #backoff = 32; // how many, next time (doubles while contention lasts)
  #splits = 0; // products split between the threads so far

  /**
   * The calling thread's `kernels`, and a worker when `options.threads` is
   * 2 and the memory is shared and the runtime has Workers.
   */
  constructor(
    memory: SimdMemory,
    kernels: Record<(typeof KINDS)[number], Kernel>,
    options: ThreadOptions,
  ) {
    this.#memory = memory;
    this.#kernels = kernels;
    this.#timeoutMs = options.timeoutMs;
    if (
      options.threads !== 2 || !memory.shared || typeof Worker === "undefined"
    ) return;
    this.#ctl = new Int32Array(memory.buffer, 0, CTL.SLOTS);
    const worker = this.#worker = new Worker(options.workerUrl, {
      type: "module",
    });
    worker.onerror = (e) => {
      e.preventDefault();
      this.#workerError = e.message;
      Atomics.store(this.#ctl!, CTL.FAILED, 1);
    };
    worker.onmessageerror = () => {
      this.#workerError = "a message to the worker could not be read";
      Atomics.store(this.#ctl!, CTL.FAILED, 1);
    };
    worker.onmessage = (e) => {
      this.#workerError = String(e.data?.error);
    };
    worker.postMessage({
      memory: memory.memory,
      ctl: 0,
      fma: options.fma,
      spinMs: options.spinMs,
    });
  }

  /** 2 while a worker runs, else 1. */
  get count(): number {
    return this.#worker === undefined ? 1 : 2;
  }

  /** Products split between the two threads so far. */
  get splits(): number {
    return this.#splits;
  }

  /**
   * Resolves once the worker takes tasks (at once without one).
   *
   * @throws {Error} if the worker is not up within the timeout.
   */
  async ready(): Promise<void> {
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

  /** Stops the worker; idempotent. */
  close(): void {
    const ctl = this.#ctl, worker = this.#worker;
    if (ctl === undefined || worker === undefined) return;
    this.#worker = undefined;
    Atomics.store(ctl, CTL.KIND, KIND_STOP);
    Atomics.store(ctl, CTL.SEQ, ++this.#seq);
    Atomics.notify(ctl, CTL.SEQ);
    worker.terminate();
  }

  /**
   * Runs `kind` over rows 0 … rows−1: all on this thread, or rows from
   * `split` (by default half, at a multiple of `step`) on the worker while
   * this thread does the rest. `args(r0, r1)` are the kernel's arguments
   * for rows r0 … r1−1; `work` its multiply-adds.
   */
  run(
    kind: (typeof KINDS)[number],
    rows: number,
    work: number,
    step: number,
    args: (r0: number, r1: number) => number[],
    split = Math.round(rows / 2 / step) * step,
  ): void {
    if (split <= 0 || split >= rows || !this.#pays(work)) {
      this.#kernels[kind](...args(0, rows));
    } else this.#both(kind, args(0, split), args(split, rows));
  }

  /**
   * Runs `kind` with `args(0)` on this thread and, when the worker takes
   * a share, `args(1)` on it at once: for kernels that share their work
   * out themselves (claiming chunks of it, `conv_codegen.ts`), which must
   * do all of it when run alone. `work`: its multiply-adds.
   */
  share(
    kind: (typeof KINDS)[number],
    work: number,
    args: (thread: number) => number[],
  ): void {
    // No pacing: a worker slowed by another process claims fewer chunks,
    // and the wait for its last one is at most a chunk's time; that wait
    // is no sign of contention (the chunks seldom end together).
    if (
      this.#ctl === undefined || work < MIN_SPLIT_WORK || !this.#workerReady()
    ) this.#kernels[kind](...args(0));
    else this.#both(kind, args(0), args(1), false);
  }

  /**
   * Whether `work` multiply-adds go to both threads: a worker listens,
   * the work is large enough, and the worker's core has not been found
   * busy lately (`#pace`).
   */
  #pays(work: number): boolean {
    if (
      this.#ctl === undefined || work < MIN_SPLIT_WORK || !this.#workerReady()
    ) return false;
    if (this.#alone === 0) return true;
    this.#alone--;
    return false;
  }

  /**
   * `kind` with `theirs` on the worker and `mine` here; waits for both,
   * and with `pace` judges from the wait whether the worker's core is
   * busy (`#pace`).
   */
  #both(
    kind: (typeof KINDS)[number],
    mine: number[],
    theirs: number[],
    pace = true,
  ): void {
    const ctl = this.#ctl!;
    for (let i = 0; i < theirs.length; i++) ctl[CTL.ARGS + i] = theirs[i];
    ctl[CTL.KIND] = KINDS.indexOf(kind) + 1;
    const seq = ++this.#seq;
    Atomics.store(ctl, CTL.SEQ, seq); // publishes everything written above
    Atomics.notify(ctl, CTL.SEQ);
    this.#splits++;
    const t0 = performance.now();
    this.#kernels[kind](...mine);
    const t1 = performance.now();
    if (!spinUntil(ctl, CTL.DONE, seq, this.#timeoutMs, CTL.FAILED)) {
      this.#fail(
        Atomics.load(ctl, CTL.FAILED) !== 0
          ? "the worker failed during a product"
          : `the worker did not finish a product within ${this.#timeoutMs} ms`,
      );
    }
    if (pace) this.#pace(t1 - t0, performance.now() - t1);
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
   * Stops the worker and makes the memory refuse all further work: after a
   * failure or a timeout the worker may still be writing into it.
   */
  #fail(why: string): never {
    this.close();
    const message = `SimdKernels: ${why}${
      this.#workerError ? ` (${this.#workerError})` : ""
    }; these kernels cannot be used any more`;
    this.#memory.refuse(message);
    throw new Error(message);
  }

  #workerReady(): boolean {
    return this.#worker !== undefined &&
      Atomics.load(this.#ctl!, CTL.READY) === 1;
  }
}
