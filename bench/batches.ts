// Batches for the benches: real MNIST when it can be loaded, seeded random
// pixels (about as sparse as MNIST) otherwise. `source` says which, and every
// bench name that depends on it includes it.
import { Matrix, Rng } from "../core/mod.ts";
import { gatherLabels, type ImageSet, loadMnist } from "../data/mod.ts";

export interface BenchData {
  source: "MNIST" | "random";
  /** The training images (real or generated), u8. */
  images: ImageSet;
  labels: Uint8Array;
  /** Draws a batch of n images and labels with replacement. */
  batch(rng: Rng, n: number): { x: Matrix; t: Int32Array };
}

async function load(): Promise<
  { source: "MNIST" | "random"; images: ImageSet; labels: Uint8Array }
> {
  try {
    const m = await loadMnist();
    return { source: "MNIST", images: m.xTrain, labels: m.tTrain };
  } catch {
    const { ImageSet } = await import("../data/dataset.ts");
    const rng = new Rng(0), count = 10000;
    const pixels = new Uint8Array(count * 784);
    for (let i = 0; i < pixels.length; i++) {
      pixels[i] = rng.uniform() < 0.19 ? 1 + rng.int(255) : 0;
    }
    const labels = new Uint8Array(count).map(() => rng.int(10));
    return {
      source: "random",
      images: new ImageSet(pixels, [784], { normalize: true }),
      labels,
    };
  }
}

const loaded = await load();

export const data: BenchData = {
  ...loaded,
  batch(rng, n) {
    const idx = Array.from({ length: n }, () => rng.int(loaded.images.count));
    return {
      x: loaded.images.batch(idx),
      t: gatherLabels(loaded.labels, idx) as Int32Array,
    };
  },
};

/** A dense batch of the same shape: uniform pixels in (0, 1], no zeros. */
export function denseBatch(rng: Rng, n: number): { x: Matrix; t: Int32Array } {
  const x = new Matrix(n, 784);
  for (let i = 0; i < x.data.length; i++) x.data[i] = 1 - rng.uniform();
  return { x, t: Int32Array.from({ length: n }, () => rng.int(10)) };
}

/** A seeded N(0, std²) matrix. */
export function normalMatrix(
  rng: Rng,
  rows: number,
  cols: number,
  std = 1,
): Matrix {
  return Matrix.randn(rows, cols, rng, std);
}
