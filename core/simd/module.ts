// The kernel module and the control block that SimdKernels (simd.ts) and
// its worker (simd_worker.ts) share. Not exported from mod.ts.

import {
  allFinite,
  axpy,
  bytesToF64,
  compact,
  compactBytes,
  maxPool,
  maxPoolBackward,
  products,
  relu,
  rowVector,
  TILES,
  TILES_F32,
  transpose,
} from "./codegen.ts";
import { convolution } from "./conv_codegen.ts";
import { wasmModule } from "./wasm.ts";

/** 2 GiB: byte offsets stay below 2³¹, positive as the kernels' i32s. */
export const MAX_PAGES = 32768;
const modules = new Map<string, WebAssembly.Module>();

/**
 * The kernel module, with or without FMA, for a shared memory or not, and
 * a shared one `fixed` at MAX_PAGES or growing up to them (compiled once
 * per process or worker).
 */
export function kernelModule(
  fma: boolean,
  shared: boolean,
  fixed = false,
): WebAssembly.Module {
  const key = `${fma} ${shared} ${fixed}`;
  let module = modules.get(key);
  if (module === undefined) {
    const funcs = [
      ...products(TILES, fma, "f64"),
      ...products(TILES_F32, fma, "f32"),
      axpy(),
      axpy("f32"),
      compactBytes("f32"),
      rowVector(false, "f32"),
      rowVector(true, "f32"),
      transpose("f32"),
      allFinite("f32"),
      relu(false, "f32"),
      relu(true, "f32"),
      maxPool(undefined, "f32"),
      maxPool([2, 2], "f32"),
      maxPoolBackward("f32"),
      compact(),
      compactBytes(),
      transpose(),
      bytesToF64(),
      rowVector(false),
      rowVector(true),
      allFinite(),
      relu(false),
      relu(true),
      maxPool(),
      maxPool([2, 2]),
      maxPoolBackward(),
      ...convolution(TILES, fma).all,
      ...convolution(TILES_F32, fma, "f32").all,
    ];
    const bytes = wasmModule(
      funcs,
      shared ? MAX_PAGES : undefined,
      shared && fixed ? MAX_PAGES : 1,
    );
    module = new WebAssembly.Module(bytes);
    modules.set(key, module);
  }
  return module;
}

/**
 * The control block of the second thread: Int32 slots at the start of the
 * shared memory.
 */
export const CTL = {
  SEQ: 0, // task number, bumped by the calling thread to start a task
  DONE: 1, // last finished task number, set by the worker
  READY: 2, // 1 once the worker listens
  KIND: 3, // KIND_* below
  ARGS: 4, // the kernel's arguments, up to 10
  FAILED: 14, // 1 once a task threw in the worker (it stops then)
  // −SEQ while task SEQ is open to the worker; SEQ once the worker joined
  // it, 0 once the calling thread closed it without the worker
  JOIN: 15,
  COUNTER: 16, // the next row a product's threads claim (`claimingRows`)
  SLOTS: 17,
} as const;
/** Task kinds: stop, or which kernel export to call. */
export const KIND_STOP = 0,
  KINDS = [
    "gemmChunks",
    "gemmNTChunks",
    "listsChunks",
    "gemmF32Chunks",
    "gemmNTF32Chunks",
    "listsF32Chunks",
    "convForwardChunks",
    "convBackwardChunks",
    "convForwardF32Chunks",
    "convBackwardF32Chunks",
    "winogradForward2Chunks",
    "winogradBackward2Chunks",
    "winogradForward4Chunks",
    "winogradBackward4Chunks",
    "winogradForward2F32Chunks",
    "winogradBackward2F32Chunks",
    "winogradForward4F32Chunks",
    "winogradBackward4F32Chunks",
  ] as const;
