/**
 * MNIST from bytes: the four original IDX files checked by SHA-256 and by
 * structure and turned into the book's four arrays. No file or network
 * access: `loadMnist()` (data/mnist.ts) reads the files from disk with it,
 * and a web page from `fetch`.
 *
 * @module
 */

import type { Matrix } from "../core/matrix.ts";
import { ImageSet, oneHot } from "./dataset.ts";
import {
  type IdxData,
  IdxFormatError,
  inflateIdx,
  parseRawIdx,
} from "./idx.ts";

/** The four MNIST files by role, under their original names. */
export const MNIST_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The name of one of the four MNIST files. */
export type MnistFileName = (typeof MNIST_FILES)[keyof typeof MNIST_FILES];

/** SHA-256 of each original, uncompressed MNIST file. */
export const MNIST_SHA256: Readonly<Record<MnistFileName, string>> = {
  "train-images-idx3-ubyte":
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
  "train-labels-idx1-ubyte":
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
  "t10k-images-idx3-ubyte":
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
  "t10k-labels-idx1-ubyte":
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
};

/**
 * A loading problem: a missing, corrupt or unverifiable MNIST file.
 *
 * @example
 * ```ts
 * import { loadMnist, MnistError } from "@dlfs/nn/data";
 *
 * try {
 *   await loadMnist({ dir: "/no/such/dir" });
 * } catch (e) {
 *   if (!(e instanceof MnistError)) throw e;
 *   console.log(e.message); // loadMnist(): expected dir "/no/such/dir" to be a directory …
 * }
 * ```
 */
export class MnistError extends Error {
  /** Creates the error; the message says what was expected and found. */
  constructor(message: string) {
    super(message);
    this.name = "MnistError";
  }
}

/** The size of each original, uncompressed file: header and data. */
const MNIST_BYTES: Readonly<Record<MnistFileName, number>> = {
  "train-images-idx3-ubyte": 16 + 60000 * 784,
  "train-labels-idx1-ubyte": 8 + 60000,
  "t10k-images-idx3-ubyte": 16 + 10000 * 784,
  "t10k-labels-idx1-ubyte": 8 + 10000,
};

/** The book's four arrays; labels are indices or one-hot rows. */
export interface Mnist<T extends Uint8Array | Matrix = Uint8Array | Matrix> {
  /** 60000 training images. */
  xTrain: ImageSet;
  /** Their labels. */
  tTrain: T;
  /** 10000 test images. */
  xTest: ImageSet;
  /** Their labels. */
  tTest: T;
  /** Where the files were read from (a directory or URL-ish description). */
  source: string;
  /** Each file's path (or URL), raw or `.gz`, as it was read. */
  files: Readonly<Record<MnistFileName, string>>;
}

/** How MNIST is checked and shaped, with the book's defaults. */
export interface MnistFormat {
  /** Scale pixels into [0, 1] (default true). */
  normalize?: boolean;
  /** Images as 784 values (default true) or of shape [1, 28, 28]. */
  flatten?: boolean;
  /** Labels as one-hot N×10 matrices instead of indices (default false). */
  oneHotLabel?: boolean;
  /**
   * Check each file's SHA-256 against {@linkcode MNIST_SHA256} and the counts
   * 60000/10000 (default true). With false, only the structure is checked
   * (28×28 u8 images, labels 0–9, equal counts): for small test sets.
   */
  verify?: boolean;
}

/**
 * Reads the four files with `readBytes` (raw or gzip), checks them and
 * returns the book's four arrays: what `loadMnist()` does once it has found
 * the files, for any place bytes come from (a web page's `fetch`).
 *
 * @param files where each file is (a path or URL), passed to `readBytes`
 * and named in errors
 * @param readBytes reads one file
 * @param source what `Mnist.source` says
 * @param digest a file's SHA-256 in hex (default {@linkcode sha256}, Web
 * Crypto's, which copies the bytes first; `loadMnist()` passes one that
 * does not)
 * @throws {MnistError} for a file that cannot be read (its error has a
 * `code`, as Node's, or is an `MnistError`), fails its SHA-256 or its
 * structure check; the message names the file and where it is.
 *
 * @example
 * ```ts
 * import { MNIST_FILES, mnistFromFiles } from "@dlfs/nn/data";
 *
 * // Two blank images and their labels, as IDX files in memory.
 * const images = new Uint8Array(16 + 2 * 784);
 * images.set([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]);
 * const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 3, 5]);
 * const bytes: Record<string, Uint8Array> = { images, labels };
 * const { xTrain, tTest } = await mnistFromFiles({
 *   [MNIST_FILES.trainImages]: "images",
 *   [MNIST_FILES.trainLabels]: "labels",
 *   [MNIST_FILES.testImages]: "images",
 *   [MNIST_FILES.testLabels]: "labels",
 * }, (path) => Promise.resolve(bytes[path]), { verify: false }, "memory");
 * console.log(xTrain.count, tTest); // 2 Uint8Array(2) [ 3, 5 ]
 * ```
 */
