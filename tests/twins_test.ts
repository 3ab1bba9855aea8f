// The float32 twins of the TypeScript kernels' loops (core/f32.ts, written
// by `deno task gen`): the file is what the generator writes from today's
// sources; the float32 kernels run them and get, on float32 arrays, the
// bits of the float64 loops they were copied from and of the naive kernels.
import { assertEquals, assertNotStrictEquals, assertThrows } from "@std/assert";
import {
  type Kernels,
  matmul,
  matmulNT,
  matmulTN,
  Matrix,
  Rng,
  TsKernels,
} from "../core/mod.ts";
import * as f32 from "../core/f32.ts";
import { type Loops, loopsOf } from "../core/loops.ts";
import { generate, TARGET, TWINS } from "../gen.ts";

const root = new URL("../", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, root));

Deno.test("core/f32.ts is what `deno task gen` writes from its sources", () => {
  assertEquals(
    read(TARGET),
    generate(read),
    "core/f32.ts is stale: run `deno task gen`",
  );
});

/** The sources, with `from` replaced by `to` in `file`. */
function editing(file: string, from: string, to: string) {
  return (path: string) =>
    path === file ? read(path).replace(from, to) : read(path);
}

Deno.test("the staleness check fails when a twinned loop changes, and gen.ts names what it cannot copy", () => {
  const edit = "c0 += v * B[bp] * 1;";
  const text = generate(editing("core/sparse.ts", "c0 += v * B[bp];", edit));
  assertNotStrictEquals(text, read(TARGET));
  assertEquals(text.split(edit).length, 2); // the twin took the edit
  assertThrows(
    () =>
      generate(
        editing("core/fast.ts", "function matmulNTFast(", "function renamed("),
      ),
    Error,
    "gen.ts: expected a top-level function matmulNTFast in core/fast.ts but found none",
  );
  assertThrows(
    () =>
      generate(
        editing("core/fast.ts", "export const TN_CHUNK", "const TN_CHUNK"),
      ),
    Error,
    "gen.ts: expected core/fast.ts to export TN_CHUNK (its twin matmulTNFast uses it) but found it private",
  );
});

Deno.test("every loop of the kernels has a float32 twin, a function of its own", () => {
  const f64 = loopsOf("float64"), f32Loops = loopsOf("float32");
  assertEquals(Object.keys(f32).sort(), Object.keys(f64).sort());
  for (const name of Object.keys(f64) as (keyof Loops)[]) {
    assertEquals(f32Loops[name], f32[name], name);
    assertNotStrictEquals(f32Loops[name], f64[name], name);
  }
  assertEquals(
    Object.values(TWINS).flat().filter((name) => !(name in f64)).sort(),
    ["scaleInto", "sum4", "transpose"], // helpers the twins call
  );
});

/** Float32 kernels running the float64 loops (the twins' source). */
class SourceLoops extends TsKernels {
  protected override readonly loops: Loops = loopsOf("float64");
}

/** A float32 matrix, about `zeros` of it exactly 0 (some −0). */
function f32Matrix(rng: Rng, rows: number, cols: number, zeros = 0): Matrix {
  const m = new Matrix(rows, cols, new Float32Array(rows * cols));
  for (let i = 0; i < m.data.length; i++) {
    const u = rng.uniform();
    m.data[i] = u < zeros ? (u < zeros / 10 ? -0 : 0) : rng.normal();
  }
  return m;
}

/**
 * Every method of `k` that runs a loop, on seeded float32 operands:
 * products dense and sparse (either Aᵀ·B path), bias, column sums, ReLU,
 * the finiteness guard, pixels, pooling and the convolution; the results
 * by name.
 */
