/**
 * Whole networks to and from safetensors bytes: the parameters, the
 * BatchNorm running averages, and in the metadata the architecture and the
 * input normalisation, so that a loaded net predicts like the saved one
 * without guessing; and, when given, where its training run is
 * (`Trainer.state()`: the optimizer's arrays and the loss history as
 * tensors named `training.…`, the rest in the metadata), so that the run can
 * be continued exactly. Bytes in and out: no file access.
 *
 * @module
 */

import {
  checkBackend,
  checkDtype,
  type KernelChoice,
} from "../core/backend.ts";
import { checkOptions } from "../core/options.ts";
import { Rng } from "../core/rng.ts";
import type { FloatArray } from "../core/matrix.ts";
import { TsKernels } from "../core/ts_kernels.ts";
import { buildNet } from "../net/registry.ts";
import type { NetSpec, Network } from "../net/network.ts";
import type { TrainerState } from "../net/trainer.ts";
import {
  decodeSafetensors,
  type Dtype,
  encodeSafetensors,
  type Safetensors,
  SafetensorsError,
  type Tensor,
} from "./safetensors.ts";

/** How inputs are prepared for the net: pixels scaled by 1/255 or raw. */
export interface InputSpec {
  /** `"x/255"` (MNIST `normalize: true`, the default) or `"raw"`. */
  pixels: "x/255" | "raw";
}

/** Options of {@linkcode saveNet}. */
export interface SaveNetOptions {
  /**
   * Element type in the file (default: each tensor its array's, F32 for a
   * float32 net's and F64 otherwise: bit-exact either way).
   */
  dtype?: Dtype;
  /** The input normalisation the net was trained with (default x/255). */
  input?: InputSpec;
  /**
   * Where the net's training run is (`trainer.state()`), so that
   * `loadNet` gives it back for `Trainer.setState` (default: none; needs
   * F64, which keeps every bit).
   */
  training?: TrainerState;
  /**
   * The run's settings as its caller keeps them, plain JSON data (`deno
   * task train` keeps its flags; default: none), given back by `loadNet`.
   */
  settings?: Record<string, unknown>;
}

/** What {@linkcode loadNet} returns. */
export interface LoadedNet {
  /** The rebuilt network with the saved weights. */
  net: Network;
  /** The input normalisation it was trained with. */
  input: InputSpec;
  /** Where its training run was, when the file holds it. */
  training?: TrainerState;
  /** The run's settings, when the file holds them. */
  settings?: Record<string, unknown>;
}

/** The prefix of the tensors of a training state, apart from the net's. */
const TRAINING = "training.";

/**
 * The net's parameters (and BatchNorm running averages) as safetensors
 * bytes, with its `spec` and the input normalisation in the metadata.
 * `options` (default `{}`): `dtype` (default: the net's, F32 or F64,
 * bit-exact) and `input`
 * (default: pixels scaled to [0, 1], x/255).
 *
 * @example Save, load, predict the same
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 * import { loadNet, saveNet } from "@dlfs/nn/io";
 *
 * const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2, rng: new Rng(1), weightInitStd: 0.5 });
 * const { net: copy } = loadNet(saveNet(net));
 * const x = Matrix.fromRows([[0.1, 0.2, 0.3, 0.4]]);
 * assertEquals(copy.predict(x).data, net.predict(x).data);
 * ```
 */
