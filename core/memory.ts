/**
 * Where arrays come from. An {@linkcode Allocator} hands out zeroed typed
 * arrays and takes them back: the pure-TypeScript kernels use ordinary
 * arrays (the garbage collector frees them), the SIMD kernels carve them out
 * of one `WebAssembly.Memory` with a {@linkcode Heap}, so that a block given
 * back is used again instead of growing a memory that never shrinks.
 *
 * @module
 */

/** Hands out zeroed arrays and takes back those no longer needed. */
export interface Allocator {
  /** A zeroed Float64Array of `length` elements. */
  float64(length: number): Float64Array;
  /** A zeroed Float32Array of `length` elements. */
  float32(length: number): Float32Array;
  /** A zeroed Int32Array of `length` elements. */
  int32(length: number): Int32Array;
  /** A zeroed Uint8Array of `length` elements. */
  uint8(length: number): Uint8Array;
  /**
   * Gives back an array this allocator handed out (whole, not a view of
   * part of it); a no-op for other arrays. The array must not be used
   * afterwards: its memory may be handed out again.
   */
  free(array: Float64Array | Float32Array | Int32Array | Uint8Array): void;
}

/**
 * Ordinary typed arrays, freed by the garbage collector.
 *
 * @example
 * ```ts
 * import { PLAIN_MEMORY } from "@dlfs/nn/core";
 *
 * console.log(PLAIN_MEMORY.float64(3)); // Float64Array(3) [ 0, 0, 0 ]
 * ```
 */
export const PLAIN_MEMORY: Allocator = {
  float64: (length) => new Float64Array(length),
  float32: (length) => new Float32Array(length),
  int32: (length) => new Int32Array(length),
  uint8: (length) => new Uint8Array(length),
  free: () => {},
};

/**
 * A first-fit allocator over byte offsets 0 … `top`: blocks given back are
 * merged with free neighbours and reused; a free block at the end lowers
 * `top`. Offsets and sizes are multiples of 16 bytes (one v128).
 *
 * Memory taken from it grows only when no free block fits: a layer whose
 * buffers grow batch by batch gives back each smaller block, so what the
 * memory holds follows the largest batch, not the sum of all of them
 * (`tests/memory_test.ts` measures it).
 *
 * @example
 * ```ts
 * import { Heap } from "@dlfs/nn/core";
 *
 * const heap = new Heap(0);
 * const a = heap.alloc(100), b = heap.alloc(100);
 * heap.free(a);
 * console.log(heap.alloc(50) === a, heap.top); // true 224: a's block reused
 * ```
 */
export class Heap {
  /** One past the last byte in use; the memory must hold this many. */
  top: number;
  /** The largest `top` ever reached. */
  peak: number;
  #sizes = new Map<number, number>(); // offset → size of each block in use
  #free: [offset: number, size: number][] = []; // by ascending offset

  /** A heap whose blocks start at byte `base` (below it: reserved). */
  constructor(base: number) {
    this.top = this.peak = align(base);
  }

  /** Bytes in blocks handed out and not given back. */
  get used(): number {
    let sum = 0;
    for (const size of this.#sizes.values()) sum += size;
    return sum;
  }

  /** The offset of a block of at least `bytes` bytes (not zeroed). */
  alloc(bytes: number): number {
    const size = Math.max(align(bytes), 16);
    const free = this.#free;
    for (let i = 0; i < free.length; i++) {
      const [offset, room] = free[i];
      if (room < size) continue;
      if (room === size) free.splice(i, 1);
      else free[i] = [offset + size, room - size];
      this.#sizes.set(offset, size);
      return offset;
    }
    const offset = this.top;
    this.top += size;
    this.peak = Math.max(this.peak, this.top);
    this.#sizes.set(offset, size);
    return offset;
  }

  /** Gives back the block at `offset`; false if there is none. */
  free(offset: number): boolean {
    const size = this.#sizes.get(offset);
    if (size === undefined) return false;
    this.#sizes.delete(offset);
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i][0] < offset) i++;
    free.splice(i, 0, [offset, size]);
    // Merge with the next block, then with the previous one.
    if (i + 1 < free.length && offset + size === free[i + 1][0]) {
      free[i][1] += free[i + 1][1];
      free.splice(i + 1, 1);
    }
    if (i > 0 && free[i - 1][0] + free[i - 1][1] === offset) {
      free[i - 1][1] += free[i][1];
      free.splice(i, 1);
    }
    const last = free[free.length - 1];
    if (last[0] + last[1] === this.top) {
      this.top = last[0];
      free.pop();
    }
    return true;
  }
}

/**
 * `bytes` rounded up to a multiple of 16 (in float arithmetic: 2 GiB and
 * more stay positive, so that a request past the SIMD memory's cap is
 * refused as such).
 */
export function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}
