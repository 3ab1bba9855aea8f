// The Playwright side of tests/browser_test.ts (see tests/driver.ts).
// Reads {url, executable, digits, screenshot} as JSON on stdin; prints
// {seen, errors} as JSON.
import { input, launch } from "./driver.ts";

type Point = [number, number];
const { url, executable, digits, screenshot } = await input<{
  url: string;
  executable: string;
  digits: [number, Point[][]][];
  screenshot: string;
}>();
const { browser, errors, open } = await launch(executable);
try {
  const page = await open(url);
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
