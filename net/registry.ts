/**
 * The registry of net kinds, as torchvision's `register_model`: each kind
 * is one entry, made in its own file (the net, its spec, and a
 * {@linkcode NetKind} saying how to build and describe it and what
 * `deno task train` and the train page call it and default to), and
 * registered by one line. {@linkcode buildNet} (a saved net's spec back to
 * a net), the CLI's `--net`, its help and report, the train page's menu and
 * the parallel gradient check's worker all ask here; nothing else names a
 * net.
 *
 * @example A kind of one's own, registered and built from its spec
 * ```ts
 * import { buildNet, type NetKind, netKinds, registerNet, TwoLayerNet } from "@dlfs/nn/net";
 *
 * interface WideNetSpec { type: "WideNet"; inputSize: number; outputSize: number }
 * const WIDE_NET: NetKind<WideNetSpec> = {
 *   type: "WideNet",
 *   name: "wide",
 *   summary: "a TwoLayerNet of 500 hidden units",
 *   module: import.meta.url, // what a worker imports to find it
 *   build: (s, options) => new TwoLayerNet({ ...s, hiddenSize: 500, ...options }),
 *   describe: (s) => `WideNet(${s.inputSize}, ${s.outputSize})`,
 *   defaults: { hidden: [], init: 0.01 },
 *   takes: {},
 *   forMnist: () => ({ type: "WideNet", inputSize: 784, outputSize: 10 }),
 * };
 * registerNet(WIDE_NET);
 * console.log(netKinds().map((k) => k.name)); // [ "two-layer", "multi-layer", "convnet", "deep-convnet", "wide" ]
 * console.log(buildNet({ type: "WideNet", inputSize: 4, outputSize: 2 }).params.W1.shape); // 4×500
 * ```
 *
 * @module
 */

import type { OptimizerName } from "../optim/by_name.ts";
import type { WeightInit } from "./init.ts";
import type { NetOptions, NetSpec, Network } from "./network.ts";
import { MULTI_LAYER_NET } from "./multi_layer_net.ts";
import { SIMPLE_CONV_NET } from "./simple_conv_net.ts";
import { DEEP_CONV_NET } from "./deep_conv_net.ts";
import { TWO_LAYER_NET } from "./two_layer_net.ts";

/**
 * What `deno task train`'s architecture flags say, for a kind's
 * `forMnist` to make a spec of (each kind reads what it takes).
 */
export interface NetFlags {
  /** `--hidden`: the hidden layers' sizes. */
  hidden: readonly number[];
  /** `--batchnorm`: BatchNormalization after each hidden Affine. */
  batchnorm: boolean;
  /** `--dropout RATIO`: Dropout after each hidden activation (none: absent). */
  dropout?: number;
  /** `--weight-decay λ`: the L2 weight decay (0: none). */
  weightDecay: number;
}

/**
 * One kind of net: how to build it from its spec and describe it, and what
 * `deno task train --net NAME` and the train page's menu call it and
 * default to.
 */
export interface NetKind<S extends NetSpec = NetSpec> {
  /** Its specs' `type`, e.g. `"TwoLayerNet"`. */
  readonly type: S["type"];
  /** Its name for `--net` and the train page, e.g. `"two-layer"`. */
  readonly name: string;
  /** What it is, for `--help`, e.g. `"the book's TwoLayerNet, chapter 5"`. */
  readonly summary: string;
  /**
   * The URL of the module that registers it (its `import.meta.url`): a
   * Worker that rebuilds a net from its spec imports it first.
   */
  readonly module: string;
  /** A fresh net of `spec`'s architecture, with `options`. */
  build(spec: S, options: NetOptions): Network;
  /** One line naming the architecture, e.g. `"TwoLayerNet(784, 50, 10)"`. */
  describe(spec: S): string;
  /** What `deno task train` and the train page default to for it. */
  readonly defaults: {
    /** `--hidden` (none when it takes no hidden sizes). */
    readonly hidden: readonly number[];
    /** The weight init its constructor defaults to, as the report names it. */
    readonly init: WeightInit;
    /** Per epoch, evaluate on this many samples (default: all). */
    readonly evalSamples?: number;
    /** The optimizer, at its own default lr (default: SGD, lr 0.1). */
    readonly optimizer?: OptimizerName;
    /** Train this many epochs (default: 10000 iterations). */
    readonly epochs?: number;
  };
  /** Which of the architecture flags it takes (each absent: not taken). */
  readonly takes: {
    /** `--hidden`: one size, or a list of them. */
    readonly hidden?: "one" | "list";
    /** `--batchnorm`. */
    readonly batchnorm?: boolean;
    /** `--dropout RATIO`. */
    readonly dropout?: boolean;
    /** `--weight-decay λ`. */
    readonly "weight-decay"?: boolean;
  };
  /** The spec for MNIST (784 inputs, 10 classes) that `flags` ask for. */
  forMnist(flags: NetFlags): S;
}