function everyLoop(k: Kernels): Record<string, ArrayLike<number>> {
  const rng = new Rng(23);
  const sparse = f32Matrix(rng, 7, 13, 0.8), dense = f32Matrix(rng, 7, 13);
  const b = f32Matrix(rng, 13, 11), d = f32Matrix(rng, 7, 11);
  const wide = f32Matrix(rng, 9, 70, 0.8), w = f32Matrix(rng, 70, 5);
  const tall = f32Matrix(rng, 9, 70); // 70·70 outputs: by columns
  const out: Record<string, ArrayLike<number>> = {};
  out["A·B sparse"] = k.matmul(sparse, b).data;
  out["Aᵀ·B sparse, by rows"] = k.matmulTN(sparse, d).data;
  out["A·B dense"] = k.matmul(dense, b).data;
  out["Aᵀ·B dense"] = k.matmulTN(dense, d).data;
  out["A·Bᵀ"] = k.matmulNT(dense, f32Matrix(rng, 5, 13)).data;
  k.matmul(wide, w);
  out["Aᵀ·B sparse, by columns"] = k.matmulTN(wide, tall).data;
  out["bias"] = k.addRowVector(dense, f32Matrix(rng, 1, 13)).data;
  out["column sums"] = k.sumColumns(dense).data;
  out["axpy"] = k.axpy(-0.1, f32Matrix(rng, 7, 13), f32Matrix(rng, 7, 13)).data;
  const relu = k.buffer(undefined, 7, 13), mask = new Uint8Array(7 * 13);
  k.relu(dense, relu, mask);
  const dx = k.buffer(undefined, 7, 13);
  k.reluBackward(f32Matrix(rng, 7, 13), mask, dx);
  out["relu"] = relu.data;
  out["relu mask"] = mask;
  out["relu backward"] = dx.data;
  const nan = f32Matrix(rng, 3, 5);
  nan.data[11] = NaN;
  out["allFinite"] = [Number(k.allFinite(dense)), Number(k.allFinite(nan))];
  const pixels = Uint8Array.from(
    { length: 6 * 20 },
    () => rng.uniform() < 0.8 ? 0 : rng.int(256),
  );
  const rows = {
    bytes: pixels,
    indices: [4, 0, 5, 2],
    width: 20,
    scale: 1 / 255,
  };
  out["gathered · W"] =
    k.matmul(k.gatherBytes(rows), f32Matrix(rng, 20, 3)).data;
  out["pixels"] =
    k.gatherBytes(rows, new Matrix(4, 20, new Float32Array(80))).data;
  const images = f32Matrix(rng, 2, 2 * 5 * 5);
  const pool = { height: 2, width: 2, stride: 2, pad: 1 };
  const pooled = k.buffer(undefined, 2, 2 * 3 * 3), argmax = new Int32Array(36);
  k.maxPool(images, [2, 5, 5], pool, pooled, argmax);
  const unpooled = k.buffer(undefined, 2, 50);
  k.maxPoolBackward(f32Matrix(rng, 2, 18), argmax, unpooled);
  out["pooled"] = pooled.data;
  out["argmax"] = argmax;
  out["pooling backward"] = unpooled.data;
  const W = f32Matrix(rng, 3, 2 * 3 * 3), bias = f32Matrix(rng, 1, 3);
  const window = { height: 3, width: 3, stride: 2, pad: 1 };
  const conv = k.buffer(undefined, 2, 3 * 3 * 3);
  const saved = k.convolution(images, W, bias, [2, 5, 5], window, conv);
  const grads = {
    dW: k.buffer(undefined, 3, 18),
    db: k.buffer(undefined, 1, 3),
    dx: k.buffer(undefined, 2, 50),
  };
  k.convolutionBackward(f32Matrix(rng, 2, 27), W, saved, grads);
  out["convolution"] = conv.data;
  out["convolution dW"] = grads.dW.data;
  out["convolution db"] = grads.db.data;
  out["convolution dx"] = grads.dx.data;
  return out;
}

/** Asserts two runs of `everyLoop` gave the same bits (and float32 values). */
function assertSameBits(
  got: Record<string, ArrayLike<number>>,
  want: Record<string, ArrayLike<number>>,
): void {
  assertEquals(Object.keys(got), Object.keys(want));
  for (const name of Object.keys(want)) {
    assertEquals(Array.from(got[name]), Array.from(want[name]), name);
  }
  assertEquals(got["A·B sparse"].constructor, Float32Array);
}

Deno.test("the float32 TypeScript kernels run the twins and give the bits of the float64 loops on float32 arrays", () => {
  const twins = new TsKernels({ dtype: "float32" });
  assertSameBits(
    everyLoop(twins),
    everyLoop(new SourceLoops({ dtype: "float32" })),
  );
});

Deno.test("the bit-for-bit comparison fails on one loop one ulp off", () => {
  class OneOff extends TsKernels {
    protected override readonly loops: Loops = {
      ...loopsOf("float32"),
      sumColumns: (x: Matrix, out?: Matrix) => {
        const c = f32.sumColumns(x, out);
        c.data[2] = Math.fround(c.data[2] * (1 + 2 ** -23));
        return c;
      },
    };
  }
  const got = everyLoop(new OneOff({ dtype: "float32" }));
  const want = everyLoop(new TsKernels({ dtype: "float32" }));
  assertThrows(() => assertSameBits(got, want), Error, "column sums");
});

// Where the float32 kernels sum each output in float64 and round it once, as
// the naive kernels do: the products, dense and sparse, and Aᵀ·B by the
// columns of a sparse A or densely within one 256-row chunk. (Aᵀ·B by rows,
// for small outputs, and the dense Aᵀ·B past 256 rows add into the float32
// output: within float32 rounding of the naive sums, tests/float32_test.ts.)
Deno.test("the float32 TypeScript products equal the naive kernels on float32 arrays bit for bit", () => {
  const rng = new Rng(24), k = new TsKernels({ dtype: "float32" });
  for (const [m, kk, n] of [[1, 1, 1], [4, 5, 7], [7, 13, 11], [9, 70, 70]]) {
    for (const zeros of [0, 0.5, 0.8]) {
      const a = f32Matrix(rng, m, kk, zeros), b = f32Matrix(rng, kk, n);
      const d = f32Matrix(rng, m, n), e = f32Matrix(rng, n, kk);
      const shape = `${m}×${kk}, n ${n}, zeros ${zeros}`;
      assertEquals(k.matmul(a, b).data, matmul(a, b).data, `A·B ${shape}`);
      assertEquals(k.matmulNT(a, e).data, matmulNT(a, e).data, `A·Bᵀ ${shape}`);
      assertEquals(
        k.denseMatmulTN(a, d).data,
        matmulTN(a, d).data,
        `Aᵀ·B ${shape}`,
      );
      if (kk * n > 4096) { // by a's columns, as matmul(a, b) found them
        assertEquals(
          k.matmulTN(a, d).data,
          matmulTN(a, d).data,
          `Aᵀ·B ${shape}, sparse`,
        );
      }
    }
  }
});
