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
import { ISOLATION_HEADERS, readMnistFile } from "./build.ts";
import { loadMnist, MNIST_FILES, MnistError } from "../data/mnist.ts";

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
  let mnist: Promise<string> | undefined; // the folder, once checked
  const headers = (type: string) => ({
    "content-type": type,
    "cache-control": "no-store",
    ...(isolated ? ISOLATION_HEADERS : {}),
  });
  return Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    async (req) => {
      const path = decodeURIComponent(new URL(req.url).pathname);
      if (path === "/favicon.ico") return new Response(null, { status: 204 }); // none
      try {
        if (path.startsWith("/mnist/")) {
          const name = path.slice("/mnist/".length);
          if (!names.has(name)) return notFound();
          mnist ??= loadMnist({ onDownload }).then((m) => m.source);
          const body = await readMnistFile(await mnist, name);
          return new Response(body, {
            headers: headers("application/octet-stream"),
          });
        }
        const file = normalize(path === "/" ? "/index.html" : path);
        if (
          file.includes("..") || file.split("/").some((p) => p.startsWith("."))
        ) {
          return notFound();
        }
        const body = await Deno.readFile(join(root, file));
        return new Response(body, {
          headers: headers(TYPES[extname(file)] ?? "application/octet-stream"),
        });
      } catch (e) {
        if (
          e instanceof Deno.errors.NotFound ||
          e instanceof Deno.errors.IsADirectory
        ) {
          return notFound();
        }
        if (e instanceof MnistError) {
          mnist = undefined; // try again on the next request
          return new Response(e.message, { status: 503 });
        }
        throw e;
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
  const i = Deno.args.indexOf("--port");
  const port = i >= 0 ? Number(Deno.args[i + 1]) : 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `demo: --port expects an integer from 0 to 65535 but got "${
        Deno.args[i + 1]
      }"`,
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
