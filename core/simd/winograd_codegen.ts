/**
 * The 3×3, stride-1 convolution by Winograd's minimal filtering F(2×2,
 * 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2015), generated as WebAssembly functions: each 2×2 block of
 * outputs ("tile") takes 16 products per channel instead of 36, so the
 * products of a DeepConvNet layer cost 16/36 of im2col's. For a tile's
 * 4×4 input patch d and a 3×3 filter g,
 *
 *   Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A,
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],
 *   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1],
 *
 * and over C channels the 16 elements ξ = 4a + b of the transformed
 * patches are 16 matrix products M_ξ (FN×tiles) = U_ξ (FN×C) · V_ξ
 * (C×tiles), with U = G g Gᵀ per filter and channel (computed by the
 * caller, `convolution.ts`). The gradient of the filters is the transpose
 * of that: dU_ξ (FN×C) = Σ over tiles of (A dY Aᵀ)_ξ · V_ξᵀ, then dW =
 * Gᵀ dU G (the caller); the input's gradient is a forward convolution of
 * dout by the filters turned 180° (channels and filters swapped, pad
 * 2 − pad).
 *
 * The transforms work on two tiles at once (one per lane): the patches of
 * tiles t and t+1 are loaded a row at a time and interleaved (shuffles),
 * and an odd last tile goes with itself. The numbers are the
 * convolution's to within rounding, bounded by
 * Σ over channels of |patch|₁·|filter|₁ (see `tests/simd_conv_test.ts`),
 * not the im2col product's bits.
 *
 * Images are padded into the scratch first (`padInto`: the borders are
 * zeroed once a call, each image's rows copied in), so that every patch
 * lies in memory. A call covers images n0 …
 * n1−1, in blocks of whole tile rows (`TROWS`) whose transformed patches
 * stay in cache.
 *
 * @module
 */

import { Func, I32, V128 } from "./wasm.ts";
import {
  addRowSums,
  i32s,
  locals,
  minInto,
  pairs,
  stepping,
  whileLess,
} from "./codegen.ts";

/**
 * A Winograd convolution's plan: what each slot holds (i32; byte offsets
 * of f64 data where it names a matrix). The forward's: X, U (16×FN×C),
 * B (0: no bias), OUT, the sizes (C, H, WIDTH in; FN, OH, OW out; PAD) and
 * TROWS, tile rows per block. The backward's (filters' gradient): X,
 * DOUT, the sizes, and the sums it adds to, DU (16×FN×C) and DB (1×FN)
 * for images 0 … HALF−1, DU2 and DB2 for the rest. IMAGES: images per
 * block (more than 1 only with TROWS = OH/2, whole images).
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
  DU2: 14,
  DB: 15,
  DB2: 16,
  HALF: 17,
  IMAGES: 18,
  SIZE: 19,
} as const;

// i8x16.shuffle lanes: (a₀, b₀) and (a₁, b₁) of two f64x2 a, b.
const LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
const HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];

/**
 * For the tiles of tile rows ty0 … ty0+nty−1 (tw to a row), two at a
 * time along each row: `pair(a, b, tt)` with locals a and b holding the
 * byte offsets of the two tiles' top-left elements in an image `width`
 * elements wide (two rows and columns per tile; b = a for the odd last
 * tile of a row), and tt the first one's index from the block's first
 * tile. The second lane of a row's odd last tile is its own copy, written
 * to the next tile's column (the next row's first, rewritten after it, or
 * one past the block's last): outputs must be stored second lane first.
 */
