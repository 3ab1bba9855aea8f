/**
 * A trained net for other engines: ONNX bytes of its inference graph, the
 * net's layers in test mode (BatchNorm on its running averages, Dropout as
 * the book's test-time scaling) and a softmax at the end. Encoded with
 * protobufjs from the schema in `onnx_schema.ts`. Bytes out: no file
 * access.
 *
 * @module
 */

import { Root } from "npm:protobufjs@8.8.1/light.js";
import { checkOptions } from "../core/options.ts";
import type { Matrix } from "../core/matrix.ts";
import { Affine } from "../layers/affine.ts";
import {
  BATCH_NORM_EPSILON,
  BatchNormalization,
} from "../layers/batch_normalization.ts";
import { Convolution } from "../layers/convolution.ts";
import { Dropout } from "../layers/dropout.ts";
import type { Layer } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { Relu } from "../layers/relu.ts";
import { Sigmoid } from "../layers/sigmoid.ts";
import type { Network } from "../net/network.ts";
import { netKind } from "../net/registry.ts";
import type { InputSpec } from "./model.ts";
import { ATTRIBUTE_TYPE, DATA_TYPE, ONNX_SCHEMA } from "./onnx_schema.ts";

/** The ONNX operator set the models use (the default domain's). */
export const ONNX_OPSET = 13;
/** The ONNX IR version of the models: 7, the one of opset 13. */
export const ONNX_IR_VERSION = 7;

/** Options of {@linkcode exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * The element type of the model (default `"float32"`, what the engines
   * run; a float64 net's weights are rounded to it): `"float64"` keeps a
   * float64 net's every bit (a float32 net is exported as it is).
   */
  dtype?: "float32" | "float64";
  /**
   * The input normalisation the net was trained with (default x/255, as
   * `saveNet`'s), stated in the model's metadata (`dlfs.input`) and in the
   * description of its input `x`.
   */
  input?: InputSpec;
}

const MODEL = Root.fromJSON(ONNX_SCHEMA).lookupType("onnx.ModelProto");

/**
 * The net as an ONNX model (opset 13, IR version 7): input `x` of shape
 * N×D (N×C×H×W for a net that starts with a convolution or pooling), N
 * symbolic; output `y`, N×C class probabilities (the softmax of the
 * scores `net.predict` gives). Its layers, in test mode, as ONNX operators:
 * Affine → Gemm (after a Flatten when it follows an image), Convolution →
 * Conv, Pooling → MaxPool, Relu, Sigmoid, BatchNormalization (its running
 * averages, ε = 1e-6), Dropout → Mul by (1 − ratio); the initializers are
 * named as `net.params` and `net.state()`. The metadata (`metadata_props`)
 * holds `dlfs.net` (the spec, JSON) and `dlfs.input` (the input
 * normalisation, JSON).
 *
 * @param options see {@linkcode ExportOnnxOptions} (default `{}`: float32,
 * pixels scaled by 1/255).
 * @throws {TypeError} for a kind of net the registry does not know or a
 * layer this exporter does not (each named), or an unknown option.
 * @throws {RangeError} for a `dtype` or `input` it does not take, or a max
 * pool with padding (ONNX pads a max pool with −∞, dlfs with 0).
 *
 * @example A net to ONNX bytes
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 * import { exportOnnx } from "@dlfs/nn/io";
 *
 * const net = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, rng: new Rng(0) });
 * const bytes = exportOnnx(net); // float32 weights: 4 bytes each
 * console.log(bytes.length > 4 * (784 * 50 + 50 + 50 * 10 + 10)); // true
 * ```
 */