const KINDS = new Map<string, NetKind>(); // by type, in registration order

/**
 * Adds a kind of net. Registering the same kind again does nothing.
 *
 * @throws {TypeError} if another kind has its `type` or `name`.
 */
export function registerNet<S extends NetSpec>(kind: NetKind<S>): void {
  for (const other of KINDS.values()) {
    if (other === kind) return;
    if (other.type === kind.type || other.name === kind.name) {
      throw new TypeError(
        `registerNet(): expected a new type and name but found ${
          JSON.stringify(kind.type)
        } / ${JSON.stringify(kind.name)}, taken by ${other.type}`,
      );
    }
  }
  KINDS.set(kind.type, kind as unknown as NetKind);
}

/** The registered kinds, the book's first, in the order registered. */
export function netKinds(): NetKind[] {
  return [...KINDS.values()];
}

/**
 * The kind whose specs have `type`.
 *
 * @throws {TypeError} for a type no kind has.
 */
export function netKind(type: string): NetKind {
  const kind = KINDS.get(type);
  if (kind === undefined) {
    throw new TypeError(
      `netKind(): expected a net type ${types()} but found ${
        JSON.stringify(type)
      }`,
    );
  }
  return kind;
}

/**
 * A fresh network of `spec`'s architecture (as a net's `spec` or a saved
 * file's metadata holds it), with weights drawn from `options.rng` (default
 * `new Rng(0)`) and computing with the kernels chosen as in the nets'
 * options (default: `"auto"`).
 *
 * @throws {TypeError} for a spec that is not an object or whose type no
 * kind has; the net's own errors (RangeError) for sizes that do not fit.
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { buildNet } from "@dlfs/nn/net";
 *
 * const spec = { type: "TwoLayerNet", inputSize: 4, hiddenSize: 3, outputSize: 2 };
 * const net = buildNet(spec, { rng: new Rng(0) });
 * console.log(net.params.W1.shape); // 4×3
 * ```
 */
export function buildNet<S extends NetSpec>(
  spec: S,
  options: NetOptions = {},
): Network {
  const type = (spec as Partial<NetSpec> | null)?.type;
  if (typeof type !== "string" || !KINDS.has(type)) {
    throw new TypeError(
      `buildNet(): expected a spec of type ${types()} but found ${
        JSON.stringify(type ?? spec)
      }`,
    );
  }
  // Every option named, so that a spec (a file's) cannot bring its own.
  const { rng, weightInitStd, backend, kernels, dtype } = options;
  return KINDS.get(type)!.build(spec, {
    rng,
    weightInitStd,
    backend,
    kernels,
    dtype,
  });
}

/** The registered types, as "A, B or C". */
function types(): string {
  const all = [...KINDS.keys()];
  return `${all.slice(0, -1).join(", ")} or ${all.at(-1)}`;
}

// The kinds of the book, in its order.
for (
  const kind of [TWO_LAYER_NET, MULTI_LAYER_NET, SIMPLE_CONV_NET, DEEP_CONV_NET]
) {
  registerNet<NetSpec>(kind);
}
