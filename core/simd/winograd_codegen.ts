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
 * The transforms work on two tiles at once (one per lane): the patches of
 * neighbouring tiles t and t+1 are loaded a row at a time and interleaved
 * (shuffles), each 1D transform applied along the rows and then down the
 * columns. The numbers are the convolution's to within rounding (see
 * `tests/simd_conv_test.ts` for the bound), not the im2col product's bits.
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

/** Splatted constants by value (the transforms' multipliers). */
type Consts = Record<number, number>;

/**
 * How the functions meet memory whose elements are of type t: the
 * transforms compute in f64x2 (two tiles a vector) either way; f32
 * elements are promoted (exactly) as they are loaded and rounded as they
 * are stored. Each method takes an address on the stack (and a value to
 * store after it).
 */
interface Elements {
  t: Float;
  /** Bytes an element, and its log2. */
  bytes: number;
  shift: number;
  /** → the f64x2 of the two elements at address + offset. */
  pair(f: Func, offset?: number): void;
  /** → the element at address, as an f64x2's lane 0 (lane 1 zero). */
  low(f: Func): void;
  /** → the element at address, as an f64. */
  one(f: Func): void;
  /** → the element at address, as an f64x2's two lanes. */
  splat(f: Func): void;
  /** f64x2 → stored as two elements at address + offset. */
  storePair(f: Func, offset?: number): void;
  /** f64x2 → its lane `lane` stored at address + offset. */
  storeLane(f: Func, lane: number, offset?: number): void;
}

/** See {@linkcode Elements}. */
function elements(t: Float): Elements {
  const f64 = t === "f64", bytes = f64 ? 8 : 4;
  return {
    t,
    bytes,
    shift: Math.log2(bytes),
    pair: (f, offset = 0) =>
      f64
        ? f.v128Load(offset)
        : f.v128Load64Zero(offset).f64x2PromoteLowF32x4(),
    low: (f) =>
      f64 ? f.v128Load64Zero() : f.v128Load32Zero().f64x2PromoteLowF32x4(),
    one: (f) => f64 ? f.f64Load() : f.f32Load().f64PromoteF32(),
    splat: (f) =>
      f64 ? f.v128Load64Splat() : f.f32Load().f64PromoteF32().f64x2Splat(),
    storePair: (f, offset = 0) =>
      f64
        ? f.v128Store(offset)
        : f.f32x4DemoteF64x2Zero().v128Store64Lane(0, offset),
    storeLane: (f, lane, offset = 0) =>
      f64
        ? f.v128Store64Lane(lane, offset)
        : f.f32x4DemoteF64x2Zero().v128Store32Lane(lane, offset),
  };
}

/** x = a op b over f64x2 locals. */
function combine(f: Func, a: number, op: "+" | "-", b: number, x: number) {
  f.get(a).get(b);
  if (op === "+") f.f64x2Add();
  else f.f64x2Sub();
  f.set(x);
}

/** x = c·a (c a splatted constant). */
function scale(f: Func, k: Consts, c: number, a: number, x: number) {
  f.get(a).get(k[c]).f64x2Mul().set(x);
}

