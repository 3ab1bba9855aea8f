// deno task build:web (web/build.ts): where a relative --out goes, what an
// --out that is a file gets, and that nothing is left half-built.
import { assertEquals, assertStrictEquals } from "@std/assert";
import { taskFlags } from "./helpers.ts";
import { BUILT_FILES } from "./web_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function build(initCwd: string, ...args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...taskFlags("build:web", "web/build.ts"),
      "web/build.ts",
      ...args,
    ],
    cwd: ROOT, // as deno task runs it, with the user's folder in INIT_CWD
    env: { INIT_CWD: initCwd, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

Deno.test("build:web writes a relative --out under the folder deno task was run in, whole, and refuses an --out that is a file", async () => {
  const user = await Deno.makeTempDir({ prefix: "dlfs-build-" });
  try {
    const { code, stderr } = await build(user, "--out", "site", "--no-mnist");
    assertStrictEquals(code, 0, new TextDecoder().decode(stderr));
    const files = [...Deno.readDirSync(`${user}/site`)].map((e) => e.name)
      .sort();
    assertEquals(files, BUILT_FILES); // no .build-* folder left
    await Deno.writeTextFile(`${user}/file`, "");
    const refused = await build(user, "--out", "file", "--no-mnist");
    assertStrictEquals(refused.code, 1);
    assertStrictEquals(
      new TextDecoder().decode(refused.stderr),
      `build:web: --out ${user}/file is a file; expected a folder\n`,
    );
    const unknown = await build(user, "--outt", "x");
    assertStrictEquals(unknown.code, 2);
    assertStrictEquals(
      new TextDecoder().decode(unknown.stderr),
      "build:web: unknown flag --outt (expected --out DIR, --no-mnist)\n",
    );
  } finally {
    await Deno.remove(user, { recursive: true });
  }
});
