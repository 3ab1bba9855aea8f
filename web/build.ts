/**
 * Builds the browser demo into a folder any static server can serve:
 * the three pages (draw a digit, the apple-and-orange graph, train on
 * MNIST), their bundled scripts, the drawing page's model, the four MNIST
 * files (gzipped, from the same source as `deno task train`), and a
 * `_headers` file asking hosts that read it (Netlify, Cloudflare Pages) for
 * the cross-origin isolation headers that give the train page two threads.
 * Without those headers the pages still work, on one thread.
 *
 * Run: deno task build:web [--out DIR] [--no-mnist]   (default web/dist; a
 * relative DIR is from the folder deno task was run in)
 *
 * @module
 */

import { ensureDir } from "@std/fs";
import { parseArgs } from "@std/cli/parse-args";
import { resolve } from "@std/path";
import { loadMnist, MNIST_FILES } from "../data/mnist.ts";
import { isGzip } from "../data/idx.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const WEB = new URL(".", import.meta.url).pathname;

/**
 * The files copied as they are, from the project root, and their names in
 * the site: the pages, and the drawing page's model (the DeepConvNet dlfs
 * trained, shipped in examples/ch08/).
 */
const COPIED: [from: string, to: string][] = [
  ["web/index.html", "index.html"],
  ["web/graph.html", "graph.html"],
  ["web/train.html", "train.html"],
  ["examples/ch08/deep_convnet_dlfs.safetensors", "model.safetensors"],
];
/** Each bundle: its entry point (from the project root) and its file. */
const BUNDLES: [entry: string, out: string][] = [
  ["web/app.ts", "app.js"],
  ["web/graph.ts", "graph.js"],
  ["web/train.ts", "train.js"],
  ["web/train_worker.ts", "train_worker.js"],
  ["core/simd/simd_worker.ts", "simd_worker.js"], // the kernels' second thread
];

/** The headers that make a page cross-origin isolated (shared memory). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
};

/** Options of {@linkcode buildWeb}. */
export interface BuildWebOptions {
  /** Copy the four MNIST files into `mnist/` (default true). */
  mnist?: boolean;
  /** Called with a line of progress. */
  log?: (line: string) => void;
}

/**
 * Writes the demo into `out` (created if missing): pages, bundles, model,
 * `_headers`, and unless `mnist: false` the four MNIST files, gzipped, as
 * `mnist/<name>` (the train page reads raw or gzip alike).
 *
 * @throws {Error} if a bundle fails ("deno bundle" and its message), or
 * `MnistError` if MNIST cannot be had.
 */
export async function buildWeb(
  out: string,
  options: BuildWebOptions = {},
): Promise<void> {
  const { mnist = true, log = () => {} } = options;
  out = resolve(out);
  if ((await Deno.stat(out).catch(() => undefined))?.isFile) {
    throw new Error(`build:web: --out ${out} is a file; expected a folder`);
  }
  await ensureDir(out);
  // Everything is written beside its place first and renamed into it at
  // the end: an interrupted build leaves the last whole build (and a
  // .build-* folder), never a half-written file.
  const tmp = await Deno.makeTempDir({ dir: out, prefix: ".build-" });
  try {
    for (const [entry, file] of BUNDLES) await bundle(entry, `${tmp}/${file}`);
    for (const [from, to] of COPIED) {
      await Deno.copyFile(`${ROOT}${from}`, `${tmp}/${to}`);
    }
    await Deno.writeTextFile(
      `${tmp}/_headers`,
      "/*\n" +
        Object.entries(ISOLATION_HEADERS).map(([k, v]) => `  ${k}: ${v}\n`)
          .join(""),
    );
    for (
      const file of [
        ...BUNDLES.map(([, f]) => f),
        ...COPIED.map(([, f]) => f),
        "_headers",
      ]
    ) {
      await Deno.rename(`${tmp}/${file}`, `${out}/${file}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  log(`${BUNDLES.length} bundles and ${COPIED.length} files in ${out}`);
  if (!mnist) return;
  const { source, files } = await loadMnist({
    onDownload: (url, dir) => log(`downloading MNIST from ${url} into ${dir}…`),
  }); // found and verified as deno task train finds it
  await ensureDir(`${out}/mnist`);
  for (const name of Object.values(MNIST_FILES)) {
    const tmp = `${out}/mnist/${name}.part`;
    await Deno.writeFile(tmp, await gzipped(await Deno.readFile(files[name])));
    await Deno.rename(tmp, `${out}/mnist/${name}`);
  }
  log(`the four MNIST files from ${source}, gzipped, in ${out}/mnist`);
}

/**
 * `deno bundle --platform browser -o <out> <entry>`, `entry` relative to the
 * project root.
 *
 * @throws {Error} with deno bundle's message if it fails.
 */
export async function bundle(entry: string, out: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform", "browser", "-o", out, entry],
    cwd: ROOT,
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(
      `build:web: deno bundle ${entry} failed: ${
        new TextDecoder().decode(stderr).trim()
      }`,
    );
  }
}

/** `bytes` gzipped, unless they are gzip already (MNIST: 55 MB → 11 MB). */
export async function gzipped(bytes: Uint8Array): Promise<Uint8Array> {
  if (isGzip(bytes)) return bytes;
  return new Uint8Array(
    await new Response(
      new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, {
    string: ["out"],
    boolean: ["mnist", "help"],
    default: { out: `${WEB}dist`, mnist: true },
    negatable: ["mnist"],
    unknown: (flag) => {
      console.error(
        `build:web: unknown flag ${flag} (expected --out DIR, --no-mnist)`,
      );
      Deno.exit(2);
    },
  });
  if (args.help) {
    console.log("deno task build:web [--out DIR] [--no-mnist]");
    Deno.exit(0);
  }
  try {
    // A relative --out is from where deno task was run ($INIT_CWD).
    const out = resolve(Deno.env.get("INIT_CWD") ?? Deno.cwd(), args.out);
    await buildWeb(out, { mnist: args.mnist, log: console.log });
    if (args.mnist) {
      console.log(
        `serve ${out} with any static server; with the headers in _headers the train page uses two threads`,
      );
    }
  } catch (e) {
    if (!(e instanceof Error) || e instanceof TypeError) throw e; // a bug
    console.error(e.message);
    Deno.exit(1);
  }
}
