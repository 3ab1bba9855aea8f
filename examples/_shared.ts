// What the chapter-6 experiments share: MNIST, seeded minibatches, accuracy
// over a set. Not part of the published package.

import type { Matrix, Rng } from "../core/mod.ts";
import { gatherLabels, type ImageSet, loadMnist } from "../data/mod.ts";
import type { MultiLayerNet } from "../net/mod.ts";

export const mnist = await loadMnist();

/** A draw of `batchSize` of the first `count` training images, with replacement. */
export function sampler(
  rng: Rng,
  batchSize: number,
  count = mnist.xTrain.count,
) {
  const indices = new Int32Array(batchSize);
  let x: Matrix | undefined, t: Int32Array | Matrix | undefined;
  return () => {
    for (let k = 0; k < batchSize; k++) indices[k] = rng.int(count);
    x = mnist.xTrain.batch(indices, x);
    t = gatherLabels(mnist.tTrain as Uint8Array, indices, t);
    return { x, t: t as Int32Array };
  };
}

/** Test-mode accuracy of `net` on the first `count` images of a set. */
export function accuracy(
  net: MultiLayerNet,
  images: ImageSet,
  labels: Uint8Array,
  count = images.count,
): number {
  let correct = 0, buf: Matrix | undefined;
  for (let start = 0; start < count; start += 1000) {
    const end = Math.min(count, start + 1000);
    buf = images.rows(start, end, buf);
    correct += Math.round(
      net.accuracy(buf, labels.subarray(start, end)) * (end - start),
    );
  }
  return correct / count;
}

/** Prints rows of numbers under a header, fixed-width. */
export function table(header: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number) =>
    (typeof v === "number" ? v.toFixed(4) : v).padStart(12);
  console.log(header.map(cell).join(""));
  for (const row of rows) console.log(row.map(cell).join(""));
}
