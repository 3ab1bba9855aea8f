/**
 * The SIMD kernels, generated as WebAssembly functions with `wasm.ts`: the
 * dense products (`gemm` for A·B and Aᵀ·B, with `strided` for blocks of
 * larger matrices, `gemmNT` for A·Bᵀ), the sparse product (`lists`), the
 * searches for non-zeros (`compact` over f64, `compactBytes` over u8
 * pixels), the CSR-to-CSC `transpose`, `allFinite`, the conversion of u8
 * pixels (`bytesToF64`), `relu`, `maxPool` and `maxPoolBackward`, and the
 * loop helpers the convolution's generators (`conv_codegen.ts`,
 * `winograd_codegen.ts`) share. Each works on row-major data in one linear
 * memory and takes byte offsets; `simd.ts` wraps them behind the same
 * contract as the pure-TypeScript kernels of `fast.ts` and `sparse.ts`.
 *
 * The vector type is f64x2: two columns of the output per register. The
 * products keep small tiles of the output in registers (R rows × 2V
 * columns), as `fast.ts` does with scalars, and add the terms of each output
 * element in ascending order. So with plain multiply-then-add the results
 * of `gemm` and `lists` equal the naive kernels' to the bit; with
 * relaxed-SIMD fused multiply-add (one rounding instead of two) they differ
 * by rounding, and `gemmNT`, which sums even and odd terms in separate lanes,
 * always does.
 *
 * @module
 */

import { F32, F64, Func, I32, V128, type ValType } from "./wasm.ts";

/**
 * The float type a product is written for: f64, two to a v128 (what the
 * nets compute in), or f32, four to a v128 (`gemm` only: the float32
 * comparison in `bench/matmul_bench.ts`). Its instructions are `Func`'s
 * methods of the same names (`f64Load`, `f64x2Add`, …).
 */
export type Float = "f64" | "f32";

/** Per float type: bytes, value type, vector type, load-into-every-lane. */
export const FLOATS = {
  f64: { bytes: 8, type: F64, vector: "f64x2", splat: "v128Load64Splat" },
  f32: { bytes: 4, type: F32, vector: "f32x4", splat: "v128Load32Splat" },
} as const;

/** Tile sizes (bench/matmul_bench.ts compares the choices). */
export interface Tiles {
  /** Output rows per tile of `gemm`. */
  gemmRows: number;
  /**
   * Output rows per tile of `gemm` where A's rows are contiguous (aStep
   * one element), four lanes a vector and `gemmUnroll` 4: A read four
   * terms at a time, a vector per row, each term broadcast from its lane;
   * 0: A read a term at a time always.
   */
  gemmRowsA: number;
  /** Terms of the sum per pass of `gemm` over C (a cache blocking). */
  gemmChunk: number;
  /** f64x2 vectors (2 columns each) per tile of `gemm` and `lists`. */
  gemmVectors: number;
  /** Terms of the sum per pass of `gemm`'s inner loop (a power of 2). */
  gemmUnroll: number;
  /** Output rows × columns per tile of `gemmNT`. */
  ntRows: number;
  /** Output columns per tile of `gemmNT`. */
  ntCols: number;
  /** f64x2 vectors per column block of `lists`. */
  listVectors: number;
}

/**
 * The tiles `simd.ts` uses. Measured here on 100×784·784×50 with a throwaway
 * script: gemm tiles of 3×3, 3×2, 5×2, 6×2, 4×2 and 2×4 (rows × vectors) all
 * ran at 19–20 GFLOP/s, 4×3 and 2×5 at 11–14 (register spills); A·Bᵀ 2×2 to
 * 4×2 at 15–16; the sparse product with 8 vectors a block within 5 % of 5,
 * 10 and 12. The inner loop four terms a pass: 5–15 % over one on the
 * convolutions' products (16…64 terms, 16…240 columns: fewer branches
 * per multiply-add), taking the best of 60 interleaved runs each.
 */
export const TILES: Tiles = {
  gemmRows: 3,
  gemmRowsA: 0,
  gemmChunk: 256,
  gemmVectors: 3,
  gemmUnroll: 4,
  ntRows: 3,
  ntCols: 2,
  listVectors: 8,
};

/**
 * The tiles of the float32 kernels (`gemmF32`, `gemmNTF32`, `listsF32`),
 * four lanes a vector. Measured with a throwaway script (best of 45 runs,
 * one other busy process), GFLOP/s of gemmF32 on x·W1 (100×784·784×50),
 * xᵀ·dout (784×100·100×50), h·W2 (100×50·50×10) and 100³: 3×3 tiles 31,
 * 39, 23, 44; 5×2 33, 37, 28, 44; 6×2 34, 38, 27, 40; 4×3 and 3×4 22–24
 * (spills); chunks of 512 terms and unrolling by 8 within 3 %. Two columns
 * left over go in a vector's low half (`columnBlocks`' `half`): +5–35 %
 * on these shapes, whose widths are 2 mod 4. The sparse product with 12
 * vectors a block (48 columns: MNIST's first layer, 50 wide, in one pass
 * and a half vector): 78 µs on a batch of 100 images, against 91 and 96
 * with 8 and 4 (best of 30 interleaved runs); the half vector in the same
 * pass as the twelve (`columnBlocks`' `fuse`, 13 accumulators, no spill):
 * x·W1 67 µs and dW1's product 69 µs against 79 and 82 in two passes
 * (10th percentiles of 3000 batches, one process, load 5.5 on 2 cores).
 */
export const TILES_F32: Tiles = {
  ...TILES,
  gemmRows: 5,
  gemmRowsA: 4,
  gemmVectors: 2,
  listVectors: 12,
};

/** The local indices of `f`'s parameters, 0 … n−1, to destructure. */
export function locals(f: Func): number[] {
  return f.params.map((_, i) => i);
}

/** A parameter list of `count` i32s (byte offsets and sizes). */
export function i32s(count: number): ValType[] {
  return new Array<ValType>(count).fill(I32);
}

/**
 * `for (; i < limit; i += step) body()` with locals i and limit; step a
 * constant, or `{ local }` a local's value.
 */
export function whileLess(
  f: Func,
  i: number,
  limit: number,
  step: number | { local: number },
  body: () => void,
): void {
  f.block(() =>
    f.loop(() => {
      f.get(i).get(limit).i32GeS().brIf(1);
      body();
      f.get(i);
      if (typeof step === "number") f.i32(step);
      else f.get(step.local);
      f.i32Add().set(i).br(0);
    })
  );
}

/** `do { body() } while (--count !== 0)`, skipped when count is 0. */
export function countDown(f: Func, count: number, body: () => void): void {
  f.block(() => {
    f.get(count).i32Eqz().brIf(0);
    f.loop(() => {
      body();
      f.get(count).i32(1).i32Sub().tee(count).brIf(0);
    });
  });
}

/**
 * Columns j = 0 … n−1 in blocks: `emit(V)` (V vectors of L lanes) while
 * they last, then one block of the 1 … V−1 vectors left, then with `half`
 * (four lanes) two columns in the low half of a vector (`emit(-2)`) if two
 * or three are left, then the last columns one at a time (`emit(0)`).
 * Each block is one pass over the sum's terms, so the columns left over
 * take one pass more, not one per vector. With `fuse` (and `half`), two or
 * three columns left after the last full block go in that block's pass,
 * in the low half of one more vector (`emit(V, true)`): MNIST's hidden
 * layer, 50 = 48 + 2 columns, in one pass. Locals j and limit.
 */
export function columnBlocks(
  f: Func,
  j: number,
  n: number,
  limit: number,
  V: number,
  L: number,
  emit: (vectors: number, withHalf?: boolean) => void,
  half = false,
  fuse = false,
): void {
  f.i32(0).set(j);
  f.get(n).get(n).i32(L * V).i32RemU().i32Sub().set(limit);
  if (fuse) {
    // fused = 1 when 2 or 3 columns follow the last full block
    const fused = f.local(I32);
    f.get(n).get(limit).i32Sub().i32(1).i32ShrU().i32(1).i32Eq();
    f.get(limit).i32(L * V).i32GeS().i32And().set(fused);
    f.get(limit).get(fused).i32(L * V).i32Mul().i32Sub().set(limit);
    whileLess(f, j, limit, L * V, () => emit(V));
    f.block(() => {
      f.get(fused).i32Eqz().brIf(0);
      emit(V, true);
      f.get(j).i32(L * V + 2).i32Add().set(j);
    });
  } else whileLess(f, j, limit, L * V, () => emit(V));
  for (let v = V - 1; v >= 1; v--) { // at most one of these runs
    f.block(() => {
      f.get(n).get(j).i32Sub().i32(L * v).i32LtS().brIf(0);
      emit(v);
      f.get(j).i32(L * v).i32Add().set(j);
    });
  }
  if (half) {
    f.block(() => {
      f.get(n).get(j).i32Sub().i32(2).i32LtS().brIf(0);
      emit(-2);
      f.get(j).i32(2).i32Add().set(j);
    });
  }
  whileLess(f, j, n, 1, () => emit(0));
}

/** local = min(local, other), signed. */
export function minInto(f: Func, local: number, other: number): void {
  f.get(local).get(other).get(local).get(other).i32LtS().select().set(local);
}

/**
 * Over the bytes p … end−1 of f64 data (of `t`): `pair()` at p a vector
 * (16 bytes: two f64, four f32) at a time, then `one()` for each element
 * left (p advanced after each; end2 a scratch local).
 */
export function pairs(
  f: Func,
  p: number,
  end: number,
  end2: number,
  pair: () => void,
  one: () => void,
  t: Float = "f64",
): void {
  const { bytes } = FLOATS[t];
  f.get(end).get(end).get(p).i32Sub().i32(16 - bytes).i32And().i32Sub()
    .set(end2);
  whileLess(f, p, end2, 16, pair);
  whileLess(f, p, end, bytes, one);
}

