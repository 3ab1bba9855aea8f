/**
 * The one place that turns a network's plain spec (its `spec` property, as
 * saved in a file's metadata) back into a network.
 *
 * @module
 */

import type { Rng } from "../core/rng.ts";
import type { KernelChoice } from "../core/backend.ts";
import { MultiLayerNet } from "./multi_layer_net.ts";
import { SimpleConvNet } from "./simple_conv_net.ts";
import { TwoLayerNet } from "./two_layer_net.ts";

/** The networks of dlfs. */
export type AnyNet = TwoLayerNet | MultiLayerNet | SimpleConvNet;

/** A network's architecture: what its `spec` holds. */
export type NetSpec = AnyNet["spec"];

/**
 * A fresh network of `spec`'s architecture, with weights drawn from
 * `options.rng` and computing with the kernels chosen as in the nets'
 * options.
 *
 * @throws {TypeError} for a spec that is not an object or names no known
 * network; the net's own errors (RangeError) for sizes that do not fit.
 *
 * @example
 * ```ts
 * import { Rng } from "../core/rng.ts";
 * import { buildNet } from "./build.ts";
 *
 * const net = buildNet({ type: "TwoLayerNet", inputSize: 4, hiddenSize: 3, outputSize: 2 }, { rng: new Rng(0) });
 * console.log(net.params.W1.shape); // 4×3
 * ```
 */
export function buildNet(
  spec: NetSpec,
  options: { rng: Rng } & KernelChoice,
): AnyNet {
  const s = spec as Partial<Record<string, unknown>> | null;
  switch (s?.type) {
    case "TwoLayerNet": {
      const { inputSize, hiddenSize, outputSize } = spec as TwoLayerNet["spec"];
      return new TwoLayerNet(inputSize, hiddenSize, outputSize, options);
    }
    case "MultiLayerNet": {
      const m = spec as MultiLayerNet["spec"];
      return new MultiLayerNet(m.inputSize, m.hiddenSizes, m.outputSize, {
        ...options,
        activation: m.activation,
        useBatchnorm: m.useBatchnorm === true,
        useDropout: m.useDropout === true,
        dropoutRatio: m.dropoutRatio,
        weightDecayLambda: m.weightDecayLambda,
      });
    }
    case "SimpleConvNet": {
      const c = spec as SimpleConvNet["spec"];
      return new SimpleConvNet({
        ...options,
        input: c.input,
        filterNum: c.filterNum,
        filterSize: c.filterSize,
        pad: c.pad,
        stride: c.stride,
        hiddenSize: c.hiddenSize,
        outputSize: c.outputSize,
      });
    }
    default:
      throw new TypeError(
        `buildNet(): expected a spec of type TwoLayerNet, MultiLayerNet or SimpleConvNet but found ${
          JSON.stringify(s?.type ?? s)
        }`,
      );
  }
}
