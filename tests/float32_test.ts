// Every float32 kernel (TypeScript and SIMD, one thread and two) against
// the float64 oracle (the TypeScript float64 kernels, which equal the naive
// ones bit for bit: tests/kernels_test.ts), within the rounding float32
// allows: operands are float32 values, exact in float64, so the oracle's
// own error (2⁻⁵³ a term) is negligible beside the kernels' (2⁻²⁴).
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import {
  type DType,
  type ImageShape,
  type Kernels,
  Matrix,
  outputSize,
  Rng,
  SimdKernels,
  SparseRows,
  TsKernels,
  type Window,
} from "../core/mod.ts";
import type { BaseKernels } from "../core/dispatch.ts";
import { uniformMatrix } from "./helpers.ts";
import { recompute, winogradSide } from "../core/simd/convolution.ts";
import { winogradScales } from "./winograd_bounds.ts";
import { compareGradients, float64Copy, MultiLayerNet } from "../net/mod.ts";

const ORACLE = new TsKernels(); // float64
const TS32 = new TsKernels({ dtype: "float32" });
const U32 = 2 ** -24; // float32's unit roundoff

/** A copy of `m` in `kernels`' memory and dtype (values rounded to it). */
function at(kernels: Kernels, m: Matrix): Matrix {
  const copy = kernels.buffer(undefined, m.rows, m.cols);
  copy.data.set(m.data);
  return copy;
}

/** A float64 copy of `m` (exact for float32 values). */
function f64(m: Matrix): Matrix {
  return new Matrix(m.rows, m.cols, Float64Array.from(m.data));
}

/** |m|, in float64. */
function abs(m: Matrix): Matrix {
  return new Matrix(m.rows, m.cols, Float64Array.from(m.data, Math.abs));
}

/** Rows×cols of float32 values (rounded uniform samples), a third zeros. */
function operand(rng: Rng, rows: number, cols: number): Matrix {
  const m = uniformMatrix(rng, rows, cols);
  for (let i = 0; i < m.data.length; i += 3) m.data[i] = 0;
  return f64(new Matrix(rows, cols, Float32Array.from(m.data)));
}

/**
 * Asserts each element of `got` within γ(terms)·scale + u·|want| of
 * `want`, γ(n) = n·u/(1 − n·u) with u = 2⁻²⁴: the bound on any order of
 * summing `terms` products in float32 (FMA or not), `scale` the sum of
 * their magnitudes (the same computation over |operands|), plus the final
 * rounding to float32. It holds for every input, never by luck.
 */
export function assertWithinFloat32(
  got: Matrix,
  want: Matrix,
  scale: Matrix,
  terms: number,
  what: string,
): void {
  const gamma = (terms * U32) / (1 - terms * U32);
  assertEquals(got.dtype, "float32", `${what}: dtype`);
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    assert(
      d <= gamma * scale.data[i] + U32 * Math.abs(want.data[i]),
      `${what}: element ${i} is ${got.data[i]}, expected ${
        want.data[i]
      } (off by ${d}, more than float32 rounding allows)`,
    );
  }
}

/**
 * `k.convolution` of x by W and b, then `convolutionBackward` of dout:
 * out, dW, db and dx in `buffer`s (default k's).
 */
function convolve(
  k: Kernels,
  [x, W, b, dout]: Matrix[],
  input: ImageShape,
  window: Window,
  buffer = (rows: number, cols: number) => k.buffer(undefined, rows, cols),
) {
  const out = buffer(x.rows, dout.cols);
  const saved = k.convolution(x, W, b, input, window, out);
  const grads = {
    dW: buffer(W.rows, W.cols),
    db: buffer(1, W.rows),
    dx: buffer(x.rows, x.cols),
  };
  k.convolutionBackward(dout, W, saved, grads);
  return { out, ...grads };
}

/** Seeded float32 operands of a convolution of n images: x, W, b, dout. */
function convOperands(
  rng: Rng,
  n: number,
  input: ImageShape,
  window: Window,
  fn: number,
): Matrix[] {
  const [c, h, w] = input, [oh, ow] = outputSize(input, window);
  return [
    operand(rng, n, c * h * w),
    operand(rng, fn, c * window.height * window.width),
    operand(rng, 1, fn),
    operand(rng, n, fn * oh * ow),
  ];
}

