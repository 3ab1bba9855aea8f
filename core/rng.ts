/**
 * A small seeded pseudo-random generator, so that every run of dlfs can be
 * repeated bit for bit. Library code never calls `Math.random`.
 *
 * @module
 */

import { describe } from "./options.ts";

/** Where an {@linkcode Rng} is: what `Rng.state()` returns. */
export interface RngState {
  /** xoshiro128**'s four 32-bit state words. */
  s: number[];
  /** The second Box–Muller value waiting for the next `normal()`, or null. */
  spare: number | null;
}

/**
 * xoshiro128** (Blackman & Vigna, 2018): 128 bits of state, 32-bit output,
 * period 2^128 − 1. The state is seeded from a 32-bit integer with splitmix32,
 * so nearby seeds give unrelated streams.
 *
 * - `uniform()`: float64 in [0, 1) with 53 random bits (two outputs).
 * - `normal()`: standard normal by the Box–Muller transform; the second value
 *   of each pair is kept in the generator's state for the next call.
 * - `int(n)`: integer in [0, n) without modulo bias (rejection sampling).
 *
 * All state lives in the instance: two generators with the same seed produce
 * the same sequence, whatever else the program does.
 *
 * @example Same seed, same numbers
 * ```ts
 * import { assert } from "@std/assert";
 * import { Rng } from "@dlfs/nn/core";
 *
 * const a = new Rng(42), b = new Rng(42);
 * assert(a.normal() === b.normal());
 * assert(a.uniform() === b.uniform());
 * ```
 */
export class Rng {
  #s = new Uint32Array(4);
  #spare = NaN; // second Box–Muller value, NaN when none is waiting

