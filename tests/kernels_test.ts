// One suite, every kernel: each fast kernel against the naive oracle.
import {
  assert,
  assertEquals,
  assertFalse,
  assertGreater,
  assertMatch,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { matmul, matmulNT, matmulTN, Matrix, Rng } from "../core/mod.ts";
import { addRowVector, allFinite, axpy, sumColumns } from "../core/naive.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "../core/fast.ts";
import { SparseRows } from "../core/sparse.ts";
import type { BaseKernels } from "../core/dispatch.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import { selectKernels } from "../core/backend.ts";
import { SimdKernels } from "../core/simd/simd.ts";
import { KernelMemoryError } from "../core/simd/memory.ts";
import { simdSupport } from "../core/simd/support.ts";
import { offering, Offers } from "../core/simd/threads.ts";
import { SimpleConvNet, TwoLayerNet } from "../net/mod.ts";
import { place } from "./helpers.ts";

// Sizes that hit every remainder of the 3×2 and 5-column blockings (m, k, n
// mod 3, 2 and 5), plus 1×1 and primes.
const DIMS = [1, 2, 3, 4, 5, 6, 7, 11, 13];

/** A matrix with about `zeros` of its elements exactly 0 (and some −0). */
function sparseish(
  rng: Rng,
  rows: number,
  cols: number,
  zeros: number,
): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    const u = rng.uniform();
    m.data[i] = u < zeros ? (u < zeros / 10 ? -0 : 0) : rng.normal();
  }
  return m;
}

function transpose(a: Matrix): Matrix {
  const t = new Matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) {
      t.data[j * a.rows + i] = a.data[i * a.cols + j];
    }
  }
  return t;
}

Deno.test("fast dense kernels equal the naive ones bit for bit on every blocking remainder", () => {
  const rng = new Rng(100);
  for (const m of DIMS) {
    for (const k of [1, 2, 3, 5, 13]) {
      for (const n of DIMS) {
        const a = sparseish(rng, m, k, 0.3), b = sparseish(rng, k, n, 0.3);
        const shape = `${m}×${k}·${k}×${n}`;
        assertEquals(
          matmulFast(a, b).data,
          matmul(a, b).data,
          `matmul ${shape}`,
        );
        const at = transpose(a), bt = transpose(b);
        assertEquals(
          matmulTNFast(at, b).data,
          matmulTN(at, b).data,
          `matmulTN ${shape}`,
        );
        assertEquals(
          matmulNTFast(a, bt).data,
          matmulNT(a, bt).data,
          `matmulNT ${shape}`,
        );
      }
    }
  }
});

Deno.test("sparse kernels equal the naive ones bit for bit, at any density", () => {
  const rng = new Rng(101);
  const s = new SparseRows(); // reused across shapes, as a layer reuses it
  for (const zeros of [0, 0.5, 0.8, 1]) {
    for (const m of DIMS) {
      for (const k of [1, 4, 13]) {
        for (const n of DIMS) {
          const a = sparseish(rng, m, k, zeros), b = sparseish(rng, k, n, 0.2);
          const d = sparseish(rng, m, n, 0.2);
          assert(s.fill(a));
          const shape = `${m}×${k}, n ${n}, zeros ${zeros}`;
          assertEquals(
            TS_KERNELS.sparseMatmul(s, b).data,
            matmul(a, b).data,
            `A·B ${shape}`,
          );
          assertEquals(
            TS_KERNELS.sparseMatmulTN(s, d).data,
            matmulTN(a, d).data,
            `Aᵀ·B ${shape}`,
          );
        }
      }
    }
  }
});

Deno.test("kernels write into a reused out and reject a wrong one", () => {
  const rng = new Rng(102);
  const a = sparseish(rng, 4, 5, 0.5), b = sparseish(rng, 5, 3, 0);
  const out = new Matrix(4, 3);
  out.data.fill(NaN); // every element must be overwritten
  assertStrictEquals(matmulFast(a, b, out), out);
  assertEquals(out.data, matmul(a, b).data);
  const s = new SparseRows();
  s.fill(a);
  out.data.fill(NaN);
  assertStrictEquals(TS_KERNELS.sparseMatmul(s, b, out), out);
  assertEquals(out.data, matmul(a, b).data);
  assertThrows(
    () => matmulFast(a, b, new Matrix(3, 3)),
    RangeError,
    "matmulFast(): expected out of shape 4×3 but found 3×3",
  );
  assertThrows(
    () => TS_KERNELS.sparseMatmul(s, new Matrix(4, 3)),
    RangeError,
    "sparseMatmul(): expected b with 5 rows (a is 4×5, sparse) but found b of shape 4×3",
  );
  s.fill(sparseish(rng, 4, 4, 0.5));
  const d = sparseish(rng, 4, 4, 0);
  assertMatch(
    (assertThrows(() => TS_KERNELS.sparseMatmulTN(s, d, d), Error)).message,
    /shares its data with an operand/,
  );
});

