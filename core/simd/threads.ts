/**
 * The second thread of the SIMD kernels: a Worker running the same kernel
 * module on the same shared memory (`simd_worker.ts`), the control block
 * they talk through, and how a kernel's work is shared: both threads run
 * it at once, each claiming chunks of it from an atomic counter until none
 * is left (`claimingRows` in codegen.ts, `claiming` in conv_codegen.ts), so
 * a thread slowed by another process takes fewer. The worker joins a task
 * only while it is open: the calling thread, done with every chunk, closes
 * it, and waits for the worker only if it joined (then at most for the
 * chunk it holds). A worker whose core another process holds costs no
 * wait.
 *
 * Whether the products (`claim`) are offered to the worker at all is
 * measured as they run (`Offers`; the convolutions, `share`, always are):
 * on this machine kind the two vCPUs are one core's two
 * hyperthreads, so a second thread gains little when idle, and with
 * another process busy, handing tasks over can cost more than it gains.
 * Not exported from mod.ts; `SimdKernels` (simd.ts) owns one.
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
/**
 * Chunks a product's rows are cut into for two threads (fewer when the
 * rows are fewer): one thread's wait for the other is at most a chunk.
 */
const CHUNKS = 16;

/** Tasks a phase of `Offers` spans. */
const PHASE = 32;

/**
 * Every how many phases `Offers` tries the slower way again: a probe costs
 * that way's extra time for one phase, so under load (offered slower by
 * about a third here) 1/32 of it, ~1 %; a change of load is followed
 * within three probes.
 */
const PROBE_EVERY = 32;

/** Phases of each way `Offers` measures first, alternating. */
const FIRST = 2;

/** Phases of each way whose median `Offers` compares. */
const KEPT = 5;

/**
 * Whether to offer tasks to the worker, by measuring: phases of `PHASE`
 * tasks go one way or the other (offered, or all on the calling thread),
 * each timed from its first task to the next phase's first, everything
 * between included (where a worker running beside another busy process
 * slows the calling thread, its cost shows), per multiply-add. The first
 * `2 × FIRST` phases alternate; then the way of the lower median over its
 * last `KEPT` phases is taken, the other every `PROBE_EVERY`-th phase, to
 * see whether that changed. Both ways give the same bits: the choice only
 * changes the time. Under load the tasks then cost at most their
 * one-thread time plus a probe's share of the difference.
 */
export class Offers {
  #now: () => number;
  #offered = true; // this phase's way (offered until both are measured)
  #tasks = 0; // this phase's tasks so far
  #work = 0; // and their multiply-adds
  #start = 0; // when its first task began (ms)
  #phases = 0;
  #kept: [number[], number[]] = [[], []]; // ms a multiply-add: alone, offered

