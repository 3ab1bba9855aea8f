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
import { place, uniformMatrix } from "./helpers.ts";
import { winogradScales } from "./winograd_bounds.ts";
import { recompute, winogradSide } from "../core/simd/convolution.ts";
import { offering } from "../core/simd/threads.ts";

/** What one forward and backward through the seam computes. */
interface Results {
  out: Matrix;
  dx?: Matrix;
  dW: Matrix;
  db: Matrix;
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
 * Asserts each element of `got` within 2γ(terms)·scale of `want`, γ(n) =
 * n·2⁻⁵³/(1 − n·2⁻⁵³), and NaN, +∞ or −∞ exactly where `want` is. With
 * `scale` the sum of the |products| (the same computation over absolute
 * values), that bounds the rounding of any two orders of summing `terms`
 * products; the Winograd convolution's bound has other scales and depths
 * (`winogradScales`). So it holds for every input, never by luck, and a
 * result off by a whole term fails.
 */
function assertWithinRounding(
  got: Matrix,
  want: Matrix,
  scale: Matrix,
  terms: number,
  what: string,
) {
  const u = 2 ** -53, gamma = (terms * u) / (1 - terms * u);
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i], b = want.data[i];
    if (!Number.isFinite(b)) {
      assert(
        Number.isNaN(b) ? Number.isNaN(a) : a === b,
        `${what}: element ${i} is ${a}, expected ${b}`,
      );
      continue;
    }
    const d = Math.abs(a - b);
    assert(
      d <= 2 * gamma * scale.data[i],
      `${what}: element ${i} is ${a}, expected ${b} (off by ${d}, more than rounding allows)`,
    );
  }
}

/**
 * What the kernels' results are checked against, for
 * `assertWithinRounding`: per result, the scale (the direct |products|, or Winograd's
 * magnitudes) and the number of roundings deep.
 */
function bounds(geometry: Geometry, args: Matrix[], window: Window) {
  const [input, , fh, fw, , pad, n] = geometry, [c, h, w] = input;
  const [, W, , dout] = args, fn = W.rows, positions = dout.cols / fn;
  const sums = convolve(TS_KERNELS, args.map(abs), input, window, true);
  const terms = { out: W.cols + 1, dx: fn * fh * fw, dW: n * positions };
  if (!winograd(geometry)) return { scale: sums, terms, sums };
  const oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const m = winogradSide(oh, ow);
  const tiles = n * Math.ceil(oh / m) * Math.ceil(ow / m);
  return {
    scale: winogradScales(args, input, pad),
    terms: {
      out: terms.out + c + 21,
      dx: terms.dx + fn + 21,
      dW: terms.dW + tiles + 23,
    },
    sums,
  };
}

/** A convolution's shapes: input, FN, FH, FW, stride, pad, batch. */
type Geometry = [ImageShape, number, number, number, number, number, number];

/**
 * Whether the SIMD kernels take Winograd's F(m×m, 3×3) for a geometry
 * (core/simd/convolution.ts): 3×3 filters, stride 1, pad ≤ 2, at least 3
 * channels, m by `winogradSide`; else im2col.
 */
function winograd([[c], , fh, fw, stride, pad]: Geometry): boolean {
  return fh === 3 && fw === 3 && stride === 1 && pad <= 2 && c >= 3;
}