/**
 * The f64 (of `t`) at bytes p … end−1 set to 0, a vector at a time (p
 * advanced; end2 a scratch local).
 */
export function zeroes(
  f: Func,
  p: number,
  end: number,
  end2: number,
  t: Float = "f64",
): void {
  pairs(
    f,
    p,
    end,
    end2,
    () => f.get(p).v128Zero().v128Store(),
    () => f.get(p)[`${t}Zero` as const]()[`${t}Store` as const](),
    t,
  );
}

/**
 * into = base + ⌊n / CHUNK⌋·step for each [base, step, into]: the sums of
 * image n's chunk (g holds locals n and CHUNK).
 */
export function chunkSums(
  f: Func,
  g: Record<string, number>,
  sums: [base: number, step: number, into: number][],
): void {
  for (const [base, step, into] of sums) {
    f.get(base).get(g.n).get(g.CHUNK).i32DivU().get(step).i32Mul().i32Add()
      .set(into);
  }
}

/**
 * into[i] += Σ of row i, for the `count` rows of `length` f64 (of `t`) at
 * byte `rows` (locals all): a vector's lanes along the row, then their
 * sum.
 */
export function addRowSums(
  f: Func,
  rows: number,
  count: number,
  length: number,
  into: number,
  t: Float = "f64",
): void {
  const { bytes, vector } = FLOATS[t], shift = Math.log2(bytes);
  const i = f.local(I32), p = f.local(I32), end = f.local(I32);
  const end2 = f.local(I32), acc = f.local(V128);
  f.get(rows).set(p);
  f.i32(0).set(i);
  whileLess(f, i, count, 1, () => {
    f.v128Zero().set(acc);
    f.get(p).get(length).i32(shift).i32Shl().i32Add().set(end);
    pairs(f, p, end, end2, () => {
      f.get(acc).get(p).v128Load()[`${vector}Add` as const]().set(acc);
    }, () => {
      f.get(acc).get(p);
      if (t === "f64") f.v128Load64Zero();
      else f.v128Load32Zero();
      f[`${vector}Add` as const]().set(acc);
    }, t);
    f.get(into).get(i).i32(shift).i32Shl().i32Add().tee(end).get(end)
      [`${t}Load` as const]();
    for (let lane = 0; lane < 16 / bytes; lane++) {
      f.get(acc)[`${vector}ExtractLane` as const](lane);
      if (lane > 0) f[`${t}Add` as const]();
    }
    f[`${t}Add` as const]()[`${t}Store` as const]();
  });
}

/** acc = s · b + acc, fused when `fma`. Stack: nothing → nothing. */
export function madd(
  f: Func,
  t: Float,
  fma: boolean,
  s: number,
  b: number,
  acc: number,
): void {
  const x = FLOATS[t].vector;
  f.get(s).get(b);
  if (fma) f.get(acc)[`${x}RelaxedMadd` as const]();
  else f[`${x}Mul` as const]().get(acc)[`${x}Add` as const]();
  f.set(acc);
}

/**
 * `gemm(a, b, c, m, k, n, aRow, aStep, add)`: C = A·B (+ C when add ≠ 0),
 * with B K×N and C M×N row-major at byte offsets b and c, and element (i, p)
 * of A at byte a + i·aRow + p·aStep. With aRow = 8K, aStep = 8 that is a
 * row-major M×K A (C = A·B); with aRow = 8, aStep = 8M it is a row-major
 * K×M matrix read transposed (C = Aᵀ·B). The TypeScript equivalent:
 *
 * ```ts ignore
 * for (let i = 0; i < m; i++) {
 *   for (let j = 0; j < n; j++) {
 *     let sum = add ? C[i * n + j] : 0;
 *     for (let p = 0; p < k; p++) sum += A(i, p) * B[p * n + j];
 *     C[i * n + j] = sum;
 *   }
 * }
 * ```
 *
 * computed R rows × V vectors (2V columns in f64) at a time, then the rows
 * left over one at a time; in each row block the columns left over go in
 * one narrower tile and the last ones one at a time. With `t` = "f32" the
 * same in f32 (4-byte elements, four columns a vector), exported as
 * `gemmF32`; where A's rows are contiguous (aStep = 4) its tiles are
 * `gemmRowsA` rows, and A is read a vector of four terms per row, each
 * term's value broadcast from its lane (a shuffle) instead of loaded on
 * its own: the same values, so the same bits, with fewer loads, each of
 * which carries a bounds check in Deno (gemmStridedF32 alone on
 * DeepConvNet's shapes, e.g. 16×16·16×800: 39.7 against 33.2 GFLOP/s;
 * 32×32·32×196: 41.4 against 38.2).
 *
 * With `strided`, `gemmStrided(a, b, c, m, k, n, aRow, aStep, bRow, cRow,
 * add)`: the same with B's and C's rows bRow and cRow bytes apart (blocks
 * of larger matrices: the convolution's products, `conv_codegen.ts`), in
 * one pass over the sum's terms, columns outer: a K×2V panel of B stays in
 * cache while every row tile takes it, the rows left over in one shorter
 * tile.
 */
export function gemm(
  tiles: Tiles,
  fma: boolean,
  t: Float = "f64",
  strided = false,
): Func {
  const { bytes, type, splat } = FLOATS[t];
  const R = tiles.gemmRows, V = tiles.gemmVectors, L = 16 / bytes;
  // A a vector of four terms at a time where its rows are contiguous
  const RA = L === 4 && tiles.gemmUnroll === 4 ? tiles.gemmRowsA : 0;
  if (RA > R) { // its accumulators are among R's
    throw new RangeError(
      `gemm(): expected tiles.gemmRowsA at most gemmRows (${R}) but found ${RA}`,
    );
  }
  const f = new Func(
    `${strided ? "gemmStrided" : "gemm"}${t === "f64" ? "" : "F32"}`,
    i32s(strided ? 11 : 9),
  );
  const [a, b, c, m, k, n, aRow, aStep, ...rest] = locals(f);
  const i = f.local(I32), j = f.local(I32), count = f.local(I32);
  const limit = f.local(I32), nBytes = f.local(I32), pb = f.local(I32);
  const [bRow, cRow, add] = strided ? rest : [nBytes, nBytes, rest[0]];
  const pa = Array.from({ length: R }, () => f.local(I32));
  const pc = Array.from({ length: R }, () => f.local(I32));
  const acc = Array.from({ length: R * V }, () => f.local(V128));
  const bv = Array.from({ length: V }, () => f.local(V128));
  const av = Array.from({ length: RA }, () => f.local(V128));
  const s = f.local(V128);
  const sacc = Array.from({ length: R }, () => f.local(type));
  const sb = f.local(type);

  f.get(n).i32(bytes).i32Mul().set(nBytes);

  // Output rows i … i+rows−1, columns j … j+L·vectors−1 (vectors ≥ 1), or
  // column j alone (vectors = 0, scalar); with `byVector`, A's terms four
  // at a time (rows ≤ RA, aStep = bytes).
  const tile = (rows: number, vectors: number, byVector = false) => {
    for (let r = 0; r < rows; r++) {
      // pa[r] = &A(i+r, 0); pc[r] = &C(i+r, j)
      f.get(a).get(i).i32(r).i32Add().get(aRow).i32Mul().i32Add().set(pa[r]);
      f.get(c).get(i).i32(r).i32Add().get(cRow).i32Mul().i32Add()
        .get(j).i32(bytes).i32Mul().i32Add().set(pc[r]);
    }
    f.get(b).get(j).i32(bytes).i32Mul().i32Add().set(pb); // &B(0, j)
    const start = (r: number, v: number) => {
      if (vectors === 0) {
        f.block(() => {
          f[`${t}Zero` as const]().set(sacc[r]).get(add).i32Eqz().brIf(0);
          f.get(pc[r])[`${t}Load` as const]().set(sacc[r]);
        });
      } else {
        f.block(() => {
          f.v128Zero().set(acc[r * V + v]).get(add).i32Eqz().brIf(0);
          load(pc[r], 16 * v).set(acc[r * V + v]);
        });
      }
    };
    const halfTile = vectors === -2; // two f32 columns, a vector's low half
    if (halfTile) vectors = 1;
    const load = (at: number, offset: number) =>
      halfTile ? f.get(at).v128Load64Zero(offset) : f.get(at).v128Load(offset);
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < Math.max(vectors, 1); v++) start(r, v);
    }
    // One term of the sum: A's column p, B's row p.
    const term = () => {
      if (vectors === 0) {
        f.get(pb)[`${t}Load` as const]().set(sb);
        for (let r = 0; r < rows; r++) { // sacc[r] += A(i+r, p) · B(p, j)
          f.get(pa[r])[`${t}Load` as const]().get(sb)[`${t}Mul` as const]()
            .get(sacc[r])[`${t}Add` as const]().set(sacc[r]);
        }
      } else {
        for (let v = 0; v < vectors; v++) load(pb, 16 * v).set(bv[v]);
        for (let r = 0; r < rows; r++) {
          f.get(pa[r])[splat]().set(s);
          for (let v = 0; v < vectors; v++) {
            madd(f, t, fma, s, bv[v], acc[r * V + v]);
          }
        }
      }
      for (let r = 0; r < rows; r++) {
        f.get(pa[r]).get(aStep).i32Add().set(pa[r]);
      }
      f.get(pb).get(bRow).i32Add().set(pb);
    };
    // Four terms: a vector of A's row r holds A(i+r, p … p+3); term u's
    // value is its lane u, broadcast (the value a splat load would give).
    const fourTerms = () => {
      for (let r = 0; r < rows; r++) {
        f.get(pa[r]).v128Load().set(av[r]);
        f.get(pa[r]).i32(16).i32Add().set(pa[r]);
      }
      for (let u = 0; u < 4; u++) {
        for (let v = 0; v < vectors; v++) load(pb, 16 * v).set(bv[v]);
        for (let r = 0; r < rows; r++) {
          f.get(av[r]).get(av[r]).i8x16Shuffle(LANE[u]).set(s);
          for (let v = 0; v < vectors; v++) {
            madd(f, t, fma, s, bv[v], acc[r * V + v]);
          }
        }
        f.get(pb).get(bRow).i32Add().set(pb);
      }
    };
    // ⌊k/U⌋ passes of U terms, then the k mod U left, in order
    const U = tiles.gemmUnroll;
    f.get(k).i32(Math.log2(U)).i32ShrU().set(count);
    countDown(f, count, () => {
      if (byVector && vectors !== 0) fourTerms();
      else for (let u = 0; u < U; u++) term();
    });
    f.get(k).i32(U - 1).i32And().set(count);
    countDown(f, count, term);
    for (let r = 0; r < rows; r++) {
      if (vectors === 0) {
        f.get(pc[r]).get(sacc[r])[`${t}Store` as const]();
      }
      for (let v = 0; v < vectors; v++) {
        f.get(pc[r]).get(acc[r * V + v]);
        if (halfTile) f.v128Store64Lane(0, 16 * v);
        else f.v128Store(16 * v);
      }
    }
  };

  // `body(rows, byVector)`: by A's vectors (RA rows a tile) where A's
  // rows are contiguous, else a term at a time (R rows).
  const byA = (body: (rows: number, byVector: boolean) => void) => {
    if (RA === 0) return body(R, false);
    f.get(aStep).i32(bytes).i32Eq().ifThen(
      () => body(RA, true),
      () => body(R, false),
    );
  };
  // All columns of output rows i … i+rows−1.
  const rowBlock = (rows: number, byVector: boolean) => {
    columnBlocks(
      f,
      j,
      n,
      limit,
      V,
      L,
      (vectors) => tile(rows, vectors, byVector),
      L === 4,
    );
  };
  const rowLimit = f.local(I32);
  if (strided) {
    // Columns j … j+L·vectors−1 of every row: R rows at a time, then the
    // 1 … R−1 rows left in one tile.
    byA((R, byVector) =>
      columnBlocks(f, j, n, limit, V, L, (vectors) => {
        f.i32(0).set(i);
        f.get(m).get(m).i32(R).i32RemU().i32Sub().set(rowLimit);
        whileLess(f, i, rowLimit, R, () => tile(R, vectors, byVector));
        for (let rows = R - 1; rows >= 1; rows--) { // at most one of these runs
          f.block(() => {
            f.get(m).get(i).i32Sub().i32(rows).i32LtS().brIf(0);
            tile(rows, vectors, byVector);
            f.get(i).i32(rows).i32Add().set(i);
          });
        }
      })
    );
    return f;
  }

  // The sum over p runs in chunks of `tiles.gemmChunk` terms, every tile of
  // C taking each chunk's share in turn (adding to what the earlier chunks
  // left): the chunk's rows of B (and of A, read transposed) stay in cache
  // instead of streaming from memory once per tile. The params a, b, k and
  // add are rebound per chunk; each output still sums in ascending p.
  const a0 = f.local(I32), b0 = f.local(I32), k0 = f.local(I32);
  const add0 = f.local(I32), p0 = f.local(I32);
  f.get(a).set(a0).get(b).set(b0).get(k).set(k0).get(add).set(add0);
  f.i32(0).set(p0);
  f.loop(() => {
    f.get(a0).get(p0).get(aStep).i32Mul().i32Add().set(a);
    f.get(b0).get(p0).get(nBytes).i32Mul().i32Add().set(b);
    // k = min(chunk, k0 − p0); add = add0 || p0 > 0
    f.get(k0).get(p0).i32Sub().tee(k).i32(tiles.gemmChunk)
      .i32(tiles.gemmChunk).get(k).i32GtS().select().set(k);
    f.get(add0).get(p0).i32Add().set(add);
    f.i32(0).set(i);
    byA((R, byVector) => {
      f.get(m).get(m).i32(R).i32RemU().i32Sub().set(rowLimit);
      whileLess(f, i, rowLimit, R, () => rowBlock(R, byVector));
      f.get(m).set(rowLimit);
      whileLess(f, i, rowLimit, 1, () => rowBlock(1, byVector));
    });
    f.get(p0).i32(tiles.gemmChunk).i32Add().tee(p0).get(k0).i32LtS().brIf(0);
  });
  return f;
}