Deno.test("non-finite values: NaN in A propagates through the sparse kernels; allFinite guards B", () => {
  const a = Matrix.fromRows([[0, NaN, 0], [1, 0, 0]]);
  const b = Matrix.fromRows([[1], [2], [3]]);
  const s = new SparseRows();
  s.fill(a);
  assertEquals(TS_KERNELS.sparseMatmul(s, b).data, matmul(a, b).data); // [NaN, 1]
  assert(Number.isNaN(TS_KERNELS.sparseMatmul(s, b).data[0]));
  // With ∞ in B, the dense result has 0·∞ = NaN where skipping would not: the
  // kernels test allFinite(B) and take the dense kernel then.
  const inf = Matrix.fromRows([[Infinity], [2], [3]]);
  assert(Number.isNaN(matmul(Matrix.fromRows([[0, 1, 0]]), inf).data[0]));
  assertStrictEquals(allFinite(inf), false);
  assertStrictEquals(allFinite(Matrix.fromRows([[NaN]])), false);
  assertStrictEquals(allFinite(Matrix.fromRows([[-Infinity, 1]])), false);
  assertStrictEquals(allFinite(Matrix.fromRows([[1e308, -0, 5e-324]])), true);
});

Deno.test("SparseRows.fill() gives up past maxDensity and builds correct columns", () => {
  const s = new SparseRows();
  assertStrictEquals(s.fill(Matrix.fromRows([[1, 1], [1, 0]]), 0.5), false);
  assertStrictEquals(s.nnz, 0);
  assertStrictEquals(
    s.fill(Matrix.fromRows([[0, 5, 0], [6, 0, 7], [0, 8, 0]]), 0.5),
    true,
  );
  assertEquals(Array.from(s.rowPtr.subarray(0, 4)), [0, 1, 3, 4]);
  const { ptr, index, val } = s.columns();
  assertEquals(Array.from(ptr.subarray(0, 4)), [0, 1, 3, 4]);
  assertEquals(Array.from(index.subarray(0, 4)), [1, 0, 2, 1]);
  assertEquals(Array.from(val.subarray(0, 4)), [6, 5, 8, 7]);
});

Deno.test("matmulTNFast equals the naive kernel bit for bit across its row chunks", () => {
  // More than one chunk of 256 rows, and a remainder.
  const rng = new Rng(103);
  for (const m of [255, 256, 257, 700]) {
    const a = sparseish(rng, m, 7, 0.3), b = sparseish(rng, m, 5, 0.3);
    assertEquals(matmulTNFast(a, b).data, matmulTN(a, b).data, `${m} rows`);
  }
});

Deno.test("the TypeScript kernels' row-by-row Aᵀ·B for small outputs equals the naive kernel bit for bit", () => {
  // K·N ≤ 4096 takes the row-by-row path; a tall A as in a convolution.
  const rng = new Rng(104);
  const s = new SparseRows();
  for (
    const [m, k, n] of [[1000, 25, 30], [3, 4, 5], [600, 64, 64], [600, 65, 64]]
  ) {
    const a = sparseish(rng, m, k, 0.7), b = sparseish(rng, m, n, 0.1);
    s.fill(a);
    assertEquals(
      TS_KERNELS.sparseMatmulTN(s, b).data,
      matmulTN(a, b).data,
      `${m}×${k}, n ${n}`,
    );
  }
});

// Every implementation of the Kernels contract against the naive oracle.
// Bit for bit where the sum order is the naive one (TypeScript; SIMD
// without FMA except A·Bᵀ, whose lanes sum even and odd terms apart);
// otherwise within rounding: |Δ| ≤ 1e-14 · Σ|a·b| per element.
const IMPLEMENTATIONS: [BaseKernels, exact: boolean][] = [
  [TS_KERNELS, true],
  [SimdKernels.create({ fma: false })!, true],
  ...(simdSupport().relaxed
    ? [[SimdKernels.create({ fma: true })!, false] as [BaseKernels, boolean]]
    : []),
  // Where shared memory is missing: every operand copied in and out.
  [SimdKernels.create({ fma: false, shared: false })!, true],
];
// Remainders of the SIMD tiles too: 3 rows × 6 columns, 3×2 for A·Bᵀ and
// 16-column blocks of the sparse product, with pairs and a last column.
const SIMD_DIMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 17, 18, 19];

