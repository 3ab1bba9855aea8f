// Sparse batches (images ~80 % zeros): the kernels skip the zeros of a
// product's left operand behind the seam, with the dense products' numbers
// to the bit, on every backend; and the same numbers at net level whether
// or not they skip them.
import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import {
  gatherBytes,
  Matrix,
  Rng,
  SimdKernels,
  SparseRows,
  TsKernels,
} from "../core/mod.ts";
import type { BaseKernels } from "../core/dispatch.ts";
import { nonZeros } from "../core/gathered.ts";
import { ImageSet } from "../data/mod.ts";
import { Affine } from "../layers/mod.ts";
import { MultiLayerNet, TwoLayerNet } from "../net/mod.ts";

/** `count` images of `d` pixels with ~80 % zero pixels (and some 255s). */
function images(rng: Rng, count: number, d = 49): ImageSet {
  const pixels = new Uint8Array(count * d);
  for (let i = 0; i < pixels.length; i++) {
    const u = rng.uniform();
    pixels[i] = u < 0.8 ? 0 : u < 0.85 ? 255 : 1 + rng.int(254);
  }
  return new ImageSet(pixels, [d], { normalize: true });
}

/**
 * Kernels that count the products they run over lists of non-zeros, and
 * that find no zeros at all (every compaction fails) when `skip` is false.
 */
function spied(kernels: BaseKernels, skip = true) {
  const spy = kernels as unknown as {
    lists(...args: unknown[]): void;
    compactRows(...args: unknown[]): number;
  };
  const lists = spy.lists, compactRows = spy.compactRows;
  const counts = { lists: 0 };
  spy.lists = function (...args) {
    counts.lists++;
    return lists.apply(this, args);
  };
  spy.compactRows = function (...args) {
    return skip ? compactRows.apply(this, args) : -1;
  };
  if (!skip) { // and gathers write their values at once
    const gather = kernels.gatherBytes;
    kernels.gatherBytes = function (rows, out) {
      const n = rows.indices.length, d = rows.width;
      const x = out?.rows === n && out.cols === d ? out : new Matrix(n, d);
      return gather.call(this, rows, x);
    };
  }
  return counts;
}

/** A rows×cols matrix whose element i is f(i). */
function filled(rows: number, cols: number, f: (i: number) => number) {
  return new Matrix(
    rows,
    cols,
    Float64Array.from({ length: rows * cols }, (_, i) => f(i)),
  );
}

const MAKERS: [string, () => BaseKernels][] = [
  ["ts", () => new TsKernels()],
  ["simd", () => SimdKernels.create({ fma: false })!],
  ["simd+fma", () => SimdKernels.create()!],
  ["simd, unshared", () => SimdKernels.create({ shared: false })!],
];

