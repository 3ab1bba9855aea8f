// dlfs as a user's project sees it: a folder outside the repository with its
// own deno.json that only names the package ("links" points jsr:@dlfs/nn at
// this checkout, as `deno add jsr:@dlfs/nn` would fetch it; a copy of vendor/
// stands in for jsr.io, which this machine cannot reach). No import map entry
// for the data, no nodeModulesDir: loadMnist() must find MNIST by itself.
import { assertEquals, assertMatch } from "@std/assert";
import { copy } from "@std/fs";

const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("a fresh project that imports @dlfs/nn loads verified MNIST and runs a net, no config edits", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-user-" });
  try {
    await copy(`${ROOT}vendor`, `${dir}/vendor`);
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        imports: { "@dlfs/nn": "jsr:@dlfs/nn@^0.1.0" },
        links: [ROOT],
        vendor: true,
      }),
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { TwoLayerNet } from "@dlfs/nn";
import { loadMnist } from "@dlfs/nn/data";

const { xTrain, tTrain, source } = await loadMnist();
const net = new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10 });
const x = xTrain.batch([0, 1, 2]), t = tTrain.subarray(0, 3);
console.log(source, xTrain.count, net.loss(x, t) > 0);
`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-R", "-E", "-W", "-N=registry.npmjs.org", "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    assertMatch(out, /dlfs[/\\]mnist 60000 true\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