/**
 * Asserts a float32 convolution's results (`convolve`'s) within float32
 * rounding of the float64 oracle's on the same operands: im2col's within
 * γ(terms) of the direct |products|; with `winograd` (the SIMD kernels'
 * 3×3 windows of stride 1 over 3 channels or more, F(m×m, 3×3) with m by
 * `winogradSide`) out, dx and dW within the float64 test's Winograd bound
 * (tests/winograd_bounds.ts) with u = 2⁻²⁴: γ(terms + C + 21) and
 * γ(terms + T + 23) of Winograd's magnitudes, T the batch's tiles. (The
 * float64 test allows twice that, for the im2col result's rounding too;
 * the float32 transforms round in f32 as float64's in f64, operation for
 * operation: the same depths, with u = 2⁻²⁴; see core/simd/convolution.ts.)
 */
function checkConvolution(
  got: Record<"out" | "dx" | "dW" | "db", Matrix>,
  ops: Matrix[],
  input: ImageShape,
  window: Window,
  winograd: boolean,
  what: string,
): void {
  const want = convolve(ORACLE, ops, input, window);
  const scale = convolve(ORACLE, ops.map(abs), input, window);
  const [c, h, w] = input, n = ops[0].rows, fn = ops[1].rows;
  const [oh, ow] = outputSize(input, window), f = window.height;
  const terms = { out: c * f * f + 1, dx: fn * f * f, dW: n * oh * ow };
  if (winograd) {
    const m = winogradSide(oh, ow);
    const tiles = n * Math.ceil(oh / m) * Math.ceil(ow / m);
    Object.assign(scale, winogradScales(ops, [c, h, w], window.pad ?? 0));
    terms.out += c + 21;
    terms.dx += fn + 21;
    terms.dW += tiles + 23;
  }
  for (const key of ["out", "dx", "dW"] as const) {
    assertWithinFloat32(
      got[key],
      want[key],
      scale[key],
      terms[key],
      `${what} ${key}`,
    );
  }
  assertWithinFloat32(got.db, want.db, scale.db, n * oh * ow, `${what} db`);
}

/**
 * `kernels[op]` of a (placed: `placed`, default a copy) and b against the
 * oracle's, within float32 rounding of `terms` products.
 */
function checkProduct(
  kernels: Kernels,
  op: "matmul" | "matmulTN" | "matmulNT",
  a: Matrix,
  b: Matrix,
  terms: number,
  what: string,
  placed = at(kernels, a),
): void {
  assertWithinFloat32(
    kernels[op](placed, at(kernels, b)),
    ORACLE[op](a, b),
    ORACLE[op](abs(a), abs(b)),
    terms,
    `${op} ${what}`,
  );
}

const KERNELS: Kernels[] = [
  new TsKernels({ dtype: "float32" }),
  SimdKernels.create({ dtype: "float32" })!,
  SimdKernels.create({ dtype: "float32", threads: 2, spinMs: 0 })!,
];

