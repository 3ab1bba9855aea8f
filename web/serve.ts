/**
 * Serves the browser demo on 127.0.0.1: `deno task demo` builds it with
 * web/build.ts (without MNIST) into web/dist and runs this. The pages come
 * from that folder, with the cross-origin isolation headers (the train
 * page then trains on two threads); `/mnist/<name>` serves the four MNIST
 * files from where `deno task train` finds them (MNIST_DIR, the cache, or a
 * download into it), checked by loadMnist first.
 *
 * Run: deno task demo [--port N]
 *
 * @module
 */

import { extname, join, normalize } from "@std/path";
import { parseArgs } from "@std/cli/parse-args";
import { gzipped, ISOLATION_HEADERS } from "./build.ts";
import {
  loadMnist,
  type Mnist,
  MNIST_FILES,
  MnistError,
  type MnistFileName,
} from "../data/mnist.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/** Options of {@linkcode serveDemo}. */
export interface ServeDemoOptions {
  /** The port; 0 (default 8000 from the CLI) picks a free one. */
  port?: number;
  /** The built demo (default web/dist). */
  root?: string;
  /** Send the cross-origin isolation headers (default true). */
  isolated?: boolean;
  /** Called once before MNIST is downloaded (see loadMnist's onDownload). */
  onDownload?: (url: string, dir: string) => void;
}

/** Starts the demo server (see `server.addr` for the port). */
export function serveDemo(
  options: ServeDemoOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  const {
    port = 8000,
    root = new URL("dist", import.meta.url).pathname,
    isolated = true,
    onDownload,
  } = options;
  const names = new Set<string>(Object.values(MNIST_FILES));
  // Each MNIST file, gzipped once and kept (11 MB for the four): loadMnist
  // finds and checks them first, as deno task train does.
  let files: Promise<Mnist["files"]> | undefined; // checked once for all four
  const mnist = new Map<string, Promise<Uint8Array>>();
  const mnistFile = (name: string) => {
    let bytes = mnist.get(name);
    if (bytes === undefined) {
      files ??= loadMnist({ onDownload }).then((m) => m.files);
      bytes = files.then((f) => Deno.readFile(f[name as MnistFileName]))
        .then(gzipped);
      bytes.catch(() => { // tried again next time
        mnist.delete(name);
        files = undefined;
      });
      mnist.set(name, bytes);
    }
    return bytes;
  };
  const headers = (type: string, cache = "no-store") => ({
    "content-type": type,
    "cache-control": cache,
    ...(isolated ? ISOLATION_HEADERS : {}),
  });
  return Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    async (req) => {
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url).pathname);
      } catch {
        return new Response("bad request: a malformed %-escape", {
          status: 400,
        });
      }
      if (path === "/favicon.ico") return new Response(null, { status: 204 }); // none
      if (path.startsWith("/mnist/")) {
        const name = path.slice("/mnist/".length);
        if (!names.has(name)) return notFound();
        try {
          const body = await mnistFile(name) as Uint8Array<ArrayBuffer>;
          // The same bytes for ever: the browser may keep them.
          return new Response(body, {
            headers: headers(
              "application/octet-stream",
              "max-age=31536000, immutable",
            ),
          });
        } catch (e) {
          if (!(e instanceof MnistError)) throw e;
          return new Response(e.message, {
            status: 503,
            headers: { "content-type": "text/plain; charset=utf-8" },
          });
        }
      }
      const file = normalize(path === "/" ? "/index.html" : path);
      if (
        file.includes("\0") || file.split("/").some((p) => p.startsWith("."))
      ) return notFound();
      try {
        const body = await Deno.readFile(join(root, file));
        return new Response(body, {
          headers: headers(TYPES[extname(file)] ?? "application/octet-stream"),
        });
      } catch {
        return notFound(); // missing, a folder, a name too long…
      }
    },
  );
}

function notFound(): Response {
  return new Response(
    "not found (is the demo built? deno task demo builds it)",
    { status: 404 },
  );
}

if (import.meta.main) {
  const args = parseArgs(Deno.args, {
    string: ["port"],
    unknown: (flag) => {
      console.error(
        `demo: ${
          flag.startsWith("-")
            ? `unknown flag ${flag}`
            : `unexpected argument "${flag}"`
        } (expected --port N)`,
      );
      Deno.exit(2);
    },
  });
  const text = args.port ?? "8000";
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    console.error(
      `demo: --port expects an integer from 0 to 65535 but got "${text}"`,
    );
    Deno.exit(2);
  }
  let server;
  try {
    server = serveDemo({
      port,
      onDownload: (url, dir) =>
        console.error(`downloading MNIST from ${url} into ${dir}…`),
    });
  } catch (e) {
    if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    console.error(
      `demo: port ${port} is in use; pick another with deno task demo --port N (0 picks a free one)`,
    );
    Deno.exit(2);
  }
  const at = `http://127.0.0.1:${server.addr.port}/`;
  console.log(
    `dlfs demo on ${at} (draw a digit), ${at}train.html (train on MNIST, the graph live) and ${at}graph.html (backprop on the apple-and-orange graph); Ctrl-C to stop`,
  );
}
