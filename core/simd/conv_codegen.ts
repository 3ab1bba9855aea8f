/**
 * The SIMD convolution, generated as WebAssembly functions: im2col and
 * blocked products (`gemm` of `codegen.ts`, strided) image by image and
 * block of output rows by block, so that a block's columns stay in cache
 * instead of filling (N·OH·OW)×(C·FH·FW) in memory, and each output lands
 * in the layout the layer wants (FN×OH×OW) without a rearranging pass. A
 * call covers images n0 … n1−1; `claiming` runs it chunk by chunk of the
 * batch, as many chunks as each thread takes (`convolution.ts`).
 *
 * Layouts, per image and block of `rows` output rows (pb = rows·OW
 * positions): the columns are the transpose of the book's, colT
 * (C·FH·FW)×pb, one row per filter element with the positions along it
 * (with stride 1 a filter element's values along an output row are a run
 * of an image row, copied two at a time), and the products are
 * - forward: out (FN×OH·OW) = W (FN×K) · colT, then + b per filter;
 * - backward: dWᵀ (K×FN) += colT · doutᵀ (dout's block transposed to
 *   pb×FN), db += Σ dout per filter, and for dx, dcolT (K×pb) = Wᵀ · dout,
 *   added back into dx by col2im.
 * Without fused multiply-add the forward equals the naive im2col product to
 * the bit (the same terms in the same order); the backward sums in another
 * order (image by image, each chunk of the batch apart, then added).
 *
 * A call reads its sizes and operands from a plan, i32 slots in the
 * kernels' memory ({@linkcode PLAN}), and works in its thread's scratch.
 *
 * @module
 */

import { Func, I32, V128 } from "./wasm.ts";
import { padInto, VARIANTS, winograd } from "./winograd_codegen.ts";
import {
  addRowSums,
  chunkSums,
  claimingRows,
  type Float,
  FLOATS,
  gemm,
  i32s,
  locals,
  minInto,
  pairs,
  type Tiles,
  whileLess,
  zeroes,
} from "./codegen.ts";

/**
 * A convolution's plan: what each slot holds (i32; byte offsets of f64
 * data where it names a matrix). DX 0: dx is not computed. The batch's
 * images go in chunks of CHUNK: the gradients of chunk k's images are
 * added to their own sums, at DWT + k·DWTSTEP and DB + k·DBSTEP (bytes),
 * in the images' order whichever thread takes the chunk; the caller
 * zeroes them first and adds them up in order once the threads are done,
 * so that one thread and two give the same sums.
 */
export const PLAN = {
  X: 0, // N×(C·H·W)
  W: 1, // FN×K, K = C·FH·FW
  B: 2, // 1×FN
  OUT: 3, // N×(FN·OH·OW)
  C: 4,
  H: 5,
  WIDTH: 6,
  FN: 7,
  FH: 8,
  FW: 9,
  STRIDE: 10,
  PAD: 11,
  OH: 12,
  OW: 13,
  ROWS: 14, // output rows per block
  DOUT: 15, // N×(FN·OH·OW)
  DX: 16, // N×(C·H·W), or 0
  DWT: 17, // K×FN a chunk
  DWTSTEP: 18,
  DB: 19, // 1×FN a chunk
  DBSTEP: 20,
  CHUNK: 21,
  SIZE: 22,
} as const;

type Slot = keyof typeof PLAN;

/** The plan's slots every call reads: the image and window geometry. */
const GEOMETRY = [
  "C",
  "H",
  "WIDTH",
  "FN",
  "FH",
  "FW",
  "STRIDE",
  "PAD",
  "OH",
  "OW",
  "ROWS",
  "X",
  "W",
] as const;

/** A driver's locals by name: plan slots, then sizes and positions. */
type Locals = Record<string, number>;

