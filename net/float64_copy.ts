/**
 * The float64 twin of a net, the oracle of a float32 net's gradient check.
 *
 * Why not the float32 net's own numerical gradient: a central difference
 * in float32 is noise. The loss (~2.3) is rounded to ~1.4e-7 (u·|L|, u =
 * 2⁻²⁴), so with the book's h = 1e-4 each difference quotient carries an
 * error of ~u·|L|/h ≈ 1e-3, larger than most gradients; no h is good for
 * both that and the truncation (h² · |L'''|). So the check asks another
 * question: the float32 net computes some function of its weights (float32
 * values, exact in float64); the twin computes the same function in float64
 * (the same layers, the same weights), and its numerical gradient is the
 * usual float64 oracle (~1e-10 off). What is left between the float32
 * backprop and that oracle is the float32 rounding of backprop itself:
 * each gradient element a sum of K products rounded at u, off by at most
 * γ_K · Σ|terms| (γ_K ≈ K·u), in practice ~√K·u relative. For the book's
 * TwoLayerNet on three images that is ~1e-10 to 1e-9 mean |Δ| (the
 * gradients are ~1e-3 to 1e-2, K ≤ 784): the float64 check's threshold,
 * 1e-6, still fails a backprop wrong by anything more than rounding.
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import type { Backend } from "../core/backend.ts";
import { Dropout } from "../layers/dropout.ts";
import { buildNet } from "./registry.ts";
import type { Network } from "./network.ts";

/**
 * A float64 copy of `net`: its architecture (`net.spec`, built by the
 * registry), its parameters and state (BatchNorm's running averages) copied
 * (exactly: float32 values are float64 ones), and every Dropout holding the
 * mask `net`'s holds frozen (`frozenMask`, drawn for a batch of
 * `options.rows` rows, default 1), so that both compute the same function.
 * On `options.backend` (default `"auto"`).
 *
 * @example A float32 net's gradient against its twin's numerical one
 * ```ts
 * import { assert } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { compareGradients, float64Copy, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(3);
 * const net = new TwoLayerNet({ inputSize: 6, hiddenSize: 4, outputSize: 3, rng, dtype: "float32" });
 * const x = new Matrix(3, 6, Float32Array.from({ length: 18 }, () => rng.uniform()));
 * const twin = float64Copy(net);
 * const x64 = new Matrix(3, 6, Float64Array.from(x.data)); // the same values
 * const numerical = twin.numericalGradient(x64, [0, 1, 2]);
 * const backprop = net.gradient(x, [0, 1, 2]);
 * for (const key of Object.keys(numerical)) {
 *   assert(compareGradients(backprop[key], numerical[key]).meanAbsDiff < 1e-6);
 * }
 * ```
 */
export function float64Copy(
  net: Network,
  options: { backend?: Backend; rows?: number } = {},
): Network {
  const { backend, rows = 1 } = options;
  const twin = buildNet(net.spec, { backend, dtype: "float64" });
  const from = { ...net.params, ...net.state() };
  for (const [name, p] of Object.entries({ ...twin.params, ...twin.state() })) {
    p.data.set(from[name].data);
  }
  for (const [name, layer] of net.layers) {
    if (layer instanceof Dropout && layer.frozenMask && layer.mask.length) {
      const mask = Float64Array.from(layer.mask);
      (twin.layers.get(name) as Dropout).holdMask(
        new Matrix(rows, mask.length / rows, mask),
      );
    }
  }
  return twin;
}