/**
 * `gemmNT(a, b, c, m, k, n)`: C = A·Bᵀ with A M×K, B N×K and C M×N
 * row-major at byte offsets a, b, c. Both operands are read along their
 * rows, two terms of p per vector: lane 0 sums the even p, lane 1 the odd,
 * and the two lanes (and an odd last term) are added at the end. The
 * TypeScript equivalent, up to that order of the sum:
 *
 * ```ts ignore
 * for (let i = 0; i < m; i++) {
 *   for (let j = 0; j < n; j++) {
 *     let sum = 0;
 *     for (let p = 0; p < k; p++) sum += A[i * k + p] * B[j * k + p];
 *     C[i * n + j] = sum;
 *   }
 * }
 * ```
 */
export function gemmNT(tiles: Tiles, fma: boolean, t: Float = "f64"): Func {
  const { bytes, type, vector } = FLOATS[t];
  const R = tiles.ntRows, S = tiles.ntCols, L = 16 / bytes;
  const f = new Func(t === "f64" ? "gemmNT" : "gemmNTF32", i32s(6));
  const [a, b, c, m, k, n] = locals(f);
  const i = f.local(I32), j = f.local(I32), count = f.local(I32);
  const kBytes = f.local(I32), iLimit = f.local(I32), jLimit = f.local(I32);
  const pa = Array.from({ length: R }, () => f.local(I32));
  const pb = Array.from({ length: S }, () => f.local(I32));
  const acc = Array.from({ length: R * S }, () => f.local(V128));
  const av = Array.from({ length: R }, () => f.local(V128));
  const bv = Array.from({ length: S }, () => f.local(V128));
  const sum = f.local(type), p = f.local(I32), rest = f.local(I32);

  f.get(k).i32(bytes).i32Mul().set(kBytes);
  f.get(k).i32(L - 1).i32And().i32(bytes).i32Mul().set(rest); // bytes of k mod L terms

  const tile = (rows: number, cols: number) => {
    for (let r = 0; r < rows; r++) { // pa[r] = &A(i+r, 0)
      f.get(a).get(i).i32(r).i32Add().get(kBytes).i32Mul().i32Add().set(pa[r]);
    }
    for (let q = 0; q < cols; q++) { // pb[q] = &B(j+q, 0)
      f.get(b).get(j).i32(q).i32Add().get(kBytes).i32Mul().i32Add().set(pb[q]);
    }
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) f.v128Zero().set(acc[r * S + q]);
    }
    f.get(k).i32(Math.log2(L)).i32ShrU().set(count); // ⌊k/L⌋ groups of terms
    countDown(f, count, () => {
      for (let r = 0; r < rows; r++) f.get(pa[r]).v128Load().set(av[r]);
      for (let q = 0; q < cols; q++) f.get(pb[q]).v128Load().set(bv[q]);
      for (let r = 0; r < rows; r++) {
        for (let q = 0; q < cols; q++) {
          madd(f, t, fma, av[r], bv[q], acc[r * S + q]);
        }
      }
      for (let r = 0; r < rows; r++) f.get(pa[r]).i32(16).i32Add().set(pa[r]);
      for (let q = 0; q < cols; q++) f.get(pb[q]).i32(16).i32Add().set(pb[q]);
    });
    for (let r = 0; r < rows; r++) {
      for (let q = 0; q < cols; q++) {
        const x = acc[r * S + q];
        f.get(x)[`${vector}ExtractLane` as const](0);
        for (let l = 1; l < L; l++) {
          f.get(x)[`${vector}ExtractLane` as const](l)[`${t}Add` as const]();
        }
        f.set(sum);
        // the last k mod L terms, one at a time, in order
        f.i32(0).set(p);
        whileLess(f, p, rest, bytes, () => {
          f.get(pa[r]).get(p).i32Add()[`${t}Load` as const]();
          f.get(pb[q]).get(p).i32Add()[`${t}Load` as const]();
          f[`${t}Mul` as const]().get(sum)[`${t}Add` as const]().set(sum);
        });
        // C(i+r, j+q)
        f.get(c).get(i).i32(r).i32Add().get(n).i32Mul().get(j).i32Add()
          .i32(q).i32Add().i32(bytes).i32Mul().i32Add().get(sum)
          [`${t}Store` as const]();
      }
    }
  };

  const rowBlock = (rows: number) => {
    f.i32(0).set(j);
    f.get(n).get(n).i32(S).i32RemU().i32Sub().set(jLimit);
    whileLess(f, j, jLimit, S, () => tile(rows, S));
    f.get(n).set(jLimit);
    whileLess(f, j, jLimit, 1, () => tile(rows, 1));
  };

  f.i32(0).set(i);
  f.get(m).get(m).i32(R).i32RemU().i32Sub().set(iLimit);
  whileLess(f, i, iLimit, R, () => rowBlock(R));
  f.get(m).set(iLimit);
  whileLess(f, i, iLimit, 1, () => rowBlock(1));
  return f;
}

/**
 * `lists(ptr, index, val, rowStart, rowEnd, b, n, c)`: the sparse product
 * of `sparse.ts`'s `productByLists`, with ptr and index Int32Arrays, val,
 * B (N columns) and C f64, all at byte offsets. The TypeScript equivalent:
 *
 * ```ts ignore
 * for (let r = rowStart; r < rowEnd; r++) {
 *   for (let j = 0; j < n; j++) {
 *     let sum = 0;
 *     for (let q = ptr[r]; q < ptr[r + 1]; q++) sum += val[q] * B[index[q] * n + j];
 *     C[r * n + j] = sum;
 *   }
 * }
 * ```
 *
 * computed 2V columns at a time (each term's value splat once, V vectors of
 * B's row), the columns left over in one narrower pass and a last odd one.
 */
