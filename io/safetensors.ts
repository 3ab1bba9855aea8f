/**
 * The safetensors format, bytes in and out (no file access, so it runs in a
 * browser): an 8-byte little-endian header length N, N bytes of JSON
 * `{ "__metadata__": { … }, "<name>": { "dtype", "shape", "data_offsets" } … }`,
 * then the tensors' little-endian bytes, back to back.
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";

/**
 * The element types dlfs reads: F64 and F32, which it also writes, and
 * F16 (IEEE half precision, as the book's `half_float_network.py` keeps
 * its weights), read only.
 */
export type Dtype = "F64" | "F32" | "F16";

/** A tensor as dlfs holds it: float64 values in row-major order. */
export interface Tensor {
  /** The element type in the file (values are float64 in memory either way). */
  dtype: Dtype;
  /** Dimensions, outermost first; their product is `data.length`. */
  shape: number[];
  /** The values, row-major. */
  data: Float64Array;
}

/**
 * A decoded file: its tensors by name, and its string metadata. Both are
 * objects without a prototype: every name in the file, `__proto__`
 * included, is an own key.
 */
export interface Safetensors {
  /** Tensors by name, in the order of the file's data. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings ({} when absent). */
  metadata: Record<string, string>;
}

/** The error every malformed safetensors input gets. */
export class SafetensorsError extends Error {
  /** Creates the error; the message says what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

const SIZE: Record<Dtype, number> = { F64: 8, F32: 4, F16: 2 };
/** Largest header accepted (100 MB, as the reference implementation). */
const MAX_HEADER = 100_000_000;

/**
 * Encodes tensors (float64 or float32 values, any shape) as safetensors, in
 * the order given, with `metadata` strings (default none). With `dtype:
 * "F32"` the values are rounded to float32 on the way out (default `"F64"`:
 * exact); a tensor's own `dtype` wins over it.
 *
 * @throws {RangeError} if a tensor's shape does not match its data length,
 * or a dtype is neither F64 nor F32.
 *
 * @example Round trip
 * ```ts
 * import { assertEquals, assertStrictEquals } from "@std/assert";
 * import { decodeSafetensors, encodeSafetensors } from "@dlfs/nn/io";
 *
 * const bytes = encodeSafetensors(
 *   { W: { shape: [2, 2], data: new Float64Array([1, 2, 3, 0.1]) } },
 *   { metadata: { net: "demo" } },
 * );
 * const { tensors, metadata } = decodeSafetensors(bytes);
 * assertEquals(tensors.W.data, new Float64Array([1, 2, 3, 0.1]));
 * assertStrictEquals(metadata.net, "demo");
 * ```
 */
export function encodeSafetensors(
  tensors: Record<
    string,
    {
      shape: readonly number[];
      data: Float64Array | Float32Array;
      dtype?: Dtype;
    }
  >,
  options: { dtype?: Dtype; metadata?: Record<string, string> } = {},
): Uint8Array {
  checkOptions("encodeSafetensors()", options, ["dtype", "metadata"]);
  const { metadata = {} } = options;
  const dtypeOf = (t: { dtype?: Dtype }): "F64" | "F32" => {
    const dtype = t.dtype ?? options.dtype ?? "F64";
    if (dtype !== "F64" && dtype !== "F32") {
      throw new RangeError(
        `encodeSafetensors(): expected dtype F64 or F32 but found ${dtype}`,
      );
    }
    return dtype;
  };
  dtypeOf(options);
  // No prototype: a tensor or metadata name "__proto__" stays a name.
  const header: Record<string, unknown> = Object.create(null);
  header.__metadata__ = Object.assign(Object.create(null), metadata);
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === "__metadata__") {
      throw new RangeError(
        'encodeSafetensors(): expected tensor names other than "__metadata__"',
      );
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new RangeError(
        `encodeSafetensors(): expected ${count} values for "${name}" of shape [${
          t.shape.join(", ")
        }] but found ${t.data.length}`,
      );
    }
    const dtype = dtypeOf(t), size = SIZE[dtype];
    header[name] = {
      dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + count * size],
    };
    offset += count * size;
  }
  const head = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (head.length % 8)) % 8; // spaces, so the data starts 8-aligned
  const bytes = new Uint8Array(8 + head.length + pad + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(head.length + pad), true);
  bytes.set(head, 8);
  bytes.fill(0x20, 8 + head.length, 8 + head.length + pad);
  let at = 8 + head.length + pad;
  for (const t of Object.values(tensors)) {
    const dtype = dtypeOf(t), size = SIZE[dtype];
    for (let i = 0; i < t.data.length; i++, at += size) {
      if (dtype === "F64") view.setFloat64(at, t.data[i], true);
      else view.setFloat32(at, t.data[i], true);
    }
  }
  return bytes;
}