for (const kernels of KERNELS) {
  const name = `${kernels.name} float32${
    kernels === KERNELS[2] ? " (two threads)" : ""
  }`;

  Deno.test(`${name}: the products (dense and sparse) are the float64 ones within float32 rounding`, async () => {
    await kernels.ready();
    const rng = new Rng(401);
    // Remainders of every tile (rows, four lanes, vectors), and one big
    // enough for two threads.
    for (
      const [m, k, n] of [[1, 1, 1], [3, 5, 7], [7, 13, 11], [13, 17, 61], [
        100,
        200,
        50,
      ]]
    ) {
      const a = operand(rng, m, k), b = operand(rng, k, n);
      const bt = operand(rng, n, k), d = operand(rng, m, n);
      const shape = `${m}×${k}·${k}×${n}`;
      checkProduct(kernels, "matmul", a, b, k, shape);
      checkProduct(kernels, "matmulTN", a, d, m, shape);
      checkProduct(kernels, "matmulNT", a, bt, k, shape);
    }
    // A mostly-zero x, as MNIST's: the zero-skipping products, both ways
    // (matmulTN reusing what matmul found in the same x).
    const x = operand(rng, 30, 784), W = operand(rng, 784, 50);
    for (let i = 0; i < x.data.length; i++) if (i % 5) x.data[i] = 0;
    const dy = operand(rng, 30, 50), xk = at(kernels, x);
    checkProduct(kernels, "matmul", x, W, 784, "sparse", xk);
    checkProduct(kernels, "matmulTN", x, dy, 30, "sparse", xk);
    // The sparse products over every remainder of 48 columns (12 vectors)
    // a pass: 2 or 3 left go in the last full pass, as MNIST's 50.
    const base = kernels as BaseKernels, s = new SparseRows(kernels, "float32");
    const xs = operand(rng, 7, 40);
    for (let i = 0; i < xs.data.length; i++) if (i % 3) xs.data[i] = 0;
    base.compact(at(kernels, xs), s);
    for (const n of [1, 2, 3, 5, 47, 48, 49, 50, 51, 52, 98, 99, 100, 146]) {
      const w = operand(rng, 40, n), d = operand(rng, 7, n);
      assertWithinFloat32(
        base.sparseMatmul(s, at(kernels, w)),
        ORACLE.matmul(xs, w),
        ORACLE.matmul(abs(xs), abs(w)),
        40,
        `sparse matmul 7×40·40×${n}`,
      );
      assertWithinFloat32(
        base.sparseMatmulTN(s, at(kernels, d)),
        ORACLE.matmulTN(xs, d),
        ORACLE.matmulTN(abs(xs), abs(d)),
        7,
        `sparse matmulTN 40×7·7×${n}`,
      );
    }
  });

  Deno.test(`${name}: axpy (SGD's step) has the TypeScript float32 loop's bits, within float32 rounding of float64`, () => {
    const rng = new Rng(403);
    for (const n of [1, 3, 4, 5, 8, 9, 50]) {
      const x = operand(rng, 1, n), y = operand(rng, 1, n);
      if (n === 50) y.data.set([-0, NaN, Infinity, -Infinity], 46);
      const got = kernels.axpy(-0.1, at(kernels, x), at(kernels, y));
      const ts = TS32.axpy(-0.1, at(TS32, x), at(TS32, y));
      assertEquals(got.data, ts.data, `n ${n}`);
      if (n !== 50) {
        assertWithinFloat32(
          got,
          ORACLE.axpy(-0.1, x, f64(y)),
          ORACLE.axpy(0.1, abs(x), abs(y)),
          1,
          `axpy n ${n}`,
        );
      }
    }
  });

  Deno.test(`${name}: bias, ReLU, pooling and pixels are the float64 ones within float32 rounding`, () => {
    const rng = new Rng(402);
    const x = operand(rng, 5, 24), b = operand(rng, 1, 24);
    // One addition an element: the TypeScript float32 loops' bits.
    for (const n of [1, 3, 4, 5, 8, 50]) {
      const xs = at(kernels, operand(rng, 3, n)),
        bs = at(kernels, operand(rng, 1, n));
      assertEquals(
        kernels.addRowVector(xs, bs).data,
        TS32.addRowVector(xs, bs).data,
      );
      assertEquals(kernels.sumColumns(xs).data, TS32.sumColumns(xs).data);
    }
    const zero = new Matrix(5, 24);
    assertWithinFloat32(
      kernels.addRowVector(at(kernels, x), at(kernels, b)),
      ORACLE.addRowVector(x, b),
      zero,
      1,
      "addRowVector",
    );
    assertWithinFloat32(
      kernels.sumColumns(at(kernels, x)),
      ORACLE.sumColumns(x),
      ORACLE.sumColumns(abs(x)),
      5,
      "sumColumns",
    );
    // Exact: comparisons and copies; 115 elements (the last 115 mod 4 one
    // at a time), with −0, NaN and ±∞.
    const r = operand(rng, 5, 23);
    r.data.set([-0, NaN, Infinity, -Infinity], 110);
    const out = kernels.buffer(undefined, 5, 23), mask = kernels.uint8(115);
    kernels.relu(at(kernels, r), out, mask);
    const want = new Matrix(5, 23), wantMask = new Uint8Array(115);
    ORACLE.relu(r, want, wantMask);
    assertEquals(Array.from(out.data), Array.from(want.data), "relu");
    assertEquals(Array.from(mask), Array.from(wantMask), "relu mask");
    const dout = operand(rng, 5, 23);
    const dx = kernels.buffer(undefined, 5, 23), wantDx = new Matrix(5, 23);
    kernels.reluBackward(at(kernels, dout), mask, dx);
    ORACLE.reluBackward(dout, wantMask, wantDx);
    assertEquals(Array.from(dx.data), Array.from(wantDx.data), "reluBackward");
    assertEquals(kernels.allFinite(at(kernels, x)), true);
    assertEquals(kernels.allFinite(at(kernels, r)), false);
    const input: ImageShape = [2, 4, 3], window = { height: 2, width: 2 };
    const [oh, ow] = outputSize(input, window);
    const pooled = kernels.buffer(undefined, 5, 2 * oh * ow);
    const arg = kernels.int32(5 * 2 * oh * ow);
    kernels.maxPool(at(kernels, x), input, window, pooled, arg);
    const wantPooled = new Matrix(5, 2 * oh * ow);
    const wantArg = new Int32Array(arg.length);
    ORACLE.maxPool(x, input, window, wantPooled, wantArg);
    assertEquals(Array.from(pooled.data), Array.from(wantPooled.data));
    assertEquals(Array.from(arg), Array.from(wantArg));
    // Overlapping windows (stride 1): dx sums up to four douts.
    const dpool = operand(rng, 5, 2 * oh * ow);
    const dx2 = kernels.buffer(undefined, 5, 24), wantDx2 = new Matrix(5, 24);
    kernels.maxPoolBackward(at(kernels, dpool), arg, dx2);
    ORACLE.maxPoolBackward(dpool, wantArg, wantDx2);
    const dxScale = new Matrix(5, 24);
    ORACLE.maxPoolBackward(abs(dpool), wantArg, dxScale);
    assertWithinFloat32(dx2, wantDx2, dxScale, 4, "maxPoolBackward");
    // 2×2 windows of stride 2 (the book's pools), a NaN among them.
    const y = operand(rng, 3, 2 * 4 * 6);
    y.data[9] = NaN;
    const pool2 = { height: 2, width: 2, stride: 2 };
    const got2 = kernels.buffer(undefined, 3, 2 * 2 * 3);
    const arg2 = kernels.int32(3 * 12), want2 = new Matrix(3, 12);
    const wantArg2 = new Int32Array(36);
    kernels.maxPool(at(kernels, y), [2, 4, 6], pool2, got2, arg2);
    ORACLE.maxPool(y, [2, 4, 6], pool2, want2, wantArg2);
    assertEquals(Array.from(got2.data), Array.from(want2.data));
    assertEquals(Array.from(arg2), Array.from(wantArg2));
    const bytes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    const rows = { bytes, indices: [3, 0, 2], width: 16, scale: 1 / 255 };
    assertWithinFloat32(
      kernels.gatherBytes(rows),
      ORACLE.gatherBytes(rows),
      new Matrix(3, 16),
      0,
      "gatherBytes",
    );
  });

  Deno.test(`${name}: the convolution and its backward are the float64 ones within float32 rounding`, async () => {
    await kernels.ready();
    const rng = new Rng(403);
    // 3×3 stride 1 over 3 channels or more (the SIMD kernels' Winograd:
    // F(4×4, 3×3) where winogradSide takes it, else F(2×2), for out, dx
    // and dW; tiles past the edge, pad 0 and 2; the last two large enough
    // for two threads), and im2col's: 5×5 pad 2, 3×3 over 2 channels (odd
    // widths: runs of 1 … 3 lanes left), stride 2, 1×1, 2×2 pad 0; last
    // F(4×4) with 3 tiles a row (float32's four a vector: 1 … 4 left over
    // in a row across the Winograd cases), past the edge both ways.
    for (
      const [input, fn, f, pad, stride] of [
        [[3, 8, 8], 4, 3, 1, 1],
        [[4, 7, 9], 5, 3, 1, 1],
        [[3, 9, 6], 2, 3, 0, 1],
        [[5, 6, 6], 3, 3, 2, 1],
        [[8, 14, 14], 8, 3, 1, 1],
        [[8, 7, 9], 24, 3, 1, 1],
        [[1, 9, 7], 3, 5, 2, 1],
        [[2, 11, 13], 5, 3, 1, 1],
        [[2, 9, 11], 3, 3, 1, 2],
        [[4, 5, 7], 6, 1, 0, 1],
        [[3, 6, 9], 7, 2, 0, 1],
        [[3, 11, 10], 3, 3, 1, 1],
      ] as [ImageShape, number, number, number, number][]
    ) {
      const window: Window = { height: f, width: f, stride, pad };
      const n = 10, ops = convOperands(rng, n, input, window, fn);
      const run = (k: Kernels, ops: Matrix[]) =>
        convolve(k, ops, input, window);
      const got = run(kernels, ops.map((m) => at(kernels, m)));
      const winograd = kernels instanceof SimdKernels && f === 3 &&
        stride === 1 && input[0] >= 3;
      checkConvolution(
        got,
        ops,
        input,
        window,
        winograd,
        JSON.stringify([input, fn, f, pad, stride]),
      );
    }
  });
}