/** Asserts `got` is `want` to the bit, or within rounding of Σ|terms|. */
function assertClose(
  got: Matrix,
  want: Matrix,
  scale: Matrix,
  exact: boolean,
  what: string,
) {
  if (exact) return assertEquals(got.data, want.data, what);
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    assert(d <= 1e-14 * scale.data[i], `${what}: element ${i} off by ${d}`);
  }
}

function abs(m: Matrix): Matrix {
  return new Matrix(m.rows, m.cols, m.data.map(Math.abs));
}

for (const [kernels, exact] of IMPLEMENTATIONS) {
  Deno.test(`${kernels.name} kernels match the naive ones on every tile remainder, in their memory or not`, () => {
    const rng = new Rng(105);
    let outside = false;
    for (const m of SIMD_DIMS) {
      for (const k of [0, 1, 2, 3, 5, 13]) {
        for (const n of SIMD_DIMS) {
          outside = !outside; // alternate: staged and zero-copy operands
          const a = place(kernels, sparseish(rng, m, k, 0.3), outside);
          const b = place(kernels, sparseish(rng, k, n, 0.3), !outside);
          const shape = `${m}×${k}·${k}×${n}`;
          const out = place(kernels, new Matrix(m, n), outside);
          out.data.fill(NaN); // every element must be overwritten
          assertStrictEquals(kernels.matmul(a, b, out), out);
          assertClose(
            out,
            matmul(a, b),
            matmul(abs(a), abs(b)),
            exact,
            `matmul ${shape}`,
          );
          assertClose(
            kernels.denseMatmul(a, b),
            matmul(a, b),
            matmul(abs(a), abs(b)),
            exact,
            `dense matmul ${shape}`,
          );
          const at = place(kernels, transpose(a), outside);
          const bt = place(kernels, transpose(b), outside);
          assertClose(
            kernels.matmulTN(at, b),
            matmulTN(at, b),
            matmulTN(abs(at), abs(b)),
            exact,
            `matmulTN ${shape}`,
          );
          assertClose(
            kernels.denseMatmulTN(at, b),
            matmulTN(at, b),
            matmulTN(abs(at), abs(b)),
            exact,
            `dense matmulTN ${shape}`,
          );
          assertClose(
            kernels.matmulNT(a, bt),
            matmulNT(a, bt),
            matmulNT(abs(a), abs(bt)),
            exact && kernels === TS_KERNELS,
            `matmulNT ${shape}`,
          );
        }
      }
    }
  });

  Deno.test(`${kernels.name} addRowVector() and sumColumns() equal the naive loops bit for bit, in place too, in their memory or not`, () => {
    const rng = new Rng(106);
    let outside = false;
    for (const m of [1, 2, 5]) {
      for (const n of SIMD_DIMS) {
        outside = !outside;
        const x = place(kernels, sparseish(rng, m, n, 0.3), outside);
        const b = place(kernels, sparseish(rng, 1, n, 0.3), !outside);
        const want = addRowVector(x, b), sums = sumColumns(x);
        const shape = `${m}×${n}`;
        assertEquals(kernels.addRowVector(x, b).data, want.data, shape);
        assertEquals(kernels.sumColumns(x).data, sums.data, shape);
        const out = place(kernels, new Matrix(1, n), outside);
        out.data.fill(NaN); // overwritten, not added to
        assertStrictEquals(kernels.sumColumns(x, out), out);
        assertEquals(out.data, sums.data, `${shape} into out`);
        assertStrictEquals(kernels.addRowVector(x, b, x), x);
        assertEquals(x.data, want.data, `${shape} in place`);
      }
    }
  });

  Deno.test(`${kernels.name} axpy() equals the naive loop bit for bit, in their memory or not`, () => {
    const rng = new Rng(108);
    let outside = false;
    for (const n of SIMD_DIMS) {
      outside = !outside;
      const x = place(kernels, sparseish(rng, 1, n, 0.3), outside);
      const y = place(kernels, sparseish(rng, 1, n, 0.3), !outside);
      if (n === 19) y.data.set([-0, NaN, Infinity, -Infinity], 15);
      const want = axpy(-0.1, x, Matrix.fromRows([[...y.data]]));
      assertStrictEquals(kernels.axpy(-0.1, x, y), y);
      assertEquals(y.data, want.data, `n ${n}`);
    }
    // The check fails on one element one ulp off.
    const x = place(kernels, sparseish(rng, 1, 9, 0), false);
    const y = place(kernels, sparseish(rng, 1, 9, 0), false);
    const want = axpy(0.3, x, Matrix.fromRows([[...y.data]]));
    kernels.axpy(0.3, x, y);
    y.data[4] *= 1 + 2 ** -52;
    assertThrows(() => assertEquals(y.data, want.data));
    assertThrows(
      () => kernels.axpy(1, x, new Matrix(3, 3)),
      RangeError,
      "axpy(): expected x and y of one shape but found 1×9 and 3×3",
    );
  });

  Deno.test(`${kernels.name} kernels sum long products across their cache chunks`, () => {
    // 256 terms per chunk of the SIMD gemm: one short of, at and past a
    // chunk, several chunks; Aᵀ·B over a tall A (a convolution's im2col).
    const rng = new Rng(107);
    for (const k of [255, 256, 257, 700]) {
      const a = place(kernels, sparseish(rng, 4, k, 0.2), false);
      const b = place(kernels, sparseish(rng, k, 7, 0.2), false);
      assertClose(
        kernels.denseMatmul(a, b),
        matmul(a, b),
        matmul(abs(a), abs(b)),
        exact,
        `matmul 4×${k}·${k}×7`,
      );
      const tall = place(kernels, sparseish(rng, k, 5, 0.2), false);
      assertClose(
        kernels.denseMatmulTN(tall, b),
        matmulTN(tall, b),
        matmulTN(abs(tall), abs(b)),
        exact,
        `matmulTN ${k}×5ᵀ·${k}×7`,
      );
    }
  });

  Deno.test(`${kernels.name} sparse products match the naive ones at any density`, () => {
    const rng = new Rng(106);
    const s = new SparseRows(kernels);
    for (const zeros of [0, 0.8, 1]) {
      for (const m of [1, 3, 7, 300]) {
        for (const n of SIMD_DIMS) {
          const k = 13 + (m % 5);
          const a = sparseish(rng, m, k, zeros);
          const b = place(kernels, sparseish(rng, k, n, 0.2), zeros === 0);
          const d = place(kernels, sparseish(rng, m, 400, 0.2), false);
          assert(kernels.compact(a, s));
          const shape = `${m}×${k}, n ${n}, zeros ${zeros}`;
          assertClose(
            kernels.sparseMatmul(s, b),
            matmul(a, b),
            matmul(abs(a), abs(b)),
            exact,
            `A·B ${shape}`,
          );
          assertClose(
            kernels.sparseMatmulTN(s, d),
            matmulTN(a, d),
            matmulTN(abs(a), abs(d)),
            exact,
            `Aᵀ·B ${shape}`,
          );
        }
      }
    }
  });

  Deno.test(`${kernels.name} sparse columns (CSC) and large Aᵀ·B outputs match`, () => {
    // K·N > 4096 takes the by-column lists; the CSC comes from the
    // kernels' transpose (WebAssembly for the SIMD kernels), built by the
    // product and kept.
    const rng = new Rng(109);
    const mine = new SparseRows(kernels), plain = new SparseRows();
    for (const [m, k, n] of [[40, 300, 19], [1, 5000, 2], [123, 97, 61]]) {
      const a = sparseish(rng, m, k, 0.85);
      kernels.compact(a, mine);
      plain.fill(a);
      const d = place(kernels, sparseish(rng, m, n, 0), false);
      assertClose(
        kernels.sparseMatmulTN(mine, d),
        matmulTN(a, d),
        matmulTN(abs(a), abs(d)),
        exact,
        `Aᵀ·B ${m}×${k}, n ${n}`,
      );
      const c = mine.columns(), p = plain.columns();
      assertEquals(c.ptr.subarray(0, k + 1), p.ptr.subarray(0, k + 1));
      assertEquals(
        c.index.subarray(0, mine.nnz),
        p.index.subarray(0, plain.nnz),
      );
      assertEquals(
        c.val.subarray(0, mine.nnz),
        p.val.subarray(0, plain.nnz),
      );
    }
  });

  Deno.test(`${kernels.name} compact() finds the non-zeros the TypeScript loop finds, and gives up where it does`, () => {
    const rng = new Rng(111);
    const mine = new SparseRows(kernels), plain = new SparseRows();
    // Every remainder of the 16-element blocks, all-zero blocks, −0 (a
    // zero) and NaN or ∞ (not zeros); densities on both sides of the limit.
    for (const zeros of [0.3, 0.6, 0.95, 1]) {
      for (const k of [1, 5, 15, 16, 17, 31, 33, 784]) {
        for (const m of [1, 2, 7]) {
          const a = place(kernels, sparseish(rng, m, k, zeros), m === 2);
          if (m === 7 && k > 1) a.data[k + 1] = [NaN, Infinity][k % 2];
          const what = `${m}×${k}, zeros ${zeros}`;
          for (const limit of [1, 0.5]) {
            const ok = kernels.compact(a, mine, limit);
            assertStrictEquals(ok, plain.fill(a, limit), what);
            assertStrictEquals(mine.nnz, plain.nnz, what);
            const nnz = mine.nnz;
            assertEquals(
              mine.rowPtr.subarray(0, ok ? m + 1 : 0),
              plain.rowPtr.subarray(0, ok ? m + 1 : 0),
              what,
            );
            assertEquals(mine.col.subarray(0, nnz), plain.col.subarray(0, nnz));
            assertEquals(mine.val.subarray(0, nnz), plain.val.subarray(0, nnz));
            if (ok) {
              assertEquals(
                mine.toDense().data,
                a.data.map((v) => v === 0 ? 0 : v),
              );
            }
          }
        }
      }
    }
  });

  Deno.test(`${kernels.name} allFinite() finds a NaN or ∞ anywhere`, () => {
    for (const length of [1, 2, 7, 8, 9, 16, 17, 39200]) {
      const a = place(kernels, new Matrix(1, length), false);
      a.data.fill(1e308);
      assertStrictEquals(kernels.allFinite(a), true, `length ${length}`);
      for (const at of new Set([0, length >> 1, length - 1])) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          a.data[at] = bad;
          assertStrictEquals(
            kernels.allFinite(a),
            false,
            `${bad} at ${at} of ${length}`,
          );
          a.data[at] = -0;
        }
      }
    }
  });

  Deno.test(`${kernels.name} kernels propagate NaN and ∞ like the naive ones`, () => {
    const a = place(
      kernels,
      Matrix.fromRows([[0, NaN, 1], [1, 0, Infinity]]),
      false,
    );
    const b = place(kernels, Matrix.fromRows([[1, 2], [3, 4], [5, 6]]), false);
    const want = matmul(a, b).data;
    const got = kernels.matmul(a, b).data;
    for (let i = 0; i < want.length; i++) assert(Object.is(got[i], want[i]));
    const zeroTimesInf = kernels.matmul(
      Matrix.fromRows([[0, 1]]),
      Matrix.fromRows([[Infinity], [1]]),
    );
    assert(Number.isNaN(zeroTimesInf.data[0]));
  });

  Deno.test(`${kernels.name} kernels refuse a wrong or aliased out`, () => {
    const a = place(kernels, Matrix.fromRows([[1, 2], [3, 4]]), false);
    assertMatch(
      (assertThrows(() => kernels.matmul(a, a, new Matrix(3, 2)), RangeError))
        .message,
      /expected out of shape 2×2 but found 3×2/,
    );
    for (
      const product of [kernels.matmul, kernels.matmulTN, kernels.matmulNT]
    ) {
      assertMatch(
        (assertThrows(
          () => product.call(kernels, a, Matrix.zeros(2, 2), a),
          RangeError,
        )).message,
        /shares its data with an operand/,
      );
    }
  });
}