for (const [name, make] of MAKERS) {
  Deno.test(`ImageSet.batch() gathered by the ${name} kernels equals the plain gather, lazily or at once`, () => {
    const kernels = make(), rng = new Rng(200);
    for (const d of [49, 784, 20]) { // 16-byte chunks and a tail, or none
      const set = images(rng, 30, d);
      let lazy: Matrix | undefined;
      const eager = new Matrix(7, d, kernels.float64(7 * d));
      for (const n of [1, 7, 7, 30]) {
        const indices = Array.from({ length: n }, () => rng.int(30));
        const before = lazy;
        lazy = set.batch(indices, lazy, kernels);
        if (before?.rows === n) assertStrictEquals(lazy, before); // refilled
        assertStrictEquals(lazy.shape, `${n}×${d}`);
        const rows = { bytes: set.pixels, indices, width: d, scale: 1 / 255 };
        const want = gatherBytes(rows, new Matrix(n, d));
        assertEquals(set.batch(indices).data, want.data, `${n}×${d}`);
        if (n === 7) { // into a matrix of the caller's: at once
          assertStrictEquals(set.batch(indices, eager, kernels), eager);
          assertEquals(eager.data, want.data, `${n}×${d} at once`);
        }
        assertEquals(lazy.data, want.data, `${n}×${d}`);
      }
    }
    const set = images(rng, 30);
    assertThrows(
      () => set.batch([0, 30], undefined, kernels),
      RangeError,
      "ImageSet.batch(): expected indices in [0, 30) but found indices[1] = 30",
    );
    const rows = { bytes: set.pixels, indices: [2, 30], width: 49, scale: 1 };
    assertThrows(
      () => kernels.gatherBytes(rows),
      RangeError,
      "gatherBytes(): expected indices in [0, 30) (rows of 49 bytes) but found indices[1] = 30",
    );
  });

  Deno.test(`a batch the ${name} kernels gathered never multiplies with stale non-zeros`, () => {
    const kernels = make(), counts = spied(kernels), rng = new Rng(204);
    const set = images(rng, 20, 784), W = Matrix.randn(784, 50, rng);
    const all = Array.from({ length: 20 }, (_, i) => i);
    const x = set.batch(all, undefined, kernels);
    let before = counts.lists;
    const y = kernels.matmul(x, W); // over the gathered non-zeros
    assertStrictEquals(counts.lists, before + 1);
    const values = x.data; // read outside the kernels: written now
    assertEquals(y.data, kernels.denseMatmul(x, W).data);
    values.fill(0.5); // augmented in place: dense now
    before = counts.lists;
    assertEquals(kernels.matmul(x, W).data, kernels.denseMatmul(x, W).data);
    assertStrictEquals(counts.lists, before); // no list: x is dense
    // Gathered into again: its values are written at once, so the array
    // read before still sees them.
    assertStrictEquals(set.batch(all.toReversed(), x, kernels), x);
    values[0] = 7;
    assertEquals(kernels.matmul(x, W).data, kernels.denseMatmul(x, W).data);
    assertStrictEquals(x.data[0], 7);
  });

  Deno.test(`${name} kernels skip a sparse batch's zeros in matmul and matmulTN with the dense products' bits`, () => {
    const kernels = make(), counts = spied(kernels), rng = new Rng(202);
    for (const [n, h] of [[100, 50], [8, 64], [30, 41]]) {
      const x = images(rng, n, 784).batch(
        Array.from({ length: n }, (_, i) => i),
        undefined,
        kernels,
      );
      const W = Matrix.randn(784, h, rng);
      const dout = Matrix.randn(n, h, rng);
      const before = counts.lists;
      const y = kernels.matmul(x, W), dW = kernels.matmulTN(x, dout);
      assertStrictEquals(counts.lists, before + 2, `${n}×784·784×${h}`);
      assertEquals(y.data, kernels.denseMatmul(x, W).data);
      assertEquals(dW.data, kernels.denseMatmulTN(x, dout).data);
    }
    // One row is enough; a dense operand, or (on vectorised kernels) a
    // narrow product, is not.
    const one = images(rng, 1, 784).batch([0]), before = counts.lists;
    kernels.matmul(one, Matrix.randn(784, 50, rng));
    assertStrictEquals(counts.lists, before + 1);
    kernels.matmul(Matrix.randn(20, 784, rng), Matrix.randn(784, 50, rng));
    if (kernels.backend === "simd") {
      kernels.matmul(one, Matrix.randn(784, 39, rng));
    }
    assertStrictEquals(counts.lists, before + 1);
  });

  Deno.test(`${name} kernels forget a batch's zeros once it changes`, () => {
    const kernels = make(), rng = new Rng(203);
    const x = images(rng, 20, 784).batch(
      Array.from({ length: 20 }, (_, i) => i),
      undefined,
      kernels,
    );
    const W = Matrix.randn(784, 50, rng), V = Matrix.randn(784, 50, rng);
    const dout = Matrix.randn(20, 50, rng);
    kernels.matmul(x, W); // remembered for x ...
    x.data.fill(0.5); // ... which then changes, dense now
    kernels.matmul(x, V); // not compacted: x is dense
    assertEquals(
      kernels.matmulTN(x, dout).data,
      kernels.denseMatmulTN(x, dout).data,
    );
  });

  Deno.test(`Affine with a sparse input still gives NaN for 0·∞, as the dense product does (${name})`, () => {
    const kernels = make(), counts = spied(kernels);
    const x = new Matrix(8, 2);
    for (let i = 0; i < 8; i++) x.data[2 * i + 1] = 1; // [[0, 1], …]
    const W = filled(2, 40, (i) => i === 0 ? Infinity : 1);
    const b = new Matrix(1, 40);
    const dense = x.clone();
    const out = new Affine(W, b, { kernels }).forward(x).data;
    const want = new Affine(W, b).forward(dense).data;
    assert(Number.isNaN(out[0]) && Number.isNaN(want[0]));
    assertEquals(Array.from(out), Array.from(want));
    // dW through a non-finite dout, which the skipping must not hide.
    const layer = new Affine(filled(2, 40, () => 1), new Matrix(1, 40), {
      kernels,
    });
    const before = counts.lists;
    layer.forward(x); // x's zeros skipped: W is finite
    assertStrictEquals(counts.lists, before + 1);
    const dout = filled(8, 40, (i) => i === 0 ? Infinity : 0);
    layer.backward(dout);
    assert(Number.isNaN(layer.dW.data[0])); // 0·∞
    assertStrictEquals(layer.dW.data[40], Infinity);
  });
}

