/**
 * The 3×3, stride-1 convolution by Winograd's minimal filtering F(m×m,
 * 3×3), m = 2 or 4 (Lavin and Gray, "Fast Algorithms for Convolutional
 * Neural Networks", 2015), generated as WebAssembly functions: each m×m
 * block of outputs ("tile") takes α² products per channel, α = m + 2,
 * instead of 9m²: 16/36 of im2col's products with m = 2, 36/144 with m =
 * 4. For a tile's α×α input patch d and a 3×3 filter g,
 *
 *   Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A,
 *
 * with F(2×2, 3×3)'s Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
 * G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1], and F(4×4,
 * 3×3)'s (the paper's) Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0;
 * 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1], G = [¼ 0 0; −⅙ −⅙ −⅙;
 * −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1], Aᵀ = [1 1 1 1 1 0;
 * 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1] (`VARIANTS`).
 *
 * Over C channels the α² elements ξ = αa + b of the transformed patches
 * are α² matrix products M_ξ (FN×tiles) = U_ξ (FN×C) · V_ξ (C×tiles), with
 * U = G g Gᵀ per filter and channel (computed by the caller,
 * `convolution.ts`). The gradient of the filters is the transpose of that:
 * dU_ξ (FN×C) = Σ over tiles of (A dY Aᵀ)_ξ · V_ξᵀ, then dW = Gᵀ dU G (the
 * caller); the input's gradient is a forward convolution of dout by the
 * filters turned 180° (channels and filters swapped, pad 2 − pad).
 *
 * The transforms work on several tiles at once, one per lane: float64 on
 * two in f64x2 (neighbouring tiles t and t+1 of a row), float32 on four
 * in f32x4 (tiles t … t+3 in order, across rows where a row ends). Their
 * patches are loaded a row at a time and interleaved (shuffles: float32's
 * four rows of four transposed), each 1D transform applied along the rows
 * and then down the columns, and the results stored a vector of tiles at
 * a time (turned back into rows for the outputs). Float32 computes and
 * rounds in f32 throughout, as float64 in f64. The numbers are the
 * convolution's to within rounding (see `tests/simd_conv_test.ts` and
 * `tests/float32_test.ts` for the bounds), not the im2col product's bits.
 *
 * Images are padded into the scratch first (`padInto`: the borders are
 * zeroed once a call, each image's rows copied in), so that every patch
 * lies in memory. A call covers images n0 … n1−1, in blocks of whole tile
 * rows (`TROWS`) whose transformed patches stay in cache.
 *
 * @module
 */

import { Func, I32, V128 } from "./wasm.ts";
import { suffix } from "./conv_codegen.ts";
import {
  addRowSums,
  chunkSums,
  type Float,
  i32s,
  locals,
  minInto,
  pairs,
  whileLess,
  zeroes,
} from "./codegen.ts";

/**
 * A Winograd convolution's plan: what each slot holds (i32; byte offsets
 * of f64 data where it names a matrix). The forward's: X, U (α²×FN×C),
 * B (0: no bias), OUT, the sizes (C, H, WIDTH in; FN, OH, OW out; PAD) and
 * TROWS, tile rows per block. The backward's (filters' gradient): X,
 * DOUT, the sizes, and the sums it adds to, DU (α²×FN×C) and DB (1×FN) of
 * each chunk of CHUNK images, DUSTEP and DBSTEP bytes apart (see `PLAN` in
 * conv_codegen.ts). IMAGES: images per block (more than 1 only with TROWS
 * = OH/m, whole images).
 */
export const WPLAN = {
  X: 0,
  U: 1,
  B: 2,
  OUT: 3,
  C: 4,
  H: 5,
  WIDTH: 6,
  FN: 7,
  PAD: 8,
  OH: 9,
  OW: 10,
  TROWS: 11,
  DOUT: 12,
  DU: 13,
  DUSTEP: 14,
  DB: 15,
  DBSTEP: 16,
  CHUNK: 17,
  IMAGES: 18,
  SIZE: 19,
} as const;

// i8x16.shuffle lanes: (a₀, b₀) and (a₁, b₁) of two f64x2 a, b.
const LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/** i8x16.shuffle lanes picking f32 lanes of two f32x4 (4 … 7: the second's). */
function f32Lanes(lanes: number[]): number[] {
  return lanes.flatMap((l) => [0, 1, 2, 3].map((b) => 4 * l + b));
}

/** The vector arithmetic the transforms run in, by lane type. */
const ARITH = {
  f64x2: { add: "f64x2Add", sub: "f64x2Sub", mul: "f64x2Mul", neg: "f64x2Neg" },
  f32x4: { add: "f32x4Add", sub: "f32x4Sub", mul: "f32x4Mul", neg: "f32x4Neg" },
} as const;

/** `Func` method names of one lane type's arithmetic. */
type Arith = (typeof ARITH)[keyof typeof ARITH];

/**
 * The transforms' arithmetic (`op`: f64x2 or f32x4) and their splatted
 * multipliers, locals by value.
 */
interface Consts {
  op: Arith;
  [c: number]: number;
}

/**
 * How the functions meet memory whose elements are of type t: f64 two a
 * vector, in f64x2; f32 four a vector, in f32x4 (the transforms round in
 * f32 as they go). Lanes hold tiles (or filters, or channels). Each
 * method takes an address on the stack (and a value to store after it).
 */
interface Elements {
  t: Float;
  /** Bytes an element, and its log2. */
  bytes: number;
  shift: number;
  /** Elements a vector, and the arithmetic on them. */
  lanes: 2 | 4;
  op: Arith;
  /** → the vector of `lanes` elements at address + offset. */
  vector(f: Func, offset?: number): void;
  /** → the element at address, in lane 0 (the others zero). */
  low(f: Func): void;
  /** → the element at address, in every lane. */
  splat(f: Func): void;
  /** vector → stored as `lanes` elements at address + offset. */
  store(f: Func, offset?: number): void;
  /** vector → its lane `lane` stored at address + offset. */
  storeLane(f: Func, lane: number, offset?: number): void;
}

/** See {@linkcode Elements}. */
function elements(t: Float): Elements {
  const f64 = t === "f64";
  return {
    t,
    bytes: f64 ? 8 : 4,
    shift: f64 ? 3 : 2,
    lanes: f64 ? 2 : 4,
    op: f64 ? ARITH.f64x2 : ARITH.f32x4,
    vector: (f, offset = 0) => f.v128Load(offset),
    low: (f) => f64 ? f.v128Load64Zero() : f.v128Load32Zero(),
    splat: (f) => f64 ? f.v128Load64Splat() : f.v128Load32Splat(),
    store: (f, offset = 0) => f.v128Store(offset),
    storeLane: (f, lane, offset = 0) =>
      f64 ? f.v128Store64Lane(lane, offset) : f.v128Store32Lane(lane, offset),
  };
}

/** x = a op b over vector locals. */
function combine(
  f: Func,
  k: Consts,
  a: number,
  op: "+" | "-",
  b: number,
  x: number,
) {
  f.get(a).get(b)[op === "+" ? k.op.add : k.op.sub]().set(x);
}

/** x = c·a (c a splatted constant). */
function scale(f: Func, k: Consts, c: number, a: number, x: number) {
  f.get(a).get(k[c])[k.op.mul]().set(x);
}

/**
 * One of Winograd's F(m×m, 3×3): its side sizes and its three 1D
 * transforms, each from and into vector locals (lanes: tiles, in the
 * arithmetic of `k.op`), with `temps` scratch locals and the splatted
 * `consts`.
 */
export interface Variant {
  /** Outputs a tile side. */
  m: 2 | 4;
  /** m + 2: a tile's input patch side, and V's and M's. */
  alpha: number;
  /** The constants the transforms multiply by. */
  consts: number[];
  /** Scratch locals the transforms take. */
  temps: number;
  /** e = Bᵀ d along one line of α. */
  input(f: Func, d: number[], e: number[], t: number[], k: Consts): void;
  /** y = Aᵀ x: α → m. */
  output(f: Func, x: number[], y: number[], t: number[], k: Consts): void;
  /** h = A y: m → α (dY's transform, for the filters' gradient). */
  grad(f: Func, y: number[], h: number[], t: number[], k: Consts): void;
  /** u = G g: a filter's line, 3 → α (U = G g Gᵀ). */
  filter(f: Func, g: number[], u: number[], t: number[], k: Consts): void;
  /** v = Gᵀ d: α → 3 (the filters' gradient, dW = Gᵀ dU G). */
  unfilter(f: Func, d: number[], v: number[], t: number[], k: Consts): void;
}

