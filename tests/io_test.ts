import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { fuzzSafetensors, sampleNets } from "./fuzz.ts";
import { type Matrix, Rng } from "../core/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadNet,
  loadParams,
  SafetensorsError,
  saveNet,
} from "../io/mod.ts";
import { TwoLayerNet } from "../net/mod.ts";
import { loadNetFile, saveNetFile } from "../data/mod.ts";
import { uniformMatrix } from "./helpers.ts";

const nets = sampleNets;

Deno.test("saveNet() and loadNet() round-trip every net bit for bit, predictions included", () => {
  const rng = new Rng(61);
  for (const net of nets()) {
    const { net: copy, input } = loadNet(saveNet(net));
    assertStrictEquals(copy.constructor, net.constructor);
    assertEquals(copy.spec, net.spec);
    assertEquals(input, { pixels: "x/255" });
    for (const [key, p] of Object.entries(net.params)) {
      assertEquals(
        (copy.params as Record<string, Matrix>)[key].data,
        p.data,
        key,
      );
    }
    const inputSize = "inputSize" in net ? net.inputSize : 64;
    const x = uniformMatrix(rng, 3, inputSize, 0, 1);
    assertEquals(copy.predict(x).data, net.predict(x).data, net.spec.type);
  }
});

Deno.test("F32 files round-trip the float32-rounded values exactly", () => {
  const data = new Float64Array([0.1, -1 / 3, 1e-40, 3e38, 0]);
  const { tensors } = decodeSafetensors(
    encodeSafetensors({ v: { shape: [5], data } }, { dtype: "F32" }),
  );
  assertStrictEquals(tensors.v.dtype, "F32");
  assertEquals(tensors.v.data, data.map(Math.fround));
  const bytes = encodeSafetensors({ v: { shape: [5], data: tensors.v.data } }, {
    dtype: "F32",
  });
  assertEquals(decodeSafetensors(bytes).tensors.v.data, tensors.v.data);
});

Deno.test("F16 files load: every half-precision value as the runtime's Float16Array reads it", () => {
  // Every one of the 65536 bit patterns: normals, subnormals, ±0, ±∞, NaN.
  const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
  const header = new TextEncoder().encode(JSON.stringify({
    h: { dtype: "F16", shape: [256, 256], data_offsets: [0, 2 * 65536] },
  }));
  const bytes = new Uint8Array(8 + header.length + 2 * 65536);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  bytes.set(new Uint8Array(bits.buffer), 8 + header.length); // little-endian here
  const { tensors } = decodeSafetensors(bytes);
  assertStrictEquals(tensors.h.dtype, "F16");
  assertEquals(
    Array.from(tensors.h.data),
    Array.from(new Float16Array(bits.buffer)),
  );
});

Deno.test("a float32 net saves F32 tensors and loads back bit for bit; loading converts where asked", () => {
  const net = new TwoLayerNet({
    inputSize: 5,
    hiddenSize: 4,
    outputSize: 3,
    rng: new Rng(62),
    weightInitStd: 0.5,
    dtype: "float32",
  });
  const bytes = saveNet(net);
  const { tensors } = decodeSafetensors(bytes);
  for (const key of Object.keys(net.params)) {
    assertStrictEquals(tensors[key].dtype, "F32", key);
  }
  const same = loadNet(bytes, new Rng(0), { dtype: "float32" }).net;
  const wide = loadNet(bytes).net; // float64, the default
  for (const [key, p] of Object.entries(net.params)) {
    assertEquals(same.params[key].data, p.data, key);
    assertEquals(wide.params[key].data, Float64Array.from(p.data), key);
  }
  // An F64 file into a float32 net: each value rounded to float32.
  const f64 = new TwoLayerNet({ inputSize: 5, hiddenSize: 4, outputSize: 3 });
  const narrow = loadNet(saveNet(f64), new Rng(0), { dtype: "float32" }).net;
  assertEquals(
    narrow.params.W1.data,
    Float32Array.from(f64.params.W1.data),
  );
  assertStrictEquals(narrow.kernels.dtype, "float32");
});

Deno.test("the header is padded so that the data starts 8-aligned, even with non-ASCII names", () => {
  const bytes = encodeSafetensors({
    "Gewicht_ä": { shape: [1], data: new Float64Array([1]) },
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertStrictEquals((8 + n) % 8, 0);
  assertStrictEquals(decodeSafetensors(bytes).tensors["Gewicht_ä"].data[0], 1);
});

/** A valid file to break: two tensors, metadata. */
function sample(): Uint8Array {
  return encodeSafetensors(
    {
      a: { shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) },
      b: { shape: [2], data: new Float64Array([7, 8]) },
    },
    { metadata: { note: "x" } },
  );
}

/** `sample()` with its header replaced by `header` (a JSON string). */
function withHeader(
  header: string,
  data = sample().subarray(
    8 + Number(new DataView(sample().buffer).getBigUint64(0, true)),
  ),
) {
  const head = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + head.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(head.length), true);
  bytes.set(head, 8);
  bytes.set(data, 8 + head.length);
  return bytes;
}

