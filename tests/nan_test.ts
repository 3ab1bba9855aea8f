// NaN and ±∞ propagate as NumPy propagates them through the book's layers,
// in every layer, on every backend: max pooling takes a NaN as a window's
// maximum (np.max), Dropout multiplies (NaN · 0 = NaN), products keep 0·∞ =
// NaN however they skip zeros.
import { assert, assertEquals, assertStrictEquals } from "@std/assert";
import { Matrix, Rng, SimdKernels, TsKernels } from "../core/mod.ts";
import type { Kernels } from "../core/kernels.ts";
import { addRowVector, matmul } from "../core/naive.ts";
import {
  Affine,
  BatchNormalization,
  Dropout,
  Pooling,
  Relu,
  Sigmoid,
  SoftmaxWithLoss,
} from "../layers/mod.ts";
import { uniformMatrix } from "./helpers.ts";

const KERNELS: [string, () => Kernels][] = [
  ["ts", () => new TsKernels()],
  ["simd", () => SimdKernels.create({ fma: false })!],
  ["simd, unshared", () => SimdKernels.create({ shared: false })!],
];
const SPECIAL = [NaN, Infinity, -Infinity];

/** Same values, NaN equal to NaN, +0 equal to −0. */
function assertSame(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  what: string,
) {
  assertStrictEquals(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i])
      ? Number.isNaN(got[i])
      : got[i] === want[i];
    assert(ok, `${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

/** NumPy's max and argmax of one window's values (the first NaN wins). */
function npMax(values: number[]): [number, number] {
  const nan = values.findIndex((v) => Number.isNaN(v));
  if (nan >= 0) return [NaN, nan];
  let at = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[at]) at = k;
  return [values[at], at];
}

for (const [name, make] of KERNELS) {
  Deno.test(`max pooling takes NaN and ∞ at every window position as NumPy does (${name})`, () => {
    const kernels = make();
    // One 1×4×4 image, four 2×2 windows; a special value at each position in
    // turn, with a second special value elsewhere in the same window.
    for (let pos = 0; pos < 16; pos++) {
      for (const a of SPECIAL) {
        for (const b of [...SPECIAL, 5]) {
          const x = Matrix.fromRows([[
            1,
            -2,
            0,
            5,
            3,
            1,
            -1,
            2,
            0,
            4,
            4,
            7,
            -3,
            2,
            6,
            6,
          ]]);
          x.data[pos] = a;
          x.data[(pos + 5) % 16] = b;
          const pool = new Pooling({
            input: [1, 4, 4],
            pool: [2, 2],
            stride: 2,
            kernels,
          });
          const out = pool.forward(x);
          const what = `${a} at ${pos}, ${b} at ${(pos + 5) % 16}`;
          for (let oy = 0; oy < 2; oy++) {
            for (let ox = 0; ox < 2; ox++) {
              const idx = [0, 1, 4, 5].map((k) => (2 * oy) * 4 + 2 * ox + k);
              const [max, at] = npMax(idx.map((k) => x.data[k]));
              assertSame([out.data[oy * 2 + ox]], [max], what);
              assertStrictEquals(pool.argMax[oy * 2 + ox], idx[at], what);
            }
          }
          // Backward sends each dout to that position, NaN or not.
          const dx = pool.backward(Matrix.fromRows([[1, 2, 3, 4]])).data;
          for (let o = 0; o < 4; o++) {
            assertStrictEquals(dx[pool.argMax[o]], o + 1, what);
          }
        }
      }
    }
    // A 3×3 window (the SIMD kernel's loop, not its unrolled 2×2).
    const wide = new Pooling({
      input: [1, 4, 4],
      pool: [3, 3],
      stride: 1,
      kernels,
    });
    const w = Matrix.fromRows([[
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
      10,
      11,
      12,
      13,
      14,
      15,
      16,
    ]]);
    w.data[10] = NaN; // in all four windows
    w.data[5] = Infinity; // before it in every window: NaN still wins
    assertSame(wide.forward(w).data, [NaN, NaN, NaN, NaN], "3×3");
    assertEquals(Array.from(wide.argMax), [10, 10, 10, 10]);
    // With padding (the TypeScript loop on every backend): a NaN still wins.
    const padded = new Pooling({
      input: [1, 2, 2],
      pool: [2, 2],
      stride: 1,
      pad: 1,
      kernels,
    });
    const out = padded.forward(Matrix.fromRows([[-1, NaN, -2, -3]])).data;
    assertSame(out, [0, NaN, NaN, 0, NaN, NaN, 0, 0, 0], "padded"); // padding is 0
  });

  Deno.test(`Affine keeps NaN and 0·∞ = NaN, dense or sparse (${name})`, () => {
    const kernels = make(), rng = new Rng(7);
    for (const bad of SPECIAL) {
      for (let at = 0; at < 12; at++) {
        // x mostly zeros, with rows enough and W wide enough that products
        // skip them when W is finite; W with one special value.
        const x = new Matrix(
          9,
          4,
          Float64Array.from({ length: 36 }, (_, i) => i % 3 ? 0 : 0.5),
        );
        const W = uniformMatrix(rng, 4, 41), b = uniformMatrix(rng, 1, 41);
        W.data[at] = bad;
        const affine = new Affine(W, b, { kernels });
        const what = `${bad} at W[${at}]`;
        assertSame(
          affine.forward(x).data,
          addRowVector(matmul(x, W), b).data,
          what,
        );
        const x2 = x.clone();
        x2.data[at] = bad; // and in x itself, with W finite
        W.data[at] = 0.25;
        assertSame(
          affine.forward(x2).data,
          addRowVector(matmul(x2, W), b).data,
          `${bad} at x[${at}]`,
        );
      }
    }
  });
}

Deno.test("Relu, Sigmoid, Dropout and SoftmaxWithLoss keep NaN and ∞ as the book's NumPy code does", () => {
  const x = Matrix.fromRows([[NaN, -Infinity, Infinity, -1, 2, 0]]);
  for (const [name, make] of KERNELS) {
    const relu = new Relu({ kernels: make() });
    assertSame(
      relu.forward(x).data,
      [NaN, 0, Infinity, 0, 2, 0],
      `relu ${name}`,
    );
    assertEquals(Array.from(relu.mask), [0, 1, 0, 1, 0, 1]); // (x <= 0): false for NaN
    // dout[mask] = 0 even where dout is NaN; NaN passes where the mask is 0.
    assertSame(
      relu.backward(Matrix.fromRows([[NaN, NaN, 1, Infinity, NaN, 3]])).data,
      [NaN, 0, 1, 0, NaN, 0],
      `relu backward ${name}`,
    );
  }
  assertSame(new Sigmoid().forward(x).data.slice(0, 3), [NaN, 0, 1], "sigmoid");
  const dropout = new Dropout({ rng: new Rng(1), ratio: 0.5 });
  const y = dropout.forward(
    Matrix.fromRows([[
      NaN,
      NaN,
      NaN,
      NaN,
      Infinity,
      Infinity,
      Infinity,
      Infinity,
    ]]),
  ).data;
  assertSame(y.subarray(0, 4), [NaN, NaN, NaN, NaN], "dropout NaN"); // kept or dropped: NaN · mask
  assert(y.subarray(4).every((v) => v === Infinity || Number.isNaN(v))); // ∞ · 0 = NaN
  assert(y.subarray(4).some(Number.isNaN), "no unit was dropped");
  const last = new SoftmaxWithLoss();
  assert(
    Number.isNaN(
      last.forward(Matrix.fromRows([[0, NaN, 1], [0, 1, 2]]), [0, 2]),
    ),
  );
  assertSame(last.y!.data.subarray(0, 3), [NaN, NaN, NaN], "softmax row");
  const bn = new BatchNormalization(
    Matrix.fromRows([[1, 1]]),
    Matrix.fromRows([[0, 0]]),
  );
  const z = bn.forward(Matrix.fromRows([[NaN, 1], [2, 3], [4, 5]])).data;
  assertSame([z[0], z[2], z[4]], [NaN, NaN, NaN], "batchnorm column with NaN");
  assert(
    Number.isFinite(z[1]) && Number.isFinite(z[3]),
    "the other column stays finite",
  );
});