/** x = a·c + b·e (+ z) for splatted constants c, e. */
function axpby(
  f: Func,
  k: Consts,
  [a, c]: [number, number],
  [b, e]: [number, number],
  x: number,
  z?: number,
) {
  f.get(a).get(k[c])[k.op.mul]().get(b).get(k[e])[k.op.mul]()[k.op.add]();
  if (z !== undefined) f.get(z)[k.op.add]();
  f.set(x);
}

/** F(2×2, 3×3) and F(4×4, 3×3), by m. */
export const VARIANTS: Record<2 | 4, Variant> = {
  2: {
    m: 2,
    alpha: 4,
    consts: [0.5],
    temps: 1,
    input(f, [d0, d1, d2, d3], [e0, e1, e2, e3], _t, k) {
      combine(f, k, d0, "-", d2, e0);
      combine(f, k, d1, "+", d2, e1);
      combine(f, k, d2, "-", d1, e2);
      combine(f, k, d1, "-", d3, e3);
    },
    output(f, [x0, x1, x2, x3], [y0, y1], _t, k) {
      combine(f, k, x0, "+", x1, y0);
      combine(f, k, y0, "+", x2, y0);
      combine(f, k, x1, "-", x2, y1);
      combine(f, k, y1, "-", x3, y1);
    },
    grad(f, [y0, y1], [h0, h1, h2, h3], _t, k) {
      f.get(y0).set(h0);
      combine(f, k, y0, "+", y1, h1);
      combine(f, k, y0, "-", y1, h2);
      f.get(y1)[k.op.neg]().set(h3);
    },
    // (g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2)
    filter(f, [g0, g1, g2], [u0, u1, u2, u3], [s], k) {
      combine(f, k, g0, "+", g2, s);
      combine(f, k, s, "+", g1, u1);
      scale(f, k, 0.5, u1, u1);
      combine(f, k, s, "-", g1, u2);
      scale(f, k, 0.5, u2, u2);
      f.get(g0).set(u0);
      f.get(g2).set(u3);
    },
    // (d0 + (d1 + d2)/2, (d1 − d2)/2, (d1 + d2)/2 + d3)
    unfilter(f, [d0, d1, d2, d3], [v0, v1, v2], [p], k) {
      combine(f, k, d1, "+", d2, p);
      scale(f, k, 0.5, p, p);
      combine(f, k, d0, "+", p, v0);
      combine(f, k, d1, "-", d2, v1);
      scale(f, k, 0.5, v1, v1);
      combine(f, k, p, "+", d3, v2);
    },
  },
  4: {
    m: 4,
    alpha: 6,
    consts: [2, 4, 5, 8, 1 / 4, -1 / 6, 1 / 24, 1 / 6, 1 / 12],
    temps: 6,
    input(f, [d0, d1, d2, d3, d4, d5], e, [s12, s34, m12, m43, m13, m42], k) {
      combine(f, k, d1, "+", d2, s12);
      combine(f, k, d3, "+", d4, s34);
      combine(f, k, d1, "-", d2, m12);
      combine(f, k, d4, "-", d3, m43);
      combine(f, k, d1, "-", d3, m13);
      combine(f, k, d4, "-", d2, m42);
      // e0 = 4d0 − 5d2 + d4, e5 = 4d1 − 5d3 + d5
      for (const [x, a, b, c] of [[e[0], d0, d2, d4], [e[5], d1, d3, d5]]) {
        scale(f, k, 4, a, x);
        combine(f, k, x, "+", c, x);
        f.get(x).get(b).get(k[5])[k.op.mul]()[k.op.sub]().set(x);
      }
      // e1 = (d3 + d4) − 4(d1 + d2), e2 = (d4 − d3) + 4(d1 − d2)
      scale(f, k, 4, s12, e[1]);
      combine(f, k, s34, "-", e[1], e[1]);
      scale(f, k, 4, m12, e[2]);
      combine(f, k, m43, "+", e[2], e[2]);
      // e3 = (d4 − d2) − 2(d1 − d3), e4 = (d4 − d2) + 2(d1 − d3)
      scale(f, k, 2, m13, e[4]);
      combine(f, k, m42, "-", e[4], e[3]);
      combine(f, k, m42, "+", e[4], e[4]);
    },
    output(f, [x0, x1, x2, x3, x4, x5], [y0, y1, y2, y3], [a, b, c, e], k) {
      combine(f, k, x1, "+", x2, a);
      combine(f, k, x1, "-", x2, b);
      combine(f, k, x3, "+", x4, c);
      combine(f, k, x3, "-", x4, e);
      combine(f, k, x0, "+", a, y0); // x0 + (x1 + x2) + (x3 + x4)
      combine(f, k, y0, "+", c, y0);
      f.get(b).get(e).get(k[2])[k.op.mul]()[k.op.add]().set(y1); // b + 2e
      f.get(a).get(c).get(k[4])[k.op.mul]()[k.op.add]().set(y2); // a + 4c
      f.get(b).get(e).get(k[8])[k.op.mul]()[k.op.add]().get(x5)[k.op.add]()
        .set(y3); // b + 8e + x5
    },
    grad(f, [y0, y1, y2, y3], [h0, h1, h2, h3, h4, h5], [p, q, P, Q], k) {
      combine(f, k, y0, "+", y2, p);
      combine(f, k, y1, "+", y3, q);
      combine(f, k, p, "+", q, h1);
      combine(f, k, p, "-", q, h2);
      // h3, h4 = (y0 + 4y2) ± 2(y1 + 4y3)
      f.get(y0).get(y2).get(k[4])[k.op.mul]()[k.op.add]().set(P);
      f.get(y1).get(y3).get(k[4])[k.op.mul]()[k.op.add]().get(k[2])[k.op.mul]()
        .set(Q);
      combine(f, k, P, "+", Q, h3);
      combine(f, k, P, "-", Q, h4);
      f.get(y0).set(h0);
      f.get(y3).set(h5);
    },
    // (g0/4, −(g0 + g1 + g2)/6, −(g0 − g1 + g2)/6, g0/24 ± g1/12 + g2/6, g2)
    filter(f, [g0, g1, g2], [u0, u1, u2, u3, u4, u5], [s, a, b], k) {
      combine(f, k, g0, "+", g2, s);
      combine(f, k, s, "+", g1, u1);
      scale(f, k, -1 / 6, u1, u1);
      combine(f, k, s, "-", g1, u2);
      scale(f, k, -1 / 6, u2, u2);
      axpby(f, k, [g0, 1 / 24], [g2, 1 / 6], a);
      scale(f, k, 1 / 12, g1, b);
      combine(f, k, a, "+", b, u3);
      combine(f, k, a, "-", b, u4);
      scale(f, k, 1 / 4, g0, u0);
      f.get(g2).set(u5);
    },
    // Gᵀ's rows: (¼, −⅙, −⅙, 1/24, 1/24, 0), (0, −⅙, ⅙, 1/12, −1/12, 0),
    // (0, −⅙, −⅙, ⅙, ⅙, 1)
    unfilter(f, [d0, d1, d2, d3, d4, d5], [v0, v1, v2], [p, q, r, s], k) {
      combine(f, k, d1, "+", d2, p);
      combine(f, k, d3, "+", d4, q);
      combine(f, k, d1, "-", d2, r);
      combine(f, k, d3, "-", d4, s);
      axpby(f, k, [d0, 1 / 4], [p, -1 / 6], v0);
      f.get(v0).get(q).get(k[1 / 24])[k.op.mul]()[k.op.add]().set(v0);
      axpby(f, k, [r, -1 / 6], [s, 1 / 12], v1);
      axpby(f, k, [p, -1 / 6], [q, 1 / 6], v2, d5);
    },
  },
};

/**
 * A group's code, given its tiles' locals: `at` their byte offsets,
 * `tt` the first one's index in the block, `ty` and `tx` their positions.
 */
type TileGroup = (at: number[], tt: number, ty: number[], tx: number[]) => void;

/**
 * For the tiles of tile rows ty0 … ty0+nty−1 (tw to a row, m×m outputs
 * each, in an image `width` elements wide), L = `mem.lanes` at a time (a
 * vector's lanes): `group(at, tt, ty, tx)` with locals at[l] holding the
 * byte offset of lane l's tile's top-left element, tt the first one's
 * index from the call's first tile, ty and tx its tile row and column
 * (L = 2: lane 0's; L = 4: ty[l], tx[l] each lane's).
 *
 * L = 2 (float64) takes a row's tiles two by two: the second lane of a
 * row's odd last tile is its copy (at[1] = at[0]). L = 4 (float32) takes
 * the tiles in order across rows, four by four (a narrow image's rows
 * share a vector): lanes past the last tile are its copies. A copy is
 * written to its lane's column of the transformed tiles (the next row's
 * or image's first, rewritten after them, or past the block's last: up
 * to L − 1 columns); its outputs land on the copied tile's, so they must
 * be stored last lane first.
 */
