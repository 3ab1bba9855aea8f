// The demo server (web/serve.ts) on a port that is already taken: one line
// that says so and how to pick another, exit code 2, no stack trace.
import { assertStrictEquals } from "@std/assert";
import { serveDemo } from "../web/serve.ts";

/** `deno run web/serve.ts …args` as deno task demo runs it. */
function serve(...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read=web",
      "web/serve.ts",
      ...args,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stderr: "piped",
  }).output();
}

Deno.test("deno task demo on a busy port says so in one line and how to pick another", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const { code, stderr } = await serve("--port", String(port));
    assertStrictEquals(code, 2);
    assertStrictEquals(
      new TextDecoder().decode(stderr),
      `demo: port ${port} is in use; pick another with deno task demo --port N (0 picks a free one)\n`,
    );
  } finally {
    taken.close();
  }
});

Deno.test("the demo server serves the built pages with the isolation headers, MNIST by its four names only, nothing outside its folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "dlfs-serve-" });
  await Deno.writeTextFile(`${root}/train.html`, "<p>train</p>");
  await Deno.writeTextFile(`${root}/.secret`, "no");
  const iso = serveDemo({ port: 0, root });
  const plain = serveDemo({ port: 0, root, isolated: false });
  const get = async (server: typeof iso, path: string) => {
    const r = await fetch(`http://127.0.0.1:${server.addr.port}${path}`);
    return { status: r.status, headers: r.headers, body: await r.text() };
  };
  try {
    const page = await get(iso, "/train.html");
    assertStrictEquals(page.status, 200);
    assertStrictEquals(page.body, "<p>train</p>");
    assertStrictEquals(
      page.headers.get("content-type"),
      "text/html; charset=utf-8",
    );
    assertStrictEquals(
      page.headers.get("cross-origin-opener-policy"),
      "same-origin",
    );
    assertStrictEquals(
      page.headers.get("cross-origin-embedder-policy"),
      "require-corp",
    );
    const bare = await get(plain, "/train.html");
    assertStrictEquals(bare.status, 200);
    assertStrictEquals(bare.headers.get("cross-origin-embedder-policy"), null);
    for (
      const path of [
        "/nope.html",
        "/.secret",
        "/../deno.json",
        "/%2e%2e/deno.json",
        "/mnist/nope",
        "/train.html/",
        "/train.html%00",
        "/" + "a".repeat(300),
        "/a/".repeat(3000),
      ]
    ) {
      assertStrictEquals((await get(iso, path)).status, 404, path);
    }
    for (const path of ["/%", "/%E0%A4%A"]) {
      assertStrictEquals((await get(iso, path)).status, 400, path);
    }
  } finally {
    await iso.shutdown();
    await plain.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deno task demo takes --port N or --port=N and refuses anything else in one line", async () => {
  for (
    const [args, want] of <[string[], string][]> [
      [
        ["--port", "0x1F90"],
        'demo: --port expects an integer from 0 to 65535 but got "0x1F90"',
      ],
      [
        ["--port", ""],
        'demo: unexpected argument "" (expected --port N)',
      ],
      [
        ["--port=70000"],
        'demo: --port expects an integer from 0 to 65535 but got "70000"',
      ],
      [["--prot", "9124"], "demo: unknown flag --prot (expected --port N)"],
    ]
  ) {
    const { code, stderr } = await serve(...args);
    assertStrictEquals(code, 2, args.join(" "));
    assertStrictEquals(new TextDecoder().decode(stderr), want + "\n");
  }
});
