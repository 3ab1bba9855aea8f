import {
  assert,
  assertEquals,
  assertMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { decodePickle, PickleError } from "../io/mod.ts";
import { sha256 } from "../data/mnist_bytes.ts";
import { fuzzPickle } from "./fuzz.ts";

const root = new URL("..", import.meta.url).pathname;
const BOOK_PKL = `${root}examples/ch08/deep_convnet_params_2016.pkl`;
const FIXTURES = `${root}tests/pickles`;

/** SHA-256 of an array's float64 values, little-endian, row-major. */
function digest(data: Float64Array): Promise<string> {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat64(8 * i, v, true));
  return sha256(bytes);
}

// What NumPy reads from the book's file: each array's key, shape and the
// SHA-256 of its values as little-endian float64 in C order, printed by
// BOOK_NUMPY_SCRIPT (the second test runs it again where NumPy is installed).
const BOOK_NUMPY = `
W1 [16, 1, 3, 3] ed916b2741687a762da98b0ec31bd28cdc02a221d79655854f6b0525118cb2f2
W2 [16, 16, 3, 3] 303bfc96872bdf3461a10f1219ed973a510da2aca2fbb8db8b57fb718af8582d
W3 [32, 16, 3, 3] 530479734f0635fa3eec971ce075fbaec7c2bcd5a475412ebe3d813b7104c4b7
W4 [32, 32, 3, 3] 3cc7c13649fe7f102c87010db546aed11a2f78ea1850134687f0f498c0225095
W5 [64, 32, 3, 3] 3f9e35d8f614a339424b75538b79d5ec747cb92782c24dcf4c2e063577acc320
W6 [64, 64, 3, 3] a5c0a3f72ed88881dbeff00cdf44f1eb65b17bc8f6b459bee702e2796c7f7785
W7 [1024, 50] d9ef07ea9a9c019ef6e5a53db0e25310e04fa0a94b0f4b77a860a420947e859d
W8 [50, 10] 1b4dfa80a9eaae26ac975da7627468a79a6f6ac2491ecdd1bab25e1808b74361
b1 [16] b973ed65badb017cd3fb36db9800d224d8b5947d73180343167739ac1bb5046d
b2 [16] 05fef19d95a11e230825c201e818b248a7ec64e57db77ba642ad6faa5c0ab9e7
b3 [32] 7fef886867253e87ede8382a3b0fc53131c26395cff0fa75211bccdc939b82f0
b4 [32] 3202bac490bff3cecd05733a27ed007cf1eafd9062ddb1e7234b81601b222e4e
b5 [64] ab0fcc9986a64095692f66f9e0013943aa85d512e900c81f81c9b815141d5c4b
b6 [64] 51bc86879f7ee9a1be812c394fd11a6e8db5bcc12859f7c2befff4079ade43f0
b7 [50] 0606c3e2f6abe799de804a4ea8889c48b4b52f672d0fd12d5e156f3c32ab73e6
b8 [10] 2352b4526aec91e6b31a1cf451faeb92962a0bd82d2713223d4bb5067a165806
`.trim();
const BOOK_NUMPY_SCRIPT = `import hashlib, pickle, sys, numpy as np
d = pickle.load(open(sys.argv[1], "rb"))
for k in sorted(d):
    a = np.ascontiguousarray(d[k], dtype="<f8")
    print(k, list(a.shape), hashlib.sha256(a.tobytes()).hexdigest())`;

/** decodePickle()'s reading of the book's file, as BOOK_NUMPY_SCRIPT prints NumPy's. */
async function bookLines(): Promise<string> {
  const params = decodePickle(await Deno.readFile(BOOK_PKL), {
    name: "deep_convnet_params_2016.pkl",
  });
  const keys = Object.keys(params).sort(); // Python's sorted(): code points
  const lines = await Promise.all(
    keys.map(async (k) =>
      `${k} [${params[k].shape.join(", ")}] ${await digest(params[k].data)}`
    ),
  );
  return lines.join("\n");
}