export function lists(tiles: Tiles, fma: boolean, t: Float = "f64"): Func {
  const { bytes, type, splat } = FLOATS[t];
  const V = tiles.listVectors, L = 16 / bytes;
  const f = new Func(t === "f64" ? "lists" : "listsF32", i32s(8));
  const [ptr, index, val, rowStart, rowEnd, b, n, c] = locals(f);
  const r = f.local(I32), j = f.local(I32), limit = f.local(I32);
  const nBytes = f.local(I32), pc = f.local(I32), pb = f.local(I32);
  const q0 = f.local(I32), q1 = f.local(I32), pi = f.local(I32);
  const pv = f.local(I32), count = f.local(I32), bj = f.local(I32);
  const acc = Array.from({ length: L === 4 ? V + 1 : V }, () => f.local(V128));
  const bv = f.local(V128);
  const s = f.local(V128), sum = f.local(type);

  f.get(n).i32(bytes).i32Mul().set(nBytes);

  // Columns j … j+L·vectors−1 of output row r (vectors = 0: column j
  // alone; −2: columns j, j+1 in a vector's low half), and with
  // `withHalf` the next two in one more vector's low half.
  const block = (vectors: number, withHalf = false) => {
    const half = vectors === -2;
    if (half) vectors = 1;
    // vector v is a low half: the −2 block's, or the one after the others
    const low = (v: number) => half || v === vectors;
    const all = withHalf ? vectors + 1 : vectors;
    for (let v = 0; v < all; v++) f.v128Zero().set(acc[v]);
    if (vectors === 0) f[`${t}Zero` as const]().set(sum);
    f.get(index).get(q0).i32(4).i32Mul().i32Add().set(pi);
    f.get(val).get(q0).i32(bytes).i32Mul().i32Add().set(pv);
    f.get(q1).get(q0).i32Sub().set(count);
    f.get(b).get(j).i32(bytes).i32Mul().i32Add().set(bj); // &B(0, j)
    countDown(f, count, () => {
      // pb = &B(index[q], j)
      f.get(pi).i32Load().get(nBytes).i32Mul().get(bj).i32Add().set(pb);
      if (vectors === 0) {
        f.get(pv)[`${t}Load` as const]().get(pb)[`${t}Load` as const]()
          [`${t}Mul` as const]().get(sum)[`${t}Add` as const]().set(sum);
      } else {
        f.get(pv)[splat]().set(s);
        for (let v = 0; v < all; v++) {
          if (low(v)) f.get(pb).v128Load64Zero(16 * v).set(bv);
          else f.get(pb).v128Load(16 * v).set(bv);
          madd(f, t, fma, s, bv, acc[v]);
        }
      }
      f.get(pi).i32(4).i32Add().set(pi);
      f.get(pv).i32(bytes).i32Add().set(pv);
    });
    const out = () => f.get(pc).get(j).i32(bytes).i32Mul().i32Add();
    if (vectors === 0) out().get(sum)[`${t}Store` as const]();
    for (let v = 0; v < all; v++) {
      out().get(acc[v]);
      if (low(v)) f.v128Store64Lane(0, 16 * v);
      else f.v128Store(16 * v);
    }
  };

  f.get(rowStart).set(r);
  whileLess(f, r, rowEnd, 1, () => {
    f.get(ptr).get(r).i32(4).i32Mul().i32Add().tee(q0).i32Load(4).set(q1);
    f.get(q0).i32Load().set(q0);
    f.get(c).get(r).get(nBytes).i32Mul().i32Add().set(pc);
    columnBlocks(f, j, n, limit, V, L, block, L === 4, L === 4);
  });
  return f;
}

/**
 * `compact(a, m, k, rowPtr, col, val, first, cap) → nnz`: the non-zeros
 * of the row-major M×K f64 matrix at byte a into CSR arrays (as
 * `SparseRows.fill` in `sparse.ts`), or −1 as soon as the first row holds
 * more than `first` of them or the rows so far more than `cap`. The
 * TypeScript equivalent:
 *
 * ```ts ignore
 * let q = 0;
 * for (let i = 0; i < m; i++) {
 *   rowPtr[i] = q;
 *   for (let p = 0; p < k; p++) {
 *     const v = A[i * k + p];
 *     if (v !== 0) { // NaN !== 0: kept
 *       col[q] = p;
 *       val[q] = v;
 *       q++;
 *     }
 *   }
 *   if (q > (i === 0 ? first : cap)) return -1;
 * }
 * rowPtr[m] = q;
 * return q;
 * ```
 *
 * 16 elements at a time: eight `f64x2.ne` comparisons with zero, one test
 * whether any is set (an all-zero block, most of an image's border, costs
 * nothing more), else their 16-bit mask, whose set bits are taken lowest
 * first (i32.ctz); only non-zeros are written. The last k mod 16 elements
 * go one at a time, branch-free (written at q, kept by q += v ≠ 0).
 */
export function compact(): Func {
  const f = new Func("compact", i32s(8), [I32]);
  const [a, m, k, rowPtr, col, val, first, cap] = locals(f);
  const i = f.local(I32), p = f.local(I32), k16 = f.local(I32);
  const cq = f.local(I32), vq = f.local(I32), q = f.local(I32);
  const block = f.local(I32), mask = f.local(I32), at = f.local(I32);
  const v = f.local(F64), zero = f.local(V128), limit = f.local(I32);
  const ne = Array.from({ length: 8 }, () => f.local(V128));
  f.v128Zero().set(zero);
  f.get(first).set(limit);
  f.get(k).get(k).i32(16).i32RemU().i32Sub().set(k16);
  // cq and vq point at entry q of col and val; q = (cq − col) / 4.
  f.get(col).set(cq);
  f.get(val).set(vq);
  const count = () => f.get(cq).get(col).i32Sub().i32(2).i32ShrU();
  f.block(() => { // exits with q = −1 past the density limit
    f.i32(0).set(i);
    whileLess(f, i, m, 1, () => {
      f.get(rowPtr).get(i).i32(4).i32Mul().i32Add();
      count();
      f.i32Store();
      f.i32(0).set(p);
      f.get(a).set(block);
      whileLess(f, p, k16, 16, () => {
        ne.forEach((x, j) => {
          f.get(block).v128Load(16 * j).get(zero).f64x2Ne().set(x);
        });
        f.block(() => {
          f.get(ne[0]);
          for (const x of ne.slice(1)) f.get(x).v128Or();
          f.v128AnyTrue().i32Eqz().brIf(0); // all sixteen are zero
          f.get(ne[0]).i64x2Bitmask();
          ne.slice(1).forEach((x, j) => {
            f.get(x).i64x2Bitmask().i32(2 * (j + 1)).i32Shl().i32Or();
          });
          f.set(mask);
          f.block(() =>
            f.loop(() => { // while (mask !== 0): append element p + at
              f.get(mask).i32Eqz().brIf(1);
              f.get(mask).i32Ctz().set(at);
              f.get(cq).get(p).get(at).i32Add().i32Store();
              f.get(vq).get(block).get(at).i32(3).i32Shl().i32Add().f64Load()
                .f64Store();
              f.get(cq).i32(4).i32Add().set(cq);
              f.get(vq).i32(8).i32Add().set(vq);
              f.get(mask).get(mask).i32(1).i32Sub().i32And().set(mask);
              f.br(0);
            })
          );
        });
        f.get(block).i32(128).i32Add().set(block);
      });
      whileLess(f, p, k, 1, () => { // written at q, kept by q += v ≠ 0
        f.get(block).f64Load().set(v);
        f.get(cq).get(p).i32Store();
        f.get(vq).get(v).f64Store();
        f.get(v).f64Zero().f64Ne().set(at);
        f.get(cq).get(at).i32(2).i32Shl().i32Add().set(cq);
        f.get(vq).get(at).i32(3).i32Shl().i32Add().set(vq);
        f.get(block).i32(8).i32Add().set(block);
      });
      f.get(a).get(k).i32(8).i32Mul().i32Add().set(a);
      f.block(() => {
        count();
        f.get(limit).i32GtS().i32Eqz().brIf(0);
        f.i32(-1).set(q);
        f.br(3); // out of this block, the row loop and its block, and the outer one
      });
      f.get(cap).set(limit); // past the first row: the whole's limit
    });
    f.get(rowPtr).get(m).i32(4).i32Mul().i32Add();
    count();
    f.i32Store();
    count();
    f.set(q);
  });
  f.get(q);
  return f;
}

/**
 * `transpose(m, k, rowPtr, col, val, colPtr, colRow, colVal)`: a CSR
 * matrix (M×K) to CSC by a counting sort, as `SparseRows.columns` in
 * `sparse.ts` builds it: count each column's entries, add up the counts
 * into offsets (shifted by one slot), scatter the rows in order (so each
 * column's rows come out ascending), and shift the offsets back. The
 * TypeScript equivalent is `transposeRows` there. With `t` = "f32"
 * (`transposeF32`) the values are f32.
 */
