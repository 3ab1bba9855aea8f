// Small helpers shared by the tests (not part of the published package).

import { Matrix } from "../core/matrix.ts";
import type { Rng } from "../core/rng.ts";
import type { Layer } from "../layers/layer.ts";
import { ImageSet } from "../data/dataset.ts";
import { numericalGradient } from "../net/numerical_gradient.ts";

const TASKS = JSON.parse(
  await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
).tasks as Record<string, string>;

/**
 * The permissions of a task in deno.json (the flags between `run` and the
 * script), so the tests run the CLIs exactly as `deno task` does.
 */
export function taskFlags(task: string, script: string): string[] {
  const words = TASKS[task].split(" ");
  return words.slice(words.indexOf("run") + 1, words.indexOf(script));
}

/** A rows×cols matrix of uniform samples in [lo, hi). */
export function uniformMatrix(
  rng: Rng,
  rows: number,
  cols: number,
  lo = -1,
  hi = 1,
): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) {
    m.data[i] = lo + (hi - lo) * rng.uniform();
  }
  return m;
}

/**
 * A copy of `m`, in `kernels`' memory (their `float64`) unless `outside`:
 * the two ways an operand reaches the SIMD kernels.
 */
export function place(
  kernels: { float64(length: number): Float64Array },
  m: Matrix,
  outside: boolean,
): Matrix {
  const copy = new Matrix(
    m.rows,
    m.cols,
    outside ? undefined : kernels.float64(m.data.length),
  );
  copy.data.set(m.data);
  return copy;
}

/** The largest |a − b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(`maxAbsDiff(): lengths ${a.length} and ${b.length}`);
  }
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Checks a layer's backward against the numerical gradient of the scalar
 * L = Σ forward(x) ⊙ R for a fixed random R, so that ∂L/∂out = R is the
 * `dout` fed to backward. Returns the largest |backprop − numerical| over dx
 * and every parameter's grad.
 */
export function layerGradientError(layer: Layer, x: Matrix, rng: Rng): number {
  const out = layer.forward(x);
  const R = uniformMatrix(rng, out.rows, out.cols);
  const L = () => {
    const y = layer.forward(x).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * R.data[i];
    return s;
  };
  // Backprop first (forward on the unperturbed x), copied out before the
  // numerical gradient's forward passes reuse the layer's buffers.
  layer.forward(x);
  const dx = layer.backward(R)!.data.slice();
  const grads = layer.params().map((p) => p.grad.data.slice());
  let err = maxAbsDiff(dx, numericalGradient(L, x).data);
  layer.params().forEach((p, k) => {
    err = Math.max(
      err,
      maxAbsDiff(grads[k], numericalGradient(L, p.value).data),
    );
  });
  return err;
}

/** n seeded 7×7 "images" (30 % ink) and labels in 0…2 that depend on them. */
export function imageData(rng: Rng, n: number) {
  const pixels = new Uint8Array(n * 49);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = rng.uniform() < 0.3 ? 1 + rng.int(255) : 0;
  }
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = (pixels[i * 49] + pixels[i * 49 + 24]) % 3;
  }
  return { images: new ImageSet(pixels, [49], { normalize: true }), labels };
}

/**
 * The first ```LANG block after `heading` in the README (```js ignore: the
 * doc tests do not run it; the tests that read it do).
 */
export function readmeBlock(
  readme: string,
  heading: string,
  lang: string,
): string {
  const section = readme.slice(readme.indexOf(heading));
  const m = section.match(
    new RegExp("```" + lang + "( ignore)?\\n([\\s\\S]*?)```"),
  );
  if (m === null) throw new Error(`no ${lang} block after ${heading}`);
  return m[2];
}