function tileGroups(
  f: Func,
  mem: Elements,
  m: number,
  [ty0, nty, tw, width]: number[],
  group: TileGroup,
): void {
  if (mem.lanes === 4) {
    return tileQuads(f, mem, m, [ty0, nty, tw, width], group);
  }
  const ty = f.local(I32), end = f.local(I32), tx = f.local(I32);
  const a = f.local(I32), b = f.local(I32), tt = f.local(I32);
  f.get(ty0).get(nty).i32Add().set(end);
  f.get(ty0).set(ty);
  f.i32(0).set(tt);
  whileLess(f, ty, end, 1, () => {
    f.i32(0).set(tx);
    whileLess(f, tx, tw, 2, () => {
      // a = m·(ty·width + tx) elements; b = a + m unless tx is the row's
      // last
      f.get(ty).get(width).i32Mul().get(tx).i32Add()
        .i32(Math.log2(mem.bytes * m)).i32Shl().tee(a).i32(mem.bytes * m)
        .i32Add()
        .get(a).get(tx).i32(1).i32Add()
        .get(tw).i32LtS().select().set(b);
      group([a, b], tt, [ty], [tx]);
      // the next pair's index: two on, or the next row's first tile
      f.get(tt).i32(2).i32Add().get(tt).i32(1).i32Add().get(tx).i32(1)
        .i32Add().get(tw).i32LtS().select().set(tt);
    });
  });
}

/** {@linkcode tileGroups} four tiles a group, in order across rows. */
function tileQuads(
  f: Func,
  mem: Elements,
  m: number,
  [ty0, nty, tw, width]: number[],
  group: TileGroup,
): void {
  const tiles = f.local(I32), tt = f.local(I32), wrap = f.local(I32);
  const jump = f.local(I32);
  const lanes = [0, 1, 2, 3];
  const at = lanes.map(() => f.local(I32));
  const ty = lanes.map(() => f.local(I32)), tx = lanes.map(() => f.local(I32));
  const tileBytes = mem.bytes * m;
  // jump: from past a row's last tile to the next row's first,
  // m·(width − tw) elements
  f.get(width).get(tw).i32Sub().i32(tileBytes).i32Mul().set(jump);
  f.get(nty).get(tw).i32Mul().set(tiles);
  f.get(ty0).set(ty[0]);
  f.i32(0).set(tx[0]);
  f.get(ty0).get(width).i32Mul().i32(tileBytes).i32Mul().set(at[0]);
  // lane `to` = the tile after lane `from`'s
  const next = (from: number, to: number) => {
    f.get(tx[from]).i32(1).i32Add().tee(tx[to]).get(tw).i32Eq().set(wrap);
    f.get(at[from]).i32(tileBytes).i32Add().get(jump).i32(0).get(wrap)
      .select().i32Add().set(at[to]);
    f.get(ty[from]).get(wrap).i32Add().set(ty[to]);
    f.i32(0).get(tx[to]).get(wrap).select().set(tx[to]);
  };
  f.i32(0).set(tt);
  whileLess(f, tt, tiles, 4, () => {
    for (let l = 1; l < 4; l++) {
      next(l - 1, l);
      // past the last tile: lane l − 1's again
      for (const x of [at, ty, tx]) {
        f.get(x[l]).get(x[l - 1]).get(tt).i32(l).i32Add().get(tiles)
          .i32LtS().select().set(x[l]);
      }
    }
    group(at, tt, ty, tx);
    next(3, 0); // (past the last only when the loop ends)
  });
}

/** `count` vector locals of f. */
function vectors(f: Func, count: number): number[] {
  return Array.from({ length: count }, () => f.local(V128));
}

/**
 * The variant's constants, splatted into locals at the function's start,
 * in mem's arithmetic (f32x4: each rounded to f32).
 */
function constants(f: Func, v: Variant, mem: Elements): Consts {
  const k: Consts = { op: mem.op };
  for (const c of v.consts) {
    k[c] = f.local(V128);
    if (mem.op === ARITH.f64x2) f.f64(c).f64x2Splat().set(k[c]);
    else f.f32(c).f32x4Splat().set(k[c]);
  }
  return k;
}

/**
 * The f32x4 rows s[0 … 3] transposed: d[j] = (s₀ⱼ, s₁ⱼ, s₂ⱼ, s₃ⱼ), through
 * the scratch locals t[0 … 3].
 */
function transpose4(f: Func, s: number[], d: number[], t: number[]): void {
  const interleave = (a: number, b: number, x: number, lanes: number[]) =>
    f.get(a).get(b).i8x16Shuffle(f32Lanes(lanes)).set(x);
  interleave(s[0], s[1], t[0], [0, 4, 1, 5]); // (s₀₀, s₁₀, s₀₁, s₁₁)
  interleave(s[0], s[1], t[1], [2, 6, 3, 7]); // (s₀₂, s₁₂, s₀₃, s₁₃)
  interleave(s[2], s[3], t[2], [0, 4, 1, 5]);
  interleave(s[2], s[3], t[3], [2, 6, 3, 7]);
  interleave(t[0], t[2], d[0], [0, 1, 4, 5]);
  interleave(t[0], t[2], d[1], [2, 3, 6, 7]);
  interleave(t[1], t[3], d[2], [0, 1, 4, 5]);
  interleave(t[1], t[3], d[3], [2, 3, 6, 7]);
}

/**
 * d[j] = the j-th elements of L = `mem.lanes` tiles' rows at rows[0 …
 * L−1] (plus `offset` bytes, a local, or 0), one a lane, for j < d.length
 * (2, 4 or 6: the rows' lengths). Scratch: 2 vector locals (L = 2), 8
 * (L = 4).
 */
function loadTiles(
  f: Func,
  mem: Elements,
  rows: number[],
  offset: number | undefined,
  d: number[],
  scratch: number[],
): void {
  const address = (r: number) => {
    f.get(r);
    if (offset !== undefined) f.get(offset).i32Add();
  };
  if (mem.lanes === 2) {
    const [la, lb] = scratch;
    for (let v = 0; v < d.length / 2; v++) {
      for (const [r, l] of [[rows[0], la], [rows[1], lb]]) {
        address(r);
        mem.vector(f, 2 * mem.bytes * v);
        f.set(l);
      }
      f.get(la).get(lb).i8x16Shuffle(LOW).set(d[2 * v]);
      f.get(la).get(lb).i8x16Shuffle(HIGH).set(d[2 * v + 1]);
    }
    return;
  }
  const s = scratch.slice(0, 4), t = scratch.slice(4);
  if (d.length >= 4) { // elements 0 … 3: the four rows' first vectors
    rows.forEach((r, l) => {
      address(r);
      f.v128Load().set(s[l]);
    });
    transpose4(f, s, d, t);
  }
  if (d.length % 4 === 2) { // the last two, 8 bytes a row
    const j = d.length - 2;
    rows.forEach((r, l) => {
      address(r);
      f.v128Load64Zero(4 * j).set(s[l]);
    });
    // (r₀ⱼ, r₁ⱼ, r₀ⱼ₊₁, r₁ⱼ₊₁), (r₂ⱼ, r₃ⱼ, r₂ⱼ₊₁, r₃ⱼ₊₁)
    f.get(s[0]).get(s[1]).i8x16Shuffle(f32Lanes([0, 4, 1, 5])).set(t[0]);
    f.get(s[2]).get(s[3]).i8x16Shuffle(f32Lanes([0, 4, 1, 5])).set(t[1]);
    f.get(t[0]).get(t[1]).i8x16Shuffle(f32Lanes([0, 1, 4, 5])).set(d[j]);
    f.get(t[0]).get(t[1]).i8x16Shuffle(f32Lanes([2, 3, 6, 7]))
      .set(d[j + 1]);
  }
}

/**
 * `winogradInputM(xp, v, c, hp, wp, tw, ty0, nty, ldv)` (M = m): V = Bᵀ d
 * B for the α×α patch d of each tile of tile rows ty0 … ty0+nty−1 and
 * each channel of the padded image at xp (c planes of hp×wp; tile (ty, tx)
 * reads rows m·ty …, columns m·tx …): element ξ = αa + b of the block's
 * tile tt and channel ch at V[ξ][ch][tt] (rows ldv apart, ldv past the
 * block's last tile). With `tileMajor` (`winogradInputTM`, for the
 * filters' gradient) at V[ξ][tt][ch].
 */
