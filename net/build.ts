/**
 * The one place that turns a network's plain spec (its `spec` property, as
 * saved in a file's metadata) back into a network.
 *
 * @module
 */

import type { Rng } from "../core/rng.ts";
import type { WeightInit } from "./init.ts";
import type { KernelChoice } from "../core/backend.ts";
import { MultiLayerNet } from "./multi_layer_net.ts";
import { SimpleConvNet } from "./simple_conv_net.ts";
import { TwoLayerNet } from "./two_layer_net.ts";
import type {
  MultiLayerNetSpec,
  NetSpec,
  Network,
  SimpleConvNetSpec,
  TwoLayerNetSpec,
} from "./network.ts";

/**
 * A fresh network of `spec`'s architecture, with weights drawn from
 * `options.rng` (default `new Rng(0)`) and computing with the kernels chosen
 * as in the nets' options (default: `"auto"`).
 *
 * @throws {TypeError} for a spec that is not an object or names no known
 * network; the net's own errors (RangeError) for sizes that do not fit.
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { buildNet } from "@dlfs/nn/net";
 *
 * const net = buildNet({ type: "TwoLayerNet", inputSize: 4, hiddenSize: 3, outputSize: 2 }, { rng: new Rng(0) });
 * console.log(net.params.W1.shape); // 4×3
 * ```
 */
export function buildNet(
  spec: NetSpec,
  options: { rng?: Rng; weightInitStd?: WeightInit } & KernelChoice = {},
): Network {
  const s = spec as unknown as Partial<Record<string, unknown>> | null;
  switch (s?.type) {
    case "TwoLayerNet": {
      const { inputSize, hiddenSize, outputSize } = spec as TwoLayerNetSpec;
      return new TwoLayerNet(inputSize, hiddenSize, outputSize, options);
    }
    case "MultiLayerNet": {
      const m = spec as MultiLayerNetSpec;
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
      const c = spec as SimpleConvNetSpec;
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
