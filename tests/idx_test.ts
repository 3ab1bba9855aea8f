import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { IdxFormatError, parseIdx, parseRawIdx } from "../data/idx.ts";
import { fuzzIdx, gzip, makeIdx } from "./fuzz.ts";

// An independent IDX writer: header, then big-endian elements via DataView.

const SAMPLES: Record<number, number[]> = {
  0x08: [0, 1, 127, 128, 255, 42],
  0x09: [-128, -1, 0, 1, 127, -42],
  0x0b: [-32768, -1, 0, 1, 32767, 1234],
  0x0c: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 123456789],
  0x0d: [-1.5, 0, 0.25, 1e-3, 3.4e38, -7],
  0x0e: [-1.5, 0, Math.PI, 1e-300, 1.7e308, -7],
};
const ARRAYS: Record<number, string> = {
  0x08: "Uint8Array",
  0x09: "Int8Array",
  0x0b: "Int16Array",
  0x0c: "Int32Array",
  0x0d: "Float32Array",
  0x0e: "Float64Array",
};

Deno.test("parseIdx() reads every type code at ranks 0 to 3, plain and gzipped", async () => {
  for (const code of [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e]) {
    for (const dims of [[], [6], [2, 3], [3, 1, 2], [0, 5]]) {
      const n = dims.reduce((a, b) => a * b, 1);
      const values = SAMPLES[code].slice(0, n);
      const file = makeIdx(code, dims, values);
      const expected = code === 0x0d ? values.map(Math.fround) : values;
      for (const bytes of [file, await gzip(file)]) {
        const idx = await parseIdx(bytes);
        assertStrictEquals(idx.typeCode, code);
        assertEquals(idx.dims, dims);
        assertStrictEquals(idx.data.constructor.name, ARRAYS[code]);
        assertEquals(Array.from(idx.data), expected);
      }
    }
  }
});

Deno.test("parseIdx() rejects a bad magic number and says when the file is HTML", async () => {
  await assertRejects(
    async () => await parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0])),
    IdxFormatError,
    "parseIdx(): expected the magic 00 00 <type> <rank> with type 08, 09, 0b, 0c, 0d or 0e but found 01 00 08 01",
  );
  assertMatch(
    (await assertRejects(
      async () => await parseIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 0])),
      Error,
    )).message,
    /but found 00 00 07 01/,
  );
  const html = new TextEncoder().encode(
    "<!DOCTYPE html><html><body>Not Found</body></html>\n",
  );
  assertMatch(
    (await assertRejects(async () => await parseIdx(html), Error)).message,
    /looks like text or an HTML page, not IDX/,
  );
  await assertRejects(
    async () => await parseIdx(new Uint8Array([0, 0])),
    IdxFormatError,
    "parseIdx(): expected at least a 4-byte header but found 2 bytes",
  );
});

Deno.test("parseIdx() rejects a file whose size disagrees with its header", async () => {
  const file = makeIdx(0x0c, [2, 3], [1, 2, 3, 4, 5, 6]);
  await assertRejects(
    async () => await parseIdx(file.subarray(0, file.length - 1)),
    IdxFormatError,
    "parseIdx(): expected 24 bytes of data for dims [2, 3] (i32) but found 23 (truncated file?)",
  );
  const longer = new Uint8Array(file.length + 4);
  longer.set(file);
  assertMatch(
    (await assertRejects(async () => await parseIdx(longer), Error)).message,
    /expected 24 bytes .* but found 28 \(trailing bytes\)/,
  );
  await assertRejects(
    async () => await parseIdx(file.subarray(0, 10)),
    IdxFormatError,
    "parseIdx(): expected a 12-byte header for rank 2 but found 10 bytes",
  );
});

Deno.test("parseIdx() rejects forged huge dims before allocating anything", async () => {
  // 4G × 4G × 8 bytes would be 1.5e20 bytes: only the header check stands
  // between this 16-byte file and an out-of-memory crash.
  // Their product is not an exact integer: refused as a size outright.
  const forged = makeIdx(0x0e, [0xffffffff, 0xffffffff], []);
  const message =
    /expected dims whose product is a size in bytes but found \[4294967295, 4294967295\], 147573952520956940000 bytes of f64/;
  assertMatch(
    (await assertRejects(() => parseIdx(forged), IdxFormatError)).message,
    message,
  );
  // Gzipped, the header is read from the first decompressed bytes.
  const gzForged = await gzip(forged);
  assertMatch(
    (await assertRejects(() => parseIdx(gzForged), IdxFormatError)).message,
    message,
  );
  // An exact size that is too large is refused against maxBytes before the
  // rest is inflated.
  const large = makeIdx(0x0e, [1 << 20, 1 << 10], []);
  assertMatch(
    (await assertRejects(
      async () => await parseIdx(await gzip(large)),
      IdxFormatError,
    )).message,
    /expected at most 1073741824 bytes but found a header declaring 8589934604/,
  );
});

Deno.test("parseIdx() rejects truncated or corrupt gzip, and gzip that inflates past its header", async () => {
  const file = makeIdx(
    0x08,
    [100, 10],
    Array.from({ length: 1000 }, (_, i) => i % 251),
  );
  const gz = await gzip(file);
  assertMatch(
    (await assertRejects(
      async () => await parseIdx(gz.subarray(0, gz.length - 12)),
      IdxFormatError,
    )).message,
    /expected valid gzip data but found a corrupt or truncated stream|truncated file/,
  );
  const flipped = gz.slice();
  flipped[gz.length - 6] ^= 0xff; // the CRC-32 / length trailer
  await assertRejects(async () => await parseIdx(flipped), IdxFormatError);
  // A header declaring 10 bytes followed by a megabyte: stops at the header's size.
  const bomb = new Uint8Array(4 + 4 + 1_000_000);
  bomb.set([0, 0, 8, 1, 0, 0, 0, 10]);
  await assertRejects(
    async () => await parseIdx(await gzip(bomb)),
    IdxFormatError,
    "parseIdx(): expected at most 18 decompressed bytes (as the header declares) but found more",
  );
  // An HTML page saved under a .gz name is not gzip at all: plain magic check.
  const html = new TextEncoder().encode(
    "<html><head><title>404</title></head></html>",
  );
  assertMatch(
    (await assertRejects(async () => await parseIdx(html), Error)).message,
    /HTML page/,
  );
});