export function winogradInput(
  v: Variant,
  tileMajor: boolean,
  type: Float = "f64",
): Func {
  const { m, alpha } = v, mem = elements(type);
  const f = new Func(
    `winogradInput${tileMajor ? "T" : ""}${m}${suffix(type)}`,
    i32s(9),
  );
  const [xp, vv, c, hp, wp, tw, ty0, nty, ldv] = locals(f);
  const ch = f.local(I32), dst = f.local(I32), q = f.local(I32);
  const plane = f.local(I32), row = f.local(I32), xiStep = f.local(I32);
  const cBytes = f.local(I32);
  const rs = Array.from({ length: mem.lanes }, () => f.local(I32));
  const xc = f.local(I32), vc = f.local(I32), at = f.local(I32);
  const colStep = f.local(I32);
  // tileMajor: lane l's tile's row of V l·cBytes on (L = 4: 2 and 3 locals)
  const laneBytes = [0, cBytes];
  if (mem.lanes === 4) laneBytes.push(f.local(I32), f.local(I32));
  const k = constants(f, v, mem), t = vectors(f, v.temps);
  const d = vectors(f, alpha), out = vectors(f, alpha);
  const l = vectors(f, mem.lanes === 2 ? 2 : 8); // loadTiles' scratch
  const e = vectors(f, alpha * alpha); // e[αi + b] = (d B)[i][b], each tile
  f.get(hp).get(wp).i32Mul().i32(mem.shift).i32Shl().set(plane);
  f.get(wp).i32(mem.shift).i32Shl().set(row);
  f.get(c).i32(mem.shift).i32Shl().tee(cBytes).get(ldv).i32Mul().tee(xiStep)
    .i32(alpha).i32Mul().set(colStep);
  for (let l = 2; l < mem.lanes; l++) {
    f.get(cBytes).i32(l).i32Mul().set(laneBytes[l]);
  }
  // The group of tiles at tiles[…] of the plane at xc, into V from dst on.
  const transform = (tiles: number[]) => {
    tiles.forEach((a, lane) => f.get(xc).get(a).i32Add().set(rs[lane]));
    for (let i = 0; i < alpha; i++) { // along the patch's rows
      loadTiles(f, mem, rs, i === 0 ? undefined : at, d, l);
      v.input(f, d, e.slice(alpha * i, alpha * i + alpha), t, k);
      if (i < alpha - 1) f.get(row).i32(i + 1).i32Mul().set(at);
    }
    for (let b = 0; b < alpha; b++) { // down its columns: ξ = αa + b
      const col = Array.from({ length: alpha }, (_, i) => e[alpha * i + b]);
      v.input(f, col, out, t, k);
      f.get(dst).get(xiStep).i32(b).i32Mul().i32Add().set(q);
      for (let a = 0; a < alpha; a++) {
        if (tileMajor) { // the last lane first: see tileGroups
          for (let lane = mem.lanes - 1; lane >= 0; lane--) {
            f.get(q);
            if (lane > 0) f.get(laneBytes[lane]).i32Add();
            f.get(out[a]);
            mem.storeLane(f, lane);
          }
        } else {
          f.get(q).get(out[a]);
          mem.store(f);
        }
        f.get(q).get(colStep).i32Add().set(q);
      }
    }
  };
  if (tileMajor) {
    // V[ξ][tt][ch]: tiles outer, so that the channels' stores fill cache
    // lines in turn
    tileGroups(f, mem, m, [ty0, nty, tw, wp], (tiles, tt) => {
      f.get(xp).set(xc);
      f.get(vv).get(tt).get(cBytes).i32Mul().i32Add().set(dst);
      f.i32(0).set(ch);
      whileLess(f, ch, c, 1, () => {
        transform(tiles);
        f.get(xc).get(plane).i32Add().set(xc);
        f.get(dst).i32(mem.bytes).i32Add().set(dst);
      });
    });
  } else {
    // V[ξ][ch][tt]: channels outer, so that each plane of V fills in order
    f.get(xp).set(xc);
    f.get(vv).set(vc);
    f.i32(0).set(ch);
    whileLess(f, ch, c, 1, () => {
      tileGroups(f, mem, m, [ty0, nty, tw, wp], (tiles, tt) => {
        f.get(vc).get(tt).i32(mem.shift).i32Shl().i32Add().set(dst);
        transform(tiles);
      });
      f.get(xc).get(plane).i32Add().set(xc);
      f.get(vc).get(ldv).i32(mem.shift).i32Shl().i32Add().set(vc);
    });
  }
  return f;
}

/**
 * `winogradOutputM(mm, out, fn, ldm, ty0, nty, tw, oh, ow, bias, sums)`: Y
 * = Aᵀ M A (+ bias[filter] unless bias is 0) for each tile of tile rows
 * ty0 … ty0+nty−1 and each filter, from element ξ of M at M[ξ][filter][tt]
 * (rows ldm apart), into the image's fn planes of oh×ow at out: the part
 * of the tile within them. The f64x2 at `sums` gets every Y computed added
 * to it (float32: each tile's sum of Y minus itself, 0 or NaN, so that
 * f32 sums overflow only on a tile's outputs near f32's largest): finite
 * only if they all are (the caller's finiteness check).
 */
