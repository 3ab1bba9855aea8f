/**
 * The memory the SIMD kernels work in: one `WebAssembly.Memory`, the
 * arrays handed out from it, and the staging of operands from elsewhere.
 * Not exported from mod.ts; `SimdKernels` (simd.ts) owns one.
 *
 * Arrays handed out (`float64`, `float32`, `int32`, `uint8`) live in the
 * memory, so a kernel whose operands come from there copies nothing: it
 * gets their byte offsets. Operands from anywhere else, or of another
 * element type than the kernels' (`dtype`), are copied into a scratch area
 * first, converted (and the result copied out), which is correct but
 * slower.
 *
 * The memory is a shared one (its buffer a `SharedArrayBuffer`): growing it
 * never detaches what was handed out, and TypeScript loops over its arrays
 * run at full speed. (A resizable view, `toResizableBuffer()`, would also
 * survive growth, but V8 runs plain loops over resizable buffers ~10×
 * slower.) Where shared memory is unavailable (a browser page that is not
 * cross-origin isolated), arrays are ordinary ones and every operand is
 * copied. Its cap is 2 GiB (byte offsets are the kernels' i32s).
 *
 * Where the runtime grants it, the shared memory is made at that cap at
 * once (`fixed`; address space: a page is resident once written) and never
 * grows, for speed: Deno runs WebAssembly without V8's trap handler, so
 * every load and store of the kernels carries an explicit bounds check,
 * which on a shared memory that may grow reads the memory's current size
 * each time, and on one that cannot is a compare with a constant (the
 * CSR-to-CSC transpose of a batch of 100 MNIST images: 39 µs against 61).
 * Else (or with `reserve` false) it starts at one page and grows as arrays
 * are handed out. What the cap at once costs: V8 counts the 2 GiB as
 * external memory, so making such a memory starts a full garbage
 * collection in Deno (4–7 ms on a small heap, ~190 ms with 3 million small
 * objects, 221 MiB, held: many nets made one after another in a large
 * process want `reserve` false, or one kernels passed to all of them); and
 * a kernel reading past the arrays but below 2 GiB, which only a bug in a
 * kernel would, reads zeros where a growing memory would trap.
 *
 * Either way it never shrinks; inside it a `Heap` reuses the blocks given
 * back (`free`, and `buffer` when a batch outgrows a buffer), so it
 * follows the largest batch, not the sum of all batches.
 *
 * @module
 */

import { align, type Allocator, Heap } from "../memory.ts";
import { type DType, dtypeOf, type FloatArray } from "../matrix.ts";
import { CTL, MAX_PAGES } from "./module.ts";

const PAGE = 65536;

/** `length` if it is a whole number ≥ 0 (an array's length), else throws. */
function checkLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(
      `SimdKernels: expected an array length, a whole number ≥ 0, but found ${length}`,
    );
  }
  return length;
}

/**
 * Thrown when the SIMD kernels' memory cannot hold an array: WebAssembly
 * memory stops at 2 GiB here (the kernels' byte offsets are i32s), and a
 * runtime that refused to make it at that size at once may refuse to grow
 * it sooner. A smaller batch needs less; the TypeScript kernels (`backend:
 * "ts"`) have no such cap.
 *
 * @example A batch too large for the kernels' memory
 * ```ts
 * import { KernelMemoryError, SimdKernels } from "@dlfs/nn/core";
 *
 * const simd = SimdKernels.create();
 * try {
 *   simd?.float64(300_000_000); // 2.4 GB of f64
 * } catch (e) {
 *   if (!(e instanceof KernelMemoryError)) throw e;
 *   console.log(e.message); // SimdKernels: expected the WebAssembly memory to hold 2400002128 bytes (2.24 GiB) but found its cap of 2147483648 bytes (2 GiB)
 * }
 * ```
 */
export class KernelMemoryError extends RangeError {
  /** The bytes the memory would have had to hold. */
  readonly bytes: number;

