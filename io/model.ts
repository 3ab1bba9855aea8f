/**
 * Whole networks to and from safetensors bytes: the parameters, the
 * BatchNorm running averages, and in the metadata the architecture and the
 * input normalisation, so that a loaded net predicts like the saved one
 * without guessing. Bytes in and out: no file access.
 *
 * @module
 */

import { checkBackend, type KernelChoice } from "../core/backend.ts";
import { Rng } from "../core/rng.ts";
import { type AnyNet, buildNet, type NetSpec } from "../net/build.ts";
import type { MultiLayerNet } from "../net/multi_layer_net.ts";
import {
  decodeSafetensors,
  type Dtype,
  encodeSafetensors,
  type Safetensors,
  SafetensorsError,
  type Tensor,
} from "./safetensors.ts";

export type { AnyNet };

/** How inputs are prepared for the net: pixels scaled by 1/255 or raw. */
export interface InputSpec {
  /** `"x/255"` (MNIST `normalize: true`, the default) or `"raw"`. */
  pixels: "x/255" | "raw";
}

/** Options of {@linkcode saveNet}. */
export interface SaveNetOptions {
  /** Element type in the file (default F64: bit-exact). */
  dtype?: Dtype;
  /** The input normalisation the net was trained with (default x/255). */
  input?: InputSpec;
}

/** What {@linkcode loadNet} returns. */
export interface LoadedNet {
  /** The rebuilt network with the saved weights. */
  net: AnyNet;
  /** The input normalisation it was trained with. */
  input: InputSpec;
}

/**
 * The net's parameters (and BatchNorm running averages) as safetensors
 * bytes, with its `spec` and the input normalisation in the metadata.
 *
 * @example Save, load, predict the same
 * ```ts
 * import assert from "node:assert/strict";
 * import { Matrix, Rng } from "../core/mod.ts";
 * import { TwoLayerNet } from "../net/mod.ts";
 * import { loadNet, saveNet } from "./model.ts";
 *
 * const net = new TwoLayerNet(4, 3, 2, { rng: new Rng(1), weightInitStd: 0.5 });
 * const { net: copy } = loadNet(saveNet(net));
 * const x = Matrix.fromRows([[0.1, 0.2, 0.3, 0.4]]);
 * assert.deepEqual(copy.predict(x).data, net.predict(x).data);
 * ```
 */
export function saveNet(net: AnyNet, options: SaveNetOptions = {}): Uint8Array {
  const { dtype = "F64", input = { pixels: "x/255" } } = options;
  const tensors: Record<string, { shape: number[]; data: Float64Array }> = {};
  for (const [name, p] of Object.entries(net.params)) {
    tensors[name] = { shape: [p.rows, p.cols], data: p.data };
  }
  if (net.spec.type === "MultiLayerNet") {
    (net as MultiLayerNet).batchNorms.forEach((bn, k) => {
      tensors[`running_mean${k + 1}`] = {
        shape: [1, bn.runningMean.cols],
        data: bn.runningMean.data,
      };
      tensors[`running_var${k + 1}`] = {
        shape: [1, bn.runningVar.cols],
        data: bn.runningVar.data,
      };
    });
  }
  return encodeSafetensors(tensors, {
    dtype,
    metadata: {
      format: "dlfs",
      version: "1",
      net: JSON.stringify(net.spec),
      input: JSON.stringify(input),
    },
  });
}

/**
 * Rebuilds the net a file describes and fills in its weights.
 *
 * @param rng the generator for Dropout masks if the net is trained further
 * (default `new Rng(0)`; the initial weights it would draw are overwritten).
 * @param kernels what the net computes with (`backend`, or `kernels` made by
 * the caller; default: `"auto"`), as in the nets' options.
 * @throws {SafetensorsError} for malformed bytes, an unknown or invalid
 * architecture, or tensors whose names or shapes do not fit it. Nothing is
 * returned half-loaded.
 * @throws {RangeError} for an unknown backend, or `"simd"` without SIMD.
 */
export function loadNet(
  bytes: Uint8Array,
  rng: Rng = new Rng(0),
  kernels: Pick<KernelChoice, "backend" | "kernels"> = {},
): LoadedNet {
  // A bad choice of kernels is not the file's fault: checked before.
  checkBackend("loadNet()", kernels.backend ?? "auto");
  const file = decodeSafetensors(bytes);
  const where = "loadNet()";
  const fail = (what: string): never => {
    throw new SafetensorsError(`${where}: ${what}`);
  };
  if (file.metadata.format !== "dlfs") {
    fail(
      `expected metadata format "dlfs" but found ${
        JSON.stringify(file.metadata.format)
      }`,
    );
  }
  const parse = (key: string): Record<string, unknown> => {
    try {
      const v = JSON.parse(file.metadata[key] ?? "null");
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v;
    } catch { /* reported below */ }
    return fail(
      `expected metadata "${key}" to be a JSON object but found ${
        JSON.stringify(file.metadata[key])
      }`,
    );
  };
  const spec = parse("net"), input = parse("input");
  if (input.pixels !== "x/255" && input.pixels !== "raw") {
    fail(
      `expected input pixels "x/255" or "raw" but found ${
        JSON.stringify(input.pixels)
      }`,
    );
  }
  // Before building anything, the architecture's size must be the file's: a
  // forged spec cannot make us allocate more than the file holds.
  let held = 0;
  for (const t of Object.values(file.tensors)) held += t.data.length;
  const needed = parameterCount(spec);
  if (Number.isNaN(needed)) {
    fail(`expected a valid architecture but found ${file.metadata.net}`);
  }
  if (needed !== held) {
    fail(
      `expected the ${needed} values of the architecture's parameters but the file holds ${held}`,
    );
  }
  let net: AnyNet;
  try {
    net = buildNet(spec as NetSpec, { rng, ...kernels });
  } catch (e) {
    return fail(
      `expected a valid architecture but found ${file.metadata.net}: ${
        (e as Error).message
      }`,
    );
  }
  loadParams(net, file);
  return { net, input: { pixels: input.pixels as InputSpec["pixels"] } };
}