/** True where `python3 -c "import numpy"` works (it is the oracle). */
function hasNumpy(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import numpy"] })
      .outputSync().success;
  } catch {
    return false;
  }
}
const noNumpy = !hasNumpy();

/** Runs python3 with `args`; its stdout, or throws with its stderr. */
function python(...args: string[]): string {
  const out = new Deno.Command("python3", { args }).outputSync();
  const text = new TextDecoder();
  if (!out.success) throw new Error(`python3: ${text.decode(out.stderr)}`);
  return text.decode(out.stdout);
}

Deno.test("decodePickle() reads the book's deep_convnet_params_2016.pkl, every value as NumPy does", async () => {
  assertStrictEquals(
    await sha256(await Deno.readFile(BOOK_PKL)),
    "8c81d1d6ddedd08c8277c957f3af30a91e455a1d65474ec2b5a0e3527b7422cc",
    "the book's file, as shipped",
  );
  assertEquals(await bookLines(), BOOK_NUMPY);
});

Deno.test({
  name:
    "decodePickle() reads the book's file as this machine's NumPy does (python3)",
  ignore: noNumpy,
  async fn() {
    const printed = python("-c", BOOK_NUMPY_SCRIPT, BOOK_PKL);
    assertEquals(await bookLines(), printed.trim());
  },
});

/** Checks protocol2.pkl … protocol5.pkl of `dir` against its expected.json. */
async function checkFixtures(dir: string): Promise<void> {
  const expected: Record<string, { shape: number[]; data: number[] }> = JSON
    .parse(await Deno.readTextFile(`${dir}/expected.json`));
  for (const protocol of [2, 3, 4, 5]) {
    const file = `protocol${protocol}.pkl`;
    const arrays = decodePickle(await Deno.readFile(`${dir}/${file}`));
    assertEquals(Object.keys(arrays), Object.keys(expected), file);
    for (const [key, { shape, data }] of Object.entries(expected)) {
      assertEquals(arrays[key].shape, shape, `${file} ${key}`);
      // Exactly, -0 included.
      assertEquals(Array.from(arrays[key].data), data, `${file} ${key}`);
      data.forEach((v, i) =>
        assert(Object.is(arrays[key].data[i], v), `${file} ${key}[${i}]`)
      );
    }
  }
}

Deno.test("decodePickle() reads protocols 2–5: float64 and float32, both byte orders, C and Fortran order, 0-d and empty arrays", async () => {
  await checkFixtures(FIXTURES);
});

