// Sparse batches (ImageSet.sparseBatch → SparseRows) as the first Affine
// layer's input: the same numbers as the dense batch, on every backend.
import {
  assert,
  assertEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng, SimdKernels, SparseRows } from "../core/mod.ts";
import { ImageSet } from "../data/mod.ts";
import { Affine } from "../layers/mod.ts";
import { MultiLayerNet, TwoLayerNet } from "../net/mod.ts";

/** `count` images of 7×7 with ~80 % zero pixels (and some 255s). */
function images(rng: Rng, count: number): ImageSet {
  const pixels = new Uint8Array(count * 49);
  for (let i = 0; i < pixels.length; i++) {
    const u = rng.uniform();
    pixels[i] = u < 0.8 ? 0 : u < 0.85 ? 255 : 1 + rng.int(254);
  }
  return new ImageSet(pixels, [49], { normalize: true });
}

for (
  const alloc of [
    undefined,
    SimdKernels.create()!,
    SimdKernels.create({ shared: false })!,
  ]
) {
  Deno.test(`ImageSet.sparseBatch() holds exactly the non-zeros of batch() (${alloc?.name ?? "ts"})`, () => {
    const rng = new Rng(200);
    const set = images(rng, 30);
    const s = new SparseRows(alloc);
    for (const n of [1, 7, 30]) {
      const indices = Array.from({ length: n }, () => rng.int(30));
      const dense = set.batch(indices);
      const viaFill = new SparseRows();
      viaFill.fill(dense);
      set.sparseBatch(indices, s);
      assertStrictEquals(s.shape, `${n}×49`);
      assertStrictEquals(s.nnz, viaFill.nnz);
      assertEquals(
        s.rowPtr.subarray(0, n + 1),
        viaFill.rowPtr.subarray(0, n + 1),
      );
      assertEquals(
        s.col.subarray(0, s.nnz),
        viaFill.col.subarray(0, s.nnz),
      );
      assertEquals(
        s.val.subarray(0, s.nnz),
        viaFill.val.subarray(0, s.nnz),
      );
      assertEquals(s.toDense().data, dense.data);
    }
    assertThrows(
      () => set.sparseBatch([0, 30]),
      RangeError,
      "ImageSet.sparseBatch(): expected indices in [0, 30) but found indices[1] = 30",
    );
    // Rows of 784 bytes (49 chunks of 16) and of 20 (one chunk and a tail).
    for (const d of [784, 20]) {
      const bytes = new Uint8Array(5 * d).map(() =>
        rng.uniform() < 0.8 ? 0 : 1 + rng.int(255)
      );
      const starts = [4 * d, 0, 2 * d];
      s.fillBytes(bytes, starts, d, 0.5);
      const dense = new Matrix(3, d);
      starts.forEach((start, r) => {
        for (let j = 0; j < d; j++) {
          dense.data[r * d + j] = bytes[start + j] * 0.5;
        }
      });
      assertEquals(s.toDense().data, dense.data, `d ${d}`);
    }
  });
}

Deno.test("SparseRows.commit() refuses row pointers that do not fit", () => {
  const s = new SparseRows();
  s.reserve(2, 3);
  s.rowPtr.set([0, 1, 5]);
  assertThrows(
    () => s.commit(2, 4, 3),
    RangeError,
    "SparseRows.commit(): expected rowPtr from 0 to 3 over 2 rows within the arrays but found rowPtr[0] = 0, rowPtr[2] = 5",
  );
});

for (const backend of ["ts", "simd"] as const) {
  Deno.test(`TwoLayerNet and MultiLayerNet give the same numbers for a sparse batch as for the dense one (${backend})`, () => {
    const rng = new Rng(201);
    const set = images(rng, 50);
    const indices = Array.from({ length: 20 }, () => rng.int(50));
    const t = indices.map((i) => i % 10);
    const nets = [
      () =>
        new TwoLayerNet({
          inputSize: 49,
          hiddenSize: 8,
          outputSize: 10,
          rng: new Rng(1),
          backend,
        }),
      () =>
        new MultiLayerNet({
          inputSize: 49,
          hiddenSizes: [8, 6],
          outputSize: 10,
          rng: new Rng(1),
          backend,
          useBatchnorm: true,
          weightDecayLambda: 0.1,
        }),
    ];
    for (const make of nets) {
      const a = make(), b = make();
      const dense = set.batch(indices);
      const sparse = set.sparseBatch(indices, new SparseRows(b.kernels));
      assertStrictEquals(a.loss(dense, t), b.loss(sparse, t));
      assertStrictEquals(a.accuracy(dense, t), b.accuracy(sparse, t));
      assertEquals(a.predict(dense).data, b.predict(sparse).data);
      const ga = a.gradient(dense, t), gb = b.gradient(sparse, t);
      for (const key of Object.keys(ga) as (keyof typeof ga)[]) {
        assertEquals(ga[key].data, gb[key].data, key);
      }
      const na = a.numericalGradient(dense, t);
      const nb = b.numericalGradient(sparse, t);
      assertEquals(na.W1.data, nb.W1.data);
    }
  });
}

Deno.test("Affine with a sparse input still gives NaN for 0·∞, as the dense product does", () => {
  const W = Matrix.fromRows([[Infinity, 1], [2, 3]]);
  const b = Matrix.fromRows([[0, 0]]);
  const x = Matrix.fromRows([[0, 1]]);
  const s = new SparseRows();
  s.fill(x);
  const dense = new Affine(W, b).forward(x).data;
  const sparse = new Affine(W, b).forward(s).data;
  assert(Number.isNaN(dense[0]) && Number.isNaN(sparse[0]));
  assertStrictEquals(sparse[1], dense[1]);
  // And dW through a non-finite dout, which the sparse path must not skip.
  const layer = new Affine(Matrix.fromRows([[1], [2]]), Matrix.fromRows([[0]]));
  layer.forward(s);
  layer.backward(Matrix.fromRows([[Infinity]]));
  assert(Number.isNaN(layer.dW.data[0])); // 0·∞
  assertStrictEquals(layer.dW.data[1], Infinity);
});
