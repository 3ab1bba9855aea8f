// One thread's share of a net's numerical gradient (not exported from mod.ts).

import type { Matrix } from "../core/matrix.ts";
import type { Labels } from "../layers/labels.ts";
import type { AnyNet } from "./build.ts";
import type { MultiLayerNet } from "./multi_layer_net.ts";
import { numericalGradient } from "../core/numerical_gradient.ts";

/**
 * The numerical gradient of `net`'s loss for the parameter elements
 * `start … end−1`, counting through `net.params` in order (0 elsewhere):
 * the same function and steps as the net's own `numericalGradient()`.
 */
export function numericalGradientShare(
  net: AnyNet,
  x: Matrix,
  t: Labels,
  start: number,
  end: number,
): Record<string, Matrix> {
  // The loss numericalGradient() differentiates: in training mode.
  const lossW = net.spec.type === "MultiLayerNet"
    ? () => (net as MultiLayerNet).loss(x, t, { train: true })
    : () => net.loss(x, t);
  const grads: Record<string, Matrix> = {};
  let offset = 0;
  for (const [key, p] of Object.entries(net.params as Record<string, Matrix>)) {
    const n = p.data.length;
    const s = Math.min(n, Math.max(0, start - offset)),
      e = Math.min(n, Math.max(0, end - offset));
    grads[key] = numericalGradient(lossW, p, { start: s, end: e });
    offset += n;
  }
  return grads;
}