Deno.test({
  name:
    "decodePickle() reads what this machine's Python and NumPy write (tests/pickles/make.py afresh)",
  ignore: noNumpy,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "dlfs-pickles-" });
    try {
      python(`${FIXTURES}/make.py`, dir);
      await checkFixtures(dir);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A pickle from text with \xNN escapes (latin-1). */
function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function base64(s: string): Uint8Array {
  return bytesOf(atob(s));
}

// pickle.dumps({"b": numpy.array([0.5, -1.0])}, protocol=3), as in the docs.
const EXAMPLE_PICKLE =
  "gAN9cQBYAQAAAGJxAWNudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRDAWJxBYdxBlJxByhLAUsChXEIY251bXB5CmR0eXBlCnEJWAIAAABmOHEKiYiHcQtScQwoSwNYAQAAADxxDU5OTkr/////Sv////9LAHRxDmKJQxAAAAAAAADgPwAAAAAAAPC/cQ90cRBicy4=";
const INT64_PICKLE =
  "gAN9cQBYAQAAAGFxAWNudW1weS5fY29yZS5tdWx0aWFycmF5Cl9yZWNvbnN0cnVjdApxAmNudW1weQpuZGFycmF5CnEDSwCFcQRDAWJxBYdxBlJxByhLAUsDhXEIY251bXB5CmR0eXBlCnEJWAIAAABpOHEKiYiHcQtScQwoSwNYAQAAADxxDU5OTkr/////Sv////9LAHRxDmKJQxgAAAAAAAAAAAEAAAAAAAAAAgAAAAAAAABxD3RxEGJzLg==";
const SCALAR_PICKLE =
  "gAN9cQBYAQAAAGFxAWNudW1weS5fY29yZS5tdWx0aWFycmF5CnNjYWxhcgpxAmNudW1weQpkdHlwZQpxA1gCAAAAZjhxBImIh3EFUnEGKEsDWAEAAAA8cQdOTk5K/////0r/////SwB0cQhiQwgAAAAAAAD4P3EJhnEKUnELcy4=";

/** The message decodePickle() throws on `bytes`, which must be a PickleError. */
function refusal(bytes: Uint8Array, name = "bad.pkl"): string {
  const e = assertThrows(() => decodePickle(bytes, { name }), PickleError);
  assert(!e.message.includes("\n"), `one line: ${e.message}`);
  assertMatch(
    e.message,
    new RegExp(`^decodePickle\\(\\): .*\\(${name}, byte \\d+\\)$`),
  );
  return e.message;
}

Deno.test("decodePickle() refuses a global other than NumPy's array builders, before calling anything", () => {
  // pickle.dumps(os.system("ls")), the classic: GLOBAL, then STACK_GLOBAL.
  assertMatch(
    refusal(
      bytesOf(
        "\x80\x03cposix\nsystem\nq\x00X\x02\x00\x00\x00lsq\x01\x85q\x02Rq\x03.",
      ),
    ),
    /expected only NumPy's array globals but found "posix\.system" \(bad\.pkl, byte 2\)/,
  );
  assertMatch(
    refusal(bytesOf("\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94.")),
    /but found "builtins\.eval"/,
  );
  // A NumPy name that is not an array builder.
  assertMatch(
    refusal(bytesOf("\x80\x02cnumpy\nload\n.")),
    /but found "numpy\.load"/,
  );
});

Deno.test("decodePickle() refuses opcodes outside a pickled dict of arrays", () => {
  for (
    const [pickle, found] of [
      ["\x80\x02]q\x00.", '0x5d ("]")'], // EMPTY_LIST
      ["\x80\x02(cnumpy\nndarray\ni.", '0x69 ("i")'], // INST
      ["\x80\x02}\x81.", "0x81"], // NEWOBJ
      ["\x80\x02P0\n.", '0x50 ("P")'], // PERSID
      ["\x80\x02\x82\x01.", "0x82"], // EXT1
      ["\x80\x05\x97.", "0x97"], // NEXT_BUFFER (out-of-band data)
    ]
  ) {
    assertMatch(
      refusal(bytesOf(pickle)),
      new RegExp(
        `expected an opcode of a pickled dict of arrays but found ${
          found.replace(/[()[\]]/g, "\\$&")
        }`,
      ),
    );
  }
});

Deno.test("decodePickle() refuses what is not a pickle of protocol 2–5", () => {
  assertMatch(
    refusal(new Uint8Array()),
    /starting with byte 0x80\) but found no bytes/,
  );
  assertMatch(refusal(bytesOf("(dp0\n.")), /but found byte 0x28/); // protocol 0
  assertMatch(
    refusal(bytesOf("\x80\x06}.")),
    /expected protocol 2–5 but found protocol 6/,
  );
  assertMatch(refusal(bytesOf("PK\x03\x04")), /but found byte 0x50/); // a .npz
});