export function exportOnnx(
  net: Network,
  options: ExportOnnxOptions = {},
): Uint8Array {
  const where = "exportOnnx()";
  checkOptions(where, options, ["dtype", "input"]);
  const { input = { pixels: "x/255" } } = options;
  if (input?.pixels !== "x/255" && input?.pixels !== "raw") {
    throw new RangeError(
      `${where}: expected input pixels "x/255" or "raw" but found ${
        JSON.stringify(input?.pixels)
      }`,
    );
  }
  let describe: string;
  try {
    describe = netKind(net.spec.type).describe(net.spec);
  } catch (e) {
    throw new TypeError(`${where}: ${(e as Error).message}`);
  }
  const graph = new GraphWriter(elementType(net, options.dtype), net);
  const first = [...net.layers.values()][0];
  const image = first instanceof Convolution || first instanceof Pooling
    ? first.inputShape
    : undefined;
  let x: Value = { name: "x", image: image !== undefined };
  for (const [name, layer] of net.layers) x = writeLayer(graph, name, layer, x);
  graph.node("Softmax", "y", [x.name], [int("axis", 1)]);
  const pixels = input.pixels === "x/255"
    ? "each pixel scaled by 1/255 to [0, 1]"
    : "raw pixel values";
  const model = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    producer_name: "dlfs",
    producer_version: "0.1.0",
    doc_string:
      `${describe}, exported by dlfs in test mode: class probabilities y of inputs x (${pixels})`,
    graph: {
      name: net.spec.type,
      node: graph.nodes,
      initializer: graph.initializers,
      input: [graph.value("x", ["N", ...image ?? [net.inputSize]], pixels)],
      output: [
        graph.value(
          "y",
          ["N", net.outputSize],
          "class probabilities (softmax)",
        ),
      ],
    },
    metadata_props: [
      { key: "dlfs.net", value: JSON.stringify(net.spec) },
      { key: "dlfs.input", value: JSON.stringify({ pixels: input.pixels }) },
    ],
  };
  // A copy: protobufjs hands out a view of a pooled buffer in Node.
  return new Uint8Array(MODEL.encode(MODEL.fromObject(model)).finish());
}

/** The value flowing between layers: its name, and whether it is N×C×H×W. */
interface Value {
  name: string;
  image: boolean;
}

/** The ONNX element type of the model: see `ExportOnnxOptions.dtype`. */
function elementType(net: Network, dtype: unknown): number {
  const float32 = Object.values(net.params).some((p) =>
    (p.data as unknown) instanceof Float32Array
  );
  if (dtype === undefined || dtype === "float32") return DATA_TYPE.FLOAT;
  if (dtype === "float64" && !float32) return DATA_TYPE.DOUBLE;
  throw new RangeError(
    `exportOnnx(): expected dtype "float32"${
      float32 ? " (the net's own)" : ` or "float64"`
    } but found ${JSON.stringify(dtype)}`,
  );
}

/**
 * One layer as ONNX nodes (test mode), from `x`; returns their output.
 *
 * @throws {TypeError} for a layer it does not know.
 */
function writeLayer(
  g: GraphWriter,
  name: string,
  layer: Layer,
  x: Value,
): Value {
  const flat = (name: string): Value => ({ name, image: false });
  switch (layer.constructor) {
    case Affine: {
      const { W, b } = layer as Affine; // D×H, 1×H
      const input = x.image
        ? g.node("Flatten", `${name}_flatten`, [x.name], [int("axis", 1)])
        : x.name;
      return flat(g.node("Gemm", name, [
        input,
        g.weight(W, [W.rows, W.cols]),
        g.weight(b, [b.cols]),
      ]));
    }
    case Convolution: {
      const { W, b, inputShape, window, outputShape } = layer as Convolution;
      checkImage(name, x);
      const { height, width, stride, pad } = window;
      return {
        name: g.node("Conv", name, [
          x.name,
          g.weight(W, [outputShape[0], inputShape[0], height, width]), // FN×C×FH×FW
          g.weight(b, [b.cols]),
        ], [
          ints("kernel_shape", [height, width]),
          ints("strides", [stride, stride]),
          ints("pads", [pad, pad, pad, pad]),
        ]),
        image: true,
      };
    }
    case Pooling: {
      const { height, width, stride, pad } = (layer as Pooling).window;
      checkImage(name, x);
      if (pad !== 0) {
        throw new RangeError(
          `exportOnnx(): expected ${name} with pad 0 (ONNX pads a max pool with −∞, dlfs with 0) but found pad ${pad}`,
        );
      }
      return {
        name: g.node("MaxPool", name, [x.name], [
          ints("kernel_shape", [height, width]),
          ints("strides", [stride, stride]),
        ]),
        image: true,
      };
    }
    case Relu:
      return { ...x, name: g.node("Relu", name, [x.name]) };
    case Sigmoid:
      return { ...x, name: g.node("Sigmoid", name, [x.name]) };
    case BatchNormalization: {
      const bn = layer as BatchNormalization; // each 1×D
      const d = [bn.gamma.cols];
      return flat(g.node("BatchNormalization", name, [
        x.name,
        g.weight(bn.gamma, d),
        g.weight(bn.beta, d),
        g.weight(bn.runningMean, d),
        g.weight(bn.runningVar, d),
      ], [float("epsilon", BATCH_NORM_EPSILON)]));
    }
    case Dropout: {
      // The book's test mode: x · (1 − ratio), not ONNX's Dropout (identity).
      const keep = g.constant(`${name}_keep`, 1 - (layer as Dropout).ratio);
      return { ...x, name: g.node("Mul", name, [x.name, keep]) };
    }
  }
  throw new TypeError(
    `exportOnnx(): expected layers Affine, Convolution, Pooling, Relu, Sigmoid, BatchNormalization or Dropout but found ${name}, a ${layer.constructor.name}`,
  );
}