for (const reserve of [true, false]) {
  const memory = reserve ? "made at its cap" : "growing";
  Deno.test(`SimdKernels' memory (${memory}) takes 24 MB more without moving the arrays it handed out`, () => {
    const simd = SimdKernels.create({ reserve })!;
    assertMatch(simd.name, reserve ? /^simd(\+fma)?$/ : / \(growing\)$/);
    const a = new Matrix(2, 2, simd.float64(4));
    a.data.set([1, 2, 3, 4]);
    const before = simd.bytes, extent = simd.memoryBytes;
    assert(extent < 2 ** 20, `${extent} bytes`); // a page or a few, not 2 GiB
    const big = simd.float64(3_000_000); // 24 MB: growing, it must grow
    assertStrictEquals(big.length, 3_000_000);
    assert(simd.bytes >= before + 24_000_000);
    assert(simd.memoryBytes >= before + 24_000_000);
    assertEquals(Array.from(a.data), [1, 2, 3, 4]); // still valid, same values
    const b = new Matrix(2, 2, simd.float64(4));
    b.data.set([1, 0, 0, 1]);
    assertEquals(simd.matmul(a, b).toRows(), [[1, 2], [3, 4]]);
  });
}

Deno.test("SimdKernels on a memory made at its cap compute the growing memory's bits: a TwoLayerNet's and a SimpleConvNet's gradients, float64 and float32", () => {
  const rng = new Rng(5);
  const pixels = Float64Array.from(
    { length: 6 * 784 },
    () => rng.uniform() < 0.2 ? rng.uniform() : 0, // sparse, as MNIST
  );
  const t = [3, 1, 4, 1, 5, 9];
  const gradients = (kernels: SimdKernels) => {
    const x = new Matrix(6, 784, kernels.floats(pixels.length));
    x.data.set(pixels);
    const options = { rng: new Rng(6), kernels, dtype: kernels.dtype };
    const nets = [
      new TwoLayerNet({
        ...options,
        inputSize: 784,
        hiddenSize: 50,
        outputSize: 10,
      }),
      new SimpleConvNet(options),
    ];
    return nets.flatMap((net) =>
      Object.values(net.gradient(x, t)).map((g) => Array.from(g.data))
    );
  };
  for (const dtype of ["float64", "float32"] as const) {
    const fixed = SimdKernels.create({ dtype })!;
    const growing = SimdKernels.create({ dtype, reserve: false })!;
    assertMatch(growing.name, / \(growing\)$/);
    assertEquals(gradients(fixed), gradients(growing), dtype);
  }
  // The comparison can fail: with FMA and without, the bits differ.
  if (simdSupport().relaxed) {
    assertNotEquals(
      gradients(SimdKernels.create({ fma: true })!),
      gradients(SimdKernels.create({ fma: false })!),
    );
  }
});

