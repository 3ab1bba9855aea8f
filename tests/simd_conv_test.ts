// The SIMD convolution (core/simd/convolution.ts) against the TypeScript
// kernels' im2col and products, which equal the naive ones bit for bit
// (tests/kernels_test.ts): forward, dx, dW and db on every geometry.
import { assert, assertEquals, assertGreater, assertThrows } from "@std/assert";
import {
  type ImageShape,
  type Kernels,
  Matrix,
  outputSize,
  Rng,
  SimdKernels,
  TS_KERNELS,
  type Window,
} from "../core/mod.ts";
import { simdSupport } from "../core/simd/support.ts";
import { uniformMatrix } from "./helpers.ts";

/** What one forward and backward through the seam computes. */
interface Results {
  out: Matrix;
  dx?: Matrix;
  dW: Matrix;
  db: Matrix;
}

/** A copy of `m`, in the kernels' memory unless `outside`. */
function place(kernels: Kernels, m: Matrix, outside: boolean): Matrix {
  const copy = new Matrix(
    m.rows,
    m.cols,
    outside ? undefined : kernels.float64(m.data.length),
  );
  copy.data.set(m.data);
  return copy;
}

/**
 * `kernels.convolution` of x by W and b, then `convolutionBackward` of
 * dout (dx when `withDx`); operands and results outside the kernels'
 * memory when `outside`.
 */
function convolve(
  kernels: Kernels,
  [x, W, b, dout]: Matrix[],
  input: ImageShape,
  window: Window,
  withDx: boolean,
  outside = false,
): Results {
  const at = (m: Matrix) => place(kernels, m, outside);
  const out = at(new Matrix(x.rows, dout.cols));
  const saved = kernels.convolution(at(x), at(W), at(b), input, window, out);
  const grads = {
    dW: at(new Matrix(W.rows, W.cols)),
    db: at(new Matrix(1, W.rows)),
    dx: withDx ? at(new Matrix(x.rows, x.cols)) : undefined,
  };
  kernels.convolutionBackward(at(dout), at(W), saved, grads);
  return { out, ...grads };
}

const abs = (m: Matrix) => new Matrix(m.rows, m.cols, m.data.map(Math.abs));

/**
 * Asserts each element of `got` within factor·γ(terms)·scale of `want`,
 * γ(n) = n·2⁻⁵³/(1 − n·2⁻⁵³). With factor 2 and `scale` the sum of the
 * |products| (the same computation over absolute values), that bounds the
 * rounding of any two orders of summing `terms` products; the Winograd
 * convolution's bound has other scales (`winogradScales`). So it holds
 * for every input, never by luck, and a result off by a whole term fails.
 */
function assertWithinRounding(
  got: Matrix,
  want: Matrix,
  scale: Matrix,
  terms: number,
  what: string,
  factor = 2,
) {
  const u = 2 ** -53, gamma = (terms * u) / (1 - terms * u);
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    assert(
      d <= factor * gamma * scale.data[i],
      `${what}: element ${i} is ${got.data[i]}, expected ${
        want.data[i]
      } (off by ${d}, more than rounding allows)`,
    );
  }
}

/** Σ |X[base + y·w + x]| over the size×size patch from (y0, x0), 0 outside h×w. */
function patchSum(
  X: Float64Array,
  base: number,
  [h, w]: number[],
  y0: number,
  x0: number,
  size = 4,
): number {
  let s = 0;
  for (let y = Math.max(0, y0); y < Math.min(h, y0 + size); y++) {
    for (let x = Math.max(0, x0); x < Math.min(w, x0 + size); x++) {
      s += Math.abs(X[base + y * w + x]);
    }
  }
  return s;
}