  /** `now`: the clock (ms), `performance.now` but in tests. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Whether the next task, of `work` multiply-adds, is offered. */
  offer(work: number): boolean {
    if (!offering.measured) return true;
    const now = this.#now();
    if (this.#tasks === PHASE) {
      const kept = this.#kept[this.#offered ? 1 : 0];
      if (kept.push((now - this.#start) / this.#work) > KEPT) kept.shift();
      const [alone, offered] = this.#kept.map(median);
      const faster = !(alone < offered);
      this.#offered = ++this.#phases < 2 * FIRST
        ? this.#phases % 2 === 0
        : this.#phases % PROBE_EVERY === 0
        ? !faster
        : faster;
      this.#tasks = this.#work = 0;
    }
    if (this.#tasks++ === 0) this.#start = now;
    this.#work += work;
    return this.#offered;
  }
}

/**
 * Whether `Offers` measures (else every task that may pay is offered):
 * tests turn it off to be sure the worker takes part.
 */
export const offering = { measured: true };

/** The median of `a` (NaN if empty). */
function median(a: number[]): number {
  const s = a.toSorted((p, q) => p - q);
  return s.length === 0 ? NaN : s[s.length >> 1];
}

/** How `SimdThreads` starts its worker. */
export interface ThreadOptions {
  /**
   * The compiled kernel module, posted to the worker as it is (its code
   * shared, not generated and compiled again there).
   */
  module: WebAssembly.Module;
  /** 2 for a worker (where the memory is shared and Workers exist), else 1. */
  threads: 1 | 2;
  /** How long the worker spins for the next task before sleeping (ms). */
  spinMs: number;
  /** The worker's module. */
  workerUrl: string | URL;
  /** How long a task waits for the worker before giving up (ms). */
  timeoutMs: number;
}

/**
 * Runs kernels on the calling thread, or shares them with a Worker: see
 * the module doc.
 */
export class SimdThreads {
  #memory: SimdMemory;
  #kernels: Record<(typeof KINDS)[number], Kernel>; // the calling thread's
  #worker?: Worker; // the second thread, until close()
  #ctl?: Int32Array; // its control block
  #seq = 0;
  #timeoutMs: number;
  #workerError?: string; // what the worker reported, if it failed
  #shared = 0; // tasks the worker joined so far
  #offers = new Offers();

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
      module: options.module,
      spinMs: options.spinMs,
    });
  }

  /** 2 while a worker runs, else 1. */
  get count(): number {
    return this.#worker === undefined ? 1 : 2;
  }

  /** Tasks the worker took part in so far. */
  get splits(): number {
    return this.#shared;
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
    ctl[CTL.JOIN] = -(++this.#seq);
    Atomics.store(ctl, CTL.SEQ, this.#seq);
    Atomics.notify(ctl, CTL.SEQ);
    worker.terminate();
  }

  /**
   * Runs `kind`, a `claimingRows` wrapper, over rows 0 … rows−1 with
   * `args` (its arguments after counter, chunk and rows): in one chunk on
   * this thread, or in chunks of a multiple of `step` rows on both threads
   * (the same tiles either way, so the same bits). `work`: multiply-adds.
   */
  claim(
    kind: (typeof KINDS)[number],
    rows: number,
    step: number,
    work: number,
    args: number[],
  ): void {
    const ctl = this.#ctl ?? new Int32Array(this.#memory.buffer, 0, CTL.SLOTS);
    ctl[CTL.COUNTER] = 0; // published to the worker with its task
    if (!this.#offer(work)) {
      this.#kernels[kind](4 * CTL.COUNTER, rows, rows, ...args);
      return;
    }
    const chunk = step * Math.max(1, Math.ceil(rows / (CHUNKS * step)));
    const all = [4 * CTL.COUNTER, chunk, rows, ...args];
    this.#both(kind, all, all);
  }

  /**
   * Runs `kind` with `args(0)` on this thread and, when the worker joins,
   * `args(1)` on it at once: for kernels that share their work out
   * themselves (claiming chunks of it, `conv_codegen.ts`), which must do
   * all of it when run alone. `work`: its multiply-adds.
   */
  share(
    kind: (typeof KINDS)[number],
    work: number,
    args: (thread: number) => number[],
  ): void {
    // Always offered (no `Offers`): a convolution is milliseconds of work
    // in chunks of an eighth of the batch, which the worker pays for
    // whenever it runs at all; measured in one tally with the products,
    // a net's step mixed tasks of such different speeds per multiply-add
    // that DeepConvNet's two threads lost their gain.
    if (work >= MIN_SPLIT_WORK && this.#workerReady()) {
      this.#both(kind, args(0), args(1));
    } else this.#kernels[kind](...args(0));
  }

  /**
   * Whether a task of `work` multiply-adds is offered to the worker: where
   * it listens, and the work may pay for it, and `Offers` finds it does.
   */
  #offer(work: number): boolean {
    return work >= MIN_SPLIT_WORK && this.#workerReady() &&
      this.#offers.offer(work);
  }

  /**
   * `kind` with `mine` here, offered with `theirs` to the worker; closes
   * the task when `mine` is done and waits for the worker only if it
   * joined. A failure on either thread (a trap) is fatal (`#fail`).
   */
  #both(kind: (typeof KINDS)[number], mine: number[], theirs: number[]): void {
    const ctl = this.#ctl!;
    for (let i = 0; i < theirs.length; i++) ctl[CTL.ARGS + i] = theirs[i];
    ctl[CTL.KIND] = KINDS.indexOf(kind) + 1;
    const seq = ++this.#seq;
    ctl[CTL.JOIN] = -seq;
    Atomics.store(ctl, CTL.SEQ, seq); // publishes everything written above
    Atomics.notify(ctl, CTL.SEQ);
    let failed: string | undefined;
    try {
      this.#kernels[kind](...mine);
    } catch (e) {
      failed = `a product failed on the calling thread (${e})`;
    }
    if (Atomics.compareExchange(ctl, CTL.JOIN, -seq, 0) !== -seq) {
      this.#shared++;
      if (!spinUntil(ctl, CTL.DONE, seq, this.#timeoutMs, CTL.FAILED)) {
        this.#fail(
          Atomics.load(ctl, CTL.FAILED) !== 0
            ? "the worker failed during a product"
            : `the worker did not finish a product within ${this.#timeoutMs} ms`,
        );
      }
    }
    if (failed !== undefined) this.#fail(failed);
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
