// dlfs from Node 20: the library bundled for Node trains the book's
// TwoLayerNet on MNIST, saves and reloads it (tests/node_train.ts). Skipped
// where there is no `node`, except in CI, where it must run.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { exportOnnx, loadNet } from "../io/mod.ts";
import { readmeBlock } from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const node = await new Deno.Command("node", { args: ["--version"] }).output()
  .then((o) => new TextDecoder().decode(o.stdout).trim(), () => undefined);

Deno.test({
  name:
    "in Node 20, a bundle of dlfs loads MNIST, trains a TwoLayerNet above 0.85, saves and reloads it, and exports it to ONNX as in Deno",
  ignore: node === undefined && Deno.env.get("CI") !== "true",
  async fn() {
    assertMatch(node ?? "no node", /^v(2\d|[3-9]\d)\./, "Node 20 or later");
    const dir = await Deno.makeTempDir({ prefix: "dlfs-node-" });
    try {
      const bundle = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform",
          "node",
          "-o",
          `${dir}/train.mjs`,
          "tests/node_train.ts",
        ],
        cwd: ROOT,
        stderr: "piped",
      }).output();
      assertEquals(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
      // MNIST from the user cache (or downloaded there by Node itself).
      const run = await new Deno.Command("node", {
        args: [`${dir}/train.mjs`, "", `${dir}/net.safetensors`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(run.stdout);
      assertEquals(run.code, 0, out + new TextDecoder().decode(run.stderr));
      const result = JSON.parse(out);
      assert(result.testAcc >= 0.85, `test accuracy ${result.testAcc}`);
      assertEquals(result.reloadedAcc, result.testAcc);
      assertEquals(result.threads, 1); // no global Worker in Node: one thread
      assertEquals(result.sameGradient, true);
      const { net } = loadNet(await Deno.readFile(`${dir}/net.safetensors`));
      assertEquals(await Deno.readFile(`${dir}/net.onnx`), exportOnnx(net));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "the README's steps for Node without JSR, as written: the bundle command, then its main.js prints the figure it says",
  ignore: node === undefined && Deno.env.get("CI") !== "true",
  async fn() {
    const readme = await Deno.readTextFile(`${ROOT}README.md`);
    const heading = "### Node without JSR";
    const command = readmeBlock(readme, heading, "sh").trim();
    const main = readmeBlock(readme, heading, "js");
    const dir = await Deno.makeTempDir({ prefix: "dlfs-node-readme-" });
    try {
      const app = `${dir}/my-app`;
      await Deno.mkdir(app);
      const [deno, ...args] = command.replace("../my-app", app).split(/\s+/);
      assertEquals(deno, "deno");
      const bundle = await new Deno.Command(Deno.execPath(), {
        args: [...args.slice(0, 1), "--quiet", ...args.slice(1)],
        cwd: ROOT,
        stderr: "piped",
      }).output();
      assertEquals(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
      await Deno.writeTextFile(`${app}/package.json`, '{ "type": "module" }\n');
      await Deno.writeTextFile(`${app}/main.js`, main);
      const run = await new Deno.Command("node", {
        args: ["main.js"],
        cwd: app,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(run.stdout);
      assertEquals(run.code, 0, out + new TextDecoder().decode(run.stderr));
      const said = main.match(/console\.log\(.*\); \/\/ (\S+)/)![1];
      assertEquals(out, `${said}\n`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