/**
 * One of Winograd's F(m×m, 3×3): its side sizes and its three 1D
 * transforms, each from and into f64x2 locals (lanes: two tiles), with
 * `temps` scratch locals and the splatted `consts`.
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
  f.get(a).get(k[c]).f64x2Mul().get(b).get(k[e]).f64x2Mul().f64x2Add();
  if (z !== undefined) f.get(z).f64x2Add();
  f.set(x);
}

/** F(2×2, 3×3) and F(4×4, 3×3), by m. */
export const VARIANTS: Record<2 | 4, Variant> = {
  2: {
    m: 2,
    alpha: 4,
    consts: [0.5],
    temps: 1,
    input(f, [d0, d1, d2, d3], [e0, e1, e2, e3]) {
      combine(f, d0, "-", d2, e0);
      combine(f, d1, "+", d2, e1);
      combine(f, d2, "-", d1, e2);
      combine(f, d1, "-", d3, e3);
    },
    output(f, [x0, x1, x2, x3], [y0, y1]) {
      combine(f, x0, "+", x1, y0);
      combine(f, y0, "+", x2, y0);
      combine(f, x1, "-", x2, y1);
      combine(f, y1, "-", x3, y1);
    },
    grad(f, [y0, y1], [h0, h1, h2, h3]) {
      f.get(y0).set(h0);
      combine(f, y0, "+", y1, h1);
      combine(f, y0, "-", y1, h2);
      f.get(y1).f64x2Neg().set(h3);
    },
    // (g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2)
    filter(f, [g0, g1, g2], [u0, u1, u2, u3], [s], k) {
      combine(f, g0, "+", g2, s);
      combine(f, s, "+", g1, u1);
      scale(f, k, 0.5, u1, u1);
      combine(f, s, "-", g1, u2);
      scale(f, k, 0.5, u2, u2);
      f.get(g0).set(u0);
      f.get(g2).set(u3);
    },
    // (d0 + (d1 + d2)/2, (d1 − d2)/2, (d1 + d2)/2 + d3)
    unfilter(f, [d0, d1, d2, d3], [v0, v1, v2], [p], k) {
      combine(f, d1, "+", d2, p);
      scale(f, k, 0.5, p, p);
      combine(f, d0, "+", p, v0);
      combine(f, d1, "-", d2, v1);
      scale(f, k, 0.5, v1, v1);
      combine(f, p, "+", d3, v2);
    },
  },
  4: {
    m: 4,
    alpha: 6,
    consts: [2, 4, 5, 8, 1 / 4, -1 / 6, 1 / 24, 1 / 6, 1 / 12],
    temps: 6,
    input(f, [d0, d1, d2, d3, d4, d5], e, [s12, s34, m12, m43, m13, m42], k) {
      combine(f, d1, "+", d2, s12);
      combine(f, d3, "+", d4, s34);
      combine(f, d1, "-", d2, m12);
      combine(f, d4, "-", d3, m43);
      combine(f, d1, "-", d3, m13);
      combine(f, d4, "-", d2, m42);
      // e0 = 4d0 − 5d2 + d4, e5 = 4d1 − 5d3 + d5
      for (const [x, a, b, c] of [[e[0], d0, d2, d4], [e[5], d1, d3, d5]]) {
        scale(f, k, 4, a, x);
        combine(f, x, "+", c, x);
        f.get(x).get(b).get(k[5]).f64x2Mul().f64x2Sub().set(x);
      }
      // e1 = (d3 + d4) − 4(d1 + d2), e2 = (d4 − d3) + 4(d1 − d2)
      scale(f, k, 4, s12, e[1]);
      combine(f, s34, "-", e[1], e[1]);
      scale(f, k, 4, m12, e[2]);
      combine(f, m43, "+", e[2], e[2]);
      // e3 = (d4 − d2) − 2(d1 − d3), e4 = (d4 − d2) + 2(d1 − d3)
      scale(f, k, 2, m13, e[4]);
      combine(f, m42, "-", e[4], e[3]);
      combine(f, m42, "+", e[4], e[4]);
    },
    output(f, [x0, x1, x2, x3, x4, x5], [y0, y1, y2, y3], [a, b, c, e], k) {
      combine(f, x1, "+", x2, a);
      combine(f, x1, "-", x2, b);
      combine(f, x3, "+", x4, c);
      combine(f, x3, "-", x4, e);
      combine(f, x0, "+", a, y0); // x0 + (x1 + x2) + (x3 + x4)
      combine(f, y0, "+", c, y0);
      f.get(b).get(e).get(k[2]).f64x2Mul().f64x2Add().set(y1); // b + 2e
      f.get(a).get(c).get(k[4]).f64x2Mul().f64x2Add().set(y2); // a + 4c
      f.get(b).get(e).get(k[8]).f64x2Mul().f64x2Add().get(x5).f64x2Add()
        .set(y3); // b + 8e + x5
    },
    grad(f, [y0, y1, y2, y3], [h0, h1, h2, h3, h4, h5], [p, q, P, Q], k) {
      combine(f, y0, "+", y2, p);
      combine(f, y1, "+", y3, q);
      combine(f, p, "+", q, h1);
      combine(f, p, "-", q, h2);
      // h3, h4 = (y0 + 4y2) ± 2(y1 + 4y3)
      f.get(y0).get(y2).get(k[4]).f64x2Mul().f64x2Add().set(P);
      f.get(y1).get(y3).get(k[4]).f64x2Mul().f64x2Add().get(k[2]).f64x2Mul()
        .set(Q);
      combine(f, P, "+", Q, h3);
      combine(f, P, "-", Q, h4);
      f.get(y0).set(h0);
      f.get(y3).set(h5);
    },
    // (g0/4, −(g0 + g1 + g2)/6, −(g0 − g1 + g2)/6, g0/24 ± g1/12 + g2/6, g2)
    filter(f, [g0, g1, g2], [u0, u1, u2, u3, u4, u5], [s, a, b], k) {
      combine(f, g0, "+", g2, s);
      combine(f, s, "+", g1, u1);
      scale(f, k, -1 / 6, u1, u1);
      combine(f, s, "-", g1, u2);
      scale(f, k, -1 / 6, u2, u2);
      axpby(f, k, [g0, 1 / 24], [g2, 1 / 6], a);
      scale(f, k, 1 / 12, g1, b);
      combine(f, a, "+", b, u3);
      combine(f, a, "-", b, u4);
      scale(f, k, 1 / 4, g0, u0);
      f.get(g2).set(u5);
    },
    // Gᵀ's rows: (¼, −⅙, −⅙, 1/24, 1/24, 0), (0, −⅙, ⅙, 1/12, −1/12, 0),
    // (0, −⅙, −⅙, ⅙, ⅙, 1)
    unfilter(f, [d0, d1, d2, d3, d4, d5], [v0, v1, v2], [p, q, r, s], k) {
      combine(f, d1, "+", d2, p);
      combine(f, d3, "+", d4, q);
      combine(f, d1, "-", d2, r);
      combine(f, d3, "-", d4, s);
      axpby(f, k, [d0, 1 / 4], [p, -1 / 6], v0);
      f.get(v0).get(q).get(k[1 / 24]).f64x2Mul().f64x2Add().set(v0);
      axpby(f, k, [r, -1 / 6], [s, 1 / 12], v1);
      axpby(f, k, [p, -1 / 6], [q, 1 / 6], v2, d5);
    },
  },
};