for (const backend of ["ts", "simd"] as const) {
  Deno.test(`TwoLayerNet and MultiLayerNet give the same numbers whether the kernels skip a batch's zeros or not (${backend})`, () => {
    const rng = new Rng(201);
    const set = images(rng, 50);
    const indices = Array.from({ length: 20 }, () => rng.int(50));
    const t = indices.map((i) => i % 10);
    const nets = [
      (kernels: BaseKernels) =>
        new TwoLayerNet({
          inputSize: 49,
          hiddenSize: 48,
          outputSize: 10,
          rng: new Rng(1),
          kernels,
        }),
      (kernels: BaseKernels) =>
        new MultiLayerNet({
          inputSize: 49,
          hiddenSizes: [48, 44],
          outputSize: 10,
          rng: new Rng(1),
          kernels,
          useBatchnorm: true,
          weightDecayLambda: 0.1,
        }),
    ];
    const make = () =>
      backend === "ts" ? new TsKernels() : SimdKernels.create()!;
    for (const build of nets) {
      const skipping = make(), dense = make();
      const counts = spied(skipping), none = spied(dense, false);
      const a = build(dense), b = build(skipping);
      const x = set.batch(indices);
      assertStrictEquals(a.loss(x, t), b.loss(x, t));
      assertStrictEquals(a.accuracy(x, t), b.accuracy(x, t));
      assertEquals(a.predict(x).data, b.predict(x).data);
      const all = Array.from({ length: 50 }, (_, i) => i % 10);
      assertStrictEquals(a.accuracy(set, all), b.accuracy(set, all));
      const ga = a.gradient(x, t), gb = b.gradient(x, t);
      for (const key of Object.keys(ga) as (keyof typeof ga)[]) {
        assertEquals(ga[key].data, gb[key].data, key);
      }
      const na = a.numericalGradient(x, t);
      const nb = b.numericalGradient(x, t);
      assertEquals(na.W1.data, nb.W1.data);
      assert(counts.lists > 0, "the kernels skipped zeros");
      assertStrictEquals(none.lists, 0);
    }
  });
}

Deno.test("SparseRows.fill() keeps exactly the non-zeros, NaN included", () => {
  const s = new SparseRows();
  const a = Matrix.fromRows([[0, NaN, 0, -0], [1, 0, 0, Infinity]]);
  assert(s.fill(a));
  assertStrictEquals(s.nnz, 3);
  assertEquals(Array.from(s.col.subarray(0, 3)), [1, 0, 3]);
  assertEquals(s.toDense().toRows(), [[0, NaN, 0, 0], [1, 0, 0, Infinity]]);
});

/** Asserts that two lists of non-zeros hold the same entries, bit for bit. */
function assertSameLists(got: SparseRows, want: SparseRows, what: string) {
  assertStrictEquals(got.shape, want.shape, what);
  assertStrictEquals(got.nnz, want.nnz, what);
  const n = want.nnz;
  assertEquals(
    got.rowPtr.subarray(0, want.rows + 1),
    want.rowPtr.subarray(0, want.rows + 1),
    what,
  );
  assertEquals(got.col.subarray(0, n), want.col.subarray(0, n), what);
  assertEquals(got.val.subarray(0, n), want.val.subarray(0, n), what);
}

for (const dtype of ["float64", "float32"] as const) {
  Deno.test(`the SIMD ${dtype} kernels list a batch's non-zero pixels as the TypeScript loop does, at every density and width`, () => {
    const kernels = SimdKernels.create({ dtype })!, rng = new Rng(205);
    for (const d of [1, 15, 16, 20, 49, 784]) { // 16-byte chunks, a tail, or none
      for (const density of [0, 0.2, 0.6, 1]) {
        const count = 9, pixels = new Uint8Array(count * d);
        for (let i = 0; i < pixels.length; i++) {
          pixels[i] = rng.uniform() < density ? 1 + rng.int(255) : 0;
        }
        const indices = [3, 0, 8, 8, 1, 5, 2, 7];
        const rows = { bytes: pixels, indices, width: d, scale: 1 / 255 };
        const got = nonZeros(kernels.gatherBytes(rows))!;
        const want = new SparseRows(undefined, dtype);
        want.fillBytes(rows); // compactByteRows
        assertSameLists(got, want, `${d} wide, density ${density}`);
      }
    }
  });
}

Deno.test("assertSameLists() fails on a list one entry off", () => {
  const want = new SparseRows(), got = new SparseRows();
  const a = Matrix.fromRows([[0, 2, 0], [1, 0, 3]]);
  want.fill(a);
  got.fill(a);
  assertSameLists(got, want, "the same");
  got.val[2] = 3 + 2 ** -50; // a value a rounding off
  assertThrows(() => assertSameLists(got, want, "a value"));
  got.fill(a);
  got.col[1] = 1; // an entry in the wrong column
  assertThrows(() => assertSameLists(got, want, "a column"));
});
