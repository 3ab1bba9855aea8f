import assert from "node:assert/strict";

// The library folders must run in a browser: no Deno.* and no node: imports.
// Comments are stripped first, because doc examples may use node:assert.
const LIBRARY_DIRS = ["core", "layers", "net"];

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /(^|[^:])\/\/.*$/gm,
    "$1",
  );
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* tsFiles(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("core/, layers/ and net/ use neither Deno.* nor node: modules", async () => {
  const root = new URL("..", import.meta.url).pathname;
  let files = 0;
  for (const dir of LIBRARY_DIRS) {
    for await (const path of tsFiles(root + dir)) {
      const code = stripComments(await Deno.readTextFile(path));
      files++;
      assert.doesNotMatch(code, /\bDeno\./, `${path} uses Deno.*`);
      assert.doesNotMatch(code, /["']node:/, `${path} imports a node: module`);
      assert.doesNotMatch(code, /["']npm:/, `${path} imports an npm: module`);
    }
  }
  assert.ok(files >= 10, `only ${files} files scanned`);
});

Deno.test("the browser-safety scan notices Deno.* and node: in code but not in comments", () => {
  const clean = stripComments(
    '/** ```ts\nimport a from "node:assert";\n``` */\nexport const x = 1; // Deno.exit',
  );
  assert.doesNotMatch(clean, /Deno\.|node:/);
  assert.match(stripComments("const f = Deno.readFile;"), /\bDeno\./);
  assert.match(stripComments('import { a } from "node:fs";'), /["']node:/);
});
