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
 * Asserts each element of `got` within 2γ(terms)·scale of `want`, γ(n) =
 * n·2⁻⁵³/(1 − n·2⁻⁵³): the bound on the rounding error of any order of
 * summing `terms` products, whose absolute values sum to `scale` (the
 * same computation over absolute values), for each of the two results.
 * So it holds for every input, never by luck, and a result off by a whole
 * term fails it.
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
    const d = Math.abs(got.data[i] - want.data[i]);
    assert(
      d <= 2 * gamma * scale.data[i],
      `${what}: element ${i} is ${got.data[i]}, expected ${
        want.data[i]
      } (off by ${d}, more than rounding allows)`,
    );
  }
}

/** A convolution's shapes: input, FN, FH, FW, stride, pad, batch. */
type Geometry = [ImageShape, number, number, number, number, number, number];

const GEOMETRIES: Geometry[] = [
  [[1, 8, 8], 3, 3, 3, 1, 1, 2],
  [[3, 7, 5], 4, 3, 2, 1, 0, 3], // odd widths: a last element alone
  [[2, 9, 9], 5, 3, 3, 2, 1, 2], // stride 2: one element at a time
  [[2, 4, 7], 3, 2, 2, 3, 2, 3], // padding wider than a window's reach
  [[1, 12, 12], 7, 5, 5, 1, 0, 1], // one image: no second half
  [[4, 11, 10], 6, 3, 3, 1, 1, 7], // an odd batch: halves of 4 and 3
  [[16, 14, 14], 32, 3, 3, 1, 2, 3], // DeepConvNet's conv4
  // Blocks of output rows: 1 row of 30 (K·OW = 10,800), 2 rows of 29 (7,830) and a last of 1
  [[40, 9, 30], 2, 3, 3, 1, 1, 2],
  [[30, 7, 29], 3, 3, 3, 1, 1, 2],
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
        const [input, , fh, fw, , , n] = geometry;
        const { window, args } = operands(rng, geometry);
        const what = `${JSON.stringify(geometry)}`;
        for (const withDx of [true, false]) {
          outside = !outside;
          const got = convolve(kernels, args, input, window, withDx, outside);
          const want = convolve(TS_KERNELS, args, input, window, withDx);
          const scale = convolve(
            TS_KERNELS,
            args.map(abs),
            input,
            window,
            true,
          );
          const [, W] = args, positions = args[3].cols / W.rows;
          if (exact) assertEquals(got.out.data, want.out.data, `out ${what}`);
          assertWithinRounding(got.out, want.out, scale.out, W.cols + 1, what);
          assertWithinRounding(got.dW, want.dW, scale.dW, n * positions, what);
          assertWithinRounding(got.db, want.db, scale.db, n * positions, what);
          if (withDx) {
            assertWithinRounding(
              got.dx!,
              want.dx!,
              scale.dx!,
              W.rows * fh * fw,
              what,
            );
          } else assertEquals(got.dx, undefined);
        }
      }
    },
  );
}

Deno.test("the convolution's rounding check fails on a result one product off", () => {
  const rng = new Rng(302);
  const geometry: Geometry = [[2, 6, 6], 3, 3, 3, 1, 1, 2];
  const { window, args } = operands(rng, geometry);
  const [kernels] = KERNELS[KERNELS.length - 1];
  const got = convolve(kernels, args, geometry[0], window, true);
  const want = convolve(TS_KERNELS, args, geometry[0], window, true);
  const scale = convolve(TS_KERNELS, args.map(abs), geometry[0], window, true);
  // dW[0][4] (filter 0, its centre on channel 0) loses one of its 72
  // terms: x's pixel (0, 1) times dout's element at position (0, 1)
  const [x, , , dout] = args;
  got.dW.data[4] -= x.data[1] * dout.data[1];
  assertWithinRounding(want.dW, want.dW, scale.dW, 72, "dW"); // passes as is
  assertThrows(
    () => assertWithinRounding(got.dW, want.dW, scale.dW, 72, "dW"),
    Error,
    "dW: element 4",
  );
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
