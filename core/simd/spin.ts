// Spin-then-wait hand-offs between SimdKernels (simd.ts) and its Worker
// (simd_worker.ts) over one Int32 control block. Not exported from mod.ts.
//
// Every spin loop calls Atomics.pause() (x86 PAUSE) where the runtime has
// it: on this machine kind a bare spinning worker made the main thread's
// loops 2.5× slower (the two vCPUs share a core's resources); with the pause
// the main thread runs at full speed.

const pause: () => void = (Atomics as { pause?: () => void }).pause ??
  (() => {});

/**
 * The worker's side: spins up to `spinMs` for `ctl[slot]` to move past
 * `seen`, then sleeps on it; returns the new value.
 */
export function waitForTask(
  ctl: Int32Array,
  slot: number,
  seen: number,
  spinMs: number,
): number {
  const until = performance.now() + spinMs;
  let spins = 0;
  while (Atomics.load(ctl, slot) === seen) {
    pause();
    if ((++spins & 1023) === 0 && performance.now() > until) {
      Atomics.wait(ctl, slot, seen);
    }
  }
  return Atomics.load(ctl, slot);
}

/**
 * The caller's side: spins until `ctl[slot]` is `value`; false if that
 * takes longer than `timeoutMs`, or as soon as `ctl[failed]` is non-zero.
 */
export function spinUntil(
  ctl: Int32Array,
  slot: number,
  value: number,
  timeoutMs: number,
  failed: number,
): boolean {
  let spins = 0;
  const start = performance.now();
  while (Atomics.load(ctl, slot) !== value) {
    if (Atomics.load(ctl, failed) !== 0) return false;
    pause();
    if ((++spins & 0xffff) === 0 && performance.now() - start > timeoutMs) {
      return false;
    }
  }
  return true;
}
