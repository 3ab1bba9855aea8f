// Naive vs fast (pure TypeScript) vs WebAssembly SIMD kernels at the shapes
// TwoLayerNet(784, 50, 10) really uses. The naive kernel is each group's
// baseline; each name carries the product's FLOP count (2·M·K·N), so
// GFLOP/s = MFLOP / (µs per call) · 1000. `deno task bench:gflops` prints
// that division for every kernel. SIMD operands live in the kernels' memory,
// as a net built on them has its parameters and batches.
import {
  allFinite,
  matmul,
  matmulNT,
  matmulTN,
  Matrix,
  Rng,
  TS_KERNELS,
} from "../core/mod.ts";
import { matmulFast, matmulNTFast, matmulTNFast } from "../core/fast.ts";
import { SparseRows } from "../core/sparse.ts";
import { SimdKernels } from "../core/simd/simd.ts";
import { data, normalMatrix } from "./batches.ts";

const rng = new Rng(1);
// Not closed: deno bench ends the process when the benches are done.
const simd = SimdKernels.create()!, simd2 = SimdKernels.create({ threads: 2 })!;
await simd2.ready();
/** A copy of `m` in the memory of `k` (SIMD kernels). */
const inside = (k: SimdKernels, m: Matrix) => {
  const c = new Matrix(m.rows, m.cols, k.float64(m.data.length));
  c.data.set(m.data);
  return c;
};
const W1 = normalMatrix(rng, 784, 50, 0.01),
  W2 = normalMatrix(rng, 50, 10, 0.1);
const mflop = (m: number, k: number, n: number) =>
  `${((2 * m * k * n) / 1e6).toFixed(2)} MFLOP`;
const src = data.source;

function group(
  name: string,
  [m, k, n]: [number, number, number],
  kernels: Record<string, () => void>,
  options: { n?: number; warmup?: number } = {},
) {
  const g = `${name}, ${mflop(m, k, n)}`;
  let first = true;
  for (const [label, fn] of Object.entries(kernels)) {
    // Deno wants bench names unique per file: the short shape tag does it.
    Deno.bench(`${label} [${m}×${k}×${n}]`, {
      group: g,
      baseline: first,
      ...options,
    }, fn);
    first = false;
  }
}

/**
 * The SIMD rows of an x·W group: dense, sparse (incl. the finiteness check
 * and the CSR build), and what `matmul` chooses, on 1 and 2 threads;
 * operands in the kernels' memory.
 */
function simdRows(x: Matrix, W: Matrix): Record<string, () => void> {
  const rows: Record<string, () => void> = {};
  for (
    const [label, k] of [["simd", simd], ["simd 2 threads", simd2]] as const
  ) {
    const xIn = inside(k, x), WIn = inside(k, W);
    const out = new Matrix(x.rows, W.cols, k.float64(x.rows * W.cols));
    const s = new SparseRows(k);
    rows[label] = () => void k.denseMatmul(xIn, WIn, out);
    rows[`${label} sparse (incl. guard, CSR build)`] = () => {
      k.allFinite(WIn);
      k.compact(xIn, s);
      k.sparseMatmul(s, WIn, out);
    };
    rows[`${label} matmul (as the kernels choose)`] = () =>
      void k.matmul(xIn, WIn, out);
  }
  return rows;
}

/** The same for dW1 = xᵀ·dout (sparse: incl. the CSC build). */
function simdTN(x: Matrix, dY: Matrix): Record<string, () => void> {
  const rows: Record<string, () => void> = {};
  for (
    const [label, k] of [["simd", simd], ["simd 2 threads", simd2]] as const
  ) {
    const xIn = inside(k, x), dYin = inside(k, dY);
    const out = new Matrix(x.cols, dY.cols, k.float64(x.cols * dY.cols));
    const s = new SparseRows(k);
    rows[label] = () => void k.denseMatmulTN(xIn, dYin, out);
    rows[`${label} sparse (incl. CSC build)`] = () => {
      k.compact(xIn, s); // invalidates the columns, rebuilt as in training
      k.sparseMatmulTN(s, dYin, out);
    };
  }
  return rows;
}