/**
 * For the tiles of tile rows ty0 … ty0+nty−1 (tw to a row, m×m outputs
 * each), two at a time along each row: `pair(a, b, tt)` with locals a and
 * b holding the byte offsets of the two tiles' top-left elements in an
 * image `width` elements wide (b = a for the odd last tile of a row), and
 * tt the first one's index from the block's first tile (and the first
 * one's ty, tx). The second lane of a row's odd last tile is its own copy,
 * written to the next tile's column (the next row's first, rewritten
 * after it, or one past the block's last): outputs must be stored second
 * lane first.
 */
function tilePairs(
  f: Func,
  mem: Elements,
  m: number,
  [ty0, nty, tw, width]: number[],
  pair: (a: number, b: number, tt: number, ty: number, tx: number) => void,
): void {
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
      pair(a, b, tt, ty, tx);
      // the next pair's index: two on, or the next row's first tile
      f.get(tt).i32(2).i32Add().get(tt).i32(1).i32Add().get(tx).i32(1)
        .i32Add().get(tw).i32LtS().select().set(tt);
    });
  });
}

/** `count` f64x2 locals of f. */
function vectors(f: Func, count: number): number[] {
  return Array.from({ length: count }, () => f.local(V128));
}

/** The variant's constants, splatted into locals at the function's start. */
function constants(f: Func, v: Variant): Consts {
  const k: Consts = {};
  for (const c of v.consts) {
    k[c] = f.local(V128);
    f.f64(c).f64x2Splat().set(k[c]);
  }
  return k;
}