function tilePairs(
  f: Func,
  [ty0, nty, tw, width]: number[],
  pair: (a: number, b: number, tt: number) => void,
): void {
  const ty = f.local(I32), end = f.local(I32), tx = f.local(I32);
  const a = f.local(I32), b = f.local(I32), tt = f.local(I32);
  f.get(ty0).get(nty).i32Add().set(end);
  f.get(ty0).set(ty);
  f.i32(0).set(tt);
  whileLess(f, ty, end, 1, () => {
    f.i32(0).set(tx);
    whileLess(f, tx, tw, 2, () => {
      // a = 16·(ty·width + tx); b = a + 16 unless tx is the row's last
      f.get(ty).get(width).i32Mul().get(tx).i32Add().i32(4).i32Shl().tee(a)
        .i32(16).i32Add().get(a).get(tx).i32(1).i32Add().get(tw).i32LtS()
        .select().set(b);
      pair(a, b, tt);
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

/** x = a op b over f64x2 locals, op "+" or "−". */
function combine(f: Func, a: number, op: "+" | "-", b: number, x: number) {
  f.get(a).get(b);
  if (op === "+") f.f64x2Add();
  else f.f64x2Sub();
  f.set(x);
}

/**
 * (x, y) = the two tiles' lanes interleaved: x = (a₀, b₀), y = (a₁, b₁),
 * from row vectors a of one tile and b of the other.
 */
function interleave(f: Func, a: number, b: number, x: number, y: number) {
  f.get(a).get(b).i8x16Shuffle(LOW).set(x);
  f.get(a).get(b).i8x16Shuffle(HIGH).set(y);
}

/**
 * `winogradInput(xp, v, c, hp, wp, tw, ty0, nty, ldv)`: V = Bᵀ d B for
 * the 4×4 patch d of each tile of tile rows ty0 … ty0+nty−1 and each
 * channel of the padded image at xp (c planes of hp×wp; tile (ty, tx)
 * reads rows 2ty … 2ty+3, columns 2tx … 2tx+3): element ξ = 4a + b of
 * the block's tile tt and channel ch at V[ξ][ch][tt] (rows ldv apart, ldv
 * past the block's last tile). With `tileMajor` (`winogradInputT`, for the
 * filters' gradient) at V[ξ][tt][ch].
 */
export function winogradInput(tileMajor: boolean): Func {
  const f = new Func(tileMajor ? "winogradInputT" : "winogradInput", i32s(9));
  const [xp, v, c, hp, wp, tw, ty0, nty, ldv] = locals(f);
  const ch = f.local(I32), dst = f.local(I32), q = f.local(I32);
  const plane = f.local(I32), row = f.local(I32), xiStep = f.local(I32);
  const cBytes = f.local(I32), ra = f.local(I32), rb = f.local(I32);
  const xc = f.local(I32), vc = f.local(I32);
  const [la0, la1, lb0, lb1, d0, d1, d2, d3, out] = vectors(f, 9);
  const e = vectors(f, 16); // e[4i + b] = (d B)[i][b], both tiles
  f.get(hp).get(wp).i32Mul().i32(3).i32Shl().set(plane);
  f.get(wp).i32(3).i32Shl().set(row);
  f.get(c).i32(3).i32Shl().tee(cBytes).get(ldv).i32Mul().set(xiStep);
  // The pair at a, b of the plane at xc, into V from dst on.
  const transform = (a: number, b: number) => {
    f.get(xc).get(a).i32Add().set(ra);
    f.get(xc).get(b).i32Add().set(rb);
    for (let i = 0; i < 4; i++) {
      const at = (r: number) => f.get(r).get(row).i32(i).i32Mul().i32Add();
      at(ra).v128Load().set(la0);
      at(ra).v128Load(16).set(la1);
      at(rb).v128Load().set(lb0);
      at(rb).v128Load(16).set(lb1);
      interleave(f, la0, lb0, d0, d1);
      interleave(f, la1, lb1, d2, d3);
      // d B: (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
      combine(f, d0, "-", d2, e[4 * i]);
      combine(f, d1, "+", d2, e[4 * i + 1]);
      combine(f, d2, "-", d1, e[4 * i + 2]);
      combine(f, d1, "-", d3, e[4 * i + 3]);
    }
    f.get(dst).set(q);
    // Bᵀ (d B), element ξ = 4a + b by element, 16 planes apart
    const rows = [[0, "-", 2], [1, "+", 2], [2, "-", 1], [1, "-", 3]] as const;
    for (const [i, op, j] of rows) {
      for (let bb = 0; bb < 4; bb++) {
        combine(f, e[4 * i + bb], op, e[4 * j + bb], out);
        if (tileMajor) { // the second lane first: see tilePairs
          f.get(q).get(cBytes).i32Add().get(out).v128Store64Lane(1);
          f.get(q).get(out).v128Store64Lane(0);
        } else f.get(q).get(out).v128Store();
        f.get(q).get(xiStep).i32Add().set(q);
      }
    }
  };
  if (tileMajor) {
    // V[ξ][tt][ch]: tiles outer, so that the channels' 8-byte stores fill
    // cache lines in turn
    tilePairs(f, [ty0, nty, tw, wp], (a, b, tt) => {
      f.get(xp).set(xc);
      f.get(v).get(tt).get(cBytes).i32Mul().i32Add().set(dst);
      f.i32(0).set(ch);
      whileLess(f, ch, c, 1, () => {
        transform(a, b);
        f.get(xc).get(plane).i32Add().set(xc);
        f.get(dst).i32(8).i32Add().set(dst);
      });
    });
  } else {
    // V[ξ][ch][tt]: channels outer, so that each plane of V fills in order
    f.get(xp).set(xc);
    f.get(v).set(vc);
    f.i32(0).set(ch);
    whileLess(f, ch, c, 1, () => {
      tilePairs(f, [ty0, nty, tw, wp], (a, b, tt) => {
        f.get(vc).get(tt).i32(3).i32Shl().i32Add().set(dst);
        transform(a, b);
      });
      f.get(xc).get(plane).i32Add().set(xc);
      f.get(vc).get(ldv).i32(3).i32Shl().i32Add().set(vc);
    });
  }
  return f;
}

/**
 * `winogradOutput(m, out, fn, ldm, ty0, nty, tw, oh, ow, bias)`: Y = Aᵀ M A
 * (+ bias[filter] unless bias is 0) for each tile of tile rows ty0 …
 * ty0+nty−1 and each filter, from element ξ of M at M[ξ][filter][tt]
 * (rows ldm apart), into the image's fn planes of oh×ow at out.
 */
export function winogradOutput(): Func {
  const f = new Func("winogradOutput", i32s(10));
  const [m, out, fn, ldm, ty0, nty, tw, oh, ow, bias] = locals(f);
  const fi = f.local(I32), mf = f.local(I32), q = f.local(I32);
  const of = f.local(I32), xiStep = f.local(I32), plane = f.local(I32);
  const row = f.local(I32);
  const mv = vectors(f, 16);
  const [r0, r1, r2, r3, s0, s1, s2, s3] = vectors(f, 8);
  const [y00, y01, y10, y11, bv] = vectors(f, 5);
  f.get(fn).get(ldm).i32Mul().i32(3).i32Shl().set(xiStep);
  f.get(oh).get(ow).i32Mul().i32(3).i32Shl().set(plane);
  f.get(ow).i32(3).i32Shl().set(row);
  f.get(m).set(mf);
  f.get(out).set(of);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    f.v128Zero().set(bv);
    f.get(bias).ifThen(() => {
      f.get(bias).get(fi).i32(3).i32Shl().i32Add().v128Load64Splat().set(bv);
    });
    tilePairs(f, [ty0, nty, tw, ow], (a, b, tt) => {
      f.get(mf).get(tt).i32(3).i32Shl().i32Add().set(q);
      for (const x of mv) {
        f.get(q).v128Load().set(x);
        f.get(q).get(xiStep).i32Add().set(q);
      }
      // along each row a of M: r = M[a][0] + M[a][1] + M[a][2],
      // s = M[a][1] − M[a][2] − M[a][3]
      [[r0, s0], [r1, s1], [r2, s2], [r3, s3]].forEach(([r, s], a) => {
        combine(f, mv[4 * a], "+", mv[4 * a + 1], r);
        combine(f, r, "+", mv[4 * a + 2], r);
        combine(f, mv[4 * a + 1], "-", mv[4 * a + 2], s);
        combine(f, s, "-", mv[4 * a + 3], s);
      });
      // down the columns, then the bias (0 without one: y + 0 = y)
      for (const [y, x0, x1, x2] of [[y00, r0, r1, r2], [y01, s0, s1, s2]]) {
        combine(f, x0, "+", x1, y);
        combine(f, y, "+", x2, y);
      }
      for (const [y, x1, x2, x3] of [[y10, r1, r2, r3], [y11, s1, s2, s3]]) {
        combine(f, x1, "-", x2, y);
        combine(f, y, "-", x3, y);
      }
      f.get(bias).ifThen(() => {
        for (const y of [y00, y01, y10, y11]) combine(f, y, "+", bv, y);
      });
      // each tile's rows (Y00, Y01) and (Y10, Y11), the second lane's
      // tile first (see tilePairs)
      for (const [lanes, at] of [[HIGH, b], [LOW, a]] as const) {
        f.get(of).get(at).i32Add().tee(q).get(y00).get(y01)
          .i8x16Shuffle(lanes).v128Store();
        f.get(q).get(row).i32Add().get(y10).get(y11).i8x16Shuffle(lanes)
          .v128Store();
      }
    });
    f.get(of).get(plane).i32Add().set(of);
    f.get(mf).get(ldm).i32(3).i32Shl().i32Add().set(mf);
  });
  return f;
}

/**
 * `winogradDout(dout, m, fn, ldm, ty0, nty, tw, oh, ow)`: A dY Aᵀ for the
 * 2×2 block dY of each tile of tile rows ty0 … ty0+nty−1 of the image's
 * fn planes of oh×ow at dout, element ξ at M[ξ][filter][tt] (rows ldm
 * apart): with dY = [p q; r s] and h(u, v) = (u, u + v, u − v, −v), the
 * rows h(p, q), h(p, q) + h(r, s), h(p, q) − h(r, s), −h(r, s).
 */
export function winogradDout(): Func {
  const f = new Func("winogradDout", i32s(9));
  const [dout, m, fn, ldm, ty0, nty, tw, oh, ow] = locals(f);
  const fi = f.local(I32), mf = f.local(I32), q = f.local(I32);
  const df = f.local(I32), ia = f.local(I32), ib = f.local(I32);
  const xiStep = f.local(I32), plane = f.local(I32), row = f.local(I32);
  const [la0, la1, lb0, lb1, p, qq, r, s, out] = vectors(f, 9);
  const h0 = vectors(f, 4), h1 = vectors(f, 4);
  f.get(fn).get(ldm).i32Mul().i32(3).i32Shl().set(xiStep);
  f.get(oh).get(ow).i32Mul().i32(3).i32Shl().set(plane);
  f.get(ow).i32(3).i32Shl().set(row);
  const h = (u: number, w: number, into: number[]) => {
    f.get(u).set(into[0]);
    combine(f, u, "+", w, into[1]);
    combine(f, u, "-", w, into[2]);
    f.get(w).f64x2Neg().set(into[3]);
  };
  const store = () => {
    f.get(q).get(out).v128Store();
    f.get(q).get(xiStep).i32Add().set(q);
  };
  f.get(m).set(mf);
  f.get(dout).set(df);
  f.i32(0).set(fi);
  whileLess(f, fi, fn, 1, () => {
    tilePairs(f, [ty0, nty, tw, ow], (a, b, tt) => {
      f.get(df).get(a).i32Add().set(ia);
      f.get(df).get(b).i32Add().set(ib);
      f.get(ia).v128Load().set(la0);
      f.get(ia).get(row).i32Add().v128Load().set(la1);
      f.get(ib).v128Load().set(lb0);
      f.get(ib).get(row).i32Add().v128Load().set(lb1);
      interleave(f, la0, lb0, p, qq);
      interleave(f, la1, lb1, r, s);
      h(p, qq, h0);
      h(r, s, h1);
      f.get(mf).get(tt).i32(3).i32Shl().i32Add().set(q);
      for (let bb = 0; bb < 4; bb++) (f.get(h0[bb]).set(out), store());
      for (let bb = 0; bb < 4; bb++) {
        combine(f, h0[bb], "+", h1[bb], out);
        store();
      }
      for (let bb = 0; bb < 4; bb++) {
        combine(f, h0[bb], "-", h1[bb], out);
        store();
      }
      for (let bb = 0; bb < 4; bb++) {
        (f.get(h1[bb]).f64x2Neg().set(out), store());
      }
    });
    f.get(df).get(plane).i32Add().set(df);
    f.get(mf).get(ldm).i32(3).i32Shl().i32Add().set(mf);
  });
  return f;
}

/**
 * `padInto(src, dst, c, h, w, pad)`: the rows of an image's c planes of
 * h×w at src into the padded planes at dst ((h + 2·pad)×(w + 2·pad)) from
 * (pad, pad) on, two elements at a time; the borders are left as they are
 * (zero: the caller zeroes them once).
 */
export function padInto(): Func {
  const f = new Func("padInto", i32s(6));
  const [src, dst, c, h, w, pad] = locals(f);
  const rows = f.local(I32), r = f.local(I32), p = f.local(I32);
  const end = f.local(I32), end2 = f.local(I32), q = f.local(I32);
  const wp = f.local(I32), skip = f.local(I32);
  f.get(w).get(pad).i32(1).i32Shl().i32Add().tee(wp);
  // each plane's first row: pad rows and pad columns in
  f.get(pad).i32Mul().get(pad).i32Add().i32(3).i32Shl().get(dst).i32Add()
    .set(q);
  // from a row's end to the next row's start: 2·pad columns, and between
  // planes 2·pad rows more
  f.get(pad).i32(4).i32Shl().set(skip);
  f.get(c).get(h).i32Mul().set(rows);
  f.get(src).set(p);
  f.i32(0).set(r);
  whileLess(f, r, rows, 1, () => {
    f.get(p).get(w).i32(3).i32Shl().i32Add().set(end);
    pairs(f, p, end, end2, () => {
      f.get(q).get(p).v128Load().v128Store();
      f.get(q).i32(16).i32Add().set(q);
    }, () => {
      f.get(q).get(p).f64Load().f64Store();
      f.get(q).i32(8).i32Add().set(q);
    });
    f.get(q).get(skip).i32Add().set(q);
    // past a plane's last row: the next plane's first
    f.get(r).i32(1).i32Add().get(h).i32RemU().i32Eqz().ifThen(() => {
      f.get(q).get(wp).get(skip).i32Mul().i32Add().set(q); // 2·pad rows
    });
  });
  return f;
}

/** The Winograd convolution's exported functions and their callees. */
export interface WinogradFuncs {
  /** `winogradForward(plan, n0, n1, scratch)`. */
  forward: Func;
  /** `winogradBackward(plan, n0, n1, scratch)`. */
  backward: Func;
  /** All of them but `product`, for the module. */
  all: Func[];
}

/**
 * `winogradForward(plan, n0, n1, scratch)`: OUT = the convolution of
 * images n0 … n1−1 (see the module doc), and `winogradBackward(plan, n0,
 * n1, scratch)`: DU += Σ (A dY Aᵀ)_ξ · V_ξᵀ and DB += Σ dout over them,
 * each image into its half's sums; both call `product` (`gemm`, strided).
 * A block is IMAGES images' tile rows ty0 … ty0+TROWS−1: their padded
 * copies, transformed tiles V (16·C·ldv f64) and M (16·FN·ldv), ldv = the
 * block's tiles + 1 rounded up to even, + 2 if that is a multiple of 4
 * (`strideOf` in convolution.ts). Scratch: IMAGES·C·(OH+2)·(OW+2) +
 * 16·(C + FN)·ldv f64.
 */
export function winograd(product: Func): WinogradFuncs {
  const padded = padInto();
  const input = winogradInput(false), inputT = winogradInput(true);
  const output = winogradOutput(), dY = winogradDout();
  type Locals = Record<string, number>;
  const driver = (
    name: string,
    slots: readonly (keyof typeof WPLAN)[],
    group: (f: Func, g: Locals) => void,
    block: (f: Func, g: Locals, each: (body: () => void) => void) => void,
  ): Func => {
    const f = new Func(name, i32s(4));
    const [plan, n0, n1, scratch] = locals(f);
    const g: Locals = { scratch };
    const sizes = ["X", "C", "H", "WIDTH", "FN", "PAD", "OH", "OW"] as const;
    for (const slot of [...sizes, "TROWS", "IMAGES", ...slots] as const) {
      g[slot] = f.local(I32);
      f.get(plan).i32Load(4 * WPLAN[slot]).set(g[slot]);
    }
    for (
      const l of [
        ["tw", "th", "hp", "wp", "ldv", "v", "m", "plane", "inBytes"],
        ["outBytes", "positions", "n", "end", "i", "xi", "xp", "on", "col"],
        ["ty0", "nty", "tiles", "cols", "pu", "pv", "pm"],
      ].flat()
    ) g[l] = f.local(I32);
    f.get(g.OW).i32(1).i32ShrU().set(g.tw);
    f.get(g.OH).i32(1).i32ShrU().set(g.th);
    f.get(g.OH).i32(2).i32Add().set(g.hp);
    f.get(g.OW).i32(2).i32Add().set(g.wp);
    // ldv: see strideOf in convolution.ts
    f.get(g.IMAGES).get(g.TROWS).i32Mul().get(g.tw).i32Mul().i32(2).i32Add()
      .i32(-2).i32And().tee(g.ldv).get(g.ldv).i32(2).i32Add().get(g.ldv)
      .i32(3).i32And().select().set(g.ldv);
    f.get(g.OH).get(g.OW).i32Mul().set(g.positions);
    // scratch: IMAGES padded images, V (16·C·ldv), M (16·FN·ldv)
    f.get(g.C).get(g.hp).i32Mul().get(g.wp).i32Mul().i32(3).i32Shl()
      .set(g.plane);
    f.get(scratch).get(g.plane).get(g.IMAGES).i32Mul().i32Add().tee(g.v)
      .get(g.C).get(g.ldv).i32Mul().i32(7).i32Shl().i32Add().set(g.m);
    f.get(g.C).get(g.H).i32Mul().get(g.WIDTH).i32Mul().i32(3).i32Shl()
      .set(g.inBytes);
    f.get(g.FN).get(g.positions).i32Mul().i32(3).i32Shl().set(g.outBytes);
    // For images n … end−1 of the group: i, xp (its padded copy), on (its
    // out or dout) and col (its first tile's index in the block).
    const each = (body: () => void) => {
      f.get(g.n).set(g.i);
      f.get(scratch).set(g.xp);
      f.i32(0).set(g.col);
      whileLess(f, g.i, g.end, 1, () => {
        f.get(slots.includes("DOUT") ? g.DOUT : g.OUT).get(g.i)
          .get(g.outBytes).i32Mul().i32Add().set(g.on);
        body();
        f.get(g.xp).get(g.plane).i32Add().set(g.xp);
        f.get(g.col).get(g.tiles).i32Add().set(g.col);
      });
    };
    // the padded images' borders: zero (padInto writes their insides)
    f.get(scratch).set(g.xp);
    f.get(g.v).set(g.end);
    whileLess(f, g.xp, g.end, 8, () => f.get(g.xp).f64Zero().f64Store());
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
            .get(g.C).get(g.H).get(g.WIDTH).get(g.PAD).call(padded);
        });
        f.i32(0).set(g.ty0);
        stepping(f, g.ty0, g.th, g.TROWS, () => {
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
  // The 16 products: `args()` pushes `product`'s arguments with pu, pv
  // and pm at element ξ of U (or DU), V and M, which step by the strides
  // of FN×C, C×ldv and FN×ldv f64.
  const sixteen = (f: Func, g: Locals, u: number, args: () => void) => {
    const uStep = f.local(I32), vStep = f.local(I32), mStep = f.local(I32);
    f.get(g.FN).get(g.C).i32Mul().i32(3).i32Shl().set(uStep);
    f.get(g.C).get(g.ldv).i32Mul().i32(3).i32Shl().set(vStep);
    f.get(g.FN).get(g.ldv).i32Mul().i32(3).i32Shl().set(mStep);
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
      f.get(g.xi).i32(1).i32Add().tee(g.xi).i32(16).i32LtS().brIf(0);
    });
  };
  const bytes = (f: Func, local: number) => f.get(local).i32(3).i32Shl();

  const forward = driver("winogradForward", ["U", "B", "OUT"], () => {}, (
    f,
    g,
    each,
  ) => {
    each(() => {
      f.get(g.xp).get(g.v).get(g.col).i32(3).i32Shl().i32Add().get(g.C)
        .get(g.hp).get(g.wp).get(g.tw).get(g.ty0).get(g.nty).get(g.ldv)
        .call(input);
    });
    // M_ξ (FN × cols, rounded up to even) = U_ξ (FN × C) · V_ξ (C × cols)
    const even = f.local(I32);
    f.get(g.cols).i32(1).i32Add().i32(-2).i32And().set(even);
    sixteen(f, g, g.U, () => {
      f.get(g.pu).get(g.pv).get(g.pm).get(g.FN).get(g.C).get(even);
      bytes(f, g.C).i32(8);
      bytes(f, g.ldv);
      bytes(f, g.ldv).i32(0);
    });
    each(() => {
      f.get(g.m).get(g.col).i32(3).i32Shl().i32Add().get(g.on).get(g.FN)
        .get(g.ldv).get(g.ty0).get(g.nty).get(g.tw).get(g.OH).get(g.OW)
        .get(g.B).call(output);
    });
  });

  const backward = driver("winogradBackward", [
    "DOUT",
    "DU",
    "DU2",
    "DB",
    "DB2",
    "HALF",
  ], (f, g) => {
    // a group below HALF ends there; its sums are its half's
    f.get(g.n).get(g.HALF).i32LtS().ifThen(() => minInto(f, g.end, g.HALF));
    g.du = f.local(I32);
    const db = f.local(I32);
    for (
      const [first, second, into] of [[g.DU, g.DU2, g.du], [g.DB, g.DB2, db]]
    ) {
      f.get(first).get(second).get(g.n).get(g.HALF).i32LtS().select().set(into);
    }
    // db[filter] += Σ dout, image by image
    f.get(g.n).set(g.i);
    whileLess(f, g.i, g.end, 1, () => {
      f.get(g.DOUT).get(g.i).get(g.outBytes).i32Mul().i32Add().set(g.on);
      addRowSums(f, g.on, g.FN, g.positions, db);
    });
  }, (f, g, each) => {
    each(() => {
      f.get(g.xp).get(g.v).get(g.col).get(g.C).i32Mul().i32(3).i32Shl()
        .i32Add().get(g.C).get(g.hp).get(g.wp).get(g.tw).get(g.ty0)
        .get(g.nty).get(g.ldv).call(inputT);
      f.get(g.on).get(g.m).get(g.col).i32(3).i32Shl().i32Add().get(g.FN)
        .get(g.ldv).get(g.ty0).get(g.nty).get(g.tw).get(g.OH).get(g.OW)
        .call(dY);
    });
    // DU_ξ (FN × C) += M_ξ (FN × cols) · V_ξ (cols × C)
    sixteen(f, g, g.du, () => {
      f.get(g.pm).get(g.pv).get(g.pu).get(g.FN).get(g.cols).get(g.C);
      bytes(f, g.ldv).i32(8);
      bytes(f, g.C);
      bytes(f, g.C).i32(1);
    });
  });
  return { forward, backward, all: [padded, input, inputT, output, dY] };
}