  /**
   * Creates a generator whose whole future stream is fixed by `seed`.
   *
   * @param seed any safe integer (`Date.now()` included); the same seed
   * gives the same stream. Seeds in [0, 2^32) keep the streams they always
   * had; the high part of a larger or negative seed is mixed in on top.
   * @throws {RangeError} if `seed` is not a safe integer.
   */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(
        `Rng: expected seed to be an integer (|seed| < 2^53) but found ${
          describe(seed)
        }`,
      );
    }
    const high = Math.floor(seed / 2 ** 32); // 0 for seeds in [0, 2^32)
    // splitmix32 fills the four state words from the low 32 bits, then from
    // the high part where there is one; xoshiro's all-zero state is stuck,
    // so that is guarded against too.
    const fill = (start: number) => {
      let z = start >>> 0;
      for (let i = 0; i < 4; i++) {
        z = (z + 0x9e3779b9) >>> 0;
        let t = z;
        t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
        t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
        this.#s[i] ^= t ^ (t >>> 16);
      }
    };
    fill(seed - high * 2 ** 32);
    if (high !== 0) fill(high ^ 0x5bd1e995); // apart from the low fill's stream
    if ((this.#s[0] | this.#s[1] | this.#s[2] | this.#s[3]) === 0) {
      this.#s[0] = 1;
    }
  }

  /**
   * Where the generator is, as plain JSON data: its four state words and
   * the waiting Box–Muller value (null when none). `setState` of it makes
   * any generator continue this one's stream exactly (a saved training
   * run's minibatches and Dropout masks).
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn/core";
   *
   * const a = new Rng(7);
   * a.normal();
   * const b = new Rng(0);
   * b.setState(a.state());
   * assert(a.normal() === b.normal() && a.int(10) === b.int(10));
   * ```
   */
  state(): RngState {
    const [s0, s1, s2, s3] = this.#s;
    return {
      s: [s0, s1, s2, s3],
      spare: Number.isNaN(this.#spare) ? null : this.#spare,
    };
  }

  /**
   * Continues the stream of the generator whose `state()` this is.
   *
   * @throws {RangeError} unless `state.s` is four integers in [0, 2^32), not
   * all zero, and `state.spare` a finite number or null.
   */
  setState(state: RngState): void {
    const s = state?.s, spare = state?.spare;
    if (
      !Array.isArray(s) || s.length !== 4 ||
      !s.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) ||
      s.every((w) => w === 0) || !(spare === null || Number.isFinite(spare))
    ) {
      throw new RangeError(
        `Rng.setState(): expected { s: four 32-bit words, not all 0, spare: a number or null } but found ${
          JSON.stringify(state)
        }`,
      );
    }
    this.#s.set(s);
    this.#spare = spare ?? NaN;
  }

  /**
   * The next raw 32-bit output, an integer in [0, 2^32).
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn/core";
   *
   * const u = new Rng(1).nextUint32();
   * assert(Number.isInteger(u) && u >= 0 && u < 2 ** 32);
   * ```
   */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * A float64 uniformly distributed in [0, 1), built from 53 random bits.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn/core";
   *
   * const u = new Rng(7).uniform();
   * assert(u >= 0 && u < 1);
   * ```
   */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992; // (hi·2^26 + lo) / 2^53
  }

  /**
   * A sample of the standard normal distribution N(0, 1) (Box–Muller), the
   * counterpart of NumPy's `np.random.randn`.
   *
   * @example
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn/core";
   *
   * const rng = new Rng(0);
   * let sum = 0;
   * for (let i = 0; i < 10000; i++) sum += rng.normal();
   * assert(Math.abs(sum / 10000) < 0.05); // mean ≈ 0
   * ```
   */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const z = this.#spare;
      this.#spare = NaN;
      return z;
    }
    // 1 − uniform() is in (0, 1], so the log is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /**
   * An integer uniformly distributed in [0, n), like `np.random.randint(n)`.
   *
   * @throws {RangeError} unless `n` is an integer in [1, 2^32].
   *
   * @example Draw a minibatch of 3 indices out of 10, with replacement
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn/core";
   *
   * const rng = new Rng(3);
   * const batch = [rng.int(10), rng.int(10), rng.int(10)];
   * assert(batch.every((i) => i >= 0 && i < 10));
   * ```
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) {
      throw new RangeError(
        `Rng.int(): expected n to be an integer in [1, 2^32] but found ${
          describe(n)
        }`,
      );
    }
    // Reject the top partial block of 2^32 so every residue is equally likely.
    const limit = 0x100000000 - (0x100000000 % n);
    let u: number;
    do u = this.nextUint32(); while (u >= limit);
    return u % n;
  }

  /**
   * `size` integers drawn uniformly from [0, n), with replacement: NumPy's
   * `np.random.choice(n, size)`, the book's minibatch
   * `batch_mask = np.random.choice(train_size, batch_size)`. The same
   * draws as `size` calls of `int(n)`. Written into `out` when it has
   * length `size` (default: a new `Int32Array`; pass one so a training loop
   * allocates nothing).
   *
   * @throws {RangeError} unless `n` is an integer in [1, 2^31] (the indices
   * are an `Int32Array`) and `size` a non-negative integer.
   *
   * @example `batch_mask = np.random.choice(60000, 100)`
   * ```ts
   * import { assert } from "@std/assert";
   * import { Rng } from "@dlfs/nn";
   *
   * const batchMask = new Rng(42).choice(60000, 100);
   * assert(batchMask.length === 100 && batchMask.every((i) => i >= 0 && i < 60000));
   * ```
   */
  choice(n: number, size: number, out?: Int32Array): Int32Array {
    if (!Number.isInteger(n) || n < 1 || n > 0x80000000) {
      throw new RangeError(
        `Rng.choice(): expected n to be an integer in [1, 2^31] but found ${
          describe(n)
        }`,
      );
    }
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(
        `Rng.choice(): expected size to be a non-negative integer but found ${
          describe(size)
        }`,
      );
    }
    const indices = out?.length === size ? out : new Int32Array(size);
    for (let k = 0; k < size; k++) indices[k] = this.int(n);
    return indices;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