// Forward of the first layer: x (100×784, pixels) · W1.
{
  const { x } = data.batch(rng, 100);
  const out = new Matrix(100, 50), s = new SparseRows();
  group(`x·W1 100×784·784×50 (${src} x)`, [100, 784, 50], {
    naive: () => void matmul(x, W1, out),
    fast: () => void matmulFast(x, W1, out),
    "sparse (incl. guard, CSR build)": () =>
      void (allFinite(W1), s.fill(x), TS_KERNELS.sparseMatmul(s, W1, out)),
    ...simdRows(x, W1),
  });
}
// The first layer's weight gradient: xᵀ (784×100) · dout (100×50).
{
  const { x } = data.batch(rng, 100);
  const dY = normalMatrix(rng, 100, 50),
    out = new Matrix(784, 50),
    s = new SparseRows();
  s.fill(x);
  group(`dW1 = xᵀ·dout 784×100·100×50 (${src} x)`, [784, 100, 50], {
    naive: () => void matmulTN(x, dY, out),
    fast: () => void matmulTNFast(x, dY, out),
    "sparse (CSR given, incl. CSC build)": () => {
      s.fill(x); // invalidates the columns, so they are rebuilt as in training
      TS_KERNELS.sparseMatmulTN(s, dY, out);
    },
    ...simdTN(x, dY),
  });
}
// Second layer: h (100×50) · W2, and its dx = dout · W2ᵀ.
{
  const h = normalMatrix(rng, 100, 50), out = new Matrix(100, 10);
  const hIn = inside(simd, h), W2in = inside(simd, W2);
  const outIn = inside(simd, out);
  group("h·W2 100×50·50×10", [100, 50, 10], {
    naive: () => void matmul(h, W2, out),
    fast: () => void matmulFast(h, W2, out),
    simd: () => void simd.denseMatmul(hIn, W2in, outIn),
  });
  const dY = normalMatrix(rng, 100, 10), dx = new Matrix(100, 50);
  const dYin = inside(simd, dY), dxIn = inside(simd, dx);
  group("dx2 = dout·W2ᵀ 100×10·10×50", [100, 10, 50], {
    naive: () => void matmulNT(dY, W2, dx),
    fast: () => void matmulNTFast(dY, W2, dx),
    simd: () => void simd.matmulNT(dYin, W2in, dxIn),
  });
}
// The gradient check's forward: 3 images.
{
  const { x } = data.batch(rng, 3);
  const out = new Matrix(3, 50), s = new SparseRows();
  group(`x·W1 3×784·784×50 (${src} x, gradient check)`, [3, 784, 50], {
    naive: () => void matmul(x, W1, out),
    fast: () => void matmulFast(x, W1, out),
    "sparse (incl. guard, CSR build)": () =>
      void (allFinite(W1), s.fill(x), TS_KERNELS.sparseMatmul(s, W1, out)),
    ...simdRows(x, W1),
  });
}
// Evaluation: 10000 images at once (train.ts evaluates 1000 rows per call).
{
  const x = data.images.sliceRows(0, 10000);
  const out = new Matrix(10000, 50), s = new SparseRows();
  group(`x·W1 10000×784·784×50 (${src} x, evaluation)`, [10000, 784, 50], {
    naive: () => void matmul(x, W1, out),
    fast: () => void matmulFast(x, W1, out),
    "sparse (incl. guard, CSR build)": () =>
      void (allFinite(W1), s.fill(x), TS_KERNELS.sparseMatmul(s, W1, out)),
    ...simdRows(x, W1),
  }, { n: 5, warmup: 1 });
}
// The finiteness check that guards the sparse path, once per product.
{
  const W1in = inside(simd, W1);
  Deno.bench("allFinite(W1), 784×50, ts", { group: "guards" }, () => {
    allFinite(W1);
  });
  Deno.bench("allFinite(W1), 784×50, simd", { group: "guards" }, () => {
    simd.allFinite(W1in);
  });
}
// Float32 beside float64: the SIMD gemm in f32x4 (four lanes a vector, its
// own tiles) and in f64x2, on dense operands: x·W1 and dW1 = xᵀ·dout.
{
  const { gemm, TILES, TILES_F32 } = await import("../core/simd/codegen.ts");
  const { wasmModule } = await import("../core/simd/wasm.ts");
  const { MAX_PAGES } = await import("../core/simd/module.ts");
  const memory = new WebAssembly.Memory({
    initial: 256, // 16 MB
    maximum: MAX_PAGES,
    shared: true,
  });
  const module = new WebAssembly.Module(
    wasmModule([gemm(TILES, true), gemm(TILES_F32, true, "f32")], MAX_PAGES),
  );
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const f64 = exports.gemm as (...args: number[]) => void;
  const f32 = exports.gemmF32 as (...args: number[]) => void;
  // Operands at fixed offsets, random values (4 MB apart).
  const A = 0, B = 1 << 22, C = 2 << 22;
  new Float64Array(memory.buffer, 0, (3 << 22) / 8).forEach((_, i, a) =>
    a[i] = rng.uniform()
  );
  group("SIMD dense, float64 vs float32, x·W1", [100, 784, 50], {
    "simd f64": () => f64(A, B, C, 100, 784, 50, 8 * 784, 8, 0),
    "simd f32": () => f32(A, B, C, 100, 784, 50, 4 * 784, 4, 0),
  });
  group("SIMD dense, float64 vs float32, dW1 = xᵀ·dout", [784, 100, 50], {
    "simd f64": () => f64(A, B, C, 784, 100, 50, 8, 8 * 784, 0),
    "simd f32": () => f32(A, B, C, 784, 100, 50, 4, 4 * 784, 0),
  });
}
