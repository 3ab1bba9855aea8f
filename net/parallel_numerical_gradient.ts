/**
 * The numerical gradient over two threads: the elements of all the
 * parameters, taken in order, are split in half; a Worker computes one half
 * on an exact copy of the net (built from its spec, with the parameters
 * copied), the calling thread the other. Every element is computed exactly as the serial
 * `net.numericalGradient()` computes it, so the result is bit-identical.
 *
 * @module
 */

import { type FloatArray, Matrix } from "../core/matrix.ts";
import { Dropout } from "../layers/dropout.ts";
import type { Labels } from "../layers/labels.ts";
import type { Network } from "./network.ts";
import { numericalGradientShare } from "./numerical_gradient_share.ts";
import { netKind } from "./registry.ts";

/**
 * `net.numericalGradient(x, t)`, with the work shared by the calling thread
 * and one Worker, which imports the net's kind (its registry entry's
 * `module`) and rebuilds the net from its spec. A net with Dropout layers
 * needs their masks frozen (`frozenMask`, after a training-mode forward):
 * the worker holds the same masks (`Dropout.holdMask`). Where the runtime
 * has no Worker (Node), the calling thread does it all: the same result.
 *
 * @throws {TypeError} for a net with a random layer other than a frozen
 * Dropout, or of a kind not registered.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { parallelNumericalGradient, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(0);
 * const net = new TwoLayerNet({ inputSize: 6, hiddenSize: 4, outputSize: 3, rng, weightInitStd: 0.5 });
 * const x = new Matrix(2, 6, Float64Array.from({ length: 12 }, () => rng.uniform()));
 * const both = await parallelNumericalGradient(net, x, [0, 2]);
 * assertEquals(both.W1.data, net.numericalGradient(x, [0, 2]).W1.data);
 * ```
 */
export async function parallelNumericalGradient(
  net: Network,
  x: Matrix,
  t: Labels,
): Promise<Record<string, Matrix>> {
  // Each Dropout's frozen mask, by layer name, for the worker to hold.
  const masks: Record<string, { rows: number; data: Uint8Array }> = {};
  for (const [name, layer] of net.layers) {
    if (!layer.random) continue;
    if (!(layer instanceof Dropout && layer.frozenMask && layer.mask.length)) {
      throw new TypeError(
        `parallelNumericalGradient(): expected a net without random layers (a worker's draws would differ) but found ${name} (a Dropout may come with its masks frozen: frozenMask after a training-mode forward)`,
      );
    }
    masks[name] = { rows: x.rows, data: layer.mask.slice() };
  }
  const { module } = netKind(net.spec.type);
  net.loss(x, t); // validates x and t here, with the caller's messages
  if (typeof Worker === "undefined") return net.numericalGradient(x, t);
  const total = Object.values(net.params).reduce(
    (n, p) => n + p.data.length,
    0,
  );
  const half = Math.floor(total / 2);
  const worker = new Worker(
    new URL("./numerical_gradient_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const theirs = new Promise<Record<string, Float64Array>>(
      (resolve, reject) => {
        worker.onmessage = (
          e,
        ) => (e.data.error
          ? reject(new Error(e.data.error))
          : resolve(e.data.grads));
        worker.onerror = (e) => {
          e.preventDefault();
          reject(
            new Error(
              `parallelNumericalGradient(): the worker failed: ${e.message}`,
            ),
          );
        };
      },
    );
    const params: Record<string, FloatArray> = {};
    for (const [key, p] of Object.entries(net.params)) {
      params[key] = p.data.slice();
    }
    worker.postMessage({
      module,
      spec: net.spec,
      params,
      x: { rows: x.rows, cols: x.cols, data: x.data },
      t: t instanceof Matrix
        ? { rows: t.rows, cols: t.cols, data: t.data }
        : Array.from(t),
      masks,
      start: half,
      end: total,
      // The same kind of kernels as ours, so that the shares agree.
      backend: net.kernels.backend,
      dtype: net.kernels.dtype,
    });
    const ours = numericalGradientShare(net, x, t, 0, half);
    const other = await theirs;
    for (const [key, g] of Object.entries(ours)) {
      const G = g.data, O = other[key];
      for (let i = 0; i < G.length; i++) G[i] += O[i]; // disjoint shares: v + 0 = v exactly
    }
    return ours;
  } finally {
    worker.terminate();
  }
}