Deno.test("the float32 rounding check fails on a product one term off", () => {
  const rng = new Rng(404);
  const a = operand(rng, 4, 9), b = operand(rng, 9, 6);
  const kernels = KERNELS[1];
  const got = kernels.matmul(at(kernels, a), at(kernels, b));
  const want = ORACLE.matmul(a, b), scale = ORACLE.matmul(abs(a), abs(b));
  assertWithinFloat32(got, want, scale, 9, "as computed");
  got.data[7] += a.data[1 * 9 + 4] * b.data[4 * 6 + 1] || 0.5; // one more term
  assertThrows(
    () => assertWithinFloat32(got, want, scale, 9, "one term off"),
    Error,
    "more than float32 rounding allows",
  );
});

Deno.test("SIMD float32 gemm gives a row-major A's product (A read four terms a vector) the bits of the same product read a term at a time (A transposed), and the comparison fails on one term off", () => {
  const rng = new Rng(405);
  const simd = KERNELS[1];
  const float32 = (rows: number, cols: number) =>
    at(simd, uniformMatrix(rng, rows, cols)); // dense: the gemm path
  for (const m of [1, 3, 4, 5, 9]) {
    for (const k of [1, 3, 4, 5, 8, 13, 64]) {
      for (const n of [1, 2, 6, 8, 50]) {
        const a = float32(m, k), b = float32(k, n);
        const aT = simd.buffer(undefined, k, m);
        for (let i = 0; i < m; i++) {
          for (let p = 0; p < k; p++) aT.data[p * m + i] = a.data[i * k + p];
        }
        const byVector = simd.matmul(a, b), byTerm = simd.matmulTN(aT, b);
        assertEquals(byVector.data, byTerm.data, `${m}×${k}·${k}×${n}`);
        if (m === 9 && k === 13 && n === 50) {
          aT.data[5] += 2 ** -20; // one term of one row off
          assertNotEquals(simd.matmulTN(aT, b).data, byVector.data);
        }
      }
    }
  }
});