/**
 * Decodes safetensors bytes, checking everything before it trusts anything:
 * the header length against the size, the JSON's shape, the dtypes (F64,
 * F32 and F16), every shape against its byte range, and that the ranges cover the
 * data exactly, without overlaps or holes.
 *
 * @throws {SafetensorsError} for any malformed input (never a partial result).
 *
 * @example
 * ```ts
 * import { decodeSafetensors, SafetensorsError } from "@dlfs/nn/io";
 *
 * try {
 *   decodeSafetensors(new Uint8Array([1, 2, 3]));
 * } catch (e) {
 *   console.log(e instanceof SafetensorsError, (e as Error).message);
 * }
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  const where = "decodeSafetensors()";
  const fail = (what: string): never => {
    throw new SafetensorsError(`${where}: ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `${where}: expected a Uint8Array but found ${typeof bytes}`,
    );
  }
  if (bytes.length < 8) {
    fail(
      `expected at least 8 bytes (the header length) but found ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    fail(
      `expected a header of at most ${
        Math.min(MAX_HEADER, bytes.length - 8)
      } bytes (the file has ${bytes.length}) but found ${n}`,
    );
  }
  const headerLength = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(8, 8 + headerLength),
      ),
    );
  } catch (e) {
    fail(
      `expected a UTF-8 JSON header but found one that does not parse (${
        (e as Error).message
      })`,
    );
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    fail(
      `expected the header to be a JSON object but found ${
        Array.isArray(header) ? "an array" : String(header)
      }`,
    );
  }
  const dataStart = 8 + headerLength, dataLength = bytes.length - dataStart;
  const entries = Object.entries(header as Record<string, unknown>);
  // Names from the file become keys: of objects without a prototype, so that
  // "__proto__" (or "constructor") is a name like any other.
  const metadata: Record<string, string> = Object.create(null);
  const infos: {
    name: string;
    dtype: Dtype;
    shape: number[];
    begin: number;
    end: number;
  }[] = [];
  for (const [name, info] of entries) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info)) {
        fail("expected __metadata__ to be an object of strings");
      }
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") {
          fail(
            `expected __metadata__.${k} to be a string but found ${typeof v}`,
          );
        }
        metadata[k] = v as string;
      }
      continue;
    }
    if (typeof info !== "object" || info === null || Array.isArray(info)) {
      fail(`expected tensor "${name}" to be an object`);
    }
    const { dtype, shape, data_offsets, ...extra } = info as Record<
      string,
      unknown
    >;
    if (Object.keys(extra).length > 0) {
      fail(
        `expected only dtype, shape and data_offsets for "${name}" but found ${
          Object.keys(extra).join(", ")
        }`,
      );
    }
    if (dtype !== "F64" && dtype !== "F32" && dtype !== "F16") {
      fail(
        `expected dtype F64, F32 or F16 for "${name}" but found ${
          JSON.stringify(dtype)
        }`,
      );
    }
    if (
      !Array.isArray(shape) ||
      !shape.every((d) => Number.isSafeInteger(d) && d >= 0)
    ) {
      fail(
        `expected the shape of "${name}" to be an array of non-negative integers but found ${
          JSON.stringify(shape)
        }`,
      );
    }
    if (
      !Array.isArray(data_offsets) || data_offsets.length !== 2 ||
      !data_offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(
        `expected data_offsets of "${name}" to be [begin, end] but found ${
          JSON.stringify(data_offsets)
        }`,
      );
    }
    const [begin, end] = data_offsets as number[];
    if (begin > end || end > dataLength) {
      fail(
        `expected data_offsets of "${name}" within the ${dataLength} data bytes but found [${begin}, ${end}]`,
      );
    }
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (
      !Number.isSafeInteger(count) ||
      count * SIZE[dtype as Dtype] !== end - begin
    ) {
      fail(
        `expected ${end - begin} bytes for "${name}" of shape [${
          (shape as number[]).join(", ")
        }] (${dtype}) but the shape needs ${count * SIZE[dtype as Dtype]}`,
      );
    }
    infos.push({
      name,
      dtype: dtype as Dtype,
      shape: shape as number[],
      begin,
      end,
    });
  }
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const t of sorted) {
    if (t.begin !== covered) {
      fail(
        t.begin < covered
          ? `expected tensors not to overlap but found "${t.name}" starting at ${t.begin}, before ${covered}`
          : `expected no hole in the data but found bytes ${covered}–${t.begin} unused`,
      );
    }
    covered = t.end;
  }
  if (covered !== dataLength) {
    fail(
      `expected the tensors to cover all ${dataLength} data bytes but they cover ${covered}`,
    );
  }

  const tensors: Record<string, Tensor> = Object.create(null);
  for (const t of sorted) {
    const size = SIZE[t.dtype], count = (t.end - t.begin) / size;
    const data = new Float64Array(count);
    for (let i = 0, at = dataStart + t.begin; i < count; i++, at += size) {
      data[i] = t.dtype === "F64"
        ? view.getFloat64(at, true)
        : t.dtype === "F32"
        ? view.getFloat32(at, true)
        : half(view.getUint16(at, true));
    }
    tensors[t.name] = { dtype: t.dtype, shape: t.shape, data };
  }
  return { tensors, metadata };
}

/**
 * The value of IEEE 754 half-precision bits: sign, 5 exponent bits (bias
 * 15), 10 fraction bits; subnormals, ±∞ and NaN included.
 */
function half(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
