import { assertEquals, assertRejects, assertStrictEquals } from "@std/assert";
import { download, DownloadError } from "../data/download.ts";

// A server on 127.0.0.1 whose routes answer, refuse, go silent before
// answering, or go silent in the middle of a body. `release()` ends the
// silences so that the server can shut down.
function testServer() {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const body = (pieces: number, size: number, thenSilent: boolean, ms = 0) =>
    new ReadableStream<Uint8Array>({
      async pull(c) {
        await new Promise((r) => setTimeout(r, ms));
        if (pieces-- > 0) return c.enqueue(new Uint8Array(size).fill(7));
        if (thenSilent) await released;
        c.close();
      },
    });
  const routes: Record<string, () => Response | Promise<Response>> = {
    "/ok": () => new Response(body(3, 1000, false)),
    "/large": () =>
      new Response(body(5, 1000, false), {
        headers: { "content-length": "5000" },
      }),
    "/endless": () => new Response(body(1000, 1000, false)), // no length
    "/silent": async () => (await released, new Response("late")),
    "/stalls": () => new Response(body(2, 500, true)),
    "/slow": () => new Response(body(6, 10, false, 100)), // 0.6 s in all
    "/plain404": () =>
      new Response("no such file: x\nsecond line", { status: 404 }),
    "/html503": () =>
      new Response("<!DOCTYPE html><p>down</p>", {
        status: 503,
        headers: { "content-type": "text/html" },
      }),
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => routes[new URL(req.url).pathname]?.() ?? new Response(null),
  );
  return {
    url: (path: string) => `http://127.0.0.1:${server.addr.port}${path}`,
    async close() {
      release();
      await server.shutdown();
    },
  };
}

Deno.test("download() returns the whole body and reports its progress piece by piece", async () => {
  const server = testServer();
  try {
    const seen: number[] = [];
    const bytes = await download(server.url("/ok"), {
      onProgress: (n) => seen.push(n),
    });
    assertEquals(bytes, new Uint8Array(3000).fill(7));
    assertStrictEquals(seen.at(-1), 3000);
    assertEquals(seen, [...seen].sort((a, b) => a - b), "increasing");
  } finally {
    await server.close();
  }
});

Deno.test("download() refuses a body over maxBytes, declared or as it comes", async () => {
  const server = testServer();
  try {
    for (const [path, read] of [["/large", 0], ["/endless", 4000]] as const) {
      let received = 0;
      const e = await assertRejects(
        () =>
          download(server.url(path), {
            maxBytes: 4096,
            onProgress: (n) => received = n,
          }),
        DownloadError,
        "more than 4096 bytes",
      );
      assertStrictEquals(e.status, undefined);
      // A declared length is refused before any of the body is read.
      assertStrictEquals(received, read);
    }
  } finally {
    await server.close();
  }
});

Deno.test("download() gives up on a server that does not answer, or stops sending, for stallMs", async () => {
  const server = testServer();
  try {
    await assertRejects(
      () => download(server.url("/silent"), { stallMs: 200 }),
      DownloadError,
      "no answer in 0.2 s",
    );
    const start = performance.now();
    const e = await assertRejects(
      () => download(server.url("/stalls"), { stallMs: 300 }),
      DownloadError,
    );
    assertStrictEquals(
      e.message,
      "stalled: no data for 0.3 s after 1000 bytes",
    );
    // The timer restarts with each piece and fires once, after the last.
    const ms = performance.now() - start;
    if (ms < 300 || ms > 5000) throw new Error(`gave up after ${ms} ms`);
    // A slow body that never pauses for stallMs is received whole.
    const slow = await download(server.url("/slow"), { stallMs: 300 });
    assertStrictEquals(slow.length, 60);
  } finally {
    await server.close();
  }
});

Deno.test("download() names the HTTP status, with a plain-text server's first line", async () => {
  const server = testServer();
  try {
    const plain = await assertRejects(
      () => download(server.url("/plain404")),
      DownloadError,
    );
    assertStrictEquals(plain.message, "HTTP 404 Not Found (no such file: x)");
    assertStrictEquals(plain.status, 404);
    const html = await assertRejects(
      () => download(server.url("/html503")),
      DownloadError,
    );
    assertStrictEquals(html.message, "HTTP 503 Service Unavailable");
    assertStrictEquals(html.status, 503);
  } finally {
    await server.close();
  }
});

Deno.test("download() says a network error in one line, and lets other errors (a refused permission) through", async () => {
  const server = testServer();
  const url = server.url("/ok");
  await server.close(); // nothing listens there now
  await assertRejects(
    () => download(url),
    DownloadError,
    "could not fetch it: ",
  );
  const real = globalThis.fetch;
  class NotCapable extends Error {}
  globalThis.fetch = () => Promise.reject(new NotCapable("no --allow-net"));
  try {
    await assertRejects(() => download(url), NotCapable, "no --allow-net");
  } finally {
    globalThis.fetch = real;
  }
});