const GEOMETRIES: Geometry[] = [
  [[1, 8, 8], 3, 3, 3, 1, 1, 2],
  [[3, 7, 5], 4, 3, 2, 1, 0, 3], // odd widths: a last element alone
  [[2, 9, 9], 5, 3, 3, 2, 1, 2], // stride 2: one element at a time
  [[2, 4, 7], 3, 2, 2, 3, 2, 3], // padding wider than a window's reach
  [[1, 12, 12], 7, 5, 5, 1, 0, 1], // one image: no second half
  [[4, 11, 10], 6, 3, 3, 1, 1, 7], // an odd batch: halves of 4 and 3; F(2×2) partial
  [[2, 8, 8], 4, 3, 3, 1, 1, 2], // 2 channels: im2col
  [[3, 8, 8], 4, 3, 3, 1, 1, 2], // 3 channels: Winograd
  // Blocks of output rows: 1 row of 30 (K·OW = 10,800), 2 rows of 29 (7,830) and a last of 1
  [[40, 9, 30], 2, 3, 3, 1, 1, 2],
  [[30, 7, 29], 3, 3, 3, 1, 1, 2],
  // Winograd, F(4×4, 3×3) where the outputs tile by 4: pads 1, 0, 2
  [[4, 8, 8], 5, 3, 3, 1, 1, 3],
  [[8, 6, 10], 3, 3, 3, 1, 0, 2],
  [[5, 4, 6], 7, 3, 3, 1, 2, 3],
  [[4, 14, 14], 3, 3, 3, 1, 1, 2], // F(4×4) on 14×14: its last tiles partial
  [[16, 14, 14], 32, 3, 3, 1, 2, 3], // DeepConvNet's conv4
  [[16, 28, 28], 16, 3, 3, 1, 1, 2], // DeepConvNet's conv2
  [[4, 4, 4], 4, 3, 3, 1, 1, 7], // whole images a block, halves of 4 and 3
  [[32, 30, 30], 32, 3, 3, 1, 1, 1], // F(2×2): blocks of 4, 4, 4, 3 tile rows of 15
  [[5, 7, 9], 6, 3, 3, 1, 1, 3], // F(2×2), 7×9: partial tiles both sides, 5 a row
  // F(4×4, 3×3): 3 tiles a row (the last alone), blocks of 3, 3, 2 tile rows
  [[4, 12, 12], 5, 3, 3, 1, 1, 2],
  [[32, 32, 32], 32, 3, 3, 1, 1, 1],
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
        const { window, args } = operands(rng, geometry);
        const [input, , , , , , n] = geometry;
        const what = `${JSON.stringify(geometry)}`;
        const wino = winograd(geometry);
        const { scale, terms, sums } = bounds(geometry, args, window);
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
              terms[key],
              `${key} ${what}`,
            );
          }
          const positions = args[3].cols / args[1].rows;
          assertWithinRounding(got.db, want.db, sums.db, n * positions, what);
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
    const [input] = geometry;
    const { window, args } = operands(rng, geometry);
    const [x, W, , dout] = args;
    const got = convolve(kernels, args, input, window, true);
    const want = convolve(TS_KERNELS, args, input, window, true);
    const { scale, terms } = bounds(geometry, args, window);
    const check = () => {
      assertWithinRounding(got.out, want.out, scale.out, terms.out, "out");
      assertWithinRounding(got.dW, want.dW, scale.dW, terms.dW, "dW");
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

/**
 * Asserts that `kernels`' forward and backward give the TypeScript
 * kernels' results: NaN and ±∞ exactly where they do, the finite
 * elements within rounding. A Winograd result is im2col's where
 * Winograd's had a non-finite element (core/simd/convolution.ts), so the
 * scale is Winograd's magnitude where finite (it bounds the direct
 * |products| too), else the direct |products|.
 */
function assertLikeTs(
  kernels: Kernels,
  geometry: Geometry,
  args: Matrix[],
  window: Window,
  outside: boolean,
  what: string,
) {
  const [input, , , , , , n] = geometry;
  const got = convolve(kernels, args, input, window, true, outside);
  const want = convolve(TS_KERNELS, args, input, window, true);
  const { scale, terms, sums } = bounds(geometry, args, window);
  for (const key of ["out", "dx", "dW"] as const) {
    const direct = sums[key]!,
      either = scale[key]!.data.map((v, i) =>
        Number.isFinite(v) ? v : direct.data[i]
      );
    assertWithinRounding(
      got[key]!,
      want[key]!,
      new Matrix(direct.rows, direct.cols, either),
      terms[key],
      `${key} ${what}`,
    );
  }
  const positions = args[3].cols / args[1].rows;
  assertWithinRounding(got.db, want.db, sums.db, n * positions, `db ${what}`);
}

/**
 * Winograd geometries, and x, W and dout with one NaN, +∞ or −∞: x's in
 * image 0, channel 1, at (2, 2), so that outputs of its tile lie outside
 * its windows; W's and dout's in the middle.
 */
const NON_FINITE_GEOMETRIES: Geometry[] = [
  [[4, 8, 8], 3, 3, 3, 1, 1, 2], // F(4×4)
  [[4, 7, 9], 3, 3, 3, 1, 1, 2], // F(2×2), partial tiles both sides
  [[5, 4, 6], 7, 3, 3, 1, 2, 3], // F(4×4), pad 2
];

/** `geometry`'s seeded operands with `value` in `operand` (0: x, 1: W, 3: dout). */
function withNonFinite(
  rng: Rng,
  geometry: Geometry,
  operand: 0 | 1 | 3,
  value: number,
) {
  const { window, args } = operands(rng, geometry);
  const [[, h, w]] = geometry, m = args[operand];
  m.data[operand === 0 ? (h + 2) * w + 2 : m.data.length >> 1] = value;
  const name = { 0: "x", 1: "W", 3: "dout" }[operand];
  return { window, args, what: `${name} ${value} ${JSON.stringify(geometry)}` };
}

for (const [kernels] of KERNELS) {
  Deno.test(`${kernels.name} Winograd convolution gives NaN and ±∞ where the TypeScript kernels (NumPy) do, for one in x, W or dout`, () => {
    const rng = new Rng(305);
    let outside = false;
    for (const geometry of NON_FINITE_GEOMETRIES) {
      assert(winograd(geometry));
      for (const operand of [0, 1, 3] as const) {
        for (const value of [NaN, Infinity, -Infinity]) {
          const { window, args, what } = withNonFinite(
            rng,
            geometry,
            operand,
            value,
          );
          outside = !outside;
          assertLikeTs(kernels, geometry, args, window, outside, what);
        }
      }
    }
  });
}

/**
 * Operands near 1e153: the direct sums stay finite (up to ~1.6e307),
 * Winograd's intermediates overflow.
 */
function huge(): { geometry: Geometry; window: Window; args: Matrix[] } {
  const geometry: Geometry = [[16, 14, 14], 8, 3, 3, 1, 1, 2];
  const { window, args } = operands(new Rng(306), geometry);
  for (const m of args) m.data.forEach((v, i) => m.data[i] = v * 1e153);
  return { geometry, window, args };
}

Deno.test("SIMD Winograd convolution of operands near 1e153 is finite as the TypeScript kernels' is", () => {
  const { geometry, window, args } = huge();
  const want = convolve(TS_KERNELS, args, geometry[0], window, true);
  for (const key of ["out", "dx", "dW", "db"] as const) {
    assert(want[key]!.data.every(Number.isFinite), key);
  }
  for (const [kernels] of KERNELS) {
    assertLikeTs(kernels, geometry, args, window, false, "1e153");
  }
});

Deno.test("the non-finite checks fail on Winograd's results without im2col's recomputation", () => {
  const [kernels] = KERNELS[0], geometry = NON_FINITE_GEOMETRIES[0];
  recompute.nonFinite = false;
  try {
    for (
      const [operand, value, first] of [
        [0, NaN, "out"],
        [0, Infinity, "out"],
        [1, -Infinity, "out"],
        [3, NaN, "dx"],
      ] as const
    ) {
      const { window, args, what } = withNonFinite(
        new Rng(307),
        geometry,
        operand,
        value,
      );
      assertThrows(
        () => assertLikeTs(kernels, geometry, args, window, false, what),
        Error,
        `${first} ${what}: element`,
      );
      // Winograd alone: x's NaN or ∞ spread over whole tiles, ∞ turned NaN
      const got = convolve(kernels, args, geometry[0], window, true);
      const want = convolve(TS_KERNELS, args, geometry[0], window, true);
      const { data } = got[first]!, expected = want[first]!.data;
      const nanWhere = (like: (v: number) => boolean) =>
        data.some((v, i) => Number.isNaN(v) && like(expected[i]));
      if (operand === 0) assert(nanWhere(Number.isFinite), what);
      if (!Number.isNaN(value)) {
        assert(nanWhere((v) => v === Infinity || v === -Infinity), what);
      }
    }
    const { geometry: g, window, args } = huge();
    assertThrows(
      () => assertLikeTs(kernels, g, args, window, false, "1e153"),
      Error,
      "1e153: element",
    );
  } finally {
    recompute.nonFinite = true;
  }
});

Deno.test("two-thread SIMD convolution gives the one-thread results bit for bit, with NaNs too", async () => {
  const one = SimdKernels.create()!;
  const two = SimdKernels.create({ threads: 2 })!;
  offering.measured = false; // offered every time: the worker takes part
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
      const [x] = args, images = geometry[6], size = x.data.length / images;
      // finite, then a NaN in each image in turn: whichever thread takes
      // it finds it
      for (let nan = -1; nan < images; nan++) {
        const kept = nan < 0 ? 0 : x.data[nan * size + 2];
        if (nan >= 0) x.data[nan * size + 2] = NaN;
        const a = convolve(one, args, geometry[0], window, true);
        const b = convolve(two, args, geometry[0], window, true);
        for (const key of ["out", "dx", "dW", "db"] as const) {
          assertEquals(b[key]!.data, a[key]!.data, `${key} ${geometry}`);
        }
        if (nan >= 0) x.data[nan * size + 2] = kept;
      }
    }
    assertGreater(two.splits, 0);
  } finally {
    offering.measured = true;
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