/**
 * `im2colRows(img, col, c, h, w, fh, fw, stride, pad, ow, oy0, rows)`: the
 * columns of output rows oy0 … oy0+rows−1 of one image (C×H×W at img) as
 * colT (C·FH·FW)×(rows·OW) at col: filter element (ch, fy, fx) at position
 * (oy, ox) is the image's (ch, oy·stride + fy − pad, ox·stride + fx −
 * pad), 0 over the padding. With `adjoint` (`col2imRows`, same arguments)
 * the reverse: each entry of col added to the image element it came from
 * (entries over the padding dropped), as `col2im` does.
 *
 * Per filter element and output row, the positions whose element lies in
 * the image are one run ox = lo … hi−1, lo = ⌈(pad − fx)/stride⌉ and hi =
 * ⌊(w − 1 + pad − fx)/stride⌋ + 1 clamped to 0 … ow: with stride 1 a run
 * of an image row, moved two at a time.
 */
export function im2colRows(adjoint: boolean, t: Float = "f64"): Func {
  const { bytes, vector } = FLOATS[t], shift = Math.log2(bytes);
  const f = new Func(
    `${adjoint ? "col2imRows" : "im2colRows"}${suffix(t)}`,
    i32s(12),
  );
  const [img, col, c, h, w, fh, fw, stride, pad, ow, oy0, rows] = locals(f);
  const ch = f.local(I32), fy = f.local(I32), fx = f.local(I32);
  const r = f.local(I32), y = f.local(I32), lo = f.local(I32);
  const hi = f.local(I32), gap = f.local(I32), src = f.local(I32);
  const dst = f.local(I32), p = f.local(I32), end = f.local(I32);
  const end2 = f.local(I32), none = f.local(I32); // none stays 0

  // dst[from … to) = 0, elements of the current row
  const zero = (from: number, to: number) => {
    f.get(dst).get(from).i32(shift).i32Shl().i32Add().set(p);
    f.get(dst).get(to).i32(shift).i32Shl().i32Add().set(end);
    whileLess(f, p, end, bytes, () => f.get(p)[`${t}Zero`]()[`${t}Store`]());
  };
  // The run lo … hi−1 of the row at dst, from (or into) the image at src.
  const run = () => {
    f.get(dst).get(lo).i32(shift).i32Shl().i32Add().set(p);
    f.get(dst).get(hi).i32(shift).i32Shl().i32Add().set(end);
    const move = (whole: boolean, step: () => void) => () => {
      const load = (at: number) =>
        whole ? f.get(at).v128Load() : f.get(at)[`${t}Load`]();
      if (adjoint) {
        f.get(src);
        load(src);
        load(p);
        if (whole) f[`${vector}Add`]().v128Store();
        else f[`${t}Add`]()[`${t}Store`]();
      } else {
        f.get(p);
        load(src);
        if (whole) f.v128Store();
        else f[`${t}Store`]();
      }
      step();
    };
    const next = (bytes: number) => () =>
      f.get(src).i32(bytes).i32Add().set(src);
    f.get(stride).i32(1).i32Eq().ifThen(() => {
      pairs(f, p, end, end2, move(true, next(16)), move(false, next(bytes)), t);
    }, () => { // one at a time, stride elements apart in the image
      f.get(stride).i32(shift).i32Shl().set(gap);
      whileLess(
        f,
        p,
        end,
        bytes,
        move(false, () => {
          f.get(src).get(gap).i32Add().set(src);
        }),
      );
    });
  };

  f.get(col).set(dst);
  f.i32(0).set(ch);
  whileLess(f, ch, c, 1, () => {
    f.i32(0).set(fy);
    whileLess(f, fy, fh, 1, () => {
      f.i32(0).set(fx);
      whileLess(f, fx, fw, 1, () => {
        // lo = pad − fx > 0 ? ⌈(pad − fx)/stride⌉ : 0, at most ow
        f.get(pad).get(fx).i32Sub().tee(gap).get(stride).i32Add().i32(1)
          .i32Sub().get(stride).i32DivU().i32(0).get(gap).i32(0).i32GtS()
          .select().set(lo);
        minInto(f, lo, ow);
        // hi = w − 1 + pad − fx ≥ 0 ? ⌊…/stride⌋ + 1 : 0, within lo … ow
        f.get(w).i32(1).i32Sub().get(pad).i32Add().get(fx).i32Sub().tee(gap)
          .get(stride).i32DivU().i32(1).i32Add().i32(0).get(gap).i32(0)
          .i32GeS().select().set(hi);
        minInto(f, hi, ow);
        f.get(hi).get(lo).get(hi).get(lo).i32GtS().select().set(hi);
        f.i32(0).set(r);
        whileLess(f, r, rows, 1, () => {
          // y = (oy0 + r)·stride + fy − pad, in the image or not
          f.get(oy0).get(r).i32Add().get(stride).i32Mul().get(fy).i32Add()
            .get(pad).i32Sub().tee(y).get(h).i32LtU().ifThen(() => {
              // src = &img(ch, y, lo·stride + fx − pad)
              f.get(img).get(ch).get(h).i32Mul().get(y).i32Add().get(w)
                .i32Mul().get(lo).get(stride).i32Mul().i32Add().get(fx)
                .i32Add().get(pad).i32Sub().i32(shift).i32Shl().i32Add()
                .set(src);
              if (!adjoint) zero(none, lo);
              run();
              if (!adjoint) zero(hi, ow);
            }, adjoint ? undefined : () => zero(none, ow));
          f.get(dst).get(ow).i32(shift).i32Shl().i32Add().set(dst);
        });
      });
    });
  });
  return f;
}