/**
 * The scales of Winograd's F(2×2, 3×3) rounding (winograd_codegen.ts):
 * output (oy, ox) lies in tile (⌊oy/2⌋, ⌊ox/2⌋), whose 4×4 input patch d
 * starts at (2⌊oy/2⌋ − pad, 2⌊ox/2⌋ − pad). Every transform has entries
 * of at most 1, so |Bᵀ d B| ≤ |d|₁ entry by entry, |G g Gᵀ| ≤ |g|₁ and
 * |A dY Aᵀ| ≤ |dY|₁, and the rounded result is off by at most
 * - out: 10·γ(C + 12)·(Σ_c |d_c|₁·|g_fc|₁ + |b_f|) (the 16 products
 *   rounded as the sum over C and the transforms; Aᵀ M A adds 9 of them);
 * - dx: the same for the convolution of dout by the filters turned 180°,
 *   pad 2 − pad (its tiles over dx);
 * - dW: 4·γ(T + 10)·Σ over images and tiles of |dY_f|₁·|d_c|₁ (T tiles
 *   in all; Gᵀ dU G adds 16 sums with coefficients of total at most 4).
 * The im2col products are off by less than γ(terms) times the same
 * scales, so `assertWithinRounding` with factor 11 and γ(terms + C + 12)
 * (out, dx), and factor 2 and γ(terms + T + 10) on the dW scale (4·Σ),
 * bounds the two results' difference.
 */
function winogradScales(
  [x, W, b, dout]: Matrix[],
  [c, h, w]: ImageShape,
  pad: number,
): Omit<Results, "db"> {
  const n = x.rows, fn = W.rows, oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const g = (f: number, ch: number) =>
    W.data.slice((f * c + ch) * 9, (f * c + ch + 1) * 9)
      .reduce((s, v) => s + Math.abs(v), 0);
  const out = new Matrix(n, fn * oh * ow), dx = new Matrix(n, c * h * w);
  const dW = new Matrix(fn, c * 9);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < fn; f++) {
      const dAt = (i * fn + f) * oh * ow;
      for (let ch = 0; ch < c; ch++) {
        const gs = g(f, ch), xAt = (i * c + ch) * h * w;
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const y0 = 2 * (oy >> 1) - pad, x0 = 2 * (ox >> 1) - pad;
            const d = patchSum(x.data, xAt, [h, w], y0, x0);
            out.data[dAt + oy * ow + ox] += gs * d;
            if (oy % 2 === 0 && ox % 2 === 0) { // once per tile
              const dy = patchSum(dout.data, dAt, [oh, ow], oy, ox, 2);
              const at = (f * c + ch) * 9;
              for (let j = 0; j < 9; j++) dW.data[at + j] += 4 * dy * d;
            }
          }
        }
        for (let y = 0; y < h; y++) {
          for (let xx = 0; xx < w; xx++) {
            const y0 = 2 * (y >> 1) - (2 - pad), x0 = 2 * (xx >> 1) - (2 - pad);
            const dy = patchSum(dout.data, dAt, [oh, ow], y0, x0);
            dx.data[xAt + y * w + xx] += gs * dy;
          }
        }
      }
      for (let p = 0; p < oh * ow; p++) {
        out.data[dAt + p] += Math.abs(b.data[f]);
      }
    }
  }
  return { out, dx, dW };
}

/** A convolution's shapes: input, FN, FH, FW, stride, pad, batch. */
type Geometry = [ImageShape, number, number, number, number, number, number];

/**
 * Whether the SIMD kernels take Winograd's F(2×2, 3×3) for a geometry
 * (core/simd/convolution.ts): 3×3 filters, stride 1, pad ≤ 2, even output
 * sides, at least 4 channels; else im2col.
 */
function winograd([[c, h, w], , fh, fw, stride, pad]: Geometry): boolean {
  return fh === 3 && fw === 3 && stride === 1 && pad <= 2 &&
    (h + 2 * pad) % 2 === 0 && (w + 2 * pad) % 2 === 0 && c >= 4;
}