export function winogradOutput(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, mem = elements(type), L = mem.lanes;
  const f = new Func(`winogradOutput${m}${suffix(type)}`, i32s(11));
  const [mm, out, fn, ldm, ty0, nty, tw, oh, ow, bias, sums] = locals(f);
  const sum = f.local(V128);
  const fi = f.local(I32), mf = f.local(I32), q = f.local(I32);
  const of = f.local(I32), xiStep = f.local(I32), plane = f.local(I32);
  const row = f.local(I32), bv = f.local(V128);
  // the rows and columns of each lane's tile within the output (L = 2:
  // rows lane 0's for both)
  const rows = Array.from({ length: L === 2 ? 1 : L }, () => f.local(I32));
  const cols = Array.from({ length: L }, () => f.local(I32));
  const k = constants(f, v, mem), t = vectors(f, v.temps);
  const x = vectors(f, alpha), col = vectors(f, m);
  const r = vectors(f, alpha * m); // r[m·a + j] = (M A)[a][j]
  const y = vectors(f, m * m); // y[m·i + j] = Y[i][j]
  f.get(fn).get(ldm).i32Mul().i32(mem.shift).i32Shl().set(xiStep);
  f.get(oh).get(ow).i32Mul().i32(mem.shift).i32Shl().set(plane);
  f.get(ow).i32(mem.shift).i32Shl().set(row);
  f.get(mm).set(mf);
  f.get(out).set(of);
  f.v128Zero().set(sum);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    f.v128Zero().set(bv);
    f.get(bias).ifThen(() => {
      f.get(bias).get(fi).i32(mem.shift).i32Shl().i32Add();
      mem.splat(f);
      f.set(bv);
    });
    tileGroups(f, mem, m, [ty0, nty, tw, ow], (tiles, tt, ty, tx) => {
      f.get(mf).get(tt).i32(mem.shift).i32Shl().i32Add().set(q);
      for (let aa = 0; aa < alpha; aa++) { // along M's rows
        for (const xv of x) {
          f.get(q);
          mem.vector(f);
          f.set(xv);
          f.get(q).get(xiStep).i32Add().set(q);
        }
        v.output(f, x, r.slice(m * aa, m * aa + m), t, k);
      }
      for (let j = 0; j < m; j++) { // down the columns
        v.output(
          f,
          Array.from({ length: alpha }, (_, aa) => r[m * aa + j]),
          col,
          t,
          k,
        );
        for (let i = 0; i < m; i++) f.get(col[i]).set(y[m * i + j]);
      }
      f.get(bias).ifThen(() => {
        for (const yv of y) f.get(yv).get(bv)[k.op.add]().set(yv);
      });
      // sum += the tile's Y, added as a tree: one addition on sum's chain
      const tree = (ys: number[]): void => {
        if (ys.length === 1) return void f.get(ys[0]);
        tree(ys.slice(0, ys.length >> 1));
        tree(ys.slice(ys.length >> 1));
        f[k.op.add]();
      };
      f.get(sum);
      tree(y);
      if (L === 4) { // sum += Σ Y − Σ Y: 0, or NaN where a Y is not finite
        f.tee(x[0]).get(x[0]).f32x4Sub();
      }
      f[k.op.add]().set(sum);
      // each tile's rows and columns within the output, oh − m·ty and ow
      // − m·tx (a copy's: its tile's); whole tiles stored whole
      if (L === 2) {
        f.get(oh).get(ty[0]).i32(m).i32Mul().i32Sub().set(rows[0]);
        f.get(ow).get(tx[0]).i32(m).i32Mul().i32Sub().set(cols[0]);
        f.get(cols[0]).i32(m).i32Sub().get(cols[0]).get(tx[0])
          .i32(1).i32Add().get(tw).i32LtS().select().set(cols[1]);
        f.get(rows[0]).i32(m).i32GeS().get(cols[1]).i32(m).i32GeS().i32And()
          .ifThen(() => storePair(false), () => storePair(true));
      } else {
        for (let l = 0; l < L; l++) {
          f.get(oh).get(ty[l]).i32(m).i32Mul().i32Sub().set(rows[l]);
          f.get(ow).get(tx[l]).i32(m).i32Mul().i32Sub().set(cols[l]);
        }
        for (let l = 0; l < L; l++) {
          f.get(rows[l]).i32(m).i32GeS().get(cols[l]).i32(m).i32GeS()
            .i32And();
          if (l > 0) f.i32And();
        }
        f.ifThen(() => storeQuad(false), () => storeQuad(true));
      }
      // each tile's rows, two outputs a vector, the second lane's tile
      // first (see tileGroups); past the output's edge (the last tiles of a
      // side that m does not divide) only the rows and columns within it
      function storePair(masked: boolean) {
        const [a, b] = tiles, [colsA, colsB] = cols;
        const pairs: [number[], number, number][] = [
          [HIGH, b, colsB],
          [LOW, a, colsA],
        ];
        for (const [lanes, at, cols] of pairs) {
          f.get(of).get(at).i32Add().set(q);
          for (let i = 0; i < m; i++) {
            const rowOf = () => {
              for (let j = 0; j < m; j += 2) {
                const both = () => {
                  f.get(q).get(y[m * i + j]).get(y[m * i + j + 1])
                    .i8x16Shuffle(lanes);
                  mem.store(f, mem.bytes * j);
                };
                if (!masked) {
                  both();
                  continue;
                }
                f.get(cols).i32(j + 1).i32GtS().ifThen(both, () => {
                  f.get(cols).i32(j + 1).i32Eq().ifThen(() => {
                    f.get(q).get(y[m * i + j]).get(y[m * i + j + 1])
                      .i8x16Shuffle(lanes);
                    mem.storeLane(f, 0, mem.bytes * j);
                  });
                });
              }
            };
            if (masked) f.get(rows[0]).i32(i).i32GtS().ifThen(rowOf);
            else rowOf();
            if (i < m - 1) f.get(q).get(row).i32Add().set(q);
          }
        }
      }
      // four tiles' rows a row at a time: Y's row i transposed into each
      // tile's (m = 4: a vector a tile, x[lane]; m = 2: two tiles a
      // vector, x[lane >> 1]'s half lane & 1), the last lane's stored
      // first (see tileGroups)
      function storeQuad(masked: boolean) {
        for (let i = 0; i < m; i++) {
          if (m === 4) transpose4(f, y.slice(4 * i, 4 * i + 4), x, r);
          else {
            f.get(y[2 * i]).get(y[2 * i + 1])
              .i8x16Shuffle(f32Lanes([0, 4, 1, 5])).set(x[0]);
            f.get(y[2 * i]).get(y[2 * i + 1])
              .i8x16Shuffle(f32Lanes([2, 6, 3, 7])).set(x[1]);
          }
          for (let lane = 3; lane >= 0; lane--) {
            const vec = m === 4 ? x[lane] : x[lane >> 1];
            const first = m === 4 ? 0 : 2 * (lane & 1); // its f32 lane
            const at = () => {
              f.get(of).get(tiles[lane]).i32Add();
              if (i > 0) f.get(row).i32(i).i32Mul().i32Add();
              f.get(vec);
            };
            const whole = () => {
              at();
              if (m === 4) f.v128Store();
              else f.v128Store64Lane(lane & 1);
            };
            if (!masked) {
              whole();
              continue;
            }
            f.get(rows[lane]).i32(i).i32GtS().ifThen(() => {
              f.get(cols[lane]).i32(m).i32GeS().ifThen(whole, () => {
                for (let j = 0; j < m - 1; j++) {
                  f.get(cols[lane]).i32(j).i32GtS().ifThen(() => {
                    at();
                    f.v128Store32Lane(first + j, 4 * j);
                  });
                }
              });
            });
          }
        }
      }
    });
    f.get(of).get(plane).i32Add().set(of);
    f.get(mf).get(ldm).i32(mem.shift).i32Shl().i32Add().set(mf);
  });
  f.get(sums).get(sums).v128Load().get(sum);
  if (L === 4) { // the f32x4's four lanes, as two f64x2
    f.f64x2PromoteLowF32x4().f64x2Add().get(sum).get(sum).i8x16Shuffle(HIGH)
      .f64x2PromoteLowF32x4();
  }
  f.f64x2Add().v128Store();
  return f;
}

/**
 * `winogradDoutM(dout, mm, fn, ldm, ty0, nty, tw, oh, ow)`: A dY Aᵀ for
 * the m×m block dY of each tile of tile rows ty0 … ty0+nty−1 of the
 * image's fn planes of oh×ow at dout, element ξ at M[ξ][filter][tt] (rows
 * ldm apart).
 */
export function winogradDout(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, mem = elements(type);
  const f = new Func(`winogradDout${m}${suffix(type)}`, i32s(9));
  const [dout, mm, fn, ldm, ty0, nty, tw, oh, ow] = locals(f);
  const fi = f.local(I32), mf = f.local(I32), q = f.local(I32);
  const df = f.local(I32);
  const is = Array.from({ length: mem.lanes }, () => f.local(I32));
  const xiStep = f.local(I32), plane = f.local(I32), row = f.local(I32);
  const at = f.local(I32), colStep = f.local(I32);
  const k = constants(f, v, mem), t = vectors(f, v.temps);
  const y = vectors(f, m), out = vectors(f, alpha);
  const l = vectors(f, mem.lanes === 2 ? 2 : 8); // loadTiles' scratch
  const h = vectors(f, m * alpha); // h[α·i + b] = (dY Aᵀ)[i][b]
  f.get(fn).get(ldm).i32Mul().i32(mem.shift).i32Shl().tee(xiStep).i32(alpha)
    .i32Mul().set(colStep);
  f.get(oh).get(ow).i32Mul().i32(mem.shift).i32Shl().set(plane);
  f.get(ow).i32(mem.shift).i32Shl().set(row);
  f.get(mm).set(mf);
  f.get(dout).set(df);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    tileGroups(f, mem, m, [ty0, nty, tw, ow], (tiles, tt) => {
      tiles.forEach((a, lane) => f.get(df).get(a).i32Add().set(is[lane]));
      for (let i = 0; i < m; i++) { // along dY's rows
        loadTiles(f, mem, is, i === 0 ? undefined : at, y, l);
        v.grad(f, y, h.slice(alpha * i, alpha * i + alpha), t, k);
        if (i < m - 1) f.get(row).i32(i + 1).i32Mul().set(at);
      }
      for (let b = 0; b < alpha; b++) { // down the columns: ξ = αa + b
        v.grad(
          f,
          Array.from({ length: m }, (_, i) => h[alpha * i + b]),
          out,
          t,
          k,
        );
        f.get(mf).get(tt).i32(mem.shift).i32Shl().i32Add().get(xiStep).i32(b)
          .i32Mul().i32Add().set(q);
        for (const o of out) {
          f.get(q).get(o);
          mem.store(f);
          f.get(q).get(colStep).i32Add().set(q);
        }
      }
    });
    f.get(df).get(plane).i32Add().set(df);
    f.get(mf).get(ldm).i32(mem.shift).i32Shl().i32Add().set(mf);
  });
  return f;
}

/**
 * `winogradFiltersM(w, u, outer, inner, srcOuter, srcInner, kStep, step)`
 * (M = m): U = G g Gᵀ for each of outer × inner 3×3 filters g, L of them a
 * vector (L = 2 in f64x2, 4 in f32x4): filter (o, i)'s nine elements at w
 * + o·srcOuter + i·srcInner + k·kStep (k = 0 … 8, fy·3 + fx; a kStep of −e
 * from the last element, e bytes an element, turns the filter 180°), its
 * U at element ξ = αa + b at u + ξ·step + e·(o·inner + i). Filters (f, ch)
 * of W (FN×C·9) into U[ξ][f][ch]: outer FN, inner C, srcOuter 9eC,
 * srcInner 9e, kStep e; turned into U[ξ][ch][f] (dx's filters): outer C,
 * inner FN, srcOuter 9e, srcInner 9eC, kStep −e from w + 8e.
 */
