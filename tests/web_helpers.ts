// What the browser tests share: bundling a page's script, and running a
// Playwright driver (tests/*_driver.ts) in a process of its own with
// `--no-lock --node-modules-dir=none`, so playwright-core stays out of the
// project's lockfile and node_modules.
import { assertEquals } from "@std/assert";
import { buildWeb } from "../web/build.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Chromium for the browser tests, and whether they must run. */
export const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
export const chromiumAvailable = await Deno.stat(CHROMIUM).then(
  () => true,
  () => false,
);
export const browserRequired = Deno.env.get("DLFS_BROWSER_TEST") === "1";

/**
 * A test that needs Chromium: skipped without it, unless
 * DLFS_BROWSER_TEST=1 (CI), which makes its absence a failure.
 */
export function browserTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: !chromiumAvailable && !browserRequired,
    async fn() {
      if (!chromiumAvailable) {
        throw new Error(
          `DLFS_BROWSER_TEST=1 but there is no Chromium at ${CHROMIUM}`,
        );
      }
      await fn();
    },
  });
}

/** What `deno task build:web --no-mnist` writes (with MNIST: and `mnist`). */
export const BUILT_FILES = [
  "_headers",
  "app.js",
  "graph.html",
  "graph.js",
  "index.html",
  "model.safetensors",
  "simd_worker.js",
  "train.html",
  "train.js",
  "train_worker.js",
];

let built: Promise<string> | undefined;

/**
 * The demo as `deno task build:web --no-mnist` writes it, in a temp folder
 * (built once per test process; the server serves MNIST itself).
 */
export function builtDemo(): Promise<string> {
  built ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "dlfs-web-" });
    await buildWeb(dir, { mnist: false });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    });
    return dir;
  })();
  return built;
}

/** Runs a driver with `input` as JSON on stdin; returns its JSON output. */
export async function runDriver<T>(
  driver: string,
  input: Record<string, unknown>,
): Promise<T> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", "--node-modules-dir=none", driver],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)) as T;
}

/** Where a test's screenshot goes: $DLFS_SCREENSHOT_DIR, else `dir`. */
export function screenshotPath(dir: string, name: string): string {
  return `${Deno.env.get("DLFS_SCREENSHOT_DIR") ?? dir}/${name}`;
}
