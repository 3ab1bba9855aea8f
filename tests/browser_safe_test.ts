import { assert, assertMatch, assertNotMatch } from "@std/assert";

// The library folders must run in a browser: no Deno.* and no node: imports,
// and no npm package but fflate and protobufjs (pure JavaScript).
// Comments are stripped first: doc examples may import anything.
const LIBRARY_DIRS = ["core", "layers", "net", "optim", "io"];
const LIBRARY_FILES = [
  "data/idx.ts",
  "data/dataset.ts",
  "data/mnist_bytes.ts",
  "data/download.ts",
  "data/untar.ts",
];

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

Deno.test("core/, layers/, net/, optim/, io/ and the pure data modules use neither Deno.* nor node: modules", async () => {
  const root = new URL("..", import.meta.url).pathname;
  const paths = LIBRARY_FILES.map((f) => root + f);
  for (const dir of LIBRARY_DIRS) {
    for await (const path of tsFiles(root + dir)) paths.push(path);
  }
  for (const path of paths) {
    const code = stripComments(await Deno.readTextFile(path));
    assertNotMatch(code, /\bDeno\./, `${path} uses Deno.*`);
    assertNotMatch(code, /["']node:/, `${path} imports a node: module`);
    // npm packages only where they run in a browser as they are: fflate
    // (pure JavaScript gzip) for data/idx.ts, protobufjs for io/onnx.ts.
    assertNotMatch(
      code,
      /["']npm:(?!fflate@|protobufjs@)/,
      `${path} imports an npm: module other than fflate and protobufjs`,
    );
  }
  assert(paths.length >= 12, `only ${paths.length} files scanned`);
});

Deno.test("the browser-safety scan notices Deno.* and node: in code but not in comments", () => {
  const clean = stripComments(
    '/** ```ts\nimport a from "node:assert";\n``` */\nexport const x = 1; // Deno.exit',
  );
  assertNotMatch(clean, /Deno\.|node:/);
  assertMatch(stripComments("const f = Deno.readFile;"), /\bDeno\./);
  assertMatch(stripComments('import { a } from "node:fs";'), /["']node:/);
});