/** Throws unless `x` is an image (N×C×H×W) for layer `name`. */
function checkImage(name: string, x: Value): void {
  if (!x.image) {
    throw new RangeError(
      `exportOnnx(): expected ${name} on images (after the input or another convolution or pooling) but found it after a flat layer`,
    );
  }
}

/**
 * The nodes and initializers of the graph being written, in one element
 * type; initializers are named by the net's names of their matrices.
 */
class GraphWriter {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  #type: number;
  #names = new Map<Matrix, string>();

  constructor(type: number, net: Network) {
    this.#type = type;
    for (const [key, m] of Object.entries({ ...net.params, ...net.state() })) {
      this.#names.set(m, key);
    }
  }

  /** Adds node `op` named `name`; returns its output, also `name`. */
  node(
    op: string,
    name: string,
    input: string[],
    attribute: Record<string, unknown>[] = [],
  ): string {
    this.nodes.push({ op_type: op, name, input, output: [name], attribute });
    return name;
  }

  /** Adds `m` as an initializer of shape `dims`, under the net's name for it. */
  weight(m: Matrix, dims: number[]): string {
    const name = this.#names.get(m);
    if (name === undefined) {
      throw new TypeError(
        "exportOnnx(): expected every weight of the layers among the net's params or state but found one that is not",
      );
    }
    return this.#tensor(name, dims, m.data);
  }

  /** Adds a scalar initializer. */
  constant(name: string, value: number): string {
    return this.#tensor(name, [], [value]);
  }

  /** A graph input or output of `dims` (a string: symbolic). */
  value(name: string, dims: (number | string)[], doc: string) {
    return {
      name,
      doc_string: doc,
      type: {
        tensor_type: {
          elem_type: this.#type,
          shape: {
            dim: dims.map((d) =>
              typeof d === "string" ? { dim_param: d } : { dim_value: d }
            ),
          },
        },
      },
    };
  }

  #tensor(name: string, dims: number[], data: ArrayLike<number>): string {
    const double = this.#type === DATA_TYPE.DOUBLE, size = double ? 8 : 4;
    const raw = new Uint8Array(data.length * size);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < data.length; i++) {
      if (double) view.setFloat64(i * size, data[i], true); // little-endian
      else view.setFloat32(i * size, data[i], true); // rounded to nearest
    }
    this.initializers.push({
      name,
      dims,
      data_type: this.#type,
      raw_data: raw,
    });
    return name;
  }
}

/** An integer attribute. */
function int(name: string, i: number) {
  return { name, type: ATTRIBUTE_TYPE.INT, i };
}

/** An attribute of integers. */
function ints(name: string, values: number[]) {
  return { name, type: ATTRIBUTE_TYPE.INTS, ints: values };
}

/** A float attribute (float32 in ONNX). */
function float(name: string, f: number) {
  return { name, type: ATTRIBUTE_TYPE.FLOAT, f };
}