Deno.test("parseRawIdx() gives u8 data as a view of the input, without a copy", () => {
  const file = makeIdx(0x08, [3], [7, 8, 9]);
  const { data } = parseRawIdx(file);
  assertStrictEquals(data.buffer, file.buffer);
  assertEquals(Array.from(data), [7, 8, 9]);
});

Deno.test("parseIdx() survives 12,000 seeded mutations, raw and gzipped: consistent data or IdxFormatError", async () => {
  // The fuzzer of `deno task fuzz` (tests/fuzz.ts), at a tenth of its size.
  for (const kind of ["raw", "gzip", "gzip-of-damaged"] as const) {
    const counts = await fuzzIdx(4000, 20261128, kind);
    // Both outcomes must occur, or the fuzzer is not exercising anything.
    assert(
      counts.accepted > 100 && counts.rejected > 1000,
      `${kind}: ${JSON.stringify(counts)}`,
    );
  }
});

/** Runs a program on `input`, returning its stdout (throws if it fails). */
async function run(cmd: string, args: string[], input: Uint8Array) {
  const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const { success, stdout } = await child.output();
  if (!success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  return stdout;
}

Deno.test("parseIdx() reads any gzip that gzip -t accepts as zcat reads it: several members, names, comments", async () => {
  const file = makeIdx(
    0x08,
    [300, 7],
    Array.from({ length: 2100 }, (_, i) => (i * 7) % 256),
  );
  // Two members, split mid-header and mid-data, one with a file name (gzip
  // -N stores it), as `cat a.gz b.gz` makes them.
  const a = await run("gzip", ["-c", "-9"], file.subarray(0, 6));
  const b = await run("gzip", ["-c", "-1"], file.subarray(6));
  const withName = new Uint8Array(a); // set FNAME and insert "x.idx\0"
  const named = new Uint8Array(a.length + 6);
  named.set(withName.subarray(0, 10));
  named[3] |= 8;
  named.set(new TextEncoder().encode("x.idx\0"), 10);
  named.set(withName.subarray(10), 16);
  const multi = new Uint8Array([...named, ...b]);
  await run("gzip", ["-t"], multi); // gzip itself accepts it
  const zcat = await run("zcat", [], multi);
  assertEquals(zcat, file);
  const parsed = await parseIdx(multi);
  assertEquals(parsed.dims, [300, 7]);
  assertEquals(parsed.data, file.subarray(12));
});

Deno.test("parseIdx() says what is wrong with a corrupt gzip file: a bad CRC-32, a bad code, a truncation", async () => {
  const file = makeIdx(
    0x08,
    [500],
    Array.from({ length: 500 }, (_, i) => i % 7),
  );
  const gz = await gzip(file);
  const badCrc = gz.slice();
  badCrc[gz.length - 8] ^= 1; // the trailer's CRC-32
  assertMatch(
    (await assertRejects(async () => await parseIdx(badCrc), IdxFormatError))
      .message,
    /^parseIdx\(\): expected gzip member 1 to hold 508 bytes with CRC-32 [0-9a-f]{8} but found 508 bytes with CRC-32 [0-9a-f]{8} \(a corrupt file\)$/,
  );
  const truncated = gz.subarray(0, gz.length - 12);
  assertMatch(
    (await assertRejects(async () => await parseIdx(truncated), IdxFormatError))
      .message,
    /^parseIdx\(\): expected valid gzip data but found unexpected EOF/,
  );
  // Every byte of the deflate data flipped: an IdxFormatError, or (a flip
  // in bits the format ignores, as the last byte's padding) the same data.
  let rejected = 0;
  for (let at = 10; at < gz.length - 8; at++) {
    const bad = gz.slice();
    bad[at] ^= 0x40;
    try {
      assertEquals(
        (await parseIdx(bad)).data,
        file.subarray(8),
        `byte ${at}`,
      );
    } catch (e) {
      if (!(e instanceof IdxFormatError)) throw e;
      rejected++;
    }
  }
  assert(rejected > (gz.length - 18) / 2, `${rejected} flips rejected`);
});

Deno.test("parseIdx() stops a gzip bomb as soon as more comes out than the header declares", async () => {
  // 10 labels, then 2048 members of 1 MiB of zeros each: 2 GiB from a
  // 2 MB file. Inflating it whole took 13 s and 4.5 GB.
  const head = await gzip(makeIdx(0x08, [10], new Array(10).fill(3)));
  const zeros = await gzip(new Uint8Array(1 << 20));
  const bomb = new Uint8Array(head.length + 2048 * zeros.length);
  bomb.set(head);
  for (let k = 0; k < 2048; k++) {
    bomb.set(zeros, head.length + k * zeros.length);
  }
  const before = Deno.memoryUsage().rss;
  await assertRejects(
    async () => await parseIdx(bomb),
    IdxFormatError,
    "parseIdx(): expected at most 18 decompressed bytes (as the header declares) but found more",
  );
  const grew = Deno.memoryUsage().rss - before;
  assert(grew < 256 * 2 ** 20, `the process grew by ${grew} bytes`);
});