const GEOMETRIES: Geometry[] = [
  [[1, 8, 8], 3, 3, 3, 1, 1, 2],
  [[3, 7, 5], 4, 3, 2, 1, 0, 3], // odd widths: a last element alone
  [[2, 9, 9], 5, 3, 3, 2, 1, 2], // stride 2: one element at a time
  [[2, 4, 7], 3, 2, 2, 3, 2, 3], // padding wider than a window's reach
  [[1, 12, 12], 7, 5, 5, 1, 0, 1], // one image: no second half
  [[4, 11, 10], 6, 3, 3, 1, 1, 7], // an odd batch: halves of 4 and 3
  [[3, 8, 8], 4, 3, 3, 1, 1, 2], // 3 channels: im2col
  // Blocks of output rows: 1 row of 30 (K·OW = 10,800), 2 rows of 29 (7,830) and a last of 1
  [[40, 9, 30], 2, 3, 3, 1, 1, 2],
  [[30, 7, 29], 3, 3, 3, 1, 1, 2],
  // Winograd: pads 1, 0, 2
  [[4, 8, 8], 5, 3, 3, 1, 1, 3],
  [[8, 6, 10], 3, 3, 3, 1, 0, 2],
  [[5, 4, 6], 7, 3, 3, 1, 2, 3],
  [[4, 14, 14], 3, 3, 3, 1, 1, 2], // 7 tiles a row: each row's last alone
  [[16, 14, 14], 32, 3, 3, 1, 2, 3], // DeepConvNet's conv4
  [[16, 28, 28], 16, 3, 3, 1, 1, 2], // blocks of 4 tile rows: 4 + 3
  [[4, 4, 4], 4, 3, 3, 1, 1, 7], // whole images a block, halves of 4 and 3
];

/** Seeded operands of a geometry: x, W, b and a dout. */
function operands(rng: Rng, [input, fn, fh, fw, stride, pad, n]: Geometry) {
  const [c, h, w] = input;
  const window = { height: fh, width: fw, stride, pad };
  const [oh, ow] = outputSize(input, window);
  const x = uniformMatrix(rng, n, c * h * w);
  for (let i = 0; i < x.data.length; i += 3) x.data[i] = 0; // ReLU's zeros
  return {
    window,
    args: [
      x,
      uniformMatrix(rng, fn, c * fh * fw),
      uniformMatrix(rng, 1, fn),
      uniformMatrix(rng, n, fn * oh * ow),
    ],
  };
}

const KERNELS: [SimdKernels, boolean][] = [
  [SimdKernels.create({ fma: false })!, true],
  ...(simdSupport().relaxed
    ? [[SimdKernels.create({ fma: true })!, false] as [SimdKernels, boolean]]
    : []),
];

for (const [kernels, exact] of KERNELS) {
  Deno.test(
    `${kernels.name} convolution matches the TypeScript kernels' within rounding on every geometry, in their memory or not${
      exact ? ", its forward to the bit" : ""
    }`,
    () => {
      const rng = new Rng(301);
      let outside = false;
      for (const geometry of GEOMETRIES) {
        const [input, , fh, fw, , pad, n] = geometry;
        const { window, args } = operands(rng, geometry);
        const what = `${JSON.stringify(geometry)}`;
        const [, W, , dout] = args, fn = W.rows, positions = dout.cols / fn;
        const wino = winograd(geometry), c = input[0];
        const sums = convolve(TS_KERNELS, args.map(abs), input, window, true);
        const scale = wino ? winogradScales(args, input, pad) : sums;
        // terms of each sum, and those Winograd's bound adds
        const terms = { out: W.cols + 1, dx: fn * fh * fw, dW: n * positions };
        const extra = { out: c + 12, dx: fn + 12, dW: n * positions / 4 + 10 };
        for (const withDx of [true, false]) {
          outside = !outside;
          const got = convolve(kernels, args, input, window, withDx, outside);
          const want = convolve(TS_KERNELS, args, input, window, withDx);
          if (exact && !wino) {
            assertEquals(got.out.data, want.out.data, `out ${what}`);
          }
          const keys: ("out" | "dW" | "dx")[] = withDx
            ? ["out", "dW", "dx"]
            : ["out", "dW"];
          for (const key of keys) {
            assertWithinRounding(
              got[key]!,
              want[key]!,
              scale[key]!,
              terms[key] + (wino ? extra[key] : 0),
              `${key} ${what}`,
              wino && key !== "dW" ? 11 : 2,
            );
          }
          assertWithinRounding(got.db, want.db, sums.db, terms.dW, what);
          if (!withDx) assertEquals(got.dx, undefined);
        }
      }
    },
  );
}