for (const reserve of [true, false]) {
  Deno.test(`SimdKernels refuse arrays past the memory's 2 GiB cap (${reserve ? "made at it" : "growing"}) with a KernelMemoryError, and keep working`, () => {
    const simd = SimdKernels.create({ reserve })!;
    const a = simd.float64(4);
    a.set([1, 2, 3, 4]);
    const extent = simd.memoryBytes;
    const refused = (length: number) => {
      const e = assertThrows(
        () => simd.float64(length),
        KernelMemoryError,
        "SimdKernels: expected the WebAssembly memory to hold ",
      );
      assert(e instanceof RangeError);
      assertMatch(
        e.message,
        / \d+ bytes \(2\.\d\d GiB\) but found its cap of 2147483648 bytes \(2 GiB\)$/,
      );
    };
    refused(300_000_000); // one array of 2.4 GB: its size past 2³¹ bytes
    assertStrictEquals(simd.memoryBytes, extent); // what was refused not counted
    simd.float64(150_000_000); // 1.2 GB: fits
    refused(150_000_000); // 1.2 GB more does not
    assert(simd.memoryBytes < 2 ** 31, `${simd.memoryBytes}`);
    assertEquals(Array.from(a), [1, 2, 3, 4]);
    const b = simd.float64(4);
    b.set([5, 6, 7, 8]);
    assertEquals(Array.from(a), [1, 2, 3, 4]);
  });
}