export function winogradFilters(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, mem = elements(type), L = mem.lanes;
  const f = new Func(`winogradFilters${m}${suffix(type)}`, i32s(8));
  const [w, u, outer, inner, srcOuter, srcInner, kStep, step] = locals(f);
  const o = f.local(I32), i = f.local(I32);
  const ps = Array.from({ length: L }, () => f.local(I32)); // each lane's g
  const dst = f.local(I32), last = f.local(I32);
  const k = constants(f, v, mem), t = vectors(f, v.temps);
  const g = vectors(f, 9), col = vectors(f, alpha);
  const tt = vectors(f, 3 * alpha); // tt[3a + j] = (G g)[a][j]
  f.get(u).set(dst);
  f.i32(0).set(o);
  whileLess(f, o, outer, 1, () => {
    f.i32(0).set(i);
    whileLess(f, i, inner, L, () => {
      // lane l: filter (o, i + l), or the last again past it (not stored);
      // last: whether all L are filters
      f.get(i).i32(L - 1).i32Add().get(inner).i32LtS().set(last);
      f.get(w).get(o).get(srcOuter).i32Mul().i32Add().get(i).get(srcInner)
        .i32Mul().i32Add().set(ps[0]);
      for (let l = 1; l < L; l++) {
        f.get(ps[l - 1]).get(srcInner).i32Add().get(ps[l - 1]);
        if (L === 2) f.get(last);
        else f.get(i).i32(l).i32Add().get(inner).i32LtS();
        f.select().set(ps[l]);
      }
      for (let kk = 0; kk < 9; kk++) {
        f.get(ps[0]);
        mem.low(f);
        if (L === 2) f.get(ps[1]).f64Load().f64x2ReplaceLane(1).set(g[kk]);
        else {
          f.set(g[kk]);
          for (let l = 1; l < L; l++) {
            f.get(ps[l]).get(g[kk]).v128Load32Lane(l).set(g[kk]);
          }
        }
        for (const p of ps) f.get(p).get(kStep).i32Add().set(p);
      }
      for (let j = 0; j < 3; j++) { // down g's columns: G g
        v.filter(f, [g[j], g[3 + j], g[6 + j]], col, t, k);
        for (let a = 0; a < alpha; a++) f.get(col[a]).set(tt[3 * a + j]);
      }
      for (let a = 0; a < alpha; a++) { // along the rows: (G g) Gᵀ
        v.filter(f, tt.slice(3 * a, 3 * a + 3), col, t, k);
        for (let b = 0; b < alpha; b++) {
          const at = () =>
            f.get(dst).get(step).i32(alpha * a + b).i32Mul().i32Add()
              .get(col[b]);
          f.get(last).ifThen(() => mem.store(at()), () => {
            mem.storeLane(at(), 0);
            for (let l = 1; l < L - 1; l++) { // L = 4: lanes 1, 2 if filters
              f.get(i).i32(l).i32Add().get(inner).i32LtS().ifThen(() =>
                mem.storeLane(at(), l, mem.bytes * l)
              );
            }
          });
        }
      }
      f.get(dst).i32(L * mem.bytes).i32Add().set(dst);
    });
    // the last group stepped dst (−inner) mod L elements too far
    if (L === 2) f.get(dst).get(inner).i32(1).i32And();
    else f.get(dst).i32(0).get(inner).i32Sub().i32(L - 1).i32And();
    f.i32(mem.shift).i32Shl().i32Sub().set(dst);
  });
  return f;
}

/**
 * `winogradUnfilterM(sums, dw, fn, c, parts)` (M = m): dW = Gᵀ D G for
 * each filter f and channel ch, L channels a vector (L = 2 in f64x2, 4 in
 * f32x4), D = the sum of `parts` sums in order (`sums`: α²×FN×C each, one
 * after the other), element ξ of part k at sums + e·((k·α² + ξ)·FN·C + f·C
 * + ch), e bytes an element; into dW (FN×C·9) at dw.
 */
export function winogradUnfilter(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, xis = alpha * alpha, mem = elements(type);
  const L = mem.lanes;
  const f = new Func(`winogradUnfilter${m}${suffix(type)}`, i32s(5));
  const [sums, dw, fn, c, parts] = locals(f);
  const fi = f.local(I32), ch = f.local(I32), p = f.local(I32);
  const step = f.local(I32), part = f.local(I32), to = f.local(I32);
  const last = f.local(I32), at = f.local(I32), end = f.local(I32);
  const k = constants(f, v, mem), t = vectors(f, v.temps);
  const d = vectors(f, xis), col = vectors(f, 3), x = vectors(f, alpha);
  const qq = vectors(f, 3 * alpha); // qq[α·i + b] = (Gᵀ D)[i][b]
  // L = 4: lane l's byte offset from channel ch's, e·min(l, C − 1 − ch)
  // (past the last channel its copy: no read past the sums), and a sum
  const offsets = L === 4 ? [1, 2, 3].map(() => f.local(I32)) : [];
  const term = L === 4 ? f.local(V128) : -1;
  // into = the four channels' elements at `at` (ch's): L = 4's terms of D
  const load = (into: number) => {
    f.get(last).ifThen(() => f.get(at).v128Load().set(into), () => {
      f.get(at).v128Load32Zero().set(into);
      offsets.forEach((o, l) => {
        f.get(at).get(o).i32Add().get(into).v128Load32Lane(l + 1).set(into);
      });
    });
  };
  f.get(fn).get(c).i32Mul().i32(mem.shift).i32Shl().tee(step).i32(xis).i32Mul()
    .set(part);
  f.get(sums).set(p);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    f.i32(0).set(ch);
    whileLess(f, ch, c, L, () => {
      // last: whether all L lanes are channels
      f.get(ch).i32(L - 1).i32Add().get(c).i32LtS().set(last);
      offsets.forEach((o, l) => {
        f.i32(l + 1).get(c).i32(1).i32Sub().get(ch).i32Sub().tee(o)
          .i32(l + 1).get(o).i32LtS().select().i32(mem.shift).i32Shl()
          .set(o);
      });
      for (let xi = 0; xi < xis; xi++) { // D = the parts' sum, in order
        f.get(p).get(step).i32(xi).i32Mul().i32Add();
        if (L === 2) {
          mem.vector(f.tee(at));
          f.set(d[xi]);
        } else {
          f.set(at);
          load(d[xi]);
        }
        f.get(at).get(part).get(parts).i32Mul().i32Add().set(end);
        f.get(at).get(part).i32Add().set(at);
        whileLess(f, at, end, { local: part }, () => {
          if (L === 2) {
            f.get(d[xi]).get(at);
            mem.vector(f);
          } else {
            load(term);
            f.get(d[xi]).get(term);
          }
          f[k.op.add]().set(d[xi]);
        });
      }
      for (let b = 0; b < alpha; b++) { // down D's columns: Gᵀ D
        v.unfilter(
          f,
          Array.from({ length: alpha }, (_, a) => d[alpha * a + b]),
          col,
          t,
          k,
        );
        for (let i = 0; i < 3; i++) f.get(col[i]).set(qq[alpha * i + b]);
      }
      // dW[f][ch][i][j] at dw + e·((f·C + ch)·9 + 3i + j), lane l (ch + l)
      // 9e·l bytes on
      f.get(dw).get(fi).get(c).i32Mul().get(ch).i32Add().i32(9 * mem.bytes)
        .i32Mul()
        .i32Add().set(to);
      for (let i = 0; i < 3; i++) { // along the rows: (Gᵀ D) G
        for (let b = 0; b < alpha; b++) f.get(qq[alpha * i + b]).set(x[b]);
        v.unfilter(f, x, col, t, k);
        for (let j = 0; j < 3; j++) {
          f.get(to).get(col[j]);
          mem.storeLane(f, 0, mem.bytes * (3 * i + j));
          for (let l = 1; l < L; l++) { // lane l if ch + l is a channel
            if (L === 2) f.get(last);
            else f.get(ch).i32(l).i32Add().get(c).i32LtS();
            f.ifThen(() => {
              f.get(to).get(col[j]);
              mem.storeLane(f, l, mem.bytes * (9 * l + 3 * i + j));
            });
          }
        }
      }
      f.get(p).i32(L * mem.bytes).i32Add().set(p);
    });
    // the last group stepped p (−C) mod L elements too far
    if (L === 2) f.get(p).get(c).i32(1).i32And();
    else f.get(p).i32(0).get(c).i32Sub().i32(L - 1).i32And();
    f.i32(mem.shift).i32Shl().i32Sub().set(p);
  });
  return f;
}

