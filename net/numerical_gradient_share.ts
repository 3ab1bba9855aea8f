// One thread's share of a net's numerical gradient (not exported from mod.ts).

import type { Matrix } from "../core/matrix.ts";
import { numericalGradient } from "./numerical_gradient.ts";
import type { Labels } from "../layers/labels.ts";
import type { Network } from "./network.ts";
import { keepingState } from "./batch.ts";

/**
 * The numerical gradient of `net`'s loss for the parameter elements
 * `start … end−1`, counting through `net.params` in order (0 elsewhere):
 * the same function and steps as `net.numericalGradient()`, whose loss runs
 * in training mode; the net's state is put back after, as there.
 */
export function numericalGradientShare(
  net: Network,
  x: Matrix,
  t: Labels,
  start: number,
  end: number,
): Record<string, Matrix> {
  // x into the kernels' memory once: the loss reads it 2·(end − start) times.
  const xk = net.kernels.buffer(undefined, x.rows, x.cols);
  xk.data.set(x.data);
  const lossW = () => net.loss(xk, t, { train: true });
  const grads: Record<string, Matrix> = {};
  let offset = 0;
  keepingState(net, () => {
    for (const [key, W] of Object.entries(net.params)) {
      const n = W.data.length;
      const s = Math.min(n, Math.max(0, start - offset)),
        e = Math.min(n, Math.max(0, end - offset));
      grads[key] = numericalGradient(lossW, W, { start: s, end: e });
      offset += n;
    }
  });
  return grads;
}