export function transpose(t: Float = "f64"): Func {
  const { bytes } = FLOATS[t], shift = Math.log2(bytes);
  const f = new Func(t === "f64" ? "transpose" : "transposeF32", i32s(8));
  const [m, k, rowPtr, col, val, colPtr, colRow, colVal] = locals(f);
  const q = f.local(I32), end = f.local(I32), at = f.local(I32);
  const i = f.local(I32), p = f.local(I32), slot = f.local(I32);
  const sum = f.local(I32);
  // colPtr[0 … k] = 0
  f.i32(0).set(p);
  whileLess(f, p, k, 1, () => {
    f.get(colPtr).get(p).i32(2).i32Shl().i32Add().i32(0).i32Store(4);
  });
  f.get(colPtr).i32(0).i32Store();
  // colPtr[col[q] + 1]++ for every entry
  f.get(rowPtr).get(m).i32(2).i32Shl().i32Add().i32Load().i32(2).i32Shl()
    .get(col).i32Add().set(end);
  f.get(col).set(q);
  whileLess(f, q, end, 4, () => {
    f.get(colPtr).get(q).i32Load().i32(2).i32Shl().i32Add().tee(at);
    f.get(at).i32Load(4).i32(1).i32Add().i32Store(4);
  });
  // running sums: colPtr[p + 1] += colPtr[p]
  f.i32(0).set(sum);
  f.i32(0).set(p);
  whileLess(f, p, k, 1, () => {
    f.get(colPtr).get(p).i32(2).i32Shl().i32Add().tee(at);
    f.get(at).i32Load(4).get(sum).i32Add().tee(sum).i32Store(4);
  });
  // scatter: slot = colPtr[col[q]]++, colRow[slot] = i, colVal[slot] = val[q]
  f.i32(0).set(q);
  f.i32(0).set(i);
  whileLess(f, i, m, 1, () => {
    f.get(rowPtr).get(i).i32(2).i32Shl().i32Add().i32Load(4).set(end);
    whileLess(f, q, end, 1, () => {
      f.get(colPtr).get(col).get(q).i32(2).i32Shl().i32Add().i32Load()
        .i32(2).i32Shl().i32Add().tee(at).i32Load().set(slot);
      f.get(at).get(slot).i32(1).i32Add().i32Store();
      f.get(colRow).get(slot).i32(2).i32Shl().i32Add().get(i).i32Store();
      f.get(colVal).get(slot).i32(shift).i32Shl().i32Add();
      f.get(val).get(q).i32(shift).i32Shl().i32Add()[`${t}Load` as const]()
        [`${t}Store` as const]();
    });
  });
  // shift back: colPtr[p] = colPtr[p − 1], colPtr[0] = 0
  f.get(k).set(p);
  f.block(() =>
    f.loop(() => {
      f.get(p).i32Eqz().brIf(1);
      f.get(colPtr).get(p).i32(2).i32Shl().i32Add().tee(at);
      f.get(at).i32(4).i32Sub().i32Load().i32Store();
      f.get(p).i32(1).i32Sub().set(p);
      f.br(0);
    })
  );
  f.get(colPtr).i32(0).i32Store();
  return f;
}

/**
 * `allFinite(a, n) → 1 | 0`: whether the n f64 at byte a are all finite, as
 * `allFinite` in `naive.ts` decides it. First the plain sum, eight f64x2
 * sums so that the additions do not wait on each other: finite, it proves
 * every element finite (an ∞ or a NaN never adds back to a finite sum) at
 * one addition a vector, half the work of the exact test. Only when it is
 * not (a non-finite element, or finite ones past 1e308 summing to ∞) does
 * the exact test run: Σ a·0, 0 for finite elements and NaN as soon as one
 * is ±∞ or NaN. The guard is read once per product that skips zeros: at
 * batch 3, a third of a forward. With `t` = "f32" (`allFiniteF32`) the
 * same over f32, four lanes a vector (32 elements a pass).
 */
export function allFinite(t: Float = "f64"): Func {
  const { bytes, type, vector } = FLOATS[t], L = 16 / bytes;
  const f = new Func(t === "f64" ? "allFinite" : "allFiniteF32", i32s(2), [
    I32,
  ]);
  const [a, n] = locals(f);
  const p = f.local(I32), end = f.local(I32), end16 = f.local(I32);
  const sum = f.local(type);
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const zero = f.local(V128);
  const add = `${t}Add` as const, mul = `${t}Mul` as const;
  f.v128Zero().set(zero);
  f.get(a).get(n).i32(bytes).i32Mul().i32Add().set(end);
  f.get(end).get(n).i32(8 * L).i32RemU().i32(bytes).i32Mul().i32Sub()
    .set(end16);
  // Σ term(a[i]) into sum; the term of a vector on the stack.
  const sumOf = (term: () => void, scalar: () => void) => {
    for (const x of acc) f.v128Zero().set(x);
    f.get(a).set(p);
    whileLess(f, p, end16, 128, () => { // 8 vectors per pass
      acc.forEach((x, v) => {
        f.get(p).v128Load(16 * v);
        term();
        f.get(x)[`${vector}Add` as const]().set(x);
      });
    });
    f[`${t}Zero` as const]().set(sum);
    whileLess(f, p, end, bytes, () => {
      f.get(p)[`${t}Load` as const]();
      scalar();
      f.get(sum)[add]().set(sum);
    });
    for (const x of acc) {
      for (let l = 0; l < L; l++) {
        f.get(x)[`${vector}ExtractLane` as const](l).get(sum)[add]().set(sum);
      }
    }
  };
  const finite = () =>
    f.get(sum).get(sum)[`${t}Sub` as const]()[`${t}Zero` as const]()
      [`${t}Eq` as const]();
  f.block(() => {
    sumOf(() => {}, () => {});
    finite();
    f.brIf(0); // finite: done
    sumOf(
      () => f.get(zero)[`${vector}Mul` as const](),
      () => f[`${t}Zero` as const]()[mul](),
    );
  });
  finite();
  return f;
}

/** Per lane u of four: a shuffle's lanes that broadcast 32-bit lane u. */
const LANE = [0, 1, 2, 3].map((u) =>
  Array.from({ length: 16 }, (_, i) => 4 * u + (i & 3))
);
/** A shuffle's lanes that bring a vector's high 8 bytes to the front. */
const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** A shuffle's lanes: the low 8 bytes of a, then the low 8 bytes of b. */
const LOW_HALVES = Array.from({ length: 16 }, (_, i) => i < 8 ? i : i + 8);

/**
 * `compactBytes(src, n, d, scale, rowPtr, col, val, table) → nnz`: the
 * non-zero bytes of n rows of d bytes at byte src (images' pixels), each
 * times `scale`, into CSR arrays: what `SparseRows.fillBytes` builds
 * (`compactByteRows` in `sparse.ts`). The TypeScript equivalent:
 *
 * ```ts ignore
 * let q = 0;
 * for (let r = 0; r < n; r++) {
 *   rowPtr[r] = q;
 *   for (let j = 0; j < d; j++) {
 *     const v = bytes[r * d + j];
 *     if (v !== 0) {
 *       col[q] = j;
 *       val[q] = v * scale;
 *       q++;
 *     }
 *   }
 * }
 * rowPtr[n] = q;
 * return q;
 * ```
 *
 * 16 bytes at a time, without a branch per non-zero (a loop over the set
 * bits mispredicted at the end of every chunk: gathering 100 fresh MNIST
 * images took 107–116 µs that way, 90–104 so, a third of it copying their
 * bytes; in the iteration 94 → 78–81 µs; load 5–7 on 2 cores): one comparison
 * gives the mask of the non-zero bytes (i8x16.ne, i8x16.bitmask); an
 * all-zero chunk (most of an image's border) costs nothing more; else each
 * half's 8-bit mask picks from `table` (`packTable()`, 256 × 8 bytes in the
 * memory) the positions of its set bits, packed to the front, which
 * gather the non-zero bytes to the front too (i8x16.swizzle). Eight
 * columns and eight values are written whatever the count, and q moves on
 * by the count (i32.popcnt): up to 8 entries past the last one are
 * written, so col and val need that slack. The last d mod 16 bytes go one
 * at a time. With `t` = "f32" (`compactBytesF32`) val is f32, each value
 * rounded once from the f64 product, as a Float32Array stores it.
 */
export function compactBytes(t: Float = "f64"): Func {
  const f = new Func(
    t === "f64" ? "compactBytes" : "compactBytesF32",
    [I32, I32, I32, F64, I32, I32, I32, I32],
    [I32],
  );
  const [src, n, d, scale, rowPtr, col, val, table] = locals(f);
  const { bytes } = FLOATS[t];
  const r = f.local(I32), j = f.local(I32), q = f.local(I32);
  const mask = f.local(I32), half = f.local(I32), d16 = f.local(I32);
  const zero = f.local(V128), chunk = f.local(V128), lanes = f.local(V128);
  const s = f.local(V128), wide = f.local(V128), low = f.local(V128);
  f.v128Zero().set(zero);
  f.get(scale).f64x2Splat().set(s);
  f.get(d).get(d).i32(16).i32RemU().i32Sub().set(d16);
  // The four u32 in `wide` times scale, as `t`, stored at val[q + at].
  const values = (at: number) => {
    const at8 = () => f.get(val).get(q).i32(Math.log2(bytes)).i32Shl().i32Add();
    for (const pair of [0, 1]) {
      if (t === "f64") at8();
      f.get(wide);
      if (pair === 1) f.get(wide).i8x16Shuffle(HIGH_PAIR);
      f.f64x2ConvertLowI32x4U().get(s).f64x2Mul();
      if (t === "f64") f.v128Store(8 * (at + 2 * pair));
      else f.f32x4DemoteF64x2Zero();
      if (t === "f32" && pair === 0) f.set(low);
    }
    if (t === "f32") { // the two demoted pairs side by side
      f.set(wide);
      at8().get(low).get(wide).i8x16Shuffle(LOW_HALVES).v128Store(4 * at);
    }
  };
  // The set bits of `half` (8 bits of the chunk's mask, the chunk's bytes
  // `offset` … offset+7) appended: columns j + offset + lane, values.
  const pack = (offset: number) => {
    f.get(table).get(half).i32(3).i32Shl().i32Add().v128Load64Zero()
      .set(lanes);
    if (offset > 0) f.get(lanes).i32(offset).i8x16Splat().i8x16Add().set(lanes);
    for (const high of [false, true]) { // columns q … q+3, q+4 … q+7
      f.get(col).get(q).i32(2).i32Shl().i32Add();
      f.get(lanes).i16x8ExtendI8x16U(false).i32x4ExtendI16x8U(high);
      f.get(j).i32x4Splat().i32x4Add().v128Store(high ? 16 : 0);
    }
    f.get(chunk).get(lanes).i8x16Swizzle().i16x8ExtendI8x16U(false).set(lanes);
    for (const high of [false, true]) {
      f.get(lanes).i32x4ExtendI16x8U(high).set(wide);
      values(high ? 4 : 0);
    }
    f.get(q).get(half).i32Popcnt().i32Add().set(q);
  };
  f.i32(0).set(q);
  f.i32(0).set(r);
  whileLess(f, r, n, 1, () => {
    f.get(rowPtr).get(r).i32(4).i32Mul().i32Add().get(q).i32Store();
    f.i32(0).set(j);
    whileLess(f, j, d16, 16, () => {
      f.get(src).get(j).i32Add().v128Load().tee(chunk).get(zero).i8x16Ne()
        .i8x16Bitmask().set(mask);
      f.block(() => {
        f.get(mask).i32Eqz().brIf(0);
        f.get(mask).i32(255).i32And().set(half);
        pack(0);
        f.get(mask).i32(8).i32ShrU().set(half);
        pack(8);
      });
    });
    whileLess(f, j, d, 1, () => {
      f.block(() => {
        f.get(src).get(j).i32Add().i32Load8U().i32Eqz().brIf(0);
        f.get(col).get(q).i32(2).i32Shl().i32Add().get(j).i32Store();
        f.get(val).get(q).i32(bytes).i32Mul().i32Add();
        f.get(src).get(j).i32Add().i32Load8U().f64ConvertI32U().get(scale)
          .f64Mul();
        if (t === "f64") f.f64Store();
        else f.f32DemoteF64().f32Store(); // rounded once, as a Float32Array stores it
        f.get(q).i32(1).i32Add().set(q);
      });
    });
    f.get(src).get(d).i32Add().set(src);
  });
  f.get(rowPtr).get(n).i32(4).i32Mul().i32Add().get(q).i32Store();
  f.get(q);
  return f;
}