Deno.test("SIMD float32 convolution, im2col's, F(2×2)'s and F(4×4)'s: operands and results outside the kernels' memory too, and the check fails on a result one product off", () => {
  const kernels = KERNELS[1], rng = new Rng(405);
  const outside = (m: Matrix) =>
    new Matrix(m.rows, m.cols, Float32Array.from(m.data));
  // im2col (2 channels), F(2×2, 3×3) (7×9), F(4×4, 3×3) (8×8)
  for (const input of [[2, 7, 9], [3, 7, 9], [3, 8, 8]] as ImageShape[]) {
    const [c, , w] = input, fn = 3, n = 4;
    const window: Window = { height: 3, width: 3, stride: 1, pad: 1 };
    const [, ow] = outputSize(input, window);
    const ops = convOperands(rng, n, input, window, fn), [x, W, , dout] = ops;
    const winograd = c >= 3;
    assertEquals(winogradSide(7, 9), 2);
    assertEquals(winogradSide(8, 8), 4);
    // x, b, dout and the results outside, W inside
    const got = convolve(
      kernels,
      ops.map((m, i) => i === 1 ? at(kernels, m) : outside(m)),
      input,
      window,
      (rows, cols) => outside(new Matrix(rows, cols)),
    );
    const what = JSON.stringify(input);
    const check = () =>
      checkConvolution(got, ops, input, window, winograd, what);
    check(); // as computed
    // one product more: out (image 0, filter 0, position (1, 1)) x's
    // (channel 0, (1, 1)) times W's centre; dx (channel 0, (1, 1)) dout's
    // (filter 0, (1, 1)) times W's centre; dW (filter 0, channel 0,
    // centre) x's (1, 1) times dout's
    for (
      const [key, i, product] of [
        ["out", ow + 1, x.data[w + 1] * W.data[4]],
        ["dx", w + 1, dout.data[ow + 1] * W.data[4]],
        ["dW", 4, x.data[w + 1] * dout.data[ow + 1]],
      ] as const
    ) {
      const was = got[key].data[i];
      got[key].data[i] += product || 0.5;
      assertThrows(check, Error, `${what} ${key}: element ${i} `);
      got[key].data[i] = was;
    }
  }
});

