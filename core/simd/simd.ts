/**
 * The WebAssembly SIMD kernels behind the {@linkcode Kernels} contract, and
 * the memory they work in.
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
 * net.
 *
 * @module
 */

import type { Matrix } from "../matrix.ts";
import { checkMatmul, checkMatmulNT, checkMatmulTN } from "../naive.ts";
import type { Kernels } from "../kernels.ts";
import { gemm, gemmNT, lists, TILES } from "./kernels.ts";
import { Func, V128, wasmModule } from "./wasm.ts";

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
 * import { simdSupport } from "./simd.ts";
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
}

const modules = new Map<string, WebAssembly.Module>();

/** The kernel module, with or without FMA, for a shared memory or not. */
function compiled(fma: boolean, shared: boolean): WebAssembly.Module {
  const key = `${fma} ${shared}`;
  let module = modules.get(key);
  if (module === undefined) {
    const funcs = [gemm(TILES, fma), gemmNT(TILES, fma), lists(TILES, fma)];
    const bytes = wasmModule(funcs, shared ? MAX_PAGES : undefined);
    module = new WebAssembly.Module(bytes);
    modules.set(key, module);
  }
  return module;
}

const PAGE = 65536;
/** 2 GiB: byte offsets stay below 2³¹, positive as the kernels' i32s. */
const MAX_PAGES = 32768;

type Gemm = (...args: number[]) => void;

/**
 * The SIMD kernels and the memory they use. Create one per network (see the
 * module doc); `SimdKernels.create()` returns undefined where the runtime
 * has no WebAssembly SIMD.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Matrix } from "../matrix.ts";
 * import { SimdKernels } from "./simd.ts";
 *
 * const simd = SimdKernels.create();
 * assert(simd !== undefined);
 * const a = new Matrix(1, 2, simd.float64(2)); // in the kernels' memory
 * a.data.set([1, 2]);
 * console.log(simd.matmul(a, Matrix.fromRows([[3], [4]])).toRows()); // [[11]]
 * ```
 */
export class SimdKernels implements Kernels {
  /** `"simd"`, or `"simd+fma"` with fused multiply-add. */
  readonly name: string;
  /** True: the dense products are vectorised. */
  readonly vectorized = true;
  #memory: WebAssembly.Memory;
  #shared: boolean; // arrays are handed out from the memory
  #buffer: ArrayBufferLike; // the memory's current buffer
  #mine = new Set<ArrayBufferLike>(); // every buffer the memory has had
  #top = 0; // bytes handed out so far, a multiple of 16
  #scratch = 0; // offset and size of the staging area
  #scratchBytes = 0;
  #gemm: Gemm;
  #gemmNT: Gemm;
  #lists: Gemm;

  /** SIMD kernels, or undefined if the runtime has no WebAssembly SIMD. */
  static create(options: SimdKernelsOptions = {}): SimdKernels | undefined {
    const { simd, relaxed } = simdSupport();
    if (!simd) return undefined;
    const fma = options.fma ?? relaxed;
    if (fma && !relaxed) {
      throw new RangeError(
        "SimdKernels.create(): expected a runtime with relaxed SIMD for fma: true but found none",
      );
    }
    return new SimdKernels(fma);
  }

  private constructor(fma: boolean) {
    this.name = fma ? "simd+fma" : "simd";
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory({
        initial: 1,
        maximum: MAX_PAGES,
        shared: true,
      });
      this.#shared = true;
    } catch {
      memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
      this.#shared = false;
    }
    this.#memory = memory;
    this.#buffer = memory.buffer;
    this.#mine.add(this.#buffer);
    const { exports } = new WebAssembly.Instance(compiled(fma, this.#shared), {
      env: { memory },
    });
    this.#gemm = exports.gemm as Gemm;
    this.#gemmNT = exports.gemmNT as Gemm;
    this.#lists = exports.lists as Gemm;
  }

  /** Bytes of WebAssembly memory in use (arrays and scratch). */
  get bytes(): number {
    return this.#top;
  }

  /** A zeroed Float64Array in the kernels' memory. */
  float64(length: number): Float64Array {
    if (!this.#shared) return new Float64Array(length);
    const offset = this.#reserve(length * 8);
    return new Float64Array(this.#buffer, offset, length);
  }

  /** A zeroed Int32Array in the kernels' memory. */
  int32(length: number): Int32Array {
    if (!this.#shared) return new Int32Array(length);
    const offset = this.#reserve(length * 4);
    return new Int32Array(this.#buffer, offset, length);
  }

  /** C = A · B; the contract of `matmul` in `naive.ts`. */
  matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmul("SimdKernels.matmul()", a, b, out);
    const m = a.rows, k = a.cols, n = b.cols;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      this.#gemm(pa, pb, pc, m, k, n, 8 * k, 8, 0);
    });
    return c;
  }

  /** C = Aᵀ · B; the contract of `matmulTN` in `naive.ts`. */
  matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmulTN("SimdKernels.matmulTN()", a, b, out);
    const m = a.rows, k = a.cols, n = b.cols;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      // Element (i, p) of gemm's "A" is A[p][i], at pa + 8i + 8Kp.
      this.#gemm(pa, pb, pc, k, m, n, 8, 8 * k, 0);
    });
    return c;
  }

  /** C = A · Bᵀ; the contract of `matmulNT` in `naive.ts`. */
  matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix {
    const c = checkMatmulNT("SimdKernels.matmulNT()", a, b, out);
    const m = a.rows, k = a.cols, n = b.rows;
    this.#run([a.data, b.data], c.data, ([pa, pb], pc) => {
      this.#gemmNT(pa, pb, pc, m, k, n);
    });
    return c;
  }

  /** `productByLists` of `sparse.ts` over all `rows` output rows. */
  runLists(
    ptr: Int32Array,
    index: Int32Array,
    val: Float64Array,
    rows: number,
    B: Float64Array,
    n: number,
    C: Float64Array,
  ): void {
    this.#run([ptr, index, val, B], C, ([pp, pi, pv, pb], pc) => {
      this.#lists(pp, pi, pv, 0, rows, pb, n, pc);
    });
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
    const all = [...inputs, output];
    let staged = 0;
    for (const x of all) {
      if (!this.#mine.has(x.buffer)) staged += align(x.byteLength);
    }
    if (staged > this.#scratchBytes) {
      this.#scratchBytes = Math.max(staged, 2 * this.#scratchBytes);
      this.#scratch = this.#reserve(this.#scratchBytes);
    }
    const bytes = new Uint8Array(this.#buffer);
    let at = this.#scratch;
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

  /** Offset of `bytes` fresh zeroed bytes, growing the memory if needed. */
  #reserve(bytes: number): number {
    const offset = this.#top;
    const end = offset + align(bytes);
    const have = this.#memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.#memory.grow(pages);
      } catch (e) {
        throw new RangeError(
          `SimdKernels: expected to grow the WebAssembly memory to ${end} bytes but the runtime refused (${
            (e as Error).message
          })`,
        );
      }
      this.#buffer = this.#memory.buffer; // a new, longer view (old ones stay valid)
      this.#mine.add(this.#buffer);
    }
    this.#top = end;
    return offset;
  }
}

function align(bytes: number): number {
  return (bytes + 15) & ~15;
}