Deno.test("decodeSafetensors() rejects each kind of malformed file with a clear message", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /expected at least 8 bytes/],
    [
      (() => {
        const b = sample();
        new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
        return b;
      })(),
      /expected a header of at most \d+ bytes/,
    ],
    [withHeader("{not json"), /expected a UTF-8 JSON header/],
    [
      withHeader("[1, 2]"),
      /expected the header to be a JSON object but found an array/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "I32", "shape": [2, 3], "data_offsets": [0, 48]}, "b": {"dtype": "F64", "shape": [2], "data_offsets": [48, 64]}}',
      ),
      /expected dtype F64, F32 or F16 for "a" but found "I32"/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [2, 2], "data_offsets": [0, 48]}, "b": {"dtype": "F64", "shape": [2], "data_offsets": [48, 64]}}',
      ),
      /expected 48 bytes for "a" of shape \[2, 2\]/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]}, "b": {"dtype": "F64", "shape": [2], "data_offsets": [40, 56]}}',
      ),
      /expected tensors not to overlap/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]}, "b": {"dtype": "F64", "shape": [1], "data_offsets": [56, 64]}}',
      ),
      /expected no hole in the data/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 48]}}',
      ),
      /expected the tensors to cover all 64 data bytes but they cover 48/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [2, 3], "data_offsets": [0, 480]}}',
      ),
      /within the 64 data bytes/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [-2, 3], "data_offsets": [0, 48]}}',
      ),
      /array of non-negative integers/,
    ],
    [
      withHeader('{"__metadata__": {"k": 1}}'),
      /expected __metadata__.k to be a string/,
    ],
    [
      withHeader(
        '{"a": {"dtype": "F64", "shape": [6], "data_offsets": [0, 48], "extra": 1}, "b": {"dtype": "F64", "shape": [2], "data_offsets": [48, 64]}}',
      ),
      /expected only dtype, shape and data_offsets for "a" but found extra/,
    ],
  ];
  for (const [bytes, message] of cases) {
    assertMatch(
      assertThrows(() => decodeSafetensors(bytes), SafetensorsError).message,
      message,
    );
  }
});

Deno.test("loadParams() and loadNet() refuse files that do not fit the net, and change nothing", () => {
  const [two] = nets();
  const other = new TwoLayerNet({
    inputSize: 6,
    hiddenSize: 4,
    outputSize: 3,
    rng: new Rng(1),
  }); // hidden 4, not 5
  const before = Array.from(two.params.W1.data);
  assertThrows(
    () => loadParams(two, saveNet(other)),
    SafetensorsError,
    'loadParams(): expected "W1" of shape [6, 5] but found [6, 4]',
  );
  assertEquals(Array.from(two.params.W1.data), before, "nothing written");
  const renamed = encodeSafetensors({
    W1: { shape: [6, 5], data: new Float64Array(30) },
  });
  assertMatch(
    (assertThrows(() => loadParams(two, renamed), Error)).message,
    /expected tensors W1, b1, W2, b2 but found W1/,
  );
  const noMeta = encodeSafetensors({
    W1: { shape: [1], data: new Float64Array(1) },
  });
  assertMatch(
    (assertThrows(() => loadNet(noMeta), Error)).message,
    /expected metadata format "dlfs" but found undefined/,
  );
  const meta = (net: string) => ({
    format: "dlfs",
    net,
    input: '{"pixels":"x/255"}',
  });
  const badNet = encodeSafetensors({}, {
    metadata: meta(
      '{"type":"TwoLayerNet","inputSize":0,"hiddenSize":2,"outputSize":2}',
    ),
  });
  assertMatch(
    (assertThrows(() => loadNet(badNet), Error)).message,
    /expected a valid architecture but found \{"type":"TwoLayerNet","inputSize":0/,
  );
  // A forged spec cannot make it allocate: 784·1e9 weights against 6 values.
  const forged = encodeSafetensors(
    { W1: { shape: [6], data: new Float64Array(6) } },
    {
      metadata: meta(
        '{"type":"TwoLayerNet","inputSize":784,"hiddenSize":1000000000,"outputSize":10}',
      ),
    },
  );
  assertThrows(
    () => loadNet(forged),
    SafetensorsError,
    'loadNet(): expected an architecture of the file\'s 6 values but found {"type":"TwoLayerNet","inputSize":784,"hiddenSize":1000000000,"outputSize":10}, which holds more',
  );
});

Deno.test("loadNet() survives 10,000 seeded mutations of saved nets: a consistent net or a SafetensorsError", () => {
  // The fuzzer of `deno task fuzz` (tests/fuzz.ts), at a tenth of its size.
  const counts = fuzzSafetensors(10_000, 62);
  assert(
    counts.accepted > 100 && counts.rejected > 1000,
    JSON.stringify(counts),
  );
});

Deno.test("saveNetFile() writes atomically, and a failed write names the file asked for and leaves nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-save-" });
  try {
    const net = new TwoLayerNet({
      inputSize: 4,
      hiddenSize: 3,
      outputSize: 2,
      rng: new Rng(1),
    });
    await saveNetFile(`${dir}/net.safetensors`, net);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "net.safetensors",
    ]);
    assertEquals(
      (await loadNetFile(`${dir}/net.safetensors`)).net.params.W1.data,
      net.params.W1.data,
    );
    const e = await assertRejects(() =>
      saveNetFile(`${dir}/no/such/net.safetensors`, net)
    );
    assertMatch(
      (e as Error).message,
      new RegExp(`^could not write ${dir}/no/such/net\\.safetensors: `),
    );
    assertEquals((e as Error & { code?: string }).code, "ENOENT");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
