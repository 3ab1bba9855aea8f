// The Worker of parallelNumericalGradient(): imports the module of the
// net's kind (which registers it), rebuilds the net from its spec and
// parameters (and its Dropouts' frozen masks), computes its share of the
// numerical gradient, posts it back.

import { type FloatArray, Matrix } from "../core/matrix.ts";
import type { Dropout } from "../layers/dropout.ts";
import { Rng } from "../core/rng.ts";
import { buildNet } from "./registry.ts";
import { numericalGradientShare } from "./numerical_gradient_share.ts";

globalThis.addEventListener("message", async (event: Event) => {
  const { module, spec, params, masks, x, t, start, end, backend, dtype } =
    (event as MessageEvent).data;
  try {
    await import(module);
    const net = buildNet(spec, { rng: new Rng(0), backend, dtype });
    for (const [key, p] of Object.entries(net.params)) {
      p.data.set(params[key]);
    }
    const held = masks as Record<string, { rows: number; data: Uint8Array }>;
    for (const [name, { rows, data }] of Object.entries(held)) {
      const layer = net.layers.get(name) as Dropout;
      layer.holdMask(
        new Matrix(rows, data.length / rows, Float64Array.from(data)),
      );
    }
    const labels = Array.isArray(t) ? t : new Matrix(t.rows, t.cols, t.data);
    const grads = numericalGradientShare(
      net,
      new Matrix(x.rows, x.cols, x.data),
      labels,
      start,
      end,
    );
    const out: Record<string, FloatArray> = {};
    for (const [key, g] of Object.entries(grads)) out[key] = g.data;
    globalThis.postMessage({ grads: out });
  } catch (e) {
    globalThis.postMessage({ error: String(e) });
  }
}, { once: true });