Deno.test("SimdKernels refuse an array length that is not a whole number ≥ 0, and the arrays they handed out stay apart", () => {
  for (const reserve of [true, false]) {
    const simd = SimdKernels.create({ reserve })!;
    const a = simd.float32(4);
    a.set([1, 2, 3, 4]);
    for (const length of [NaN, -1, 1.5, Infinity]) {
      const makers: ((n: number) => unknown)[] = [
        (n) => simd.float64(n),
        (n) => simd.float32(n),
        (n) => simd.int32(n),
        (n) => simd.uint8(n),
      ];
      for (const make of makers) {
        assertThrows(
          () => make(length),
          RangeError,
          `SimdKernels: expected an array length, a whole number ≥ 0, but found ${length}`,
        );
      }
    }
    const b = simd.float32(4); // where a NaN length once left the heap's top
    b.fill(7);
    assertEquals(Array.from(a), [1, 2, 3, 4]);
    assert(b.byteOffset >= a.byteOffset + 16);
  }
});

Deno.test("selectKernels() picks the backend and names bad requests", () => {
  assertStrictEquals(selectKernels("T", { backend: "ts" }).name, "ts");
  assertMatch(selectKernels("T", { backend: "simd" }).name, /^simd/);
  assertMatch(
    selectKernels("T", {}).name,
    simdSupport().simd ? /^simd/ : /^ts$/,
  );
  assertThrows(
    () => selectKernels("T", { backend: "gpu" as "ts" }),
    RangeError,
    'T: expected backend "auto", "simd" or "ts" but found "gpu"',
  );
  const mine = SimdKernels.create()!;
  assertStrictEquals(selectKernels("T", { kernels: mine }), mine);
  assertThrows(
    () => selectKernels("T", { kernels: mine, backend: "ts" }),
    RangeError,
    "T: expected kernels or a backend but found both (the kernels are of one backend)",
  );
});