Deno.test("SIMD float32 Winograd convolution, F(4×4) and F(2×2), gives NaN and ±∞ where the TypeScript float32 kernels do (im2col's recomputation), and not without it", async () => {
  const simd = KERNELS[1], ts = KERNELS[0], rng = new Rng(406);
  await simd.ready();
  const window: Window = { height: 3, width: 3, stride: 1, pad: 1 };
  const nonFinite = (m: Matrix) =>
    Array.from(m.data, (v) => Number.isFinite(v) ? 0 : v);
  const cases = [0, 1, 3].flatMap((which) =>
    [NaN, Infinity, -Infinity].map((value) => ({ which, value }))
  );
  // F(4×4, 3×3) (6×8), F(2×2, 3×3) (7×9)
  for (const input of [[3, 6, 8], [3, 7, 9]] as ImageShape[]) {
    let differ = 0;
    for (const nonFiniteRecomputed of [true, false]) {
      recompute.nonFinite = nonFiniteRecomputed;
      for (const { which, value } of cases) {
        const ops = convOperands(rng, 3, input, window, 4);
        ops[which].data[ops[which].data.length >> 1] = value;
        const [got, want] = [simd, ts].map((k) =>
          convolve(k, ops.map((m) => at(k, m)), input, window)
        );
        for (const key of ["out", "dx", "dW"] as const) {
          const same = JSON.stringify(nonFinite(got[key])) ===
            JSON.stringify(nonFinite(want[key]));
          if (nonFiniteRecomputed) {
            assert(same, `${input}: ${key}, ${value} in operand ${which}`);
          } else if (!same) differ++;
        }
      }
    }
    recompute.nonFinite = true;
    assert(
      differ > 0,
      `${input}: Winograd's results alone match the direct NaNs`,
    );
  }
});

