// The reference engines the ONNX tests run exported nets in: ONNX Runtime
// for Node and for the web (npm's onnxruntime-node and onnxruntime-web,
// installed once into the per-user cache with --ignore-scripts: the node
// package's install script only fetches GPU extras, from a host out of
// reach here; its CPU engine ships inside), run by `node`; and the ONNX
// checker of Debian's python3-onnx (for /usr/bin/python3). Each is skipped
// where it is missing, with a line saying so, except in CI (CI=true),
// where it is required.
import { assertEquals } from "@std/assert";
import type { Matrix } from "../core/matrix.ts";
import type { Network } from "../net/network.ts";
import { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";
import { CHROMIUM, chromiumAvailable } from "./web_helpers.ts";

/** The ONNX Runtime release the tests and the README use. */
export const ORT_VERSION = "1.30.0";

const ci = Deno.env.get("CI") === "true";
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** `node --version`, or undefined where there is no node. */
export const node = await new Deno.Command("node", { args: ["--version"] })
  .output().then((o) => decode(o.stdout).trim(), () => undefined);

/** The Python that Debian's python3-onnx installs for. */
export const PYTHON = "/usr/bin/python3";
/** Whether it has the onnx module. */
export const hasOnnx = await new Deno.Command(PYTHON, {
  args: ["-c", "import onnx"],
  stderr: "null",
}).output().then((o) => o.success, () => false);

/**
 * A test that needs `node` and npm (skipped without them, with a line
 * saying so, unless CI=true).
 */
export function engineTest(name: string, fn: () => Promise<void>): void {
  requiring(name, node !== undefined, "no node on the PATH", fn);
}

/**
 * A test that needs the ONNX checker (skipped without it, with a line
 * saying so, unless CI=true).
 */
export function checkerTest(name: string, fn: () => Promise<void>): void {
  requiring(
    name,
    hasOnnx,
    `${PYTHON} has no onnx module (apt-get install python3-onnx)`,
    fn,
  );
}

/**
 * A test that needs Chromium and `node` (skipped without them, with a line
 * saying so, unless CI=true).
 */
export function pageTest(name: string, fn: () => Promise<void>): void {
  requiring(
    name,
    chromiumAvailable && node !== undefined,
    `no Chromium at ${CHROMIUM} or no node on the PATH`,
    fn,
  );
}

function requiring(
  name: string,
  present: boolean,
  missing: string,
  fn: () => Promise<void>,
): void {
  if (!present && !ci) console.warn(`skipped "${name}": ${missing}`);
  Deno.test({
    name,
    ignore: !present && !ci,
    async fn() {
      if (!present) throw new Error(`CI=true but ${missing}`);
      await fn();
    },
  });
}

let installed: Promise<string> | undefined;

/**
 * The node_modules folder of onnxruntime-node and onnxruntime-web
 * {@linkcode ORT_VERSION}, installed into the per-user cache on first use
 * (into a temp folder, then renamed: an interrupted install leaves none).
 */
export function ortModules(): Promise<string> {
  installed ??= (async () => {
    const home = Deno.env.get("XDG_CACHE_HOME") ??
      `${Deno.env.get("HOME")}/.cache`;
    const dir = `${home}/dlfs/onnxruntime-${ORT_VERSION}`;
    const modules = `${dir}/node_modules`;
    const ready = await Deno.stat(`${modules}/onnxruntime-web/package.json`)
      .then(() => true, () => false);
    if (ready) return modules;
    await Deno.mkdir(`${home}/dlfs`, { recursive: true });
    const tmp = await Deno.makeTempDir({
      dir: `${home}/dlfs`,
      prefix: ".ort-",
    });
    try {
      const npm = await new Deno.Command("npm", {
        args: [
          "install",
          "--prefix",
          tmp,
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          `onnxruntime-node@${ORT_VERSION}`,
          `onnxruntime-web@${ORT_VERSION}`,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      assertEquals(npm.code, 0, `npm install: ${decode(npm.stderr)}`);
      // Another process may have installed it meanwhile: then keep that.
      await Deno.rename(tmp, dir).catch(() => {});
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
    return modules;
  })();
  return installed;
}

/**
 * Runs `main` (an ES module) under node in a new folder that sees the
 * engines' node_modules, with `files` beside it; returns its stdout.
 */
export async function runNode(
  main: string,
  files: Record<string, Uint8Array> = {},
  stdin = "",
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-ort-" });
  try {
    await Deno.symlink(await ortModules(), `${dir}/node_modules`);
    await Deno.writeTextFile(`${dir}/package.json`, '{ "type": "module" }\n');
    await Deno.writeTextFile(`${dir}/main.mjs`, main);
    for (const [name, bytes] of Object.entries(files)) {
      await Deno.writeFile(`${dir}/${name}`, bytes);
    }
    const child = new Deno.Command("node", {
      args: ["main.mjs"],
      cwd: dir,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
    const { code, stdout, stderr } = await child.output();
    assertEquals(code, 0, decode(stderr));
    return decode(stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** dlfs's class probabilities of `x`: its own softmax of `net.predict(x)`. */
export function probabilities(net: Network, x: Matrix): Matrix {
  const softmax = new SoftmaxWithLoss();
  softmax.forward(net.predict(x), new Int32Array(x.rows));
  return softmax.y!.clone();
}

/** How two N×C tables of probabilities compare. */
export interface Agreement {
  /** The largest |Δp| over every entry. */
  maxDiff: number;
  /** Rows whose top two classes differ by more than `tolerance` in `p`. */
  decided: number;
  /** Of those, the rows whose most probable class is the same in `q`. */
  agreeing: number;
}

/**
 * Compares `q` (an engine's) with `p` (dlfs's): the largest difference,
 * and the predicted classes wherever p's top two are more than `tolerance`
 * apart.
 */
export function agreement(
  p: Matrix,
  q: ArrayLike<number>,
  tolerance: number,
): Agreement {
  let maxDiff = 0, decided = 0, agreeing = 0;
  for (let i = 0; i < p.rows; i++) {
    const row = p.data.subarray(i * p.cols, (i + 1) * p.cols);
    let best = 0, second = -Infinity, bestQ = 0;
    for (let j = 0; j < p.cols; j++) {
      maxDiff = Math.max(maxDiff, Math.abs(row[j] - q[i * p.cols + j]));
      if (q[i * p.cols + j] > q[i * p.cols + bestQ]) bestQ = j;
      if (row[j] > row[best]) best = j;
    }
    for (let j = 0; j < p.cols; j++) {
      if (j !== best) second = Math.max(second, row[j]);
    }
    if (row[best] - second > tolerance) {
      decided++;
      if (bestQ === best) agreeing++;
    }
  }
  return { maxDiff, decided, agreeing };
}