/**
 * `padInto(src, dst, c, h, w, pad, hp, wp)`: the rows of an image's c
 * planes of h×w at src into planes of hp×wp at dst, from (pad, pad) on,
 * two elements at a time; the rest of each plane is left as it is (zero:
 * the caller zeroes it once). hp ≥ h + 2·pad, wp ≥ w + 2·pad: more when the
 * last tiles reach past the output's edge.
 */
export function padInto(type: Float = "f64"): Func {
  const mem = elements(type);
  const f = new Func(`padInto${suffix(type)}`, i32s(8));
  const [src, dst, c, h, w, pad, hp, wp] = locals(f);
  const ch = f.local(I32), y = f.local(I32), p = f.local(I32);
  const end = f.local(I32), end2 = f.local(I32), q = f.local(I32);
  const row = f.local(I32), plane = f.local(I32), at = f.local(I32);
  f.get(wp).i32(mem.shift).i32Shl().set(row);
  f.get(hp).get(row).i32Mul().set(plane);
  // channel 0's first row: pad rows and pad columns in
  f.get(dst).get(pad).get(row).i32Mul().i32Add().get(pad).i32(mem.shift)
    .i32Shl()
    .i32Add().set(at);
  f.get(src).set(p);
  f.i32(0).set(ch);
  whileLess(f, ch, c, 1, () => {
    f.i32(0).set(y);
    whileLess(f, y, h, 1, () => {
      f.get(at).get(y).get(row).i32Mul().i32Add().set(q);
      f.get(p).get(w).i32(mem.shift).i32Shl().i32Add().set(end);
      pairs(f, p, end, end2, () => {
        f.get(q).get(p).v128Load().v128Store();
        f.get(q).i32(16).i32Add().set(q);
      }, () => {
        f.get(q).get(p)[`${type}Load`]()[`${type}Store`]();
        f.get(q).i32(mem.bytes).i32Add().set(q);
      }, type);
    });
    f.get(at).get(plane).i32Add().set(at);
  });
  return f;
}

/** A Winograd variant's exported functions and their callees. */
export interface WinogradFuncs {
  /** `winogradForwardM(plan, n0, n1, scratch)` (M = m). */
  forward: Func;
  /** `winogradBackwardM(plan, n0, n1, scratch)`. */
  backward: Func;
  /** Their callees but `product` and `padded`, for the module. */
  all: Func[];
}

/**
 * `winogradForwardM(plan, n0, n1, scratch)` (M = v.m): OUT = the
 * convolution of images n0 … n1−1 (see the module doc), and
 * `winogradBackwardM(plan, n0, n1, scratch)`: DU += Σ (A dY Aᵀ)_ξ · V_ξᵀ
 * and DB += Σ dout over them, each image into its chunk's sums; both call
 * `product` (`gemm`, strided) and `padded` (`padInto`). Tiles: ⌈OH/m⌉ ×
 * ⌈OW/m⌉, the last of a side partly past the output's edge where m does
 * not divide it (computed whole from zeros past x's padding, stored only
 * within; dY past the edge taken as 0). A block is IMAGES images' tile
 * rows ty0 … ty0+TROWS−1: their padded copies (and for the backward, when
 * tiles reach past the edge, their douts'), transformed tiles V
 * (α²·C·ldv f64) and M (α²·FN·ldv), ldv = the block's tiles + 1 rounded
 * up to even, + 2 if that is a multiple of 4 (float32: + 4, for four
 * columns of M zeroed past the last tile, rounded up to a multiple of 4,
 * + 4 if that is one of 8; `strideOf` in convolution.ts).
 * Scratch: 2 + IMAGES·(C·(m·TH + 2)·(m·TW + 2) + FN·m·TH·m·TW for the
 * backward) + α²·(C + FN)·ldv f64, TH, TW the tiles a side; the forward
 * adds its outputs to the first 2 (`winogradOutput`).
 */
