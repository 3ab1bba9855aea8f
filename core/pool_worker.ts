// The second thread of a WorkerPool (core/pool.ts): waits for a task in the
// shared control block, runs its rows of a sparse product on the shared data
// buffer, and signals completion. No Deno.* here: it runs wherever module
// workers and SharedArrayBuffer do.

import { productByLists } from "./sparse.ts";
import { CTL, KIND_LISTS, KIND_STOP } from "./pool_layout.ts";
import { waitForTask } from "./spin.ts";

globalThis.addEventListener("message", (event: Event) => {
  const message = (event as MessageEvent).data;
  const ctl = new Int32Array(message.ctl as SharedArrayBuffer);
  const data = message.data as SharedArrayBuffer;
  const spinMs = message.spinMs as number;
  Atomics.store(ctl, CTL.READY, 1);
  let seen = 0;
  while (true) {
    seen = waitForTask(ctl, CTL.SEQ, seen, spinMs);
    const kind = Atomics.load(ctl, CTL.KIND);
    if (kind === KIND_STOP) break;
    if (kind === KIND_LISTS) {
      // Views are made per task: the buffer may have grown since the last.
      const i32 = new Int32Array(data), f64 = new Float64Array(data);
      const rowEnd = ctl[CTL.ROW_END], n = ctl[CTL.N];
      const ptr = i32.subarray(ctl[CTL.PTR], ctl[CTL.PTR] + rowEnd + 1);
      const entries = ptr[rowEnd];
      productByLists(
        ptr,
        i32.subarray(ctl[CTL.INDEX], ctl[CTL.INDEX] + entries),
        f64.subarray(ctl[CTL.VAL], ctl[CTL.VAL] + entries),
        ctl[CTL.ROW_START],
        rowEnd,
        f64.subarray(ctl[CTL.B], ctl[CTL.B] + ctl[CTL.B_LEN]),
        n,
        f64.subarray(ctl[CTL.C], ctl[CTL.C] + rowEnd * n),
      );
    }
    Atomics.store(ctl, CTL.DONE, seen);
  }
  globalThis.close();
}, { once: true });