/**
 * `compactBytes`' table: entry m (8 bytes at 8m) holds the positions of
 * the set bits of m, lowest first, then zeros.
 */
export function packTable(): Uint8Array {
  const table = new Uint8Array(256 * 8);
  for (let m = 0; m < 256; m++) {
    let at = 8 * m;
    for (let bit = 0; bit < 8; bit++) if (m & (1 << bit)) table[at++] = bit;
  }
  return table;
}

/**
 * With `sum` false, `addRowVector(x, b, out, m, n)`: out = X + b, the row
 * b added to each of X's m rows of n (as `addRowVector` in `naive.ts`;
 * out may be x); with `sum`, `sumColumns(x, out, m, n)`: out = the sums of
 * X's columns, each adding its rows in ascending order (`sumColumns`).
 * Both of `t` (`addRowVectorF32`, `sumColumnsF32` in f32), a vector at a
 * time along the row: one addition per element, so the same numbers as
 * the TypeScript loops, bit for bit.
 */
export function rowVector(sum: boolean, t: Float = "f64"): Func {
  const { bytes, vector } = FLOATS[t];
  const name = (sum ? "sumColumns" : "addRowVector") +
    (t === "f64" ? "" : "F32");
  const f = new Func(name, i32s(sum ? 4 : 5));
  const params = locals(f);
  // out's row i = X's row i + other: b, or with `sum` out itself
  const [x, other, out] = sum ? [params[0], params[1], params[1]] : params;
  const [m, n] = params.slice(sum ? 2 : 3);
  const i = f.local(I32), p = f.local(I32), end = f.local(I32);
  const end2 = f.local(I32), row = f.local(I32), to = f.local(I32);
  f.get(n).i32(bytes).i32Mul().set(end); // bytes a row
  if (sum) {
    f.get(out).set(p);
    f.get(out).get(end).i32Add().set(row);
    zeroes(f, p, row, end2, t);
  }
  f.get(x).set(row);
  f.get(out).set(to);
  f.i32(0).set(i);
  whileLess(f, i, m, 1, () => {
    f.i32(0).set(p); // the byte along the row
    const add = (vec: boolean) => { // a vector, or one element
      const load = vec ? "v128Load" : `${t}Load` as const;
      f.get(to).get(p).i32Add();
      f.get(row).get(p).i32Add()[load]();
      f.get(other).get(p).i32Add()[load]();
      if (vec) f[`${vector}Add` as const]().v128Store();
      else f[`${t}Add` as const]()[`${t}Store` as const]();
    };
    pairs(f, p, end, end2, () => add(true), () => add(false), t);
    f.get(row).get(end).i32Add().set(row);
    if (!sum) f.get(to).get(end).i32Add().set(to);
  });
  return f;
}

/**
 * `bytesToF64(src, n, scale, dst)`: the n bytes at byte src (u8 pixels)
 * as n f64 at byte dst, each times `scale`: what `gatherBytes` in
 * `naive.ts` computes once the rows are side by side. The TypeScript
 * equivalent:
 *
 * ```ts ignore
 * for (let j = 0; j < n; j++) X[j] = bytes[j] * scale;
 * ```
 *
 * 16 bytes at a time: widened to u16, then u32, then converted two by two
 * to f64 (the same values as the scalar conversion: every u8 is exact) and
 * multiplied; the last n mod 16 one at a time.
 */
export function bytesToF64(): Func {
  const f = new Func("bytesToF64", [I32, I32, F64, I32]);
  const [src, n, scale, dst] = locals(f);
  const end = f.local(I32), end16 = f.local(I32);
  const s = f.local(V128), bytes = f.local(V128), wide = f.local(V128);
  const words = f.local(V128);
  f.get(scale).f64x2Splat().set(s);
  f.get(src).get(n).i32Add().set(end);
  f.get(end).get(n).i32(16).i32RemU().i32Sub().set(end16);
  whileLess(f, src, end16, 16, () => {
    f.get(src).v128Load().set(bytes);
    let out = 0;
    for (const high16 of [false, true]) {
      f.get(bytes).i16x8ExtendI8x16U(high16).set(wide);
      for (const high32 of [false, true]) {
        f.get(wide).i32x4ExtendI16x8U(high32).set(words);
        f.get(dst).get(words).f64x2ConvertLowI32x4U().get(s).f64x2Mul()
          .v128Store(16 * out++);
        f.get(dst).get(words).get(words).i8x16Shuffle(HIGH_PAIR)
          .f64x2ConvertLowI32x4U().get(s).f64x2Mul().v128Store(16 * out++);
      }
    }
    f.get(dst).i32(128).i32Add().set(dst);
  });
  whileLess(f, src, end, 1, () => {
    f.get(dst).get(src).i32Load8U().f64ConvertI32U().get(scale).f64Mul()
      .f64Store();
    f.get(dst).i32(8).i32Add().set(dst);
  });
  return f;
}

/**
 * `relu(x, out, mask, n)`: the `Relu` layer's forward over n f64, the book's
 * `mask = (x <= 0)` as bytes and out = x with zeros at the mask (NaN is
 * not ≤ 0 and passes, −0 becomes 0); `reluBackward(dout, mask, dx, n)`:
 * dx = dout with zeros at the mask. The TypeScript equivalents:
 *
 * ```ts ignore
 * for (let i = 0; i < n; i++) mask[i] = x[i] <= 0 ? 1 : 0, out[i] = mask[i] ? 0 : x[i];
 * for (let i = 0; i < n; i++) dx[i] = mask[i] ? 0 : dout[i];
 * ```
 *
 * Two lanes at a time: forward compares (`f64x2.le`), clears with
 * `v128.andnot` and stores the comparison's two sign bits as two bytes;
 * backward widens two mask bytes into two all-ones-or-zero lanes. No branch
 * on the data, which in TypeScript mispredicts on half the elements; an odd
 * last element by `select`. With `t` = "f32" (`reluF32`,
 * `reluBackwardF32`) four lanes at a time (`f32x4.le`, the four sign bits
 * spread into four bytes; backward four bytes widened to four lanes), the
 * last n mod 4 one at a time.
 */
export function relu(backward: boolean, t: Float = "f64"): Func {
  if (t === "f32") return relu32(backward);
  const f = new Func(backward ? "reluBackward" : "relu", i32s(4));
  // forward (x, out, mask, n): src = x, dst = out;
  // backward (dout, mask, dx, n): src = dout, dst = dx.
  const [src, mask, dst, n] = backward ? [0, 1, 2, 3] : [0, 2, 1, 3];
  const end = f.local(I32), end2 = f.local(I32), d = f.local(I32);
  const m = f.local(I32), zero = f.local(V128), v = f.local(V128);
  const lanes = f.local(V128), x = f.local(F64);
  f.v128Zero().set(zero);
  f.get(dst).set(d);
  f.get(src).get(n).i32(8).i32Mul().i32Add().set(end);
  f.get(end).get(n).i32(1).i32And().i32(8).i32Mul().i32Sub().set(end2);
  whileLess(f, src, end2, 16, () => {
    if (backward) {
      // lanes = −(mask[0], mask[1]) as i64: all ones where masked
      f.get(mask).i32Load16U().set(m);
      f.get(m).i32(1).i32And().i64ExtendI32U().i64x2Splat();
      f.get(m).i32(8).i32ShrU().i64ExtendI32U().i64x2ReplaceLane(1);
      f.i64x2Neg().set(lanes);
      f.get(d).get(src).v128Load().get(lanes).v128Andnot().v128Store();
    } else {
      f.get(src).v128Load().tee(v).get(zero).f64x2Le().set(lanes);
      f.get(d).get(v).get(lanes).v128Andnot().v128Store();
      // the two sign bits b1 b0 → bytes b0, b1
      f.get(lanes).i64x2Bitmask().set(m);
      f.get(mask).get(m).i32(1).i32And().get(m).i32(2).i32And().i32(7)
        .i32Shl().i32Or().i32Store16();
    }
    f.get(mask).i32(2).i32Add().set(mask);
    f.get(d).i32(16).i32Add().set(d);
  });
  reluTail(f, "f64", backward, [src, end, mask, d, x, m]); // the odd last one
  return f;
}

/**
 * `relu`'s last elements, one at a time from src to end: select(0, value,
 * masked), mask and d advanced (locals src, end, mask, d, x of type t, m).
 */
