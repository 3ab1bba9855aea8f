// The second thread of a two-thread SimdKernels (simd.ts): instantiates the
// same kernel module (compiled by the calling thread, posted here) on the
// same shared memory, waits for a task in the control block, joins it if it
// is still open (threads.ts), runs it (its chunks of the work), and signals
// completion.
// No Deno.* here: it runs wherever module workers and shared memory do.

import { CTL, KIND_STOP, KINDS } from "./module.ts";
import { waitForTask } from "./spin.ts";

type Kernel = (...args: number[]) => void;

globalThis.addEventListener("message", (event: Event) => {
  const { memory, ctl: at, module, spinMs } = (event as MessageEvent).data as {
    memory: WebAssembly.Memory;
    ctl: number;
    module: WebAssembly.Module;
    spinMs: number;
  };
  const { exports } = new WebAssembly.Instance(module, {
    env: { memory },
  });
  const kernels = KINDS.map((kind) => exports[kind] as Kernel);
  const ctl = new Int32Array(memory.buffer, at, CTL.SLOTS);
  const args = new Array<number>(CTL.FAILED - CTL.ARGS);
  Atomics.store(ctl, CTL.READY, 1);
  let seen = 0;
  while (true) {
    seen = waitForTask(ctl, CTL.SEQ, seen, spinMs);
    // Closed already (the caller did all the work)? Then its arguments
    // may be the next task's, being written: leave it.
    if (Atomics.compareExchange(ctl, CTL.JOIN, -seen, seen) !== -seen) {
      continue;
    }
    const kind = Atomics.load(ctl, CTL.KIND);
    if (kind === KIND_STOP) break;
    for (let i = 0; i < args.length; i++) args[i] = ctl[CTL.ARGS + i];
    try {
      kernels[kind - 1](...args); // extra arguments are ignored
    } catch (e) {
      // Say so in shared memory, where the spinning caller looks, then stop.
      globalThis.postMessage({ error: String(e) });
      Atomics.store(ctl, CTL.FAILED, 1);
      break;
    }
    Atomics.store(ctl, CTL.DONE, seen);
  }
  globalThis.close();
}, { once: true });