export function saveNet(
  net: Network,
  options: SaveNetOptions = {},
): Uint8Array {
  checkOptions("saveNet()", options, [
    "dtype",
    "input",
    "training",
    "settings",
  ]);
  const { dtype, input = { pixels: "x/255" }, training, settings } = options;
  if (training !== undefined && dtype !== undefined && dtype !== "F64") {
    throw new RangeError(
      `saveNet(): expected dtype F64 with a training state (continuing it exactly needs every bit) but found ${dtype}`,
    );
  }
  const tensors: Record<
    string,
    { shape: number[]; data: FloatArray; dtype?: Dtype }
  > = {};
  const exact = (data: FloatArray): Dtype =>
    dtype ?? (data instanceof Float32Array ? "F32" : "F64");
  for (const [name, p] of Object.entries({ ...net.params, ...net.state() })) {
    tensors[name] = {
      shape: [p.rows, p.cols],
      data: p.data,
      dtype: exact(p.data),
    };
  }
  const metadata: Record<string, string> = {
    format: "dlfs",
    version: "1",
    net: JSON.stringify(net.spec),
    input: JSON.stringify(input),
  };
  if (training !== undefined) {
    const { trainLossList, optimizer, ...rest } = training;
    const loss = Float64Array.from(trainLossList);
    tensors[`${TRAINING}loss`] = {
      shape: [loss.length],
      data: loss,
      dtype: "F64",
    };
    const slots: Record<string, string[]> = {};
    for (const [slot, arrays] of Object.entries(optimizer.slots)) {
      slots[slot] = Object.keys(arrays);
      for (const [key, a] of Object.entries(arrays)) {
        tensors[`${TRAINING}optimizer.${slot}.${key}`] = {
          shape: [a.length],
          data: a,
          dtype: exact(a),
        };
      }
    }
    metadata.training = JSON.stringify({
      ...rest,
      optimizer: { ...optimizer, slots },
    });
  }
  if (settings !== undefined) metadata.settings = JSON.stringify(settings);
  return encodeSafetensors(tensors, { dtype, metadata });
}

/**
 * Rebuilds the net a file describes and fills in its weights; gives back
 * the training state and settings the file holds too, if any (see
 * {@linkcode SaveNetOptions}), for `Trainer.setState`.
 *
 * @param rng the generator for Dropout masks if the net is trained further
 * (default `new Rng(0)`; the initial weights it would draw are overwritten).
 * @param kernels what the net computes with (`backend`, or `kernels` made by
 * the caller; default: `"auto"`) and in what `dtype` (default float64,
 * whatever the file's: an F32 or F16 file converted to float64, an F64
 * one rounded for `"float32"`), as in the nets' options.
 * @throws {SafetensorsError} for malformed bytes, an unknown or invalid
 * architecture, or tensors whose names or shapes do not fit it. Nothing is
 * returned half-loaded.
 * @throws {RangeError} for an unknown backend, or `"simd"` without SIMD.
 */
export function loadNet(
  bytes: Uint8Array,
  rng: Rng = new Rng(0),
  kernels: Pick<KernelChoice, "backend" | "kernels" | "dtype"> = {},
): LoadedNet {
  // A bad choice of kernels is not the file's fault: checked before.
  checkOptions("loadNet()", kernels, ["backend", "kernels", "dtype"]);
  checkBackend("loadNet()", kernels.backend ?? "auto");
  checkDtype("loadNet()", kernels.dtype ?? "float64");
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
  const training = file.metadata.training === undefined
    ? undefined
    : trainingState(parse("training"), file.tensors, fail);
  const settings = file.metadata.settings === undefined
    ? undefined
    : parse("settings");
  if (input.pixels !== "x/255" && input.pixels !== "raw") {
    fail(
      `expected input pixels "x/255" or "raw" but found ${
        JSON.stringify(input.pixels)
      }`,
    );
  }
  // Before building it for good, the architecture's size must be the
  // file's: counted by building it on kernels that refuse to allocate much
  // more than the file holds, so a forged spec cannot make us allocate more.
  let held = 0;
  for (const t of Object.values(netTensors(file.tensors))) {
    held += t.data.length;
  }
  const build = (
    choice: Pick<KernelChoice, "backend" | "kernels" | "dtype">,
    draws: Rng,
  ) => {
    try {
      return buildNet(spec as unknown as NetSpec, { rng: draws, ...choice });
    } catch (e) {
      return fail(
        e instanceof OverBudget
          ? `expected an architecture of the file's ${held} values but found ${file.metadata.net}, which holds more`
          : `expected a valid architecture but found ${file.metadata.net}: ${
            (e as Error).message
          }`,
      );
    }
  };
  const budget = new BudgetKernels(3 * held + 65536);
  const probe = build({ kernels: budget }, new Rng(0)); // not the caller's draws
  let needed = 0;
  for (const p of Object.values({ ...probe.params, ...probe.state() })) {
    needed += p.data.length;
  }
  if (needed !== held) {
    fail(
      `expected the ${needed} values of the architecture's parameters but the file holds ${held}`,
    );
  }
  const net = build(kernels, rng);
  loadParams(net, file);
  return {
    net,
    input: { pixels: input.pixels as InputSpec["pixels"] },
    ...(training && { training }),
    ...(settings && { settings }),
  };
}