function reluTail(
  f: Func,
  t: Float,
  backward: boolean,
  [src, end, mask, d, x, m]: number[],
): void {
  const { bytes } = FLOATS[t];
  const zero = `${t}Zero` as const, store = `${t}Store` as const;
  whileLess(f, src, end, bytes, () => {
    f.get(src)[`${t}Load` as const]().set(x);
    if (backward) {
      f.get(d)[zero]().get(x).get(mask).i32Load8U().select()[store]();
    } else {
      f.get(x)[zero]()[`${t}Le` as const]().set(m);
      f.get(mask).get(m).i32Store8();
      f.get(d)[zero]().get(x).get(m).select()[store]();
    }
    f.get(mask).i32(1).i32Add().set(mask);
    f.get(d).i32(bytes).i32Add().set(d);
  });
}

/**
 * `axpy(alpha, x, y, n)`: y ← y + alpha·x over the n floats at byte offsets
 * x and y (BLAS's axpy; SGD's step W ← W − lr·dW is axpy(−lr, dW, W)), as
 * `axpy` in `naive.ts` computes it: the product, then the sum, each rounded
 * once in f64, no fused multiply-add, so the bits are TypeScript's. With
 * `t` = "f32" (`axpyF32`) the floats are f32, each taken to f64 and the
 * sum rounded back to f32 once, as a Float32Array stores what TypeScript
 * computed in doubles: two lanes of f64 a vector, four floats a pass.
 */
export function axpy(t: Float = "f64"): Func {
  const { bytes } = FLOATS[t];
  const f = new Func(t === "f64" ? "axpy" : "axpyF32", [F64, I32, I32, I32]);
  const [alpha, x, y, n] = locals(f);
  const end = f.local(I32), end16 = f.local(I32), a = f.local(V128);
  f.get(alpha).f64x2Splat().set(a);
  f.get(x).get(n).i32(bytes).i32Mul().i32Add().set(end);
  f.get(end).get(n).i32(16 / bytes - 1).i32And().i32(bytes).i32Mul()
    .i32Sub().set(end16);
  whileLess(f, x, end16, 16, () => {
    if (t === "f64") {
      f.get(y).get(y).v128Load().get(a).get(x).v128Load().f64x2Mul()
        .f64x2Add().v128Store();
    } else {
      for (const at of [0, 8]) { // two f32 at a time, as f64x2
        f.get(y).get(y).v128Load64Zero(at).f64x2PromoteLowF32x4();
        f.get(a).get(x).v128Load64Zero(at).f64x2PromoteLowF32x4().f64x2Mul();
        f.f64x2Add().f32x4DemoteF64x2Zero().v128Store64Lane(0, at);
      }
    }
    f.get(y).i32(16).i32Add().set(y);
  });
  whileLess(f, x, end, bytes, () => { // the last n mod 16/bytes, one by one
    f.get(y).get(y);
    if (t === "f64") f.f64Load().get(alpha).get(x).f64Load();
    else {f.f32Load().f64PromoteF32().get(alpha).get(x).f32Load()
        .f64PromoteF32();}
    f.f64Mul().f64Add();
    if (t === "f32") f.f32DemoteF64().f32Store();
    else f.f64Store();
    f.get(y).i32(bytes).i32Add().set(y);
  });
  return f;
}

/** `relu` in f32: see {@linkcode relu}. */
function relu32(backward: boolean): Func {
  const f = new Func(backward ? "reluBackwardF32" : "reluF32", i32s(4));
  const [src, mask, dst, n] = backward ? [0, 1, 2, 3] : [0, 2, 1, 3];
  const end = f.local(I32), end4 = f.local(I32), d = f.local(I32);
  const m = f.local(I32), zero = f.local(V128), v = f.local(V128);
  const lanes = f.local(V128), x = f.local(F32);
  f.v128Zero().set(zero);
  f.get(dst).set(d);
  f.get(src).get(n).i32(4).i32Mul().i32Add().set(end);
  f.get(end).get(n).i32(3).i32And().i32(4).i32Mul().i32Sub().set(end4);
  whileLess(f, src, end4, 16, () => {
    if (backward) {
      // lanes = −(mask[0 … 3]) as i32: all ones where masked
      f.get(mask).v128Load32Zero().i16x8ExtendLowI8x16U()
        .i32x4ExtendLowI16x8U().i32x4Neg().set(lanes);
      f.get(d).get(src).v128Load().get(lanes).v128Andnot().v128Store();
    } else {
      f.get(src).v128Load().tee(v).get(zero).f32x4Le().set(lanes);
      f.get(d).get(v).get(lanes).v128Andnot().v128Store();
      // the four sign bits b3 b2 b1 b0 → bytes b0, b1, b2, b3
      f.get(lanes).i32x4Bitmask().set(m);
      f.get(mask);
      f.get(m).i32(1).i32And();
      for (const bit of [1, 2, 3]) {
        f.get(m).i32(1 << bit).i32And().i32(7 * bit).i32Shl().i32Or();
      }
      f.i32Store();
    }
    f.get(mask).i32(4).i32Add().set(mask);
    f.get(d).i32(16).i32Add().set(d);
  });
  reluTail(f, "f32", backward, [src, end, mask, d, x, m]); // n mod 4 left
  return f;
}

/**
 * `maxPool(x, out, arg, n, c, h, w, ph, pw, stride, oh, ow)`: the `Pooling`
 * layer's forward without padding: for each of the n images' c planes of
 * h×w, the maximum of every ph×pw window (windows `stride` apart, oh×ow of
 * them) into `out`, and in `arg` (i32) where it was: the index into the
 * image's row of c·h·w, the first in window order on a tie. The
 * TypeScript equivalent (`layers/pooling.ts`):
 *
 * ```ts ignore
 * for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) {
 *   for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
 *     let at = ch * h * w + oy * stride * w + ox * stride, best = X[i][at];
 *     for (let fy = 0; fy < ph; fy++) for (let fx = 0; fx < pw; fx++) {
 *       const j = ch * h * w + (oy * stride + fy) * w + ox * stride + fx;
 *       const v = X[i][j]; // NaN wins over numbers, and the first NaN stays
 *       if (v > best || (v !== v && best === best)) (best = v), (at = j);
 *     }
 *     out[…] = best; arg[…] = at;
 *   }
 * }
 * ```
 *
 * with the `if` as two `select`s: no branch on the data. A NaN in a window
 * is its maximum, as NumPy's `max` has it (the first NaN, as `argmax`).
 * With `fixed` = [ph, pw] the window's
 * loops are unrolled (`maxPool2x2` for the book's 2×2 pools: ~4× fewer
 * instructions than the loops). With `t` = "f32" (`maxPoolF32`,
 * `maxPool2x2F32`) the same over f32, one window at a time.
 */
