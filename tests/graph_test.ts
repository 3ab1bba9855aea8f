// The apple-and-orange graph (web/graph_model.ts, web/graph.html): the
// book's figures from the library's layers, and the page showing them step by
// step in headless Chromium (skipped without Chromium unless
// DLFS_BROWSER_TEST=1, as tests/browser_test.ts).
import { assertAlmostEquals, assertEquals } from "@std/assert";
import { serveDemo } from "../web/serve.ts";
import {
  browserTest,
  builtDemo,
  CHROMIUM,
  runDriver,
  screenshotPath,
} from "./web_helpers.ts";
import {
  applesAndOranges,
  BOOK_PURCHASE,
  EDGES,
  show,
  STEPS,
} from "../web/graph_model.ts";

// The book's figures (§5.4, figure 5-17; buy_apple_orange.py's output).
const BOOK = {
  forward: { price: 715, allPrice: 650, applePrice: 200, orangePrice: 450 },
  backward: {
    apple: 2.2,
    appleNum: 110,
    orange: 3.3,
    orangeNum: 165,
    tax: 650,
    allPrice: 1.1,
  },
};

Deno.test("the apple-and-orange graph gives the book's figures: 715, and 2.2, 110, 3.3, 165, 650", () => {
  const v = applesAndOranges(BOOK_PURCHASE);
  for (const [edge, want] of Object.entries(BOOK.forward)) {
    assertAlmostEquals(v.forward[edge as keyof typeof v.forward], want, 1e-9);
  }
  for (const [edge, want] of Object.entries(BOOK.backward)) {
    assertAlmostEquals(v.backward[edge as keyof typeof v.backward], want, 1e-9);
  }
  // Each derivative against a central difference of the price.
  const price = (p: typeof BOOK_PURCHASE) => applesAndOranges(p).forward.price;
  for (
    const key of Object.keys(BOOK_PURCHASE) as (keyof typeof BOOK_PURCHASE)[]
  ) {
    const h = 1e-4;
    const up = price({ ...BOOK_PURCHASE, [key]: BOOK_PURCHASE[key] + h });
    const down = price({ ...BOOK_PURCHASE, [key]: BOOK_PURCHASE[key] - h });
    assertAlmostEquals(v.backward[key], (up - down) / (2 * h), 1e-6);
  }
  assertEquals(show(v.forward.price), "715"); // 715.0000000000001 in float64
});

browserTest(
  "the graph page shows the forward values, then the derivatives, a node at a time (headless Chromium)",
  async () => {
    const server = serveDemo({ port: 0, root: await builtDemo() });
    const shots = await Deno.makeTempDir({ prefix: "dlfs-graph-" });
    try {
      type Shown = Record<string, [string, string]>;
      const { steps, edited, emptied, back, errors } = await runDriver<
        {
          steps: Shown[];
          edited: Shown;
          emptied: { status: string; edges: Shown };
          back: string;
          errors: string[];
        }
      >("tests/graph_driver.ts", {
        url: `http://127.0.0.1:${server.addr.port}/graph.html`,
        executable: CHROMIUM,
        screenshot: screenshotPath(shots, "graph.png"),
      });
      assertEquals(errors, [], "no page errors");
      // What each step should show, from the model and the step order.
      const v = applesAndOranges(BOOK_PURCHASE);
      const forward = new Set([
        "apple",
        "appleNum",
        "orange",
        "orangeNum",
        "tax",
      ]);
      const backward = new Set(["price"]);
      for (let i = 0; i <= STEPS.length; i++) {
        if (i > 0) {
          const s = STEPS[i - 1];
          for (const e of s.edges) {
            (s.direction === "forward" ? forward : backward).add(e);
          }
        }
        const want = Object.fromEntries(EDGES.map((e) => [e, [
          forward.has(e) ? show(v.forward[e]) : "",
          backward.has(e) ? show(v.backward[e]) : "",
        ]]));
        assertEquals(steps[i], want, `after step ${i}`);
      }
      assertEquals(steps[4].price, ["715", "1"]);
      assertEquals(
        ["apple", "appleNum", "orange", "orangeNum", "tax"].map((e) =>
          steps[8][e][1]
        ),
        ["2.2", "110", "3.3", "165", "650"],
      );
      // Three apples: (300 + 450) × 1.1 = 825, dprice/dapple = 3.3.
      assertEquals(edited.price[0], "825");
      assertEquals(edited.apple[1], "3.3");
      assertEquals(back, "7");
      // An emptied field: said, and the graph keeps the last number.
      assertEquals(
        emptied.status,
        "apples: expected a number; the graph keeps 3",
      );
      assertEquals(emptied.edges, edited);
    } finally {
      await server.shutdown();
      await Deno.remove(shots, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test("show() keeps an edge's label short: exponent form from 1e9, ∞ for infinity", () => {
  assertEquals(show(715.0000000000001), "715");
  assertEquals(show(123456789), "123456789");
  assertEquals(show(1e308 * 1.1), "1.100e308");
  assertEquals(show(Infinity), "∞");
  assertEquals(show(-Infinity), "−∞");
  assertEquals(show(NaN), "NaN");
});