Deno.test("SIMD float32 Winograd keeps its finite results where the last tiles' copies read past the block, whatever an earlier call left there", async () => {
  const simd = KERNELS[1], rng = new Rng(408);
  await simd.ready();
  const window: Window = { height: 3, width: 3, stride: 1, pad: 1 };
  // F(4×4, 3×3) with 9 tiles an image (the last group of four: one tile,
  // three copies), F(2×2, 3×3) with 20 (no copies)
  for (const input of [[3, 11, 10], [3, 7, 9]] as ImageShape[]) {
    // an earlier forward's NaNs all through the scratch's transformed
    // tiles (four images: past the two's last tile too; not recomputed,
    // so that im2col's columns do not overwrite them)
    const [x, W, b, dout] = convOperands(rng, 4, input, window, 4)
      .map((m) => at(simd, m));
    x.data.fill(NaN);
    recompute.nonFinite = false;
    simd.convolution(
      x,
      W,
      b,
      input,
      window,
      simd.buffer(undefined, 4, dout.cols),
    );
    const ops = convOperands(rng, 2, input, window, 4);
    const [checked, kept] = [true, false].map((nonFinite) => {
      recompute.nonFinite = nonFinite;
      return convolve(simd, ops.map((m) => at(simd, m)), input, window).out;
    });
    recompute.nonFinite = true;
    assertEquals(checked.data, kept.data, `${input}`);
  }
});

Deno.test("two-thread SIMD float32 convolution gives the one-thread results bit for bit, Winograd's F(4×4) and F(2×2) and im2col's", async () => {
  const [one, two] = [KERNELS[1], KERNELS[2]], rng = new Rng(407);
  await two.ready();
  // past the threads' split threshold (100 000 multiply-adds): F(4×4, 3×3)
  // (14×14), F(2×2, 3×3) (7×9), im2col (2 channels)
  for (
    const [input, fn] of [[[3, 14, 14], 16], [[3, 7, 9], 32], [
      [2, 14, 14],
      16,
    ]] as [
      ImageShape,
      number,
    ][]
  ) {
    const window: Window = { height: 3, width: 3, stride: 1, pad: 1 };
    const ops = convOperands(rng, 20, input, window, fn);
    const [a, b] = [one, two].map((k) =>
      convolve(k, ops.map((m) => at(k, m)), input, window)
    );
    for (const key of ["out", "dW", "db", "dx"] as const) {
      assertEquals(a[key].data, b[key].data, `${input}: ${key}`);
    }
  }
});

Deno.test("kernels and nets take a dtype: float32 arrays from buffer() and floats(), params and grads", () => {
  for (const dtype of ["float32", "float64"] as DType[]) {
    for (
      const k of [new TsKernels({ dtype }), SimdKernels.create({ dtype })!]
    ) {
      assertEquals(k.dtype, dtype);
      assertEquals(k.buffer(undefined, 2, 3).dtype, dtype);
      assertEquals(
        k.floats(4).constructor.name,
        dtype === "float32" ? "Float32Array" : "Float64Array",
      );
    }
  }
  assertThrows(
    () => new TsKernels({ dtype: "float16" as DType }),
    RangeError,
    'expected dtype "float32" or "float64" but found "float16"',
  );
});

Deno.test("a float32 net's backprop matches its float64 copy's numerical gradient within 1e-6, and a gradient off by 1e-3 in one element fails", () => {
  for (const backend of ["ts", "simd"] as const) {
    const rng = new Rng(405);
    const net = new MultiLayerNet({
      inputSize: 12,
      hiddenSizes: [8, 6],
      outputSize: 4,
      rng,
      backend,
      dtype: "float32",
    });
    const x = new Matrix(
      3,
      12,
      Float32Array.from({ length: 36 }, () => rng.uniform()),
    );
    const t = [0, 3, 1];
    const twin = float64Copy(net, { backend });
    const x64 = new Matrix(3, 12, Float64Array.from(x.data));
    const numerical = twin.numericalGradient(x64, t);
    const backprop = net.gradient(x, t);
    assertEquals(backprop.W1.dtype, "float32");
    for (const key of Object.keys(numerical)) {
      const d = compareGradients(backprop[key], numerical[key]).meanAbsDiff;
      assert(d <= 1e-6, `${backend} ${key}: mean |Δ| ${d}`);
    }
    backprop.W2.data[5] += 1e-3;
    assert(
      !(compareGradients(backprop.W2, numerical.W2).meanAbsDiff <= 1e-6),
      `${backend}: a wrong element passed`,
    );
  }
});

Deno.test("float32 kernels close", () => {
  for (const kernels of KERNELS) kernels.close();
});