/**
 * `transposeRows(src, srcRow, dst, m, n)`: the M×N block at src (rows
 * srcRow bytes apart) transposed into the N×M matrix at dst; of f32 with
 * `t` = "f32" (`transposeRowsF32`).
 */
export function transposeRows(t: Float = "f64"): Func {
  const { bytes } = FLOATS[t], shift = Math.log2(bytes);
  const f = new Func(`transposeRows${suffix(t)}`, i32s(5));
  const [src, srcRow, dst, m, n] = locals(f);
  const i = f.local(I32), p = f.local(I32), q = f.local(I32);
  const end = f.local(I32), step = f.local(I32);
  f.get(m).i32(shift).i32Shl().set(step);
  f.i32(0).set(i);
  whileLess(f, i, m, 1, () => { // row i of src → column i of dst
    f.get(src).get(i).get(srcRow).i32Mul().i32Add().set(p);
    f.get(p).get(n).i32(shift).i32Shl().i32Add().set(end);
    f.get(dst).get(i).i32(shift).i32Shl().i32Add().set(q);
    whileLess(f, p, end, bytes, () => {
      f.get(q).get(p)[`${t}Load`]()[`${t}Store`]();
      f.get(q).get(step).i32Add().set(q);
    });
  });
  return f;
}

/**
 * `${driver}Chunks(counter, chunk, n, plan, scratch)`: `driver(plan, n0,
 * n1, scratch)` over images 0 … n−1, `chunk` at a time, each chunk claimed
 * from the i32 at `counter` as the products claim their rows
 * (`claimingRows` in codegen.ts: a thread slowed by another process takes
 * fewer).
 */
function claiming(driver: Func): Func {
  return claimingRows(driver, 2, (f, [plan, scratch], n0, n1) => {
    f.get(plan).get(n0).get(n1).get(scratch).call(driver);
  });
}

/** The convolution's exported functions and every function they call. */
export interface ConvFuncs {
  /** `convForward(plan, n0, n1, scratch)`. */
  forward: Func;
  /** `convBackward(plan, n0, n1, scratch)`. */
  backward: Func;
  /** All of them, callees and the Winograd variants' included, for the module. */
  all: Func[];
}

/** "" for f64, "F32" for f32: the suffix of the f32 twins' names. */
export function suffix(t: Float): "" | "F32" {
  return t === "f64" ? "" : "F32";
}

/**
 * `convForward(plan, n0, n1, scratch)` and `convBackward(plan, n0, n1,
 * scratch)` over images n0 … n1−1 of the plan's batch (see the module
 * doc), with Winograd's drivers. Scratch, f64: K·ROWS·OW forward; backward
 * that, ROWS·OW·FN and (with dx) K·ROWS·OW more. With `t` = "f32" the
 * same over f32 (`convForwardF32`, `winogradForward2F32`, …: the plan's
 * matrices, the filters' gradient sums and db's, and the scratch's
 * elements f32; Winograd's transforms computing in f64 between).
 */
