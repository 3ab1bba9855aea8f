// The Node side of tests/onnx_test.ts: runs ONNX models in ONNX Runtime for
// Node (CPU), the runtime loaded once for all. Reads JSON on stdin, a list
// of { model, input, dims, type } (files beside this one: the .onnx model,
// its input x as little-endian float32 or float64); prints JSON, for each,
// the output y as { dims, data }.
import * as ort from "onnxruntime-node";
import { readFile } from "node:fs/promises";

let text = "";
for await (const chunk of process.stdin) text += chunk;
const results = [];
for (const { model, input, dims, type } of JSON.parse(text)) {
  const session = await ort.InferenceSession.create(model);
  const bytes = new Uint8Array(await readFile(input)).buffer; // aligned
  const data = type === "float64"
    ? new Float64Array(bytes)
    : new Float32Array(bytes);
  const { y } = await session.run({ x: new ort.Tensor(type, data, dims) });
  results.push({ dims: y.dims, data: Array.from(y.data) });
}
console.log(JSON.stringify(results));