Deno.test("decodePickle() refuses a pickle that is not a dict of float arrays, in one line", async () => {
  const p3 = await Deno.readFile(`${FIXTURES}/protocol3.pkl`);
  // An array alone, a tuple, a dict of a number, a dict of int64s, a text
  // value: made by pickle.dumps(…, protocol=3).
  const cases: [string, RegExp][] = [
    ["\x80\x03K\x01.", /expected a dict of arrays but found 1/],
    [
      "\x80\x03K\x01K\x02\x86q\x00.",
      /expected a dict of arrays but found a tuple of 2/,
    ],
    [
      "\x80\x03}q\x00X\x01\x00\x00\x00aq\x01K\x01s.",
      /expected a float array for key "a" but found 1/,
    ],
    ["\x80\x03}q\x00K\x01K\x02s.", /expected text keys but found 1/],
    [
      "\x80\x03}q\x00X\x01\x00\x00\x00aq\x01X\x01\x00\x00\x00bq\x02s.",
      /for key "a" but found the text "b"/,
    ],
  ];
  for (const [pickle, why] of cases) assertMatch(refusal(bytesOf(pickle)), why);
  // Python's own: {"a": numpy.arange(3)} (int64s), {"a": [1.0]} (a list),
  // {"a": numpy.float64(1.5)} (a NumPy scalar), protocol 3.
  assertMatch(
    refusal(base64(INT64_PICKLE)),
    /expected dtype\("f8"\) or dtype\("f4"\) but found dtype\("i8"\)/,
  );
  assertMatch(
    refusal(base64("gAN9cQBYAQAAAGFxAV1xAkc/8AAAAAAAAGFzLg==")),
    /but found 0x5d \("]"\)/,
  );
  assertMatch(
    refusal(base64(SCALAR_PICKLE)),
    /but found "numpy\._core\.multiarray\.scalar"/,
  );
  // The same key twice: {"b": …} of the example with a second "b" set to
  // the same array (memo 7).
  const example = base64(EXAMPLE_PICKLE);
  const twice = new Uint8Array([
    ...example.subarray(0, -1),
    ...bytesOf("X\x01\x00\x00\x00bh\x07s."),
  ]);
  assertMatch(refusal(twice), /found the key "b" twice/);
  // An array whose bytes disagree with its shape: W's (2, 3) made (2, 4).
  const text = String.fromCharCode(...p3);
  const at = text.indexOf("K\x02K\x03\x86");
  assert(at > 0);
  const wrong = p3.slice();
  wrong[at + 3] = 4;
  assertMatch(
    refusal(wrong, "protocol3.pkl"),
    /expected 64 bytes for shape \[2, 4\] of f8 but found 48/,
  );
});

Deno.test("decodePickle() refuses every truncation of the book's file with a PickleError", async () => {
  const bytes = await Deno.readFile(BOOK_PKL);
  const cuts = [
    1,
    2,
    3,
    10,
    100,
    158,
    160,
    300,
    5000,
    123_457,
    bytes.length - 2,
    bytes.length - 1,
  ];
  for (const n of cuts) {
    const message = refusal(bytes.subarray(0, n), "cut.pkl");
    assertMatch(message, /truncated/, `cut at ${n}`);
  }
  // Every cut of a small one.
  const small = await Deno.readFile(`${FIXTURES}/protocol4.pkl`);
  for (let n = 0; n < small.length; n++) refusal(small.subarray(0, n));
});

Deno.test("decodePickle() keeps a __proto__ key as an own key", () => {
  // pickle.dumps({"__proto__": numpy.array([1.0])}, protocol=4)
  const arrays = decodePickle(base64(
    "gASVoAAAAAAAAAB9lIwJX19wcm90b19flIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwGFlGgFjAVkdHlwZZSTlIwCZjiUiYiHlFKUKEsDjAE8lE5OTkr/////Sv////9LAHSUYolDCAAAAAAAAPA/lHSUYnMu",
  ));
  assert(Object.hasOwn(arrays, "__proto__"));
  assertEquals(Array.from(arrays["__proto__"].data), [1]);
  assertStrictEquals(Object.getPrototypeOf(arrays), null);
});

Deno.test("decodePickle() survives 10,000 damaged pickles: consistent arrays or a PickleError", async () => {
  const counts = await fuzzPickle(10_000, 22);
  assert(
    counts.rejected > 1000 && counts.accepted > 100,
    JSON.stringify(counts),
  );
});
