import {
  assert,
  assertEquals,
  assertMatch,
  assertNotMatch,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { digitsPlot, trainingPlot } from "../io/mod.ts";
import { movingAverage } from "../io/plot.ts";
import { Rng } from "../core/rng.ts";

Deno.test("trainingPlot() draws both panels with axes, ticks, labels and a legend", () => {
  const loss = Array.from(
    { length: 1000 },
    (_, i) => 2.3 * Math.exp(-i / 200) + 0.1,
  );
  const epochs = [0, 300, 600, 900].map((iter, k) => ({
    iter,
    trainAcc: 0.1 + 0.25 * k,
    testAcc: 0.1 + 0.24 * k,
  }));
  const svg = trainingPlot({ loss, epochs, title: "net <x> & y" });
  assertMatch(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assertMatch(svg, /<\/svg>\n$/);
  for (
    const label of [
      "iteration",
      "loss",
      "accuracy",
      "train accuracy",
      "test accuracy",
      "loss of each batch",
    ]
  ) {
    assert(svg.includes(`>${label}</text>`), label);
  }
  assert(svg.includes("net &lt;x&gt; &amp; y"), "the title is escaped");
  assertStrictEquals(
    svg.match(/<polyline /g)?.length,
    4,
    "raw loss, its mean, train, test",
  );
  assertStrictEquals(
    svg.match(/<circle /g)?.length,
    8,
    "a marker per evaluation and curve",
  );
  assert(
    svg.includes(">0.8</text>") && svg.includes(">1</text>"),
    "accuracy ticks",
  );
  assert(svg.includes("at iteration 900: train 0.8500, test 0.8200"));
});

Deno.test("trainingPlot() copes with an empty run and a NaN loss", () => {
  const empty = trainingPlot({ loss: [], epochs: [] });
  assertNotMatch(empty, /NaN|Infinity/);
  const nan = trainingPlot({
    loss: [2, 1, NaN, 0.5],
    epochs: [{ iter: 0, trainAcc: 0.1, testAcc: 0.1 }],
  });
  assertNotMatch(nan, /NaN|Infinity/);
});

Deno.test("trainingPlot() skips and marks a NaN or ∞ loss, and the moving average goes on after it", () => {
  const loss = Array.from({ length: 500 }, (_, i) => 2 - i / 500);
  loss[100] = NaN;
  loss[101] = Infinity;
  const svg = trainingPlot({
    loss,
    epochs: [{ iter: 0, trainAcc: 0.1, testAcc: 0.1 }],
  });
  assert(
    svg.includes(">non-finite loss: 2</text>"),
    "the legend counts them",
  );
  assertStrictEquals(
    svg.match(/stroke="#e377c2" stroke-width="2"/g)?.length,
    2,
    "two marks",
  );
  assert(
    !svg.includes("NaN,") && !svg.includes(",NaN"),
    "no NaN coordinate",
  );
  // The average line (the second polyline) runs through all 500 iterations.
  const lines = [...svg.matchAll(/<polyline points="([^"]+)"/g)].map((m) =>
    m[1].split(" ").length
  );
  assertStrictEquals(lines[0], 498); // the raw losses, without the two
  assertStrictEquals(lines[1], 500); // the average, through and past them
});

Deno.test("movingAverage() is the mean of the last `window` values, of fewer at the start", () => {
  const rng = new Rng(3);
  const values = Array.from({ length: 250 }, () => rng.uniform());
  const avg = movingAverage(values, 100);
  assertStrictEquals(avg.length, 250);
  for (const i of [0, 1, 57, 99, 100, 101, 249]) {
    const last = values.slice(Math.max(0, i - 99), i + 1);
    const mean = last.reduce((s, v) => s + v, 0) / last.length;
    assert(Math.abs(avg[i] - mean) < 1e-12, `at ${i}: ${avg[i]} vs ${mean}`);
  }
});

Deno.test("movingAverage() skips NaN and ∞, and is NaN only where its window has no finite value", () => {
  assertEquals(
    movingAverage([NaN, 4, Infinity, 2, NaN, NaN, NaN, 6], 2),
    [NaN, 4, 4, 2, 2, NaN, NaN, 6],
  );
  assertEquals(movingAverage([], 5), []);
});

Deno.test("digitsPlot() draws each image's dark pixels in its cell, its caption under it, and refuses an image of another size", () => {
  const one = { pixels: [0, 1, 0.5, 0], caption: "1: (6, 0)" };
  const two = { pixels: [1, 1, 1, 1], caption: "a < b" };
  const svg = digitsPlot([one, two], { columns: 1, scale: 10 });
  // 2 + 4 pixel squares, a frame per image, the background.
  const rects = svg.match(/<rect [^>]*width="10" height="10"[^>]*>/g)!;
  assertEquals(rects.length, 6);
  assert(svg.includes('fill="rgb(128,128,128)"'), "0.5 is mid grey");
  assert(svg.includes(">1: (6, 0)</text>") && svg.includes(">a &lt; b</text>"));
  // One column: the second image sits below the first.
  assert(svg.includes(`height="${2 * (20 + 30)}"`), svg.slice(0, 200));
  assertThrows(
    () => digitsPlot([one, { pixels: [1, 1, 1], caption: "" }]),
    RangeError,
    "digitsPlot(): expected 2×2 pixels in every image but found 3 in image 1",
  );
});