  /**
   * The error for a memory that could not hold `bytes`; `refusal`: the
   * runtime's message.
   */
  constructor(bytes: number, refusal: string) {
    const size = (n: number) =>
      n < 2 ** 30
        ? `${+(n / 2 ** 20).toFixed(1)} MiB`
        : `${+(n / 2 ** 30).toFixed(2)} GiB`;
    const cap = MAX_PAGES * PAGE;
    super(
      `SimdKernels: expected the WebAssembly memory to hold ${bytes} bytes (${
        size(bytes)
      }) but found ${
        bytes > cap
          ? `its cap of ${cap} bytes (2 GiB)`
          : `the runtime refused (${refusal})`
      }`,
    );
    this.name = "KernelMemoryError";
    this.bytes = bytes;
  }
}

/** A `WebAssembly.Memory` with a heap inside: see the module doc. */
export class SimdMemory implements Allocator {
  /** The memory the kernel module imports. */
  readonly memory: WebAssembly.Memory;
  /** Whether it is shared, and so hands out its own arrays. */
  readonly shared: boolean;
  /** Whether it is shared and made at its cap, never growing. */
  readonly fixed: boolean;
  /** The element type of the kernels' float operands. */
  readonly dtype: DType;
  #buffer: ArrayBufferLike; // the memory's current buffer
  #mine = new Set<ArrayBufferLike>(); // every buffer the memory has had
  #heap: Heap; // which bytes of the memory are in use
  #highest = 0; // the end of the highest block handed out
  #scratch = 0; // offset and size of the staging area
  #scratchBytes = 0;
  #broken?: string; // why nothing may be handed out or computed any more

  /**
   * A memory for kernels of `dtype`: shared unless `shared` is false or the
   * runtime has no shared memory; then made at its cap (2 GiB) unless
   * `reserve` is false or the runtime refuses, else of one page. Its first
   * bytes hold the threads' control block.
   */
  constructor(shared: boolean, dtype: DType = "float64", reserve = true) {
    this.dtype = dtype;
    let memory: WebAssembly.Memory | undefined;
    for (const initial of shared ? reserve ? [MAX_PAGES, 1] : [1] : []) {
      try {
        memory = new WebAssembly.Memory({
          initial,
          maximum: MAX_PAGES,
          shared: true,
        });
        break;
      } catch {
        memory = undefined; // not that much, or no shared memory here
      }
    }
    this.shared = memory !== undefined;
    this.fixed = this.shared && memory!.buffer.byteLength === MAX_PAGES * PAGE;
    this.memory = memory ??
      new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    this.#buffer = this.memory.buffer;
    this.#mine.add(this.#buffer);
    this.#heap = new Heap(4 * CTL.SLOTS); // the control block comes first
  }

  /** The memory's current buffer (views of it made now see all of it). */
  get buffer(): ArrayBufferLike {
    return this.#buffer;
  }

  /** Bytes in blocks handed out (arrays and scratch). */
  get used(): number {
    return this.#heap.used;
  }