/**
 * Copies the file's tensors into `net` (parameters, and BatchNorm running
 * averages), after checking that the names are exactly the net's and every
 * shape matches: all or nothing.
 *
 * @throws {SafetensorsError} on any mismatch, before anything is written.
 *
 * @example
 * ```ts
 * import { Rng } from "../core/mod.ts";
 * import { TwoLayerNet } from "../net/mod.ts";
 * import { loadParams, saveNet } from "./model.ts";
 *
 * const a = new TwoLayerNet(4, 3, 2, { rng: new Rng(1) });
 * const b = new TwoLayerNet(4, 3, 2, { rng: new Rng(2) });
 * loadParams(b, saveNet(a)); // b now has a's weights
 * console.log(b.params.W1.data[0] === a.params.W1.data[0]); // true
 * ```
 */
export function loadParams(net: AnyNet, file: Uint8Array | Safetensors): void {
  const { tensors } = file instanceof Uint8Array
    ? decodeSafetensors(file)
    : file;
  const targets = new Map<
    string,
    { rows: number; cols: number; data: Float64Array }
  >();
  for (const [name, p] of Object.entries(net.params)) targets.set(name, p);
  if (net.spec.type === "MultiLayerNet") {
    (net as MultiLayerNet).batchNorms.forEach((bn, k) => {
      targets.set(`running_mean${k + 1}`, bn.runningMean);
      targets.set(`running_var${k + 1}`, bn.runningVar);
    });
  }
  const where = "loadParams()";
  const names = Object.keys(tensors);
  const missing = [...targets.keys()].filter((n) => !(n in tensors));
  const extra = names.filter((n) => !targets.has(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new SafetensorsError(
      `${where}: expected tensors ${[...targets.keys()].join(", ")} but found ${
        names.join(", ") || "none"
      }`,
    );
  }
  for (const [name, t] of targets) {
    const found: Tensor = tensors[name];
    if (
      found.shape.length !== 2 || found.shape[0] !== t.rows ||
      found.shape[1] !== t.cols
    ) {
      throw new SafetensorsError(
        `${where}: expected "${name}" of shape [${t.rows}, ${t.cols}] but found [${
          found.shape.join(", ")
        }]`,
      );
    }
  }
  for (const [name, t] of targets) t.data.set(tensors[name].data);
}

/**
 * How many values (parameters, plus BatchNorm running averages) a spec's net
 * holds, computed without building it; NaN for anything malformed.
 */
function parameterCount(spec: Record<string, unknown>): number {
  const int = (
    v: unknown,
  ) => (Number.isSafeInteger(v) && (v as number) > 0 ? (v as number) : NaN);
  const dense = (sizes: number[]) => {
    let n = 0;
    for (let k = 1; k < sizes.length; k++) {
      n += sizes[k - 1] * sizes[k] + sizes[k];
    }
    return n;
  };
  switch (spec.type) {
    case "TwoLayerNet":
      return dense([
        int(spec.inputSize),
        int(spec.hiddenSize),
        int(spec.outputSize),
      ]);
    case "MultiLayerNet": {
      if (!Array.isArray(spec.hiddenSizes)) return NaN;
      const hidden = spec.hiddenSizes.map(int);
      const norms = spec.useBatchnorm === true
        ? 4 * hidden.reduce((a, b) => a + b, 0)
        : 0;
      return dense([int(spec.inputSize), ...hidden, int(spec.outputSize)]) +
        norms;
    }
    case "SimpleConvNet": {
      if (!Array.isArray(spec.input) || spec.input.length !== 3) return NaN;
      const [c, h, w] = spec.input.map(int),
        fn = int(spec.filterNum),
        fs = int(spec.filterSize);
      const pad = spec.pad === 0 ? 0 : int(spec.pad), stride = int(spec.stride);
      const oh = (h + 2 * pad - fs) / stride + 1,
        ow = (w + 2 * pad - fs) / stride + 1;
      const pooled = fn * Math.floor(oh / 2) * Math.floor(ow / 2);
      return fn * c * fs * fs + fn +
        dense([pooled, int(spec.hiddenSize), int(spec.outputSize)]);
    }
    default:
      return NaN;
  }
}
