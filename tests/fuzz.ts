// The fuzzers of the file parsers, shared by the tests (a short run) and
// `deno task fuzz` (fuzz.ts: a long one). Each input is a seeded mutation
// of a valid file; the parser must give back a consistent result or its own
// typed error, nothing else, within a time bound per input.

import { Rng } from "../core/rng.ts";
import { IdxFormatError, parseIdx } from "../data/idx.ts";
import { loadNet, saveNet } from "../io/model.ts";
import { SafetensorsError } from "../io/safetensors.ts";
import { decodePickle, PickleError } from "../io/pickle.ts";
import {
  DeepConvNet,
  MultiLayerNet,
  SimpleConvNet,
  TwoLayerNet,
} from "../net/mod.ts";
import { Matrix } from "../core/matrix.ts";

/** What a run found: inputs accepted, inputs refused, the slowest (ms). */
export interface FuzzCounts {
  accepted: number;
  rejected: number;
  slowestMs: number;
}

const SIZES: Record<number, number> = {
  0x08: 1,
  0x09: 1,
  0x0b: 2,
  0x0c: 4,
  0x0d: 4,
  0x0e: 8,
};

/** An IDX file of `typeCode` (big-endian values, as the format has them). */
export function makeIdx(
  typeCode: number,
  dims: number[],
  values: number[],
): Uint8Array {
  const size = SIZES[typeCode];
  const bytes = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(bytes.buffer);
  bytes[2] = typeCode;
  bytes[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  const at = 4 + 4 * dims.length;
  values.forEach((v, i) => {
    const o = at + size * i;
    if (typeCode === 0x08) view.setUint8(o, v);
    else if (typeCode === 0x09) view.setInt8(o, v);
    else if (typeCode === 0x0b) view.setInt16(o, v);
    else if (typeCode === 0x0c) view.setInt32(o, v);
    else if (typeCode === 0x0d) view.setFloat32(o, v);
    else view.setFloat64(o, v);
  });
  return bytes;
}

/** `bytes` gzipped (one member). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** A copy of `src` with one seeded damage: bits, a cut, a header byte, a dim, a tail. */
function mutate(rng: Rng, src: Uint8Array): Uint8Array {
  const b = src.slice();
  switch (rng.int(5)) {
    case 0: // flip 1–4 random bits
      for (let k = 1 + rng.int(4); k > 0; k--) {
        b[rng.int(b.length)] ^= 1 << rng.int(8);
      }
      return b;
    case 1: // truncate anywhere
      return b.subarray(0, rng.int(b.length + 1));
    case 2: // rewrite one of the first 16 bytes (magic, type, rank, dims; gzip's header)
      b[rng.int(Math.min(b.length, 16))] = rng.int(256);
      return b;
    case 3: // rewrite a 32-bit word near the start with a random u32
      if (b.length >= 8) new DataView(b.buffer).setUint32(4, rng.nextUint32());
      return b;
    default: { // append random bytes
      const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return out;
    }
  }
}

/**
 * `count` mutations of small IDX files of every type code, `kind` "raw"
 * (the file damaged), "gzip" (its gzip damaged) or "gzip-of-damaged" (a
 * damaged file, gzipped). Throws on anything but consistent data or an
 * IdxFormatError, and on an input that takes more than `maxMs`.
 */
export async function fuzzIdx(
  count: number,
  seed: number,
  kind: "raw" | "gzip" | "gzip-of-damaged",
  maxMs = 2000,
): Promise<FuzzCounts> {
  const rng = new Rng(seed);
  const seeds: Uint8Array[] = [];
  for (const code of [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e]) {
    seeds.push(makeIdx(code, [2, 3], [0, 1, 2, 3, 4, 5]));
    seeds.push(makeIdx(code, [6], [-1, 0, 1, 2, 3, 100]));
  }
  seeds.push(
    makeIdx(
      0x08,
      [4, 28, 28],
      Array.from({ length: 4 * 784 }, (_, i) => (i * 7) % 256),
    ),
  );
  const gzSeeds = await Promise.all(seeds.map(gzip));
  const MAX = 1 << 20, counts = { accepted: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const input = kind === "raw"
      ? mutate(rng, seeds[rng.int(seeds.length)])
      : kind === "gzip"
      ? mutate(rng, gzSeeds[rng.int(gzSeeds.length)])
      : await gzip(mutate(rng, seeds[rng.int(seeds.length)]));
    const start = performance.now();
    try {
      const idx = await parseIdx(input, MAX);
      const n = idx.dims.reduce((a, b) => a * b, 1);
      const bound = kind === "raw" ? input.length : MAX;
      if (idx.data.length !== n || idx.data.byteLength > bound) {
        throw new Error(
          `mutation ${i}: dims [${idx.dims}] but ${idx.data.length} values (${idx.data.byteLength} bytes, bound ${bound})`,
        );
      }
      counts.accepted++;
    } catch (e) {
      if (!(e instanceof IdxFormatError)) {
        throw new Error(
          `mutation ${i} (${kind}): expected IdxFormatError but got ${
            (e as Error)?.name
          }: ${e}`,
        );
      }
      counts.rejected++;
    }
    const ms = performance.now() - start;
    counts.slowestMs = Math.max(counts.slowestMs, ms);
    if (ms > maxMs) throw new Error(`mutation ${i} (${kind}) took ${ms} ms`);
  }
  return counts;
}

/** Small nets of the four kinds, BatchNorm state included. */
export function sampleNets() {
  const rng = new Rng(60);
  const mln = new MultiLayerNet({
    inputSize: 6,
    hiddenSizes: [5, 4],
    outputSize: 3,
    rng,
    useBatchnorm: true,
    useDropout: true,
    dropoutRatio: 0.2,
    activation: "sigmoid",
  });
  // Give BatchNorm running averages something to save.
  const x = new Matrix(
    4,
    6,
    Float64Array.from({ length: 24 }, () => 2 * rng.uniform() - 1),
  );
  mln.loss(x, [0, 1, 2, 0], { train: true });
  return [
    new TwoLayerNet({
      inputSize: 6,
      hiddenSize: 5,
      outputSize: 3,
      rng,
      weightInitStd: 0.3,
    }),
    mln,
    new SimpleConvNet({
      rng,
      input: [1, 8, 8],
      filterNum: 3,
      filterSize: 3,
      hiddenSize: 6,
      outputSize: 3,
      weightInitStd: 0.3,
    }),
    new DeepConvNet({
      rng,
      input: [1, 4, 4], // 4 → 4 → 2 → 2 → 4 (pad 2) → 2 → 2 → 2 → 1
      conv: Array(6).fill({ filterNum: 2, filterSize: 3, pad: 1, stride: 1 })
        .map((c, i) => i === 3 ? { ...c, pad: 2 } : c) as never,
      hiddenSize: 3,
      outputSize: 2,
    }),
  ] as const;
}

/**
 * `count` mutations of saved nets through `loadNet`: a net whose
 * parameters have their declared shapes, or a SafetensorsError; nothing
 * else, and no input over `maxMs`.
 */
export function fuzzSafetensors(
  count: number,
  seed: number,
  maxMs = 2000,
): FuzzCounts {
  const rng = new Rng(seed), seeds = sampleNets().map((net) => saveNet(net));
  const counts = { accepted: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const src = seeds[rng.int(seeds.length)];
    let bytes = src.slice();
    const n = Number(new DataView(src.buffer).getBigUint64(0, true));
    switch (rng.int(5)) {
      case 0: // flip bits anywhere
        for (let k = 1 + rng.int(4); k > 0; k--) {
          bytes[rng.int(bytes.length)] ^= 1 << rng.int(8);
        }
        break;
      case 1: // flip bits in the header (length or JSON)
        for (let k = 1 + rng.int(3); k > 0; k--) {
          bytes[rng.int(8 + n)] ^= 1 << rng.int(8);
        }
        break;
      case 2: // truncate
        bytes = bytes.subarray(0, rng.int(bytes.length));
        break;
      case 3: { // rewrite a character of the JSON
        const at = 8 + rng.int(n);
        if (bytes[at] >= 0x30 && bytes[at] <= 0x39) {
          bytes[at] = 0x30 + rng.int(10);
        } else bytes[at] = 0x20 + rng.int(95);
        break;
      }
      default: { // append bytes
        const out = new Uint8Array(bytes.length + 1 + rng.int(16));
        out.set(bytes);
        bytes = out;
      }
    }
    tally(counts, i, maxMs, SafetensorsError, () => {
      const { net } = loadNet(bytes);
      for (const p of Object.values(net.params)) {
        if (p.data.length !== p.rows * p.cols) {
          throw new Error(
            `mutation ${i}: a parameter's data does not fit its shape`,
          );
        }
      }
    });
  }
  return counts;
}

/**
 * `count` mutations of the pickle fixtures (tests/pickles, protocols 2–5:
 * a dict of float arrays each) through `decodePickle`: arrays whose data
 * fit their shapes, or a PickleError; nothing else, and no input over
 * `maxMs`.
 */
export function fuzzPickle(
  count: number,
  seed: number,
  maxMs = 2000,
): FuzzCounts {
  const rng = new Rng(seed);
  const seeds = [2, 3, 4, 5].map((p) =>
    Deno.readFileSync(new URL(`pickles/protocol${p}.pkl`, import.meta.url))
  );
  const counts = { accepted: 0, rejected: 0, slowestMs: 0 };
  for (let i = 0; i < count; i++) {
    const input = mutate(rng, seeds[rng.int(seeds.length)]);
    tally(counts, i, maxMs, PickleError, () => {
      for (const [key, a] of Object.entries(decodePickle(input))) {
        if (a.data.length !== a.shape.reduce((p, n) => p * n, 1)) {
          throw new Error(
            `mutation ${i}: "${key}" has ${a.data.length} values for shape [${a.shape}]`,
          );
        }
      }
    });
  }
  return counts;
}

/**
 * Runs mutation `i` through `parse` and counts it: accepted, or refused
 * with `Refusal` (the parser's own error). Any other error, or a run over
 * `maxMs`, throws.
 */
function tally(
  counts: FuzzCounts,
  i: number,
  maxMs: number,
  Refusal: new (message: string) => Error,
  parse: () => void,
): void {
  const start = performance.now();
  try {
    parse();
    counts.accepted++;
  } catch (e) {
    if (!(e instanceof Refusal)) {
      throw new Error(
        `mutation ${i}: expected ${Refusal.name} but got ${
          (e as Error)?.name
        }: ${e}`,
      );
    }
    counts.rejected++;
  }
  const ms = performance.now() - start;
  counts.slowestMs = Math.max(counts.slowestMs, ms);
  if (ms > maxMs) throw new Error(`mutation ${i} took ${ms} ms`);
}
