// The Playwright side of tests/browser_test.ts, run in a process of its own
// with `--no-lock --node-modules-dir=none`, so that playwright-core (14 MB,
// only this test needs it) stays out of the project's lockfile and
// node_modules: `deno task train` on a fresh clone never installs it.
// Reads {url, chromium, digits, screenshot} as JSON on stdin; prints
// {seen, errors} as JSON.
import { chromium } from "npm:playwright-core@1.65.1";

type Point = [number, number];
const { url, executable, digits, screenshot } = JSON.parse(
  await new Response(Deno.stdin.readable).text(),
) as {
  url: string;
  executable: string;
  digits: [number, Point[][]][];
  screenshot: string;
};
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
try {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e: Error) => errors.push(String(e)));
  page.on(
    "console",
    (m: { type(): string; text(): string }) =>
      m.type() === "error" && errors.push(m.text()),
  );
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
  const box = (await page.locator("#pad").boundingBox())!;
  const seen: number[] = [];
  for (const [, strokes] of digits) {
    await page.click("#clear");
    for (const stroke of strokes) {
      await page.mouse.move(box.x + stroke[0][0], box.y + stroke[0][1]);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) {
        await page.mouse.move(box.x + x, box.y + y);
      }
      await page.mouse.up();
    }
    seen.push(Number(await page.getAttribute("body", "data-prediction")));
  }
  await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ seen, errors }));
} finally {
  await browser.close();
}