/**
 * d[0 …] = `count` elements (even) of two tiles' rows at ra and rb (plus
 * `offset` bytes, a local, or 0), interleaved lane by lane: d[j] = (a's
 * j-th, b's j-th).
 */
function loadPair(
  f: Func,
  mem: Elements,
  [ra, rb]: number[],
  offset: number | undefined,
  d: number[],
  scratch: number[],
): void {
  const [la, lb] = scratch;
  for (let v = 0; v < d.length / 2; v++) {
    for (const [r, l] of [[ra, la], [rb, lb]]) {
      f.get(r);
      if (offset !== undefined) f.get(offset).i32Add();
      mem.pair(f, 2 * mem.bytes * v);
      f.set(l);
    }
    f.get(la).get(lb).i8x16Shuffle(LOW).set(d[2 * v]);
    f.get(la).get(lb).i8x16Shuffle(HIGH).set(d[2 * v + 1]);
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
  const cBytes = f.local(I32), ra = f.local(I32), rb = f.local(I32);
  const xc = f.local(I32), vc = f.local(I32), at = f.local(I32);
  const colStep = f.local(I32);
  const k = constants(f, v), t = vectors(f, v.temps);
  const d = vectors(f, alpha), out = vectors(f, alpha), l = vectors(f, 2);
  const e = vectors(f, alpha * alpha); // e[αi + b] = (d B)[i][b], both tiles
  f.get(hp).get(wp).i32Mul().i32(mem.shift).i32Shl().set(plane);
  f.get(wp).i32(mem.shift).i32Shl().set(row);
  f.get(c).i32(mem.shift).i32Shl().tee(cBytes).get(ldv).i32Mul().tee(xiStep)
    .i32(alpha).i32Mul().set(colStep);
  // The pair at a, b of the plane at xc, into V from dst on.
  const transform = (a: number, b: number) => {
    f.get(xc).get(a).i32Add().set(ra);
    f.get(xc).get(b).i32Add().set(rb);
    for (let i = 0; i < alpha; i++) { // along the patch's rows
      loadPair(f, mem, [ra, rb], i === 0 ? undefined : at, d, l);
      v.input(f, d, e.slice(alpha * i, alpha * i + alpha), t, k);
      if (i < alpha - 1) f.get(row).i32(i + 1).i32Mul().set(at);
    }
    for (let b = 0; b < alpha; b++) { // down its columns: ξ = αa + b
      const col = Array.from({ length: alpha }, (_, i) => e[alpha * i + b]);
      v.input(f, col, out, t, k);
      f.get(dst).get(xiStep).i32(b).i32Mul().i32Add().set(q);
      for (let a = 0; a < alpha; a++) {
        if (tileMajor) { // the second lane first: see tilePairs
          f.get(q).get(cBytes).i32Add().get(out[a]);
          mem.storeLane(f, 1);
          f.get(q).get(out[a]);
          mem.storeLane(f, 0);
        } else {
          f.get(q).get(out[a]);
          mem.storePair(f);
        }
        f.get(q).get(colStep).i32Add().set(q);
      }
    }
  };
  if (tileMajor) {
    // V[ξ][tt][ch]: tiles outer, so that the channels' 8-byte stores fill
    // cache lines in turn
    tilePairs(f, mem, m, [ty0, nty, tw, wp], (a, b, tt) => {
      f.get(xp).set(xc);
      f.get(vv).get(tt).get(cBytes).i32Mul().i32Add().set(dst);
      f.i32(0).set(ch);
      whileLess(f, ch, c, 1, () => {
        transform(a, b);
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
      tilePairs(f, mem, m, [ty0, nty, tw, wp], (a, b, tt) => {
        f.get(vc).get(tt).i32(mem.shift).i32Shl().i32Add().set(dst);
        transform(a, b);
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
 * to it: finite only if they all are (the caller's finiteness check).
 */
export function winogradOutput(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, mem = elements(type);
  const f = new Func(`winogradOutput${m}${suffix(type)}`, i32s(11));
  const [mm, out, fn, ldm, ty0, nty, tw, oh, ow, bias, sums] = locals(f);
  const sum = f.local(V128);
  const fi = f.local(I32), mf = f.local(I32), q = f.local(I32);
  const of = f.local(I32), xiStep = f.local(I32), plane = f.local(I32);
  const row = f.local(I32), bv = f.local(V128), rows = f.local(I32);
  const colsA = f.local(I32), colsB = f.local(I32);
  const k = constants(f, v), t = vectors(f, v.temps);
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
    tilePairs(f, mem, m, [ty0, nty, tw, ow], (a, b, tt, ty, tx) => {
      f.get(mf).get(tt).i32(mem.shift).i32Shl().i32Add().set(q);
      for (let aa = 0; aa < alpha; aa++) { // along M's rows
        for (const xv of x) {
          f.get(q);
          mem.pair(f);
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
        for (const yv of y) f.get(yv).get(bv).f64x2Add().set(yv);
      });
      if (type === "f32") { // Y as stored, so that sum overflows where it does
        for (const yv of y) {
          f.get(yv).f32x4DemoteF64x2Zero().f64x2PromoteLowF32x4().set(yv);
        }
      }
      // sum += the tile's Y, added as a tree: one addition on sum's chain
      const tree = (ys: number[]): void => {
        if (ys.length === 1) return void f.get(ys[0]);
        tree(ys.slice(0, ys.length >> 1));
        tree(ys.slice(ys.length >> 1));
        f.f64x2Add();
      };
      f.get(sum);
      tree(y);
      f.f64x2Add().set(sum);
      // each tile's rows, two outputs a vector, the second lane's tile
      // first (see tilePairs); past the output's edge (the last tiles of a
      // side that m does not divide) only the rows and columns within it
      f.get(oh).get(ty).i32(m).i32Mul().i32Sub().set(rows);
      f.get(ow).get(tx).i32(m).i32Mul().i32Sub().set(colsA);
      f.get(colsA).i32(m).i32Sub().get(colsA).get(tx).i32(1).i32Add()
        .get(tw).i32LtS().select().set(colsB); // a copy's: a's
      const store = (masked: boolean) => {
        const tiles: [number[], number, number][] = [
          [HIGH, b, colsB],
          [LOW, a, colsA],
        ];
        for (const [lanes, at, cols] of tiles) {
          f.get(of).get(at).i32Add().set(q);
          for (let i = 0; i < m; i++) {
            const rowOf = () => {
              for (let j = 0; j < m; j += 2) {
                const both = () => {
                  f.get(q).get(y[m * i + j]).get(y[m * i + j + 1])
                    .i8x16Shuffle(lanes);
                  mem.storePair(f, mem.bytes * j);
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
            if (masked) f.get(rows).i32(i).i32GtS().ifThen(rowOf);
            else rowOf();
            if (i < m - 1) f.get(q).get(row).i32Add().set(q);
          }
        }
      };
      f.get(rows).i32(m).i32GeS().get(colsB).i32(m).i32GeS().i32And()
        .ifThen(() => store(false), () => store(true));
    });
    f.get(of).get(plane).i32Add().set(of);
    f.get(mf).get(ldm).i32(mem.shift).i32Shl().i32Add().set(mf);
  });
  f.get(sums).get(sums).v128Load().get(sum).f64x2Add().v128Store();
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
  const df = f.local(I32), ia = f.local(I32), ib = f.local(I32);
  const xiStep = f.local(I32), plane = f.local(I32), row = f.local(I32);
  const at = f.local(I32), colStep = f.local(I32);
  const k = constants(f, v), t = vectors(f, v.temps);
  const y = vectors(f, m), out = vectors(f, alpha), l = vectors(f, 2);
  const h = vectors(f, m * alpha); // h[α·i + b] = (dY Aᵀ)[i][b]
  f.get(fn).get(ldm).i32Mul().i32(mem.shift).i32Shl().tee(xiStep).i32(alpha)
    .i32Mul().set(colStep);
  f.get(oh).get(ow).i32Mul().i32(mem.shift).i32Shl().set(plane);
  f.get(ow).i32(mem.shift).i32Shl().set(row);
  f.get(mm).set(mf);
  f.get(dout).set(df);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    tilePairs(f, mem, m, [ty0, nty, tw, ow], (a, b, tt) => {
      f.get(df).get(a).i32Add().set(ia);
      f.get(df).get(b).i32Add().set(ib);
      for (let i = 0; i < m; i++) { // along dY's rows
        loadPair(f, mem, [ia, ib], i === 0 ? undefined : at, y, l);
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
          mem.storePair(f);
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
 * (M = m): U = G g Gᵀ for each of outer × inner 3×3 filters g, pairs of
 * them a vector: filter (o, i)'s nine f64 at w + o·srcOuter + i·srcInner
 * + k·kStep (k = 0 … 8, fy·3 + fx; a kStep of −8 from the last element
 * turns the filter 180°), its U at element ξ = αa + b at u + ξ·step +
 * 8·(o·inner + i). Filters (f, ch) of W (FN×C·9) into U[ξ][f][ch]: outer
 * FN, inner C, srcOuter 72C, srcInner 72, kStep 8; turned into
 * U[ξ][ch][f] (dx's filters): outer C, inner FN, srcOuter 72, srcInner
 * 72C, kStep −8 from w + 64.
 */
export function winogradFilters(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, mem = elements(type);
  const f = new Func(`winogradFilters${m}${suffix(type)}`, i32s(8));
  const [w, u, outer, inner, srcOuter, srcInner, kStep, step] = locals(f);
  const o = f.local(I32), i = f.local(I32), p = f.local(I32);
  const q = f.local(I32), dst = f.local(I32), last = f.local(I32);
  const k = constants(f, v), t = vectors(f, v.temps);
  const g = vectors(f, 9), col = vectors(f, alpha);
  const tt = vectors(f, 3 * alpha); // tt[3a + j] = (G g)[a][j]
  f.get(u).set(dst);
  f.i32(0).set(o);
  whileLess(f, o, outer, 1, () => {
    f.i32(0).set(i);
    whileLess(f, i, inner, 2, () => {
      // lane 0: filter (o, i); lane 1: (o, i + 1), or (o, i) again past
      // the last (stored lane 0 only)
      f.get(i).i32(1).i32Add().get(inner).i32LtS().set(last);
      f.get(w).get(o).get(srcOuter).i32Mul().i32Add().get(i).get(srcInner)
        .i32Mul().i32Add().set(p);
      f.get(p).get(srcInner).i32Add().get(p).get(last).select().set(q);
      for (let kk = 0; kk < 9; kk++) {
        f.get(p);
        mem.low(f);
        f.get(q);
        mem.one(f);
        f.f64x2ReplaceLane(1).set(g[kk]);
        f.get(p).get(kStep).i32Add().set(p);
        f.get(q).get(kStep).i32Add().set(q);
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
          f.get(last).ifThen(() => mem.storePair(at()), () => {
            mem.storeLane(at(), 0);
          });
        }
      }
      f.get(dst).i32(2 * mem.bytes).i32Add().set(dst);
    });
    // an odd inner count stepped dst one element too far
    f.get(dst).get(inner).i32(1).i32And().i32(mem.shift).i32Shl().i32Sub().set(
      dst,
    );
  });
  return f;
}

/**
 * `winogradUnfilterM(sums, dw, fn, c, parts)` (M = m): dW = Gᵀ D G for
 * each filter f and channel ch, two channels a vector, D = the sum of
 * `parts` sums in order (`sums`: α²×FN×C each, one after the other),
 * element ξ of part k at sums + 8·((k·α² + ξ)·FN·C + f·C + ch); into dW
 * (FN×C·9) at dw.
 */
export function winogradUnfilter(v: Variant, type: Float = "f64"): Func {
  const { m, alpha } = v, xis = alpha * alpha, mem = elements(type);
  const f = new Func(`winogradUnfilter${m}${suffix(type)}`, i32s(5));
  const [sums, dw, fn, c, parts] = locals(f);
  const fi = f.local(I32), ch = f.local(I32), p = f.local(I32);
  const step = f.local(I32), part = f.local(I32), to = f.local(I32);
  const last = f.local(I32), at = f.local(I32), end = f.local(I32);
  const k = constants(f, v), t = vectors(f, v.temps);
  const d = vectors(f, xis), col = vectors(f, 3), x = vectors(f, alpha);
  const qq = vectors(f, 3 * alpha); // qq[α·i + b] = (Gᵀ D)[i][b]
  f.get(fn).get(c).i32Mul().i32(mem.shift).i32Shl().tee(step).i32(xis).i32Mul()
    .set(part);
  f.get(sums).set(p);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    f.i32(0).set(ch);
    whileLess(f, ch, c, 2, () => {
      f.get(ch).i32(1).i32Add().get(c).i32LtS().set(last);
      for (let xi = 0; xi < xis; xi++) { // D = the parts' sum, in order
        f.get(p).get(step).i32(xi).i32Mul().i32Add().tee(at);
        mem.pair(f);
        f.set(d[xi]);
        f.get(at).get(part).get(parts).i32Mul().i32Add().set(end);
        f.get(at).get(part).i32Add().set(at);
        whileLess(f, at, end, { local: part }, () => {
          f.get(d[xi]).get(at);
          mem.pair(f);
          f.f64x2Add().set(d[xi]);
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
      // dW[f][ch][i][j] at dw + 8·((f·C + ch)·9 + 3i + j), lane 1 (ch + 1)
      // 72 bytes on
      f.get(dw).get(fi).get(c).i32Mul().get(ch).i32Add().i32(9 * mem.bytes)
        .i32Mul()
        .i32Add().set(to);
      for (let i = 0; i < 3; i++) { // along the rows: (Gᵀ D) G
        for (let b = 0; b < alpha; b++) f.get(qq[alpha * i + b]).set(x[b]);
        v.unfilter(f, x, col, t, k);
        for (let j = 0; j < 3; j++) {
          f.get(to).get(col[j]);
          mem.storeLane(f, 0, mem.bytes * (3 * i + j));
          f.get(last).ifThen(() => {
            f.get(to).get(col[j]);
            mem.storeLane(f, 1, mem.bytes * (9 + 3 * i + j));
          });
        }
      }
      f.get(p).i32(2 * mem.bytes).i32Add().set(p);
    });
    f.get(p).get(c).i32(1).i32And().i32(mem.shift).i32Shl().i32Sub().set(p);
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
 * up to even, + 2 if that is a multiple of 4 (`strideOf` in
 * convolution.ts). Scratch: 2 + IMAGES·(C·(m·TH + 2)·(m·TW + 2) +
 * FN·m·TH·m·TW for the backward) + α²·(C + FN)·ldv f64, TH, TW the tiles a
 * side; the forward adds its outputs to the first 2 (`winogradOutput`).
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
    f.get(g.IMAGES).get(g.TROWS).i32Mul().get(g.tw).i32Mul().i32(2).i32Add()
      .i32(-2).i32And().tee(g.ldv).get(g.ldv).i32(2).i32Add().get(g.ldv)
      .i32(3).i32And().select().set(g.ldv);
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
    // M_ξ (FN × cols, rounded up to even) = U_ξ (FN × C) · V_ξ (C × cols)
    const even = f.local(I32);
    f.get(g.cols).i32(1).i32Add().i32(-2).i32And().set(even);
    products(f, g, g.U, () => {
      f.get(g.pu).get(g.pv).get(g.pm).get(g.FN).get(g.C).get(even);
      bytes(f, g.C).i32(mem.bytes);
      bytes(f, g.ldv);
      bytes(f, g.ldv).i32(0);
    });
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
