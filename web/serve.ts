/**
 * Serves the browser demo on 127.0.0.1: `deno task demo` bundles web/app.ts
 * and runs this. Only the demo's own files are served.
 *
 * Run: deno task demo [--port N]
 *
 * @module
 */

const FILES: Record<string, [file: string, type: string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/index.html": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/graph.html": ["graph.html", "text/html; charset=utf-8"],
  "/graph.js": ["graph.js", "text/javascript; charset=utf-8"],
  "/model.safetensors": ["model.safetensors", "application/octet-stream"],
};

/** Starts the demo server; port 0 picks a free one (see `server.addr`). */
export function serveDemo(port = 8000): Deno.HttpServer<Deno.NetAddr> {
  const dir = new URL(".", import.meta.url);
  return Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/favicon.ico") return new Response(null, { status: 204 }); // none
      const entry = FILES[path];
      if (entry === undefined) {
        return new Response("not found", {
          status: 404,
        });
      }
      try {
        const body = await Deno.readFile(new URL(entry[0], dir));
        return new Response(body, {
          headers: { "content-type": entry[1], "cache-control": "no-store" },
        });
      } catch {
        return new Response(
          `${entry[0]} is missing: run \`deno task demo\`, which builds it`,
          { status: 500 },
        );
      }
    },
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
    server = serveDemo(port);
  } catch (e) {
    if (!(e instanceof Deno.errors.AddrInUse)) throw e;
    console.error(
      `demo: port ${port} is in use; pick another with deno task demo --port N (0 picks a free one)`,
    );
    Deno.exit(2);
  }
  console.log(
    `dlfs demo on http://127.0.0.1:${server.addr.port}/ (draw a digit) and /graph.html (backprop on the apple-and-orange graph); Ctrl-C to stop`,
  );
}
