// One thread's share of a net's numerical gradient (not exported from mod.ts).

import type { Matrix } from "../core/matrix.ts";
import type { Labels } from "../layers/labels.ts";
import { sparseOnce, withFiniteWeights } from "./batch.ts";
import { MultiLayerNet } from "./multi_layer_net.ts";
import { numericalGradient } from "./numerical_gradient.ts";
import { SimpleConvNet } from "./simple_conv_net.ts";
import type { TwoLayerNet } from "./two_layer_net.ts";

/**
 * The numerical gradient of `net`'s loss for the parameter elements
 * `start … end−1`, counting through `net.params` in order (0 elsewhere):
 * the same function and steps as the net's own `numericalGradient()`.
 */
export function numericalGradientShare(
  net: TwoLayerNet | MultiLayerNet | SimpleConvNet,
  x: Matrix,
  t: Labels,
  start: number,
  end: number,
): Record<string, Matrix> {
  let f: () => number;
  if (net instanceof SimpleConvNet) f = () => net.loss(x, t);
  else {
    const xs = sparseOnce(x, net.kernels);
    f = net instanceof MultiLayerNet
      ? () => net.loss(xs, t, { train: true })
      : () => net.loss(xs, t);
  }
  const params = Object.entries(net.params as Record<string, Matrix>);
  return withFiniteWeights(
    net.layers.values(),
    params.map(([, p]) => p),
    () => {
      const grads: Record<string, Matrix> = {};
      let offset = 0;
      for (const [key, p] of params) {
        const n = p.data.length;
        const s = Math.min(n, Math.max(0, start - offset)),
          e = Math.min(n, Math.max(0, end - offset));
        grads[key] = numericalGradient(f, p, { start: s, end: e });
        offset += n;
      }
      return grads;
    },
  );
}
