// What the train page's graph view shows of a net (web/train.html): one
// forward and backward pass of a batch through the net's own layers, in
// order, with the mean and spread of what each layer puts out and of the
// gradient that comes back into it (the chapter's computational graph,
// Affine1 → Relu1 → Affine2 → SoftmaxWithLoss, as numbers); and the first
// layer's weights as small images. Runs in the training Worker.

import type { Matrix } from "../core/matrix.ts";
import type { Labels } from "../layers/labels.ts";
import type { Network } from "../net/network.ts";
import { Convolution } from "../layers/convolution.ts";

/** The mean and standard deviation of a matrix's elements, and its shape. */
export interface Stats {
  shape: string;
  mean: number;
  std: number;
}

/** One node of the graph: a layer, or the loss. */
export interface NodeView {
  /** The book's name: Affine1, Relu1, …, SoftmaxWithLoss. */
  name: string;
  /** What it put out (for the loss node: its softmax `y`). */
  out: Stats;
  /** ∂L/∂out, the gradient that came back into it (the loss node: 1). */
  dout?: Stats;
  /** Its parameters and their gradients. */
  params: { name: string; value: Stats; grad: Stats }[];
}

/** A whole view: the input, the nodes in forward order, the batch's loss. */
export interface NetView {
  x: Stats;
  nodes: NodeView[];
  loss: number;
}

/** Mean and (population) standard deviation of `m`'s elements. */
export function stats(m: Matrix): Stats {
  const d = m.data;
  let sum = 0;
  for (let i = 0; i < d.length; i++) sum += d[i];
  const mean = sum / d.length;
  let sq = 0;
  for (let i = 0; i < d.length; i++) sq += (d[i] - mean) ** 2;
  return { shape: m.shape, mean, std: Math.sqrt(sq / d.length) };
}

/**
 * Forward and backward through `net.layers` and its loss layer on `x`, `t`,
 * as `net.gradient` does, taking the statistics on the way. Leaves the
 * layers' gradient buffers holding this batch's gradient (the next
 * training step overwrites them).
 */
export function viewNet(net: Network, x: Matrix, t: Labels): NetView {
  // Each figure goes into `figures`, whose elements are stored as plain
  // doubles, as soon as it is computed; the view's objects are built from
  // it at the end. Built on the way, they were seen in Deno 2.9.6 (V8 15.0)
  // to hold, now and then, the figures of the next one: Relu1's "out" those
  // of Affine2's (tests/train_page_test.ts, twice in twelve runs; never
  // when one process did only this).
  const shapes: string[] = [], figures: number[] = [];
  const take = (m: Matrix): number => {
    const s = stats(m);
    figures.push(s.mean, s.std);
    return shapes.push(s.shape) - 1;
  };
  const layers = [...net.layers];
  const outs: number[] = [], douts: number[] = [];
  const params: { name: string; value: number; grad: number }[][] = [];
  // The net's names for the parameters (W1, b1, …), by matrix.
  const names = new Map(
    Object.entries(net.params).map(([name, m]) => [m, name]),
  );
  let out = x;
  for (const [, layer] of layers) {
    out = layer.forward(out);
    outs.push(take(out));
  }
  const loss = net.lastLayer.forward(out, t);
  const y = take(net.lastLayer.y!);
  let dout = net.lastLayer.backward();
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i][1];
    douts[i] = take(dout);
    const dx = layer.backward(dout);
    params[i] = layer.params().map((p) => ({
      name: names.get(p.value) ?? p.name,
      value: take(p.value),
      grad: take(p.grad),
    }));
    if (dx === undefined) break; // the first layer needs no dx
    dout = dx;
  }
  const at = (k: number): Stats => ({
    shape: shapes[k],
    mean: figures[2 * k],
    std: figures[2 * k + 1],
  });
  const nodes: NodeView[] = layers.map(([name], i) => ({
    name,
    out: at(outs[i]),
    dout: douts[i] === undefined ? undefined : at(douts[i]),
    params: (params[i] ?? []).map((p) => ({
      name: p.name,
      value: at(p.value),
      grad: at(p.grad),
    })),
  }));
  nodes.push({ name: "SoftmaxWithLoss", out: at(y), params: [] });
  return { x: at(take(x)), nodes, loss };
}

/**
 * The first layer's weights as `count` square images, each scaled to
 * [-1, 1] by its own largest |value|: an Affine's columns of W (784 → 28×28)
 * or a Convolution's filters (rows of W, C·FH·FW → FH×FW of the first
 * channel). Undefined when a column is not a square image.
 */
export function weightImages(
  net: Network,
  count: number,
): { side: number; images: Float32Array[] } | undefined {
  const layer = net.layers.values().next().value;
  const first = layer?.params()[0]?.value;
  if (first === undefined) return undefined;
  // A Convolution's W is FN×(C·FH·FW): the first channel's FH·FW pixels.
  const conv = layer instanceof Convolution;
  const n = Math.min(count, conv ? first.rows : first.cols);
  const pixels = conv ? first.cols / layer.inputShape[0] : first.rows;
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) return undefined;
  const images: Float32Array[] = [];
  for (let j = 0; j < n; j++) {
    const img = new Float32Array(side * side);
    let max = 0;
    for (let i = 0; i < img.length; i++) {
      img[i] = conv
        ? first.data[j * first.cols + i]
        : first.data[i * first.cols + j];
      max = Math.max(max, Math.abs(img[i]));
    }
    if (max > 0) { for (let i = 0; i < img.length; i++) img[i] /= max; }
    images.push(img);
  }
  return { side, images };
}
