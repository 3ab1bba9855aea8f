// What the Playwright drivers (tests/*_driver.ts) share: their input, a
// headless Chromium, and pages that record their errors. Each driver runs
// in a process of its own with `--no-lock --node-modules-dir=none`, so that
// playwright-core (14 MB, only these tests need it) stays out of the
// project's lockfile and node_modules: `deno task train` on a fresh clone
// never installs it.
import { chromium } from "npm:playwright-core@1.65.1";

// deno-lint-ignore no-explicit-any
export type Page = any;

/** The driver's input: JSON on stdin. */
export async function input<T>(): Promise<T> {
  return JSON.parse(await new Response(Deno.stdin.readable).text()) as T;
}

/** Headless Chromium at `executable`; every page error lands in `errors`. */
export async function launch(executable: string) {
  const browser = await chromium.launch({
    executablePath: executable,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ],
  });
  const errors: string[] = [];
  /**
   * A new page at `url`, once its body says data-ready; `before` runs
   * first (an init script, say).
   */
  async function open(
    url: string,
    options: Record<string, unknown> = {},
    before?: (page: Page) => Promise<void>,
  ): Promise<Page> {
    const page = await browser.newPage(options);
    page.on("pageerror", (e: Error) => errors.push(String(e)));
    page.on(
      "console",
      (m: { type(): string; text(): string }) =>
        m.type() === "error" && errors.push(m.text()),
    );
    await before?.(page);
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
    return page;
  }
  return { browser, errors, open };
}
