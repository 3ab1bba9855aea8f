// The demo server (web/serve.ts) on a port that is already taken: one line
// that says so and how to pick another, exit code 2, no stack trace.
import { assertStrictEquals } from "@std/assert";

Deno.test("deno task demo on a busy port says so in one line and how to pick another", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-read=web",
        "web/serve.ts",
        "--port",
        String(port),
      ],
      cwd: new URL("..", import.meta.url).pathname,
      env: { NO_COLOR: "1" },
      stderr: "piped",
    }).output();
    assertStrictEquals(code, 2);
    assertStrictEquals(
      new TextDecoder().decode(stderr),
      `demo: port ${port} is in use; pick another with deno task demo --port N (0 picks a free one)\n`,
    );
  } finally {
    taken.close();
  }
});