Deno.test("two-thread SimdKernels give the one-thread results bit for bit, and close cleanly", async () => {
  const one = SimdKernels.create()!;
  const two = SimdKernels.create({ threads: 2 })!;
  try {
    await two.ready();
    assertStrictEquals(two.threads, 2);
    const rng = new Rng(108);
    for (const [m, k, n] of [[100, 784, 50], [301, 200, 13], [7, 5000, 30]]) {
      const a = place(two, sparseish(rng, m, k, 0.8), false);
      const b = place(two, sparseish(rng, k, n, 0), true); // staged
      const at = place(two, transpose(a), false);
      const bt = place(two, transpose(b), false);
      const what = `${m}×${k}·${k}×${n}`;
      assertEquals(two.matmul(a, b).data, one.matmul(a, b).data, what);
      assertEquals(
        two.denseMatmul(a, b).data,
        one.denseMatmul(a, b).data,
        what,
      );
      assertEquals(two.matmulTN(at, b).data, one.matmulTN(at, b).data);
      assertEquals(two.matmulNT(a, bt).data, one.matmulNT(a, bt).data);
      const s = new SparseRows(two);
      two.compact(a, s);
      const d = place(two, sparseish(rng, m, n, 0), false);
      assertEquals(two.sparseMatmul(s, b).data, one.sparseMatmul(s, b).data);
      assertEquals(
        two.sparseMatmulTN(s, d).data,
        one.sparseMatmulTN(s, d).data,
      );
    }
  } finally {
    two.close();
  }
  two.close(); // idempotent
  assertStrictEquals(two.threads, 1);
  const a = place(two, Matrix.fromRows([[1, 2]]), false);
  assertEquals(two.matmul(a, Matrix.fromRows([[3], [4]])).toRows(), [[11]]);
});

Deno.test("the f32x4 gemm (bench's float32 comparison) matches a float32 loop to float32 rounding", async () => {
  const { gemm, TILES } = await import("../core/simd/codegen.ts");
  const { wasmModule } = await import("../core/simd/wasm.ts");
  const memory = new WebAssembly.Memory({ initial: 16 });
  const module = new WebAssembly.Module(
    wasmModule([gemm(TILES, simdSupport().relaxed, "f32")]),
  );
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const gemmF32 = exports.gemmF32 as (...args: number[]) => void;
  const rng = new Rng(110);
  for (const [m, k, n] of [[1, 1, 1], [4, 300, 13], [7, 5, 50], [3, 260, 15]]) {
    const A = new Float32Array(memory.buffer, 0, m * k);
    const B = new Float32Array(memory.buffer, 1 << 18, k * n);
    const C = new Float32Array(memory.buffer, 2 << 18, m * n);
    A.forEach((_, i) => A[i] = rng.normal());
    B.forEach((_, i) => B[i] = rng.normal());
    gemmF32(0, 1 << 18, 2 << 18, m, k, n, 4 * k, 4, 0);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0, scale = 0;
        for (let p = 0; p < k; p++) {
          sum += A[i * k + p] * B[p * n + j];
          scale += Math.abs(A[i * k + p] * B[p * n + j]);
        }
        const d = Math.abs(C[i * n + j] - sum);
        assert(
          d <= 1e-6 * scale,
          `${m}×${k}×${n} (${i}, ${j}): off by ${d}`,
        );
      }
    }
  }
});

