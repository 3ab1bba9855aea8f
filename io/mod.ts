/**
 * Keeping what was learned: networks to and from safetensors bytes
 * ({@linkcode saveNet}, {@linkcode loadNet}), and the format itself
 * ({@linkcode encodeSafetensors}, {@linkcode decodeSafetensors}), and the
 * book's own trained parameters, pickled by Python ({@linkcode decodePickle}).
 * No file access here; `@dlfs/nn/data` has the file helpers.
 *
 * @example
 * ```ts
 * import { Rng } from "@dlfs/nn/core";
 * import { MultiLayerNet } from "@dlfs/nn/net";
 * import { loadNet, saveNet } from "@dlfs/nn/io";
 *
 * const net = new MultiLayerNet({ inputSize: 784, hiddenSizes: [100, 100], outputSize: 10, rng: new Rng(0) });
 * const bytes = saveNet(net, { dtype: "F32" }); // about 360 kB
 * const { net: copy } = loadNet(bytes);
 * console.log(bytes.length, copy.spec.type);
 * ```
 *
 * @module
 */

export {
  decodeSafetensors,
  type Dtype,
  encodeSafetensors,
  type Safetensors,
  SafetensorsError,
  type Tensor,
} from "./safetensors.ts";
export {
  type InputSpec,
  type LoadedNet,
  loadNet,
  loadParams,
  saveNet,
  type SaveNetOptions,
} from "./model.ts";
export {
  exportOnnx,
  type ExportOnnxOptions,
  ONNX_IR_VERSION,
  ONNX_OPSET,
} from "./onnx.ts";
export {
  type Digit,
  digitsPlot,
  type TrainingHistory,
  trainingPlot,
} from "./plot.ts";
export {
  decodePickle,
  type DecodePickleOptions,
  type PickledArray,
  PickleError,
} from "./pickle.ts";
