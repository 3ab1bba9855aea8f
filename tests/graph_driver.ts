// The Playwright side of tests/graph_test.ts (run like browser_driver.ts, in
// a process of its own). Reads {url, executable, screenshot} as JSON on
// stdin; steps through web/graph.html and prints what every edge showed
// after each step, after editing an input, and any page errors, as JSON.
import { chromium } from "npm:playwright-core@1.65.1";

const { url, executable, screenshot } = JSON.parse(
  await new Response(Deno.stdin.readable).text(),
) as { url: string; executable: string; screenshot: string };
const browser = await chromium.launch({
  executablePath: executable,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 820, height: 640 } });
  const errors: string[] = [];
  page.on("pageerror", (e: Error) => errors.push(String(e)));
  page.on(
    "console",
    (m: { type(): string; text(): string }) =>
      m.type() === "error" && errors.push(m.text()),
  );
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
  const edges = () =>
    page.$$eval(
      "g.edge",
      (gs: Element[]) =>
        Object.fromEntries(
          gs.map((g) => [
            g.id.slice("edge-".length),
            [
              (g as SVGGElement).dataset.forward,
              (g as SVGGElement).dataset.backward,
            ],
          ]),
        ),
    );
  const steps = [await edges()];
  for (let i = 0; i < 8; i++) {
    await page.click("#next");
    steps.push(await edges());
  }
  await page.screenshot({ path: screenshot });
  await page.fill("#appleNum", "3");
  const edited = await edges();
  await page.fill("#appleNum", "");
  const emptied = { status: await page.textContent("#status"), edges: await edges() };
  await page.fill("#appleNum", "3");
  await page.click("#back");
  const back = await page.getAttribute("body", "data-step");
  console.log(JSON.stringify({ steps, edited, emptied, back, errors }));
} finally {
  await browser.close();
}