export function winograd(
  product: Func,
  padded: Func,
  v: Variant,
  type: Float = "f64",
): WinogradFuncs {
  const { m, alpha } = v, xis = alpha * alpha, mem = elements(type);
  const input = winogradInput(v, false, type);
  const inputT = winogradInput(v, true, type);
  const output = winogradOutput(v, type), dY = winogradDout(v, type);
  type Locals = Record<string, number>;
  const driver = (
    name: string,
    slots: readonly (keyof typeof WPLAN)[],
    group: (f: Func, g: Locals) => void,
    block: (f: Func, g: Locals, each: (body: () => void) => void) => void,
  ): Func => {
    const f = new Func(name + suffix(type), i32s(4));
    const [plan, n0, n1, scratch] = locals(f);
    // the thread's sum of the outputs (forward) first, then the rest
    const g: Locals = { scratch, sums: f.local(I32) };
    f.get(scratch).set(g.sums);
    f.get(scratch).i32(16).i32Add().set(scratch);
    const sizes = ["X", "C", "H", "WIDTH", "FN", "PAD", "OH", "OW"] as const;
    for (const slot of [...sizes, "TROWS", "IMAGES", ...slots] as const) {
      g[slot] = f.local(I32);
      f.get(plan).i32Load(4 * WPLAN[slot]).set(g[slot]);
    }
    for (
      const l of [
        ["tw", "th", "hp", "wp", "ldv", "v", "m", "plane", "inBytes"],
        ["outBytes", "positions", "n", "end", "i", "xi", "xp", "on", "col"],
        ["ty0", "nty", "tiles", "cols", "pu", "pv", "pm", "dpad", "dplane"],
        ["partial", "dp"],
      ].flat()
    ) g[l] = f.local(I32);
    // tiles a side: ⌈OW/m⌉ and ⌈OH/m⌉ (partial when m does not divide
    // them); the padded images (m·th + 2)×(m·tw + 2), so that every tile's
    // patch lies within
    f.get(g.OW).i32(m - 1).i32Add().i32(Math.log2(m)).i32ShrU().set(g.tw);
    f.get(g.OH).i32(m - 1).i32Add().i32(Math.log2(m)).i32ShrU().set(g.th);
    f.get(g.th).i32(m).i32Mul().i32(2).i32Add().set(g.hp);
    f.get(g.tw).i32(m).i32Mul().i32(2).i32Add().set(g.wp);
    f.get(g.th).i32(m).i32Mul().get(g.OH).i32Ne().get(g.tw).i32(m).i32Mul()
      .get(g.OW).i32Ne().i32Or().set(g.partial);
    // ldv: see strideOf in convolution.ts
    const L = mem.lanes;
    f.get(g.IMAGES).get(g.TROWS).i32Mul().get(g.tw).i32Mul()
      .i32(L === 2 ? 2 : 7).i32Add()
      .i32(-L).i32And().tee(g.ldv).get(g.ldv).i32(L).i32Add().get(g.ldv)
      .i32(2 * L - 1).i32And().select().set(g.ldv);
    f.get(g.OH).get(g.OW).i32Mul().set(g.positions);
    // scratch: IMAGES padded images, for the backward IMAGES padded douts
    // (FN planes of m·th × m·tw: dY past the output's edge is 0), V
    // (α²·C·ldv), M (α²·FN·ldv)
    f.get(g.C).get(g.hp).i32Mul().get(g.wp).i32Mul().i32(mem.shift).i32Shl()
      .set(g.plane);
    f.get(g.FN).get(g.hp).i32(2).i32Sub().i32Mul().get(g.wp).i32(2).i32Sub()
      .i32Mul().i32(mem.shift).i32Shl().set(g.dplane);
    f.get(scratch).get(g.plane).get(g.IMAGES).i32Mul().i32Add().tee(g.dpad);
    if (slots.includes("DOUT")) {
      f.get(g.dplane).get(g.IMAGES).i32Mul().i32Add();
    }
    f.tee(g.v).get(g.C).get(g.ldv).i32Mul().i32(mem.bytes * xis).i32Mul()
      .i32Add()
      .set(g.m);
    f.get(g.C).get(g.H).i32Mul().get(g.WIDTH).i32Mul().i32(mem.shift).i32Shl()
      .set(g.inBytes);
    f.get(g.FN).get(g.positions).i32Mul().i32(mem.shift).i32Shl().set(
      g.outBytes,
    );
    // For images n … end−1 of the group: i, xp (its padded copy), dp (its
    // padded dout's), on (its out or dout) and col (its first tile's index
    // in the block).
    const each = (body: () => void) => {
      f.get(g.n).set(g.i);
      f.get(scratch).set(g.xp);
      f.get(g.dpad).set(g.dp);
      f.i32(0).set(g.col);
      whileLess(f, g.i, g.end, 1, () => {
        f.get(slots.includes("DOUT") ? g.DOUT : g.OUT).get(g.i)
          .get(g.outBytes).i32Mul().i32Add().set(g.on);
        body();
        f.get(g.xp).get(g.plane).i32Add().set(g.xp);
        f.get(g.dp).get(g.dplane).i32Add().set(g.dp);
        f.get(g.col).get(g.tiles).i32Add().set(g.col);
      });
    };
    // the padded images' borders: zero (padInto writes their insides)
    f.get(scratch).set(g.xp);
    zeroes(f, g.xp, g.v, g.end, type);
    f.get(n0).set(g.n);
    f.block(() =>
      f.loop(() => {
        f.get(g.n).get(n1).i32GeS().brIf(1);
        // the group: images n … end−1, end = min(n + IMAGES, n1)
        f.get(g.n).get(g.IMAGES).i32Add().set(g.end);
        minInto(f, g.end, n1);
        group(f, g);
        f.i32(0).set(g.tiles); // (each's col stays 0)
        each(() => {
          f.get(g.X).get(g.i).get(g.inBytes).i32Mul().i32Add().get(g.xp)
            .get(g.C).get(g.H).get(g.WIDTH).get(g.PAD).get(g.hp).get(g.wp)
            .call(padded);
          if (slots.includes("DOUT")) {
            f.get(g.partial).ifThen(() => {
              f.get(g.on).get(g.dp).get(g.FN).get(g.OH).get(g.OW).i32(0)
                .get(g.hp).i32(2).i32Sub().get(g.wp).i32(2).i32Sub()
                .call(padded);
            });
          }
        });
        f.i32(0).set(g.ty0);
        whileLess(f, g.ty0, g.th, { local: g.TROWS }, () => {
          f.get(g.th).get(g.ty0).i32Sub().set(g.nty);
          minInto(f, g.nty, g.TROWS);
          f.get(g.nty).get(g.tw).i32Mul().tee(g.tiles).get(g.end).get(g.n)
            .i32Sub().i32Mul().set(g.cols);
          block(f, g, each);
        });
        f.get(g.end).set(g.n).br(0);
      })
    );
    return f;
  };
  // The α² products: `args()` pushes `product`'s arguments with pu, pv
  // and pm at element ξ of U (or DU), V and M, which step by the strides
  // of FN×C, C×ldv and FN×ldv f64.
  const products = (f: Func, g: Locals, u: number, args: () => void) => {
    const uStep = f.local(I32), vStep = f.local(I32), mStep = f.local(I32);
    f.get(g.FN).get(g.C).i32Mul().i32(mem.shift).i32Shl().set(uStep);
    f.get(g.C).get(g.ldv).i32Mul().i32(mem.shift).i32Shl().set(vStep);
    f.get(g.FN).get(g.ldv).i32Mul().i32(mem.shift).i32Shl().set(mStep);
    f.get(u).set(g.pu);
    f.get(g.v).set(g.pv);
    f.get(g.m).set(g.pm);
    f.i32(0).set(g.xi);
    f.loop(() => {
      args();
      f.call(product);
      f.get(g.pu).get(uStep).i32Add().set(g.pu);
      f.get(g.pv).get(vStep).i32Add().set(g.pv);
      f.get(g.pm).get(mStep).i32Add().set(g.pm);
      f.get(g.xi).i32(1).i32Add().tee(g.xi).i32(xis).i32LtS().brIf(0);
    });
  };
  const bytes = (f: Func, local: number) =>
    f.get(local).i32(mem.shift).i32Shl();

  const forward = driver(`winogradForward${m}`, ["U", "B", "OUT"], () => {}, (
    f,
    g,
    each,
  ) => {
    each(() => {
      f.get(g.xp).get(g.v).get(g.col).i32(mem.shift).i32Shl().i32Add().get(g.C)
        .get(g.hp).get(g.wp).get(g.tw).get(g.ty0).get(g.nty).get(g.ldv)
        .call(input);
    });
    // M_ξ (FN × cols, rounded up to even: float64's last copy) = U_ξ (FN ×
    // C) · V_ξ (C × cols)
    const even = f.local(I32);
    if (mem.lanes === 2) {
      f.get(g.cols).i32(1).i32Add().i32(-2).i32And().set(even);
    } else f.get(g.cols).set(even);
    products(f, g, g.U, () => {
      f.get(g.pu).get(g.pv).get(g.pm).get(g.FN).get(g.C).get(even);
      bytes(f, g.C).i32(mem.bytes);
      bytes(f, g.ldv);
      bytes(f, g.ldv).i32(0);
    });
    if (mem.lanes === 4) {
      // float32: where the last image's last group has copies (its tiles
      // not a multiple of 4), they read M's columns cols …: zeroed (finite,
      // for the caller's check), four a row
      f.get(g.nty).get(g.tw).i32Mul().i32(3).i32And().ifThen(() => {
        const rowBytes = f.local(I32), last = f.local(I32);
        bytes(f, g.ldv).set(rowBytes);
        f.get(g.m).get(g.cols).i32(mem.shift).i32Shl().i32Add().tee(g.pm)
          .get(rowBytes).get(g.FN).i32Mul().i32(xis).i32Mul().i32Add()
          .set(last);
        whileLess(f, g.pm, last, { local: rowBytes }, () => {
          f.get(g.pm).v128Zero().v128Store();
        });
      });
    }
    each(() => {
      f.get(g.m).get(g.col).i32(mem.shift).i32Shl().i32Add().get(g.on).get(g.FN)
        .get(g.ldv).get(g.ty0).get(g.nty).get(g.tw).get(g.OH).get(g.OW)
        .get(g.B).get(g.sums).call(output);
    });
  });

  const backward = driver(`winogradBackward${m}`, [
    "DOUT",
    "DU",
    "DUSTEP",
    "DB",
    "DBSTEP",
    "CHUNK",
  ], (f, g) => {
    // a group ends with its chunk, whose sums it adds to
    f.get(g.n).get(g.CHUNK).i32DivU().i32(1).i32Add().get(g.CHUNK).i32Mul()
      .set(g.i);
    minInto(f, g.end, g.i);
    g.du = f.local(I32);
    const db = f.local(I32);
    chunkSums(f, g, [[g.DU, g.DUSTEP, g.du], [g.DB, g.DBSTEP, db]]);
    // db[filter] += Σ dout, image by image
    f.get(g.n).set(g.i);
    whileLess(f, g.i, g.end, 1, () => {
      f.get(g.DOUT).get(g.i).get(g.outBytes).i32Mul().i32Add().set(g.on);
      addRowSums(f, g.on, g.FN, g.positions, db, type);
    });
  }, (f, g, each) => {
    each(() => {
      f.get(g.xp).get(g.v).get(g.col).get(g.C).i32Mul().i32(mem.shift).i32Shl()
        .i32Add().get(g.C).get(g.hp).get(g.wp).get(g.tw).get(g.ty0)
        .get(g.nty).get(g.ldv).call(inputT);
      // dout, or its padded copy where tiles reach past its edge
      f.get(g.dp).get(g.on).get(g.partial).select();
      f.get(g.m).get(g.col).i32(mem.shift).i32Shl().i32Add().get(g.FN).get(
        g.ldv,
      )
        .get(g.ty0).get(g.nty).get(g.tw);
      f.get(g.hp).i32(2).i32Sub().get(g.OH).get(g.partial).select();
      f.get(g.wp).i32(2).i32Sub().get(g.OW).get(g.partial).select();
      f.call(dY);
    });
    // DU_ξ (FN × C) += M_ξ (FN × cols) · V_ξ (cols × C)
    products(f, g, g.du, () => {
      f.get(g.pm).get(g.pv).get(g.pu).get(g.FN).get(g.cols).get(g.C);
      bytes(f, g.ldv).i32(mem.bytes);
      bytes(f, g.C);
      bytes(f, g.C).i32(1);
    });
  });
  return {
    forward,
    backward,
    all: [
      input,
      inputT,
      output,
      dY,
      winogradFilters(v, type),
      winogradUnfilter(v, type),
    ],
  };
}