export function maxPool(
  fixed?: readonly [ph: number, pw: number],
  t: Float = "f64",
): Func {
  const { bytes, type } = FLOATS[t];
  const f = new Func(
    (fixed ? `maxPool${fixed[0]}x${fixed[1]}` : "maxPool") +
      (t === "f64" ? "" : "F32"),
    i32s(12),
  );
  const [x, out, arg, n, c, h, w, ph, pw, stride, oh, ow] = locals(f);
  const planes = f.local(I32), pl = f.local(I32), plane = f.local(I32);
  const oy = f.local(I32), ox = f.local(I32), fy = f.local(I32);
  const fx = f.local(I32), at = f.local(I32), j = f.local(I32);
  const best = f.local(type), v = f.local(type), gt = f.local(I32);
  const hw = f.local(I32), img = f.local(I32), img0 = f.local(I32);
  const pj = f.local(I32);
  // 2×2 windows with stride 2, two at once: lane 0 the window at ox, lane 1
  // at ox + 1, the four elements interleaved from two loads a row; the
  // same steps as below, lane by lane (indices as i64 lanes).
  const pairs2x2 = () => {
    const last = f.local(I32), p = f.local(I32);
    const [l0, l1, l2, l3, e01, e10, e11, vb, idx, base, gtv] = Array.from(
      { length: 11 },
      () => f.local(V128),
    );
    const LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
    const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
    f.get(stride).i32(2).i32Eq().ifThen(() => {
      f.get(ow).i32(1).i32Sub().set(last);
      whileLess(f, ox, last, 2, () => {
        // at = plane + 2oy·w + 2ox, p = its byte
        f.get(plane).get(oy).i32(1).i32Shl().get(w).i32Mul().i32Add()
          .get(ox).i32(1).i32Shl().i32Add().tee(at).i32(3).i32Shl()
          .get(img0).i32Add().set(p);
        f.get(p).v128Load().set(l0);
        f.get(p).v128Load(16).set(l1);
        f.get(p).get(w).i32(3).i32Shl().i32Add().tee(p).v128Load().set(l2);
        f.get(p).v128Load(16).set(l3);
        f.get(l0).get(l1).i8x16Shuffle(LOW).set(vb); // best: (x₀₀, x₀₀')
        f.get(l0).get(l1).i8x16Shuffle(HIGH).set(e01);
        f.get(l2).get(l3).i8x16Shuffle(LOW).set(e10);
        f.get(l2).get(l3).i8x16Shuffle(HIGH).set(e11);
        // base = (at, at + 2), idx = base
        f.get(at).i64ExtendI32U().i64x2Splat().get(at).i32(2).i32Add()
          .i64ExtendI32U().i64x2ReplaceLane(1).tee(base).set(idx);
        for (const [e, offset] of [[e01, 1], [e10, 0], [e11, 1]] as const) {
          // gt = e > best || (e is NaN && best is not)
          f.get(e).get(vb).f64x2Gt().get(e).get(e).f64x2Ne().get(vb).get(vb)
            .f64x2Eq().v128And().v128Or().set(gtv);
          f.get(e).get(vb).get(gtv).v128Bitselect().set(vb);
          // idx = gt ? base + the element's offset (1, w, w + 1) : idx
          f.get(base);
          if (e === e01) f.i32(1);
          else f.get(w).i32(offset).i32Add();
          f.i64ExtendI32U().i64x2Splat().i64x2Add().get(idx).get(gtv)
            .v128Bitselect().set(idx);
        }
        f.get(out).get(vb).v128Store();
        // the two i64 indices' low words, as two i32
        f.get(arg).get(idx).get(idx).i8x16Shuffle([
          0,
          1,
          2,
          3,
          8,
          9,
          10,
          11,
          0,
          1,
          2,
          3,
          8,
          9,
          10,
          11,
        ]).v128Store64Lane(0);
        f.get(out).i32(16).i32Add().set(out);
        f.get(arg).i32(8).i32Add().set(arg);
      });
    });
  };
  f.get(h).get(w).i32Mul().set(hw);
  f.get(n).get(c).i32Mul().set(planes);
  f.i32(0).set(pl);
  whileLess(f, pl, planes, 1, () => {
    // img = &x[pl div c][0]; plane = (pl mod c)·h·w, where this plane
    // starts in its image's row
    f.get(x).get(pl).get(c).i32DivU().get(c).i32Mul().tee(img).get(hw)
      .i32Mul().i32(bytes).i32Mul().i32Add().set(img0);
    f.get(pl).get(img).i32Sub().get(hw).i32Mul().set(plane);
    f.i32(0).set(oy);
    whileLess(f, oy, oh, 1, () => {
      f.i32(0).set(ox);
      if (fixed?.[0] === 2 && fixed[1] === 2 && t === "f64") pairs2x2();
      whileLess(f, ox, ow, 1, () => {
        // at = plane + oy·stride·w + ox·stride; best = x[image][at]
        f.get(plane).get(oy).get(stride).i32Mul().get(w).i32Mul().i32Add()
          .get(ox).get(stride).i32Mul().i32Add().set(at);
        const load = (index: number) => { // x[image][index]
          f.get(img0).get(index).i32(bytes).i32Mul().i32Add()
            [`${t}Load` as const]();
        };
        load(at);
        f.set(best);
        // One element of the window: v = x[image][j] at byte p + offset.
        // best is selected as integer bits: V8 turns a float select into
        // a branch (mispredicted on half the windows) but an integer one
        // into a conditional move.
        const step = (p: number, offset: number) => {
          // gt = v > best || (v is NaN && best is not)
          f.get(p)[`${t}Load` as const](offset).tee(v).get(best)
            [`${t}Gt` as const]().get(v).get(v)[`${t}Ne` as const]()
            .get(best).get(best)[`${t}Eq` as const]().i32And().i32Or().set(gt);
          if (t === "f64") {
            f.get(v).i64ReinterpretF64().get(best).i64ReinterpretF64().get(gt)
              .select().f64ReinterpretI64().set(best);
          } else {
            f.get(v).i32ReinterpretF32().get(best).i32ReinterpretF32().get(gt)
              .select().f32ReinterpretI32().set(best);
          }
          f.get(j).get(at).get(gt).select().set(at);
        };
        if (fixed) {
          // The window unrolled: row fy starts at element at + fy·w, byte
          // img0 + bytes·(at + fy·w); its elements are constant offsets on.
          const [fph, fpw] = fixed;
          const origin = f.local(I32), p = f.local(I32);
          f.get(at).set(origin);
          for (let dy = 0; dy < fph; dy++) {
            f.get(origin).get(w).i32(dy).i32Mul().i32Add().set(j);
            f.get(img0).get(j).i32(bytes).i32Mul().i32Add().set(p);
            for (let dx = 0; dx < fpw; dx++) {
              if (dx > 0) f.get(j).i32(1).i32Add().set(j);
              step(p, bytes * dx);
            }
          }
        } else {
          f.i32(0).set(fy);
          whileLess(f, fy, ph, 1, () => {
            f.i32(0).set(fx);
            whileLess(f, fx, pw, 1, () => {
              f.get(plane).get(oy).get(stride).i32Mul().get(fy).i32Add().get(w)
                .i32Mul().i32Add().get(ox).get(stride).i32Mul().i32Add()
                .get(fx).i32Add().set(j);
              f.get(img0).get(j).i32(bytes).i32Mul().i32Add().set(pj);
              step(pj, 0);
            });
          });
        }
        f.get(out).get(best)[`${t}Store` as const]();
        f.get(arg).get(at).i32Store();
        f.get(out).i32(bytes).i32Add().set(out);
        f.get(arg).i32(4).i32Add().set(arg);
      });
    });
  });
  return f;
}

/**
 * `maxPoolBackward(dout, arg, dx, n, outSize, inSize)`: max pooling's
 * backward (`maxPoolBackward` of `naive.ts`): each of the n rows of dx
 * (inSize f64) zeroed, then each dout (n rows of outSize) added where its
 * row of arg (i32) says its maximum was (−1: a padding zero, nowhere), in
 * the same order. The TypeScript equivalent:
 *
 * ```ts ignore
 * DX.fill(0);
 * for (let i = 0; i < n; i++) for (let o = 0; o < outSize; o++) {
 *   const at = arg[i * outSize + o];
 *   if (at >= 0) DX[i * inSize + at] += D[i * outSize + o];
 * }
 * ```
 *
 * With `t` = "f32" (`maxPoolBackwardF32`) the same over f32.
 */
export function maxPoolBackward(t: Float = "f64"): Func {
  const { bytes } = FLOATS[t], shift = Math.log2(bytes);
  const f = new Func(
    t === "f64" ? "maxPoolBackward" : "maxPoolBackwardF32",
    i32s(6),
  );
  const [dout, arg, dx, n, outSize, inSize] = locals(f);
  const p = f.local(I32), end = f.local(I32), end2 = f.local(I32);
  const i = f.local(I32), row = f.local(I32), at = f.local(I32);
  const q = f.local(I32);
  f.get(dx).set(p);
  f.get(dx).get(n).get(inSize).i32Mul().i32(shift).i32Shl().i32Add()
    .set(end);
  zeroes(f, p, end, end2, t);
  f.get(dx).set(row);
  f.i32(0).set(i);
  whileLess(f, i, n, 1, () => {
    f.get(arg).get(outSize).i32(2).i32Shl().i32Add().set(end);
    whileLess(f, arg, end, 4, () => {
      f.get(arg).i32Load().tee(at).i32(0).i32GeS().ifThen(() => {
        f.get(row).get(at).i32(shift).i32Shl().i32Add().tee(q).get(q)
          [`${t}Load` as const]().get(dout)[`${t}Load` as const]()
          [`${t}Add` as const]()[`${t}Store` as const]();
      });
      f.get(dout).i32(bytes).i32Add().set(dout);
    });
    f.get(row).get(inSize).i32(shift).i32Shl().i32Add().set(row);
  });
  return f;
}

/**
 * `${kernel.name}Chunks(counter, chunk, rows, ...args)`: `kernel` over rows
 * 0 … rows−1, `chunk` rows at a time, each chunk claimed by adding `chunk`
 * to the i32 at byte `counter` (atomically: two threads run this at once
 * on the same counter, each taking chunks until none is left, so a thread
 * slowed by another process takes fewer). `call(f, args, r0, r1)` pushes
 * `kernel`'s arguments for rows r0 … r1−1 from the wrapper's own `count`
 * further ones (`args`, locals) and calls it.
 */
export function claimingRows(
  kernel: Func,
  count: number,
  call: (f: Func, args: number[], r0: number, r1: number) => void,
): Func {
  const f = new Func(`${kernel.name}Chunks`, i32s(3 + count));
  const [counter, chunk, rows, ...args] = locals(f);
  const r0 = f.local(I32), r1 = f.local(I32);
  f.block(() =>
    f.loop(() => {
      f.get(counter).get(chunk).i32AtomicRmwAdd().tee(r0).get(rows).i32GeS()
        .brIf(1);
      f.get(r0).get(chunk).i32Add().set(r1);
      minInto(f, r1, rows);
      call(f, args, r0, r1);
      f.br(0);
    })
  );
  return f;
}

/**
 * The products of `gemm`, `gemmNT` and `lists` for `t`, and their
 * claiming wrappers (`claimingRows`): `gemmChunks(counter, chunk, m, a, b,
 * c, k, n, aRow, aStep)` (C's rows, nothing added), `gemmNTChunks(counter,
 * chunk, m, a, b, c, k, n)`, `listsChunks(counter, chunk, count, ptr,
 * index, val, b, n, c)` (the lists); "F32" after each name in f32.
 */
export function products(tiles: Tiles, fma: boolean, t: Float): Func[] {
  const bytes = FLOATS[t].bytes;
  const product = gemm(tiles, fma, t), nt = gemmNT(tiles, fma, t);
  const sparse = lists(tiles, fma, t);
  // pushes base + r0·rowBytes, rowBytes = size·bytes (or a local's value)
  const row = (f: Func, base: number, r0: number, size: number) =>
    f.get(base).get(r0).get(size).i32Mul().i32(bytes).i32Mul().i32Add();
  return [
    product,
    nt,
    sparse,
    claimingRows(product, 7, (f, [a, b, c, k, n, aRow, aStep], r0, r1) => {
      f.get(a).get(r0).get(aRow).i32Mul().i32Add().get(b);
      row(f, c, r0, n).get(r1).get(r0).i32Sub().get(k).get(n).get(aRow)
        .get(aStep).i32(0).call(product);
    }),
    claimingRows(nt, 5, (f, [a, b, c, k, n], r0, r1) => {
      row(f, a, r0, k).get(b);
      row(f, c, r0, n).get(r1).get(r0).i32Sub().get(k).get(n).call(nt);
    }),
    claimingRows(sparse, 6, (f, [ptr, index, val, b, n, c], r0, r1) => {
      f.get(ptr).get(index).get(val).get(r0).get(r1).get(b).get(n).get(c)
        .call(sparse);
    }),
  ];
}