Deno.test("a product that fails on either thread is an error at once, and the kernels refuse work afterwards", async () => {
  const two = SimdKernels.create({ threads: 2, timeoutMs: 60_000 })!;
  try {
    await two.ready();
    // Four rows of one entry each; the last two read B far outside the
    // memory: a WebAssembly trap in whichever thread claims them.
    const n = 25_000;
    const s = new SparseRows(two);
    s.fill(Matrix.fromRows([[1], [1], [1], [1]]));
    // byte 2.2e9: past the memory's 2 GiB (WebAssembly reads an i32
    // address unsigned), even made at its cap
    s.col.set([0, 0, 11_000, 11_000]);
    const b = new Matrix(1, n, two.float64(n));
    const start = performance.now();
    assertMatch(
      (assertThrows(() => two.sparseMatmul(s, b), Error)).message,
      /^SimdKernels: (the worker failed during a product|a product failed on the calling thread \(RuntimeError)/,
    );
    assert(performance.now() - start < 30_000, "not after the timeout");
    assertMatch(
      (assertThrows(() => two.float64(1), Error)).message,
      /cannot be used any more/,
    );
    assertMatch(
      (assertThrows(
        () => two.matmul(Matrix.zeros(1, 1), Matrix.zeros(1, 1)),
        Error,
      )).message,
      /cannot be used any more/,
    );
  } finally {
    two.close();
  }
});

Deno.test("two-thread SimdKernels give one thread's bits, float64 and float32, while another process holds a core", async () => {
  const busy = new Deno.Command("sh", { args: ["-c", "while :; do :; done"] })
    .spawn();
  const kernels = (["float64", "float32"] as const).map((dtype) => [
    SimdKernels.create({ dtype })!,
    SimdKernels.create({ dtype, threads: 2 })!,
  ]);
  try {
    const rng = new Rng(110);
    offering.measured = false; // offered every time: the worker takes part
    for (const [one, two] of kernels) {
      await two.ready();
      const before = two.splits;
      const f32 = one.dtype === "float32";
      const of = (m: Matrix) =>
        f32 ? new Matrix(m.rows, m.cols, Float32Array.from(m.data)) : m;
      for (const [m, k, n] of [[100, 784, 50], [301, 200, 13], [7, 5000, 30]]) {
        const a = of(sparseish(rng, m, k, 0.8)),
          b = of(sparseish(rng, k, n, 0));
        const d = of(sparseish(rng, m, n, 0));
        const what = `${one.dtype} ${m}×${k}·${k}×${n}`;
        const want = [
          one.matmul(a, b),
          one.denseMatmul(a, b),
          one.matmulTN(a, d),
          one.matmulNT(d, b),
        ].map((c) => c.data);
        for (let i = 0; i < 50; i++) {
          const got = [
            two.matmul(a, b),
            two.denseMatmul(a, b),
            two.matmulTN(a, d),
            two.matmulNT(d, b),
          ];
          got.forEach((c, j) => assertEquals(c.data, want[j], `${what} ${j}`));
        }
      }
      assertGreater(two.splits, before, `${one.dtype}: the worker took part`);
    }
  } finally {
    offering.measured = true;
    busy.kill();
    await busy.status;
    for (const [, two] of kernels) two.close();
  }
});

/**
 * Runs `phases` phases of 32 tasks through `offers` on a clock where a task
 * takes `cost(offered, phase)` ms; gives whether each phase was offered.
 */
function offerPhases(
  phases: number,
  cost: (offered: boolean, phase: number) => number,
): boolean[] {
  let now = 0;
  const offers = new Offers(() => now), ways: boolean[] = [];
  for (let p = 0; p < phases; p++) {
    for (let t = 0; t < 32; t++) {
      const offered = offers.offer(1_000_000);
      if (t === 0) ways.push(offered);
      now += cost(offered, p);
    }
  }
  return ways;
}

Deno.test("two-thread SimdKernels offer tasks to the worker while, and only while, that measures faster", () => {
  // Whether ways[p] is offered exactly when phase p is (not) a probe, the
  // one phase in 32 that tries the slower way, for p in [from, to).
  const only = (ways: boolean[], from: number, to: number, probes: boolean) =>
    ways.slice(from, to).every((w, i) =>
      w === ((from + i) % 32 === 0) === probes
    );
  // The first four phases alternate, offered first.
  const first = [true, false, true, false];
  // Offered tasks slower (another process busy): once both ways are
  // measured, only the probes are offered; offered faster: all but those.
  const loaded = offerPhases(400, (o) => o ? 1.2 : 1);
  assertEquals(loaded.slice(0, 4), first);
  assert(only(loaded, 4, 400, true));
  const idle = offerPhases(400, (o) => o ? 0.8 : 1);
  assertEquals(idle.slice(0, 4), first);
  assert(only(idle, 4, 400, false));
  // The load comes at phase 200 and goes at 500: the way follows within
  // three probes.
  const changing = offerPhases(
    800,
    (offered, p) => (offered === (p < 200 || p >= 500)) ? 0.8 : 1,
  );
  assert(only(changing, 4, 200, false));
  assert(only(changing, 200 + 3 * 32, 500, true));
  assert(only(changing, 500 + 3 * 32, 800, false));
  // The check fails on a chooser that does not measure.
  offering.measured = false;
  try {
    assertFalse(only(offerPhases(400, (o) => o ? 1.2 : 1), 4, 400, true));
  } finally {
    offering.measured = true;
  }
});
