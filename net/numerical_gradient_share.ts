// One thread's share of a net's numerical gradient (not exported from mod.ts).

import type { Matrix } from "../core/matrix.ts";
import type { Labels } from "../layers/labels.ts";
import { withFiniteWeights } from "./batch.ts";
import { MultiLayerNet } from "./multi_layer_net.ts";
import { numericalGradient } from "./numerical_gradient.ts";
import type { SimpleConvNet } from "./simple_conv_net.ts";
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
  const f = net instanceof MultiLayerNet
    ? () => net.loss(x, t, { train: true })
    : () => net.loss(x, t);
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