/** The tensors of the net, without those of a training state. */
function netTensors(tensors: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(tensors).filter(([name]) => !name.startsWith(TRAINING)),
  );
}

/**
 * The training state of a file: its metadata with the loss history and the
 * optimizer's arrays put back from their tensors. Checked for its form
 * here; whether it fits a run is `Trainer.setState`'s to check.
 */
function trainingState(
  meta: Record<string, unknown>,
  tensors: Record<string, Tensor>,
  fail: (what: string) => never,
): TrainerState {
  const tensor = (name: string): Float64Array => {
    const t = tensors[`${TRAINING}${name}`];
    if (t === undefined || t.shape.length !== 1) {
      fail(
        `expected a 1-D tensor "${TRAINING}${name}" but found ${
          t === undefined ? "none" : `shape [${t.shape.join(", ")}]`
        }`,
      );
    }
    return t.data;
  };
  const optimizer = meta.optimizer as Record<string, unknown> | undefined;
  const names = optimizer?.slots as Record<string, unknown> | undefined;
  if (
    typeof optimizer !== "object" || optimizer === null ||
    typeof names !== "object" || names === null ||
    !Object.values(names).every((keys) =>
      Array.isArray(keys) && keys.every((k) => typeof k === "string")
    )
  ) {
    fail(
      `expected metadata "training" to hold an optimizer with the names of its arrays but found ${
        JSON.stringify(optimizer)
      }`,
    );
  }
  const slots: Record<string, Record<string, Float64Array>> = {};
  for (
    const [slot, keys] of Object.entries(names as Record<string, string[]>)
  ) {
    slots[slot] = {};
    for (const key of keys) {
      slots[slot][key] = tensor(
        `optimizer.${slot}.${key}`,
      );
    }
  }
  const expected = new Set([
    `${TRAINING}loss`,
    ...Object.entries(slots).flatMap(([slot, arrays]) =>
      Object.keys(arrays).map((key) => `${TRAINING}optimizer.${slot}.${key}`)
    ),
  ]);
  const stray = Object.keys(tensors).find((name) =>
    name.startsWith(TRAINING) && !expected.has(name)
  );
  if (stray !== undefined) {
    fail(`expected no tensor "${stray}" (the training state names none)`);
  }
  return {
    ...(meta as unknown as TrainerState),
    trainLossList: Array.from(tensor("loss")),
    optimizer: {
      ...(optimizer as unknown as TrainerState["optimizer"]),
      slots,
    },
  };
}

/**
 * Copies the file's tensors into `net` (parameters, and BatchNorm running
 * averages), after checking that the names are exactly the net's and every
 * shape matches: all or nothing. A training state's tensors (`training.…`)
 * are left out.
 *
 * @throws {SafetensorsError} on any mismatch, before anything is written.
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 * import { loadParams, saveNet } from "@dlfs/nn/io";
 *
 * const a = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2, rng: new Rng(1) });
 * const b = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2, rng: new Rng(2) });
 * loadParams(b, saveNet(a)); // b now has a's weights
 * console.log(b.params.W1.data[0] === a.params.W1.data[0]); // true
 * ```
 */
export function loadParams(
  net: Network,
  file: Uint8Array | Safetensors,
): void {
  const tensors = netTensors(
    (file instanceof Uint8Array ? decodeSafetensors(file) : file).tensors,
  );
  const targets = new Map<
    string,
    { rows: number; cols: number; data: FloatArray }
  >();
  for (const [name, p] of Object.entries({ ...net.params, ...net.state() })) {
    targets.set(name, p);
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

/** What `BudgetKernels` throws. */
class OverBudget extends RangeError {}

/**
 * Pure-TypeScript kernels that refuse to hand out more than `budget`
 * float64 values in all: what `loadNet` builds a file's architecture on to
 * count its parameters.
 */
class BudgetKernels extends TsKernels {
  #left: number;

  constructor(budget: number) {
    super();
    this.#left = budget;
  }

  override float64(length: number): Float64Array {
    this.#spend(length);
    return super.float64(length);
  }

  override float32(length: number): Float32Array {
    this.#spend(length);
    return super.float32(length);
  }

  #spend(length: number): void {
    this.#left -= length;
    if (this.#left < 0) throw new OverBudget();
  }
}
