// End-to-end: the browser demo in headless Chromium (Debian's chromium,
// driven by playwright-core in tests/browser_driver.ts). It draws digits stroke by stroke and checks
// the prediction the page shows, and fails on any page error. Skipped where
// there is no Chromium, unless DLFS_BROWSER_TEST=1 (as .ci/run sets) makes
// it required. Locally: apt-get install chromium, then deno task test.
import { assertEquals } from "@std/assert";
import { serveDemo } from "../web/serve.ts";
import {
  browserTest,
  builtDemo,
  CHROMIUM,
  runDriver,
  screenshotPath,
} from "./web_helpers.ts";

type Point = [number, number];
/** Points along a polyline, every ~4 px, as a hand would pass. */
function along(...corners: Point[]): Point[] {
  const out: Point[] = [corners[0]];
  for (let k = 1; k < corners.length; k++) {
    const [x0, y0] = corners[k - 1], [x1, y1] = corners[k];
    const steps = Math.max(1, Math.round(Math.hypot(x1 - x0, y1 - y0) / 4));
    for (let s = 1; s <= steps; s++) {
      out.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
    }
  }
  return out;
}
const ellipse = (cx: number, cy: number, rx: number, ry: number): Point[] =>
  Array.from(
    { length: 61 },
    (
      _,
      i,
    ) => [
      cx + rx * Math.sin((i / 60) * 2 * Math.PI),
      cy - ry * Math.cos((i / 60) * 2 * Math.PI),
    ],
  );

// Digits as strokes on the 280×280 pad (each inner array is one stroke).
const DIGITS: [number, Point[][]][] = [
  [1, [along([150, 45], [130, 235])]],
  [0, [ellipse(140, 140, 60, 95)]],
  [7, [along([70, 55], [210, 55], [120, 240])]],
];

browserTest(
  "the browser demo recognises digits drawn stroke by stroke (headless Chromium)",
  async () => {
    const server = serveDemo({ port: 0, root: await builtDemo() });
    const shots = await Deno.makeTempDir({ prefix: "dlfs-demo-" });
    try {
      const { seen, errors } = await runDriver<
        { seen: number[]; errors: string[] }
      >("tests/browser_driver.ts", {
        url: `http://127.0.0.1:${server.addr.port}/`,
        executable: CHROMIUM,
        digits: DIGITS,
        screenshot: screenshotPath(shots, "demo.png"),
      });
      assertEquals(
        seen,
        DIGITS.map(([digit]) => digit),
        "the page's predictions",
      );
      assertEquals(errors, [], "no page errors");
    } finally {
      await server.shutdown();
      await Deno.remove(shots, { recursive: true }).catch(() => {});
    }
  },
);