export function convolution(
  tiles: Tiles,
  fma: boolean,
  t: Float = "f64",
): ConvFuncs {
  const { bytes, vector, splat } = FLOATS[t], shift = Math.log2(bytes);
  const product = gemm(tiles, fma, t, true);
  const toCols = im2colRows(false, t), fromCols = im2colRows(true, t);
  const transpose = transposeRows(t);

  // A driver: the plan's slots into locals, the sizes, then per image n
  // (xn = its row of x, on = of out or dout) `image(f, g, before)` around
  // the blocks of output rows, each `block(f, g)` (oy0, nrows, pb, and
  // block = the block's first element of out or dout).
  const driver = (
    name: string,
    slots: readonly Slot[],
    image: (f: Func, g: Locals, blocks: () => void) => void,
    block: (f: Func, g: Locals) => void,
  ): Func => {
    const f = new Func(name + suffix(t), i32s(4));
    const [plan, n0, n1, scratch] = locals(f);
    const g: Locals = { plan, n0, n1, scratch };
    for (const slot of [...GEOMETRY, ...slots]) {
      g[slot] = f.local(I32);
      f.get(plan).i32Load(4 * PLAN[slot]).set(g[slot]);
    }
    const derived = ["k", "positions", "inBytes", "outBytes", "n"] as const;
    for (const l of [...derived, "xn", "on", "oy0", "nrows", "pb", "block"]) {
      g[l] = f.local(I32);
    }
    f.get(g.C).get(g.FH).i32Mul().get(g.FW).i32Mul().set(g.k);
    f.get(g.OH).get(g.OW).i32Mul().set(g.positions);
    f.get(g.C).get(g.H).i32Mul().get(g.WIDTH).i32Mul().i32(shift).i32Shl()
      .set(g.inBytes);
    f.get(g.FN).get(g.positions).i32Mul().i32(shift).i32Shl()
      .set(g.outBytes);
    const outs = slots.includes("DOUT") ? g.DOUT : g.OUT;
    f.get(n0).set(g.n);
    whileLess(f, g.n, n1, 1, () => {
      f.get(g.X).get(g.n).get(g.inBytes).i32Mul().i32Add().set(g.xn);
      f.get(outs).get(g.n).get(g.outBytes).i32Mul().i32Add().set(g.on);
      image(f, g, () => {
        f.i32(0).set(g.oy0);
        whileLess(f, g.oy0, g.OH, { local: g.ROWS }, () => {
          f.get(g.OH).get(g.oy0).i32Sub().set(g.nrows);
          minInto(f, g.nrows, g.ROWS);
          f.get(g.nrows).get(g.OW).i32Mul().set(g.pb);
          f.get(g.on).get(g.oy0).get(g.OW).i32Mul().i32(shift).i32Shl()
            .i32Add().set(g.block);
          block(f, g);
        });
      });
    });
    return f;
  };
  // im2colRows or col2imRows of the current block.
  const cols = (f: Func, g: Locals, fn: Func, img: number, col: number) => {
    f.get(img).get(col).get(g.C).get(g.H).get(g.WIDTH).get(g.FH).get(g.FW)
      .get(g.STRIDE).get(g.PAD).get(g.OW).get(g.oy0).get(g.nrows).call(fn);
  };
  const size = (f: Func, local: number) => f.get(local).i32(shift).i32Shl();

  const forward = driver("convForward", ["OUT", "B"], (f, g, blocks) => {
    blocks();
    // out[filter] += b[filter], after the products (as the book adds it)
    const fi = f.local(I32), bv = f.local(V128), p = f.local(I32);
    const end = f.local(I32), end2 = f.local(I32), pb = f.local(I32);
    f.i32(0).set(fi);
    whileLess(f, fi, g.FN, 1, () => {
      f.get(g.B).get(fi).i32(shift).i32Shl().i32Add().tee(pb)[splat]()
        .set(bv);
      f.get(g.on).get(fi).get(g.positions).i32Mul().i32(shift).i32Shl()
        .i32Add().tee(p);
      size(f, g.positions).i32Add().set(end);
      pairs(f, p, end, end2, () => {
        f.get(p).get(p).v128Load().get(bv)[`${vector}Add`]().v128Store();
      }, () => {
        f.get(p).get(p)[`${t}Load`]().get(pb)[`${t}Load`]()[`${t}Add`]()
          [`${t}Store`]();
      }, t);
    });
  }, (f, g) => {
    cols(f, g, toCols, g.xn, g.scratch);
    // the block of out (FN×pb, rows OH·OW apart) = W · colT
    f.get(g.W).get(g.scratch).get(g.block).get(g.FN).get(g.k).get(g.pb);
    size(f, g.k).i32(bytes);
    size(f, g.pb);
    size(f, g.positions).i32(0).call(product);
  });

  const backward = driver("convBackward", [
    "DOUT",
    "DX",
    "DWT",
    "DWTSTEP",
    "DB",
    "DBSTEP",
    "CHUNK",
  ], (f, g, blocks) => {
    const dwt = g.dwt = f.local(I32), db = f.local(I32);
    const dxn = g.dxn = f.local(I32), doutT = g.doutT = f.local(I32);
    const dcolT = g.dcolT = f.local(I32);
    const p = f.local(I32), end = f.local(I32), end2 = f.local(I32);
    // scratch: colT (K·ROWS·OW), doutT (ROWS·OW·FN), dcolT (K·ROWS·OW)
    f.get(g.scratch).get(g.k).get(g.ROWS).i32Mul().get(g.OW).i32Mul()
      .i32(shift).i32Shl().i32Add().tee(doutT).get(g.ROWS).get(g.OW).i32Mul()
      .get(g.FN).i32Mul().i32(shift).i32Shl().i32Add().set(dcolT);
    // this image's chunk's sums
    chunkSums(f, g, [[g.DWT, g.DWTSTEP, dwt], [g.DB, g.DBSTEP, db]]);
    // db[filter] += Σ of its row of dout
    addRowSums(f, g.on, g.FN, g.positions, db, t);
    // dx of this image = 0, then each block adds to it
    f.get(g.DX).ifThen(() => {
      f.get(g.DX).get(g.n).get(g.inBytes).i32Mul().i32Add().tee(dxn).set(p);
      f.get(dxn).get(g.inBytes).i32Add().set(end);
      zeroes(f, p, end, end2, t);
    });
    blocks();
  }, (f, g) => {
    cols(f, g, toCols, g.xn, g.scratch);
    // doutT (pb×FN) = the block of dout, transposed
    f.get(g.block);
    size(f, g.positions).get(g.doutT).get(g.FN).get(g.pb).call(transpose);
    // dWᵀ (K×FN) += colT · doutT
    f.get(g.scratch).get(g.doutT).get(g.dwt).get(g.k).get(g.pb).get(g.FN);
    size(f, g.pb).i32(bytes);
    size(f, g.FN);
    size(f, g.FN).i32(1).call(product);
    f.get(g.DX).ifThen(() => {
      // dcolT (K×pb) = Wᵀ · dout's block, then into dx
      f.get(g.W).get(g.block).get(g.dcolT).get(g.k).get(g.FN).get(g.pb)
        .i32(bytes);
      size(f, g.k);
      size(f, g.positions);
      size(f, g.pb).i32(0).call(product);
      cols(f, g, fromCols, g.dxn, g.dcolT);
    });
  });
  // Winograd's, m = 2 and 4: winogradForward2, winogradBackward2, …
  const padded = padInto(t);
  const variants = [VARIANTS[2], VARIANTS[4]].map((v) =>
    winograd(product, padded, v, t)
  );
  const drivers = [
    forward,
    backward,
    ...variants.flatMap((w) => [w.forward, w.backward]),
  ];
  return {
    forward,
    backward,
    all: [
      product,
      toCols,
      fromCols,
      transpose,
      padded,
      ...drivers,
      ...drivers.map(claiming),
      ...variants.flatMap((w) => w.all),
    ],
  };
}
