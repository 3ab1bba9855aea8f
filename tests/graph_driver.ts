// The Playwright side of tests/graph_test.ts (see tests/driver.ts). Reads
// {url, executable, screenshot} as JSON on stdin; steps through
// web/graph.html and prints what every edge showed after each step, after
// editing an input, and any page errors, as JSON.
import { input, launch } from "./driver.ts";

const { url, executable, screenshot } = await input<
  { url: string; executable: string; screenshot: string }
>();
const { browser, errors, open } = await launch(executable);
try {
  const page = await open(url, { viewport: { width: 820, height: 640 } });
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
