// mnistFromFiles (data/mnist_bytes.ts), the checks the train page and
// loadMnist share, against hostile bytes and readers.
import { assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import {
  MNIST_FILES,
  MnistError,
  type MnistFileName,
  mnistFromFiles,
} from "../data/mnist_bytes.ts";

const gzip = async (bytes: Uint8Array) =>
  new Uint8Array(
    await new Response(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );

const files = Object.fromEntries(
  Object.values(MNIST_FILES).map((name) => [name, name]),
) as Record<MnistFileName, string>;

Deno.test("mnistFromFiles inflates a verified file no further than its known size: a gzip declaring 200000 images is refused by its header, before inflating", async () => {
  // An IDX header for 200000 images of 28×28 (157 MB), then zeros, as
  // gzip members of 1 MiB each: 157 MB out of ~150 kB in.
  const header = new Uint8Array([
    0,
    0,
    8,
    3,
    0,
    3,
    0x0d,
    0x40,
    0,
    0,
    0,
    28,
    0,
    0,
    0,
    28,
  ]);
  const zeros = await gzip(new Uint8Array(1 << 20));
  const parts = [await gzip(header), ...Array(150).fill(zeros)];
  const bomb = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bomb.set(p, at), at + p.length), 0);
  const read = (path: string) =>
    Promise.resolve(path === MNIST_FILES.trainImages ? bomb : new Uint8Array());
  const e = await assertRejects(
    () => mnistFromFiles(files, read, {}, "memory"),
    MnistError,
  );
  assertStringIncludes(
    e.message,
    "train-images-idx3-ubyte at train-images-idx3-ubyte",
  );
  assertStringIncludes(
    e.message,
    `expected at most ${
      16 + 60000 * 784
    } bytes but found a header declaring 156800016`,
  );
});

Deno.test("mnistFromFiles names a reader's failure by its code when it has no message, and passes on what is not a file error", async () => {
  const e = await assertRejects(
    () => mnistFromFiles(files, () => Promise.reject({ code: "EIO" }), {}, "x"),
    MnistError,
  );
  assertEquals(
    e.message,
    "loadMnist(): train-images-idx3-ubyte at train-images-idx3-ubyte: EIO",
  );
  const odd = await mnistFromFiles(files, () => Promise.reject(null), {}, "x")
    .then(() => "resolved", (r) => r);
  assertEquals(odd, null);
});