export async function mnistFromFiles(
  files: Record<MnistFileName, string>,
  readBytes: (path: string) => Promise<Uint8Array>,
  options: MnistFormat,
  source: string,
  digest: (bytes: Uint8Array) => Promise<string> = sha256,
): Promise<Mnist> {
  const {
    normalize = true,
    flatten = true,
    oneHotLabel = false,
    verify = true,
  } = options;
  const read = (name: MnistFileName) =>
    readVerified(name, files[name], readBytes, verify, digest);
  const sampleShape = flatten ? [784] : [1, 28, 28];
  const images = async (name: MnistFileName, count: number) => {
    const idx = await read(name);
    const [n, h, w] = idx.dims;
    if (
      idx.typeCode !== 0x08 || idx.dims.length !== 3 || h !== 28 || w !== 28
    ) {
      throw new MnistError(
        `loadMnist(): expected ${name} to hold u8 images of 28×28 but found type 0x${
          idx.typeCode.toString(16)
        } with dims [${idx.dims.join(", ")}] (${files[name]})`,
      );
    }
    checkCount(name, n, count, verify, files[name]);
    return new ImageSet(idx.data as Uint8Array, sampleShape, { normalize });
  };
  const labels = async (name: MnistFileName, count: number) => {
    const idx = await read(name);
    if (idx.typeCode !== 0x08 || idx.dims.length !== 1) {
      throw new MnistError(
        `loadMnist(): expected ${name} to hold u8 labels of rank 1 but found type 0x${
          idx.typeCode.toString(16)
        } with dims [${idx.dims.join(", ")}] (${files[name]})`,
      );
    }
    checkCount(name, idx.dims[0], count, verify, files[name]);
    const t = idx.data as Uint8Array;
    const bad = t.findIndex((v) => v > 9);
    if (bad >= 0) {
      throw new MnistError(
        `loadMnist(): expected labels 0–9 in ${name} but found ${
          t[bad]
        } at index ${bad} (${files[name]})`,
      );
    }
    return t;
  };
  const xTrain = await images(MNIST_FILES.trainImages, 60000);
  const tTrain = await labels(MNIST_FILES.trainLabels, 60000);
  const xTest = await images(MNIST_FILES.testImages, 10000);
  const tTest = await labels(MNIST_FILES.testLabels, 10000);
  for (
    const [x, t, what] of [[xTrain, tTrain, "training"], [
      xTest,
      tTest,
      "test",
    ]] as const
  ) {
    if (x.count !== t.length) {
      throw new MnistError(
        `loadMnist(): expected as many ${what} labels as images (${x.count}) but found ${t.length}`,
      );
    }
  }
  return {
    xTrain,
    tTrain: oneHotLabel ? oneHot(tTrain, 10) : tTrain,
    xTest,
    tTest: oneHotLabel ? oneHot(tTest, 10) : tTest,
    source,
    files,
  };
}

function checkCount(
  name: string,
  found: number,
  expected: number,
  verify: boolean,
  path: string,
): void {
  if (verify && found !== expected) {
    throw new MnistError(
      `loadMnist(): expected ${expected} items in ${name} but found ${found} (${path})`,
    );
  }
}

/**
 * Inflates `bytes` if gzipped, parses the IDX structure and checks the
 * SHA-256 of the raw file, so a truncated, corrupt or HTML file gets the
 * clearest of the three messages.
 */
export async function verifyBytes(
  name: MnistFileName,
  bytes: Uint8Array,
  verify: boolean,
  digest: (bytes: Uint8Array) => Promise<string> = sha256,
): Promise<IdxData> {
  // Verified, a file's size is known: gzip is inflated no further than it.
  const raw = await inflateIdx(bytes, verify ? MNIST_BYTES[name] : undefined);
  const idx = parseRawIdx(raw);
  if (verify) {
    const found = await digest(raw);
    if (found !== MNIST_SHA256[name]) {
      throw new MnistError(
        `expected SHA-256 ${
          MNIST_SHA256[name]
        } but found ${found}: corrupt or not the original file`,
      );
    }
  }
  return idx;
}

/** Reads and verifies one file, naming it and its path in any error. */
export async function readVerified(
  name: MnistFileName,
  path: string,
  readBytes: (path: string) => Promise<Uint8Array>,
  verify: boolean,
  digest: (bytes: Uint8Array) => Promise<string> = sha256,
): Promise<IdxData> {
  try {
    return await verifyBytes(name, await readBytes(path), verify, digest);
  } catch (e) {
    const fsError = typeof (e as { code?: unknown } | null)?.code === "string";
    if (!(e instanceof IdxFormatError || e instanceof MnistError || fsError)) {
      throw e;
    }
    const { message, code } = e as { message?: string; code?: string };
    throw new MnistError(
      `loadMnist(): ${name} at ${path}: ${message || code}`,
    );
  }
}

/**
 * Hex SHA-256 of `bytes` (Web Crypto).
 *
 * @example
 * ```ts
 * import { sha256 } from "@dlfs/nn/data";
 *
 * console.log(await sha256(new Uint8Array())); // e3b0c442…b855, the empty input's digest
 * ```
 */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const hash = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return Array.from(
    new Uint8Array(hash),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
