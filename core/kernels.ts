/**
 * The set of products a layer computes with, so that one layer can run on
 * the pure-TypeScript kernels (the teaching path, and the fallback) or on
 * the WebAssembly SIMD ones, chosen once per network.
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";
import type { ImageShape } from "./im2col.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "./fast.ts";
import {
  allFinite,
  type ArrayAllocator,
  type ListRunner,
  productByLists,
} from "./sparse.ts";
import { SimdKernels, simdSupport } from "./simd/simd.ts";

/**
 * Dense products, the sparse product of `sparse.ts`, and the memory their
 * operands should live in (`float64`/`int32`): the layers allocate their
 * buffers from the kernels they use.
 */
export interface Kernels extends ListRunner, ArrayAllocator {
  /** `"ts"`, `"ts+pool"`, `"simd"` or `"simd+fma"`. */
  readonly name: string;
  /**
   * True when the dense products are vectorised (about 3× the scalar
   * loops): skipping zeros then pays only where each skipped element saves
   * much work (Affine on MNIST), not in a convolution's im2col product.
   */
  readonly vectorized: boolean;
  /** C = A · B (M×K · K×N); `out` must not share data with A or B. */
  matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** C = Aᵀ · B (A M×K, B M×N, C K×N). */
  matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** C = A · Bᵀ (A M×K, B N×K, C M×N). */
  matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix;
  /** Whether every element of `a` is finite (guards the zero-skipping). */
  allFinite(a: Matrix): boolean;
  /**
   * Optional: the `Relu` layer's forward (out = x where x > 0, else 0)
   * and backward (dx = dout where out ≠ 0, else 0), vectorised; without
   * them the layer runs the book's loops over its mask.
   */
  relu?(x: Matrix, out: Matrix): void;
  /** Optional: see `relu`. */
  reluBackward?(out: Matrix, dout: Matrix, dx: Matrix): void;
  /**
   * Optional: the `Pooling` layer's forward for windows without padding
   * (each window's maximum into `out`, where it was into `argmax`, as the
   * layer's own loop computes them). Returns false, computing nothing,
   * where it cannot take these arrays; the layer then runs its loop.
   */
  maxPool?(
    x: Matrix,
    input: ImageShape,
    window: { height: number; width: number; stride: number },
    out: Matrix,
    argmax: Int32Array,
  ): boolean;
}

/**
 * The pure-TypeScript kernels: `fast.ts`'s register-blocked loops and
 * `sparse.ts`'s `productByLists` on the calling thread, with ordinary typed
 * arrays. Bit-identical to the naive kernels.
 *
 * @example
 * ```ts
 * import { Matrix } from "./matrix.ts";
 * import { TS_KERNELS } from "./kernels.ts";
 *
 * const c = TS_KERNELS.matmul(Matrix.fromRows([[1, 2]]), Matrix.fromRows([[3], [4]]));
 * console.log(c.toRows()); // [[11]]
 * ```
 */
export const TS_KERNELS: Kernels = {
  name: "ts",
  vectorized: false,
  matmul: matmulFast,
  matmulTN: matmulTNFast,
  matmulNT: matmulNTFast,
  allFinite,
  runLists: (ptr, index, val, rows, B, n, C) =>
    productByLists(ptr, index, val, 0, rows, B, n, C),
  int32: (length) => new Int32Array(length),
  float64: (length) => new Float64Array(length),
};

/**
 * The pure-TypeScript kernels with the sparse products shared with a
 * `WorkerPool` (see `pool.ts`), whose shared memory the arrays come from.
 *
 * @example
 * ```ts
 * import { poolKernels } from "./kernels.ts";
 * import { WorkerPool } from "./pool.ts";
 *
 * const pool = new WorkerPool();
 * console.log(poolKernels(pool).name); // ts+pool
 * pool.close();
 * ```
 */
export function poolKernels(pool: ListRunner & ArrayAllocator): Kernels {
  return {
    ...TS_KERNELS,
    name: "ts+pool",
    runLists: (...args) => pool.runLists(...args),
    int32: (length) => pool.int32(length),
    float64: (length) => pool.float64(length),
  };
}

/**
 * Which kernels a network computes with: `"simd"` (WebAssembly SIMD; an
 * error where the runtime lacks it), `"ts"` (pure TypeScript), or `"auto"`
 * (SIMD where available, else TypeScript).
 */
export type Backend = "auto" | "simd" | "ts";

/** What a network computes with: see {@linkcode selectKernels}. */
export interface KernelChoice {
  /** `"auto"` (default), `"simd"` or `"ts"`. */
  backend?: Backend;
  /** A `WorkerPool` to share the TypeScript kernels' sparse products with. */
  pool?: ListRunner & ArrayAllocator;
  /**
   * Kernels made by the caller, e.g. `SimdKernels.create({ threads: 2 })`,
   * used as they are (and closed by the caller). Nets that share them share
   * their memory.
   */
  kernels?: Kernels;
}

/**
 * Kernels for one network: `choice.kernels` when given; with a pool, the
 * TypeScript kernels sharing the sparse products with it
 * ({@linkcode poolKernels}); else fresh {@linkcode SimdKernels} (with their
 * own memory) for `"simd"`, or for `"auto"` where the runtime has SIMD; else
 * {@linkcode TS_KERNELS}.
 *
 * @param where the caller to name in errors, e.g. `"TwoLayerNet"`
 * @throws {RangeError} for an unknown backend, `"simd"` without SIMD,
 * `"simd"` with a pool, or `kernels` with a pool or a backend.
 *
 * @example
 * ```ts
 * import { selectKernels } from "./kernels.ts";
 *
 * console.log(selectKernels("demo", { backend: "ts" }).name); // ts
 * console.log(selectKernels("demo", {}).name); // simd+fma (in Deno on x86-64)
 * ```
 */
export function selectKernels(where: string, choice: KernelChoice): Kernels {
  const { backend = "auto", pool, kernels } = choice;
  checkBackend(where, backend);
  if (kernels !== undefined) {
    if (pool !== undefined || choice.backend !== undefined) {
      throw new RangeError(
        `${where}: expected kernels alone but found them with ${
          pool !== undefined ? "a pool" : "a backend"
        } (the kernels decide both)`,
      );
    }
    return kernels;
  }
  if (pool !== undefined) {
    if (backend === "simd") {
      throw new RangeError(
        `${where}: expected backend "auto" or "ts" with a pool but found "simd" (the pool runs the TypeScript kernels)`,
      );
    }
    return poolKernels(pool);
  }
  return (backend !== "ts" && SimdKernels.create()) || TS_KERNELS;
}

/**
 * Throws unless `backend` is a {@linkcode Backend} this runtime can run.
 *
 * @throws {RangeError} for an unknown backend, or `"simd"` without
 * WebAssembly SIMD.
 *
 * @example
 * ```ts
 * import { checkBackend } from "./kernels.ts";
 *
 * try {
 *   checkBackend("demo", "gpu" as "ts");
 * } catch (e) {
 *   console.log((e as Error).message); // demo: expected backend "auto", "simd" or "ts" but found "gpu"
 * }
 * ```
 */
export function checkBackend(where: string, backend: Backend): void {
  if (backend !== "auto" && backend !== "simd" && backend !== "ts") {
    throw new RangeError(
      `${where}: expected backend "auto", "simd" or "ts" but found ${
        JSON.stringify(backend)
      }`,
    );
  }
  if (backend === "simd" && !simdSupport().simd) {
    throw new RangeError(
      `${where}: expected a runtime with WebAssembly SIMD for backend "simd" but found none (use "ts")`,
    );
  }
}