Deno.test("the convolution's rounding checks fail on a result one product off, im2col's and Winograd's", () => {
  const rng = new Rng(302);
  const [kernels] = KERNELS[KERNELS.length - 1];
  for (
    const geometry of [[[2, 6, 6], 3, 3, 3, 1, 1, 2], [
      [4, 6, 6],
      3,
      3,
      3,
      1,
      1,
      2,
    ]] as Geometry[]
  ) {
    const [input, , , , , pad] = geometry, wino = winograd(geometry);
    const { window, args } = operands(rng, geometry);
    const [x, W, , dout] = args, c = input[0];
    const got = convolve(kernels, args, input, window, true);
    const want = convolve(TS_KERNELS, args, input, window, true);
    const sums = convolve(TS_KERNELS, args.map(abs), input, window, true);
    const scale = wino ? winogradScales(args, input, pad) : sums;
    const [outTerms, outFactor] = wino
      ? [W.cols + 1 + c + 12, 11]
      : [W.cols + 1, 2];
    const dWTerms = wino ? 72 + 18 + 10 : 72;
    const check = () => {
      assertWithinRounding(
        got.out,
        want.out,
        scale.out,
        outTerms,
        "out",
        outFactor,
      );
      assertWithinRounding(got.dW, want.dW, scale.dW, dWTerms, "dW");
    };
    check(); // as computed: within rounding
    // out[0][0][0][1] loses x's pixel (0, 1) times filter 0's centre on
    // channel 0; dW[0][4] (that centre) loses the same pixel times dout's
    // element at position (0, 1)
    got.out.data[1] -= x.data[1] * W.data[4];
    assertThrows(check, Error, "out: element 1");
    got.out.data[1] = want.out.data[1];
    got.dW.data[4] -= x.data[1] * dout.data[1];
    assertThrows(check, Error, "dW: element 4");
  }
});

Deno.test("two-thread SIMD convolution gives the one-thread results bit for bit", async () => {
  const one = SimdKernels.create()!;
  const two = SimdKernels.create({ threads: 2 })!;
  try {
    await two.ready();
    const rng = new Rng(303);
    for (
      const geometry of [
        [[16, 14, 14], 32, 3, 3, 1, 1, 9],
        [[1, 28, 28], 30, 5, 5, 1, 0, 20],
      ] as Geometry[]
    ) {
      const { window, args } = operands(rng, geometry);
      const a = convolve(one, args, geometry[0], window, true);
      const b = convolve(two, args, geometry[0], window, true);
      for (const key of ["out", "dx", "dW", "db"] as const) {
        assertEquals(b[key]!.data, a[key]!.data, `${key} ${geometry}`);
      }
    }
    assertGreater(two.splits, 0);
  } finally {
    two.close();
  }
});

Deno.test("convolutionBackward() refuses what other kernels' convolution() saved", () => {
  const rng = new Rng(304);
  const geometry: Geometry = [[1, 4, 4], 2, 3, 3, 1, 0, 1];
  const { window, args: [x, W, b, dout] } = operands(rng, geometry);
  const [simd] = KERNELS[0];
  for (
    const [from, to] of [[TS_KERNELS, simd], [simd, TS_KERNELS], [
      SimdKernels.create()!,
      simd,
    ]] as [Kernels, Kernels][]
  ) {
    const saved = from.convolution(x, W, b, geometry[0], window, dout.clone());
    const grads = { dW: W.clone(), db: b.clone() };
    assertThrows(
      () => to.convolutionBackward(dout, W, saved, grads),
      TypeError,
      `convolutionBackward(): expected what ${to.name} kernels' convolution() saved but found another record`,
    );
  }
});