  /**
   * Bytes of the memory used at the most: its length where it grows; where
   * `fixed`, up to the end of the highest block ever handed out, in whole
   * pages (the length growing would have given it).
   */
  get extent(): number {
    if (!this.fixed) return this.memory.buffer.byteLength;
    return Math.max(1, Math.ceil(this.#highest / PAGE)) * PAGE;
  }

  /** Whether `array` lives in this memory. */
  has(array: ArrayBufferView): boolean {
    return this.#mine.has(array.buffer);
  }

  /**
   * A zeroed Float64Array in the memory (ordinary when not shared); with
   * `zeroed` false, holding whatever the block held (for a copy about to
   * be written over).
   */
  float64(length: number, zeroed = true): Float64Array {
    if (!this.shared) return new Float64Array(length);
    const offset = this.#reserve(checkLength(length) * 8, zeroed); // may grow the memory: view it after
    return new Float64Array(this.#buffer, offset, length);
  }

  /** A zeroed Float32Array, likewise. */
  float32(length: number): Float32Array {
    if (!this.shared) return new Float32Array(length);
    const offset = this.#reserve(checkLength(length) * 4);
    return new Float32Array(this.#buffer, offset, length);
  }

  /** A zeroed Int32Array, likewise. */
  int32(length: number): Int32Array {
    if (!this.shared) return new Int32Array(length);
    const offset = this.#reserve(checkLength(length) * 4);
    return new Int32Array(this.#buffer, offset, length);
  }

  /** A zeroed Uint8Array, likewise. */
  uint8(length: number): Uint8Array {
    if (!this.shared) return new Uint8Array(length);
    const offset = this.#reserve(checkLength(length));
    return new Uint8Array(this.#buffer, offset, length);
  }

  /**
   * Gives back an array handed out by `float64`, `float32`, `int32` or
   * `uint8` (a no-op for any other): its bytes are handed out again.
   */
  free(array: FloatArray | Int32Array | Uint8Array): void {
    if (this.has(array)) this.#heap.free(array.byteOffset);
  }

  /**
   * The offset of the scratch area, made at least `bytes` long (a fresh
   * block, twice as long, in place of one too short).
   */
  scratch(bytes: number): number {
    if (bytes > this.#scratchBytes) {
      if (this.#scratchBytes > 0) this.#heap.free(this.#scratch);
      this.#scratchBytes = Math.max(bytes, 2 * this.#scratchBytes);
      this.#scratch = this.#reserve(this.#scratchBytes);
    }
    return this.#scratch;
  }

  /**
   * Calls `kernel` with the byte offsets of `inputs` and `output`, copying
   * each that is not in this memory, or is floats of another type than
   * `dtype`, into the scratch area first, converted (and the output back
   * afterwards).
   */
  stage(
    inputs: (FloatArray | Int32Array)[],
    output: FloatArray,
    kernel: (offsets: number[], out: number) => void,
  ): void {
    this.check();
    if (this.fits(output) && inputs.every((x) => this.fits(x))) {
      return kernel(inputs.map((x) => x.byteOffset), output.byteOffset);
    }
    const all = [...inputs, output];
    const width = (x: FloatArray | Int32Array) =>
      x instanceof Int32Array ? 4 : this.dtype === "float32" ? 4 : 8;
    let staged = 0;
    for (const x of all) {
      if (!this.fits(x)) staged += align(x.length * width(x));
    }
    let at = this.scratch(staged); // may grow the memory: view it after
    const offsets = all.map((x, i) => {
      if (this.fits(x)) return x.byteOffset;
      const offset = at;
      at += align(x.length * width(x));
      if (i < inputs.length) this.#view(x, offset).set(x);
      return offset;
    });
    const out = offsets.pop()!;
    kernel(offsets, out);
    if (!this.fits(output)) output.set(this.#view(output, out));
  }

  /** Whether the kernels can read `x` where it is: here, and of `dtype`. */
  fits(x: FloatArray | Int32Array): boolean {
    return this.has(x) &&
      (x instanceof Int32Array || dtypeOf(x) === this.dtype);
  }

  /** A view at `offset` of x's length, of x's kind (floats: `dtype`). */
  #view(x: FloatArray | Int32Array, offset: number): FloatArray | Int32Array {
    const buffer = this.#buffer, n = x.length;
    if (x instanceof Int32Array) return new Int32Array(buffer, offset, n);
    return this.dtype === "float32"
      ? new Float32Array(buffer, offset, n)
      : new Float64Array(buffer, offset, n);
  }

  /**
   * Refuses all further use: after a thread's failure it may still be
   * writing into this memory, so none of it may be handed out again.
   */
  refuse(why: string): void {
    this.#broken = why;
  }

  /** Throws once refused (see `refuse`). */
  check(): void {
    if (this.#broken !== undefined) throw new Error(this.#broken);
  }

  /** Offset of `bytes` zeroed bytes, growing the memory if needed. */
  #reserve(bytes: number, zeroed = true): number {
    this.check();
    const offset = this.#heap.alloc(bytes);
    const end = this.#heap.top, have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        this.#heap.free(offset);
        throw new KernelMemoryError(end, (e as Error).message);
      }
      this.#buffer = this.memory.buffer; // a new, longer view (old ones stay valid)
      this.#mine.add(this.#buffer);
    }
    this.#highest = Math.max(this.#highest, end);
    // A block given back may hold old values: hand it out zeroed.
    if (zeroed) new Uint8Array(this.#buffer, offset, align(bytes)).fill(0);
    return offset;
  }
}
