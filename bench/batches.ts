// Batches for the benches: real MNIST when it can be loaded, seeded random
// pixels (about as sparse as MNIST) otherwise. `source` says which, and every
// bench name that depends on it includes it.
import { Matrix, Rng } from "../core/mod.ts";
import { gatherLabels, type ImageSet, loadMnist } from "../data/mod.ts";
import type { Network } from "../net/mod.ts";
import { Adam, SGD } from "../optim/mod.ts";

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

/** The book's TwoLayerNet(input_size=784, hidden_size=50, output_size=10). */
export const BOOK = { inputSize: 784, hiddenSize: 50, outputSize: 10 };

/**
 * One training iteration as the Trainer runs it: 100 indices drawn with
 * replacement, their pixels gathered by the net's kernels (into their
 * memory), gradient, and the book's SGD (lr 0.1) in the net's kernels.
 */
export function mnistIteration(net: Network, rng: Rng): () => void {
  const optimizer = new SGD({ lr: 0.1 });
  const indices = new Int32Array(100);
  let x: Matrix | undefined, t: Int32Array | Matrix | undefined;
  return () => {
    for (let k = 0; k < 100; k++) indices[k] = rng.int(data.images.count);
    t = gatherLabels(data.labels, indices, t);
    x = data.images.batch(indices, x, net.kernels);
    optimizer.update(net.params, net.gradient(x, t), net.kernels);
  };
}

/** An Adam step of `net` over four seeded batches of 100, round robin. */
export function adamSteps(net: Network, rng: Rng): () => void {
  const adam = new Adam();
  const batches = Array.from({ length: 4 }, () => data.batch(rng, 100));
  let i = 0;
  return () => {
    const { x, t } = batches[i++ % batches.length];
    adam.update(net.params, net.gradient(x, t));
  };
}
