/**
 * A training run as an SVG picture, with no dependency: the loss per
 * iteration on the left, train and test accuracy per epoch on the right,
 * each with axes, ticks, labels and a legend; and images of digits in a
 * grid, each with a caption. Returns the SVG text.
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";

/** What {@linkcode trainingPlot} draws. */
export interface TrainingHistory {
  /** The loss of each iteration's batch. */
  loss: readonly number[];
  /** Per evaluation: the iteration it was taken at, train and test accuracy. */
  epochs: readonly { iter: number; trainAcc: number; testAcc: number }[];
  /** A title over both panels (e.g. the net and its settings; default: none). */
  title?: string;
  /**
   * The accuracies after the run's last iteration, when taken apart from
   * the per-epoch ones (`deno task train`'s final line: the whole test
   * set): drawn as two hollow points at `iter`, labelled "final" (default:
   * none).
   */
  final?: { iter: number; trainAcc: number; testAcc: number };
}

const W = 960, H = 420, PANEL_W = 400, PANEL_H = 300, TOP = 70;
const COLORS = {
  loss: "#9ab6d8",
  lossAvg: "#1f4e8c",
  train: "#1f77b4",
  test: "#d62728",
  bad: "#e377c2",
  axis: "#333",
  grid: "#e3e3e3",
};

/**
 * The SVG of a training run.
 *
 * @example
 * ```ts
 * import { trainingPlot } from "@dlfs/nn/io";
 *
 * const svg = trainingPlot({
 *   loss: [2.3, 1.2, 0.6, 0.5, 0.4],
 *   epochs: [{ iter: 0, trainAcc: 0.1, testAcc: 0.1 }, { iter: 4, trainAcc: 0.9, testAcc: 0.88 }],
 *   title: "demo",
 * });
 * console.log(svg.startsWith("<svg"), svg.includes("test accuracy")); // true true
 * ```
 */
export function trainingPlot(history: TrainingHistory): string {
  checkOptions("trainingPlot()", history, ["loss", "epochs", "title", "final"]);
  const { loss, epochs, title = "training", final } = history;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${
      W / 2
    }" y="28" text-anchor="middle" font-size="16" font-weight="bold">${
      escape(title)
    }</text>`,
  ];

  // Left: loss per iteration, raw (light) and a moving average (dark).
  const lossFinite = loss.filter(Number.isFinite);
  const lossMax = niceCeil(
    Math.max(0.5, ...lossFinite.slice(0, 1), ...lossFinite),
  );
  const left = panel(
    70,
    TOP,
    [0, Math.max(1, loss.length - 1)],
    [0, lossMax],
    "iteration",
    "loss",
  );
  parts.push(left.frame);
  // A NaN or ∞ loss (a diverged step) is left out of both lines and marked
  // with a tick at the panel's top edge; the lines go on after it.
  const clamp = (v: number) => Number.isFinite(v) ? Math.min(v, lossMax) : NaN;
  parts.push(
    polyline(loss.map((v, i) => left.point(i, clamp(v))), COLORS.loss, 1),
  );
  const window = Math.max(1, Math.round(loss.length / 50));
  const avg = movingAverage(loss, window);
  parts.push(
    polyline(avg.map((v, i) => left.point(i, clamp(v))), COLORS.lossAvg, 2),
  );
  const bad = loss.flatMap((v, i) => Number.isFinite(v) ? [] : [i]);
  const marks = new Set(bad.map((i) => left.point(i, lossMax)[0].toFixed(1)));
  for (const x of marks) {
    parts.push(
      `<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${
        TOP + 6
      }" stroke="${COLORS.bad}" stroke-width="2"/>`,
    );
  }
  const items: [string, string][] = [
    ["loss of each batch", COLORS.loss],
    [`mean of ${window}`, COLORS.lossAvg],
  ];
  if (bad.length > 0) {
    items.push([`non-finite loss: ${bad.length}`, COLORS.bad]);
  }
  parts.push(legend(70 + PANEL_W - 170, TOP + 12, items));

  // Right: accuracy per evaluation, on [0, 1].
  const lastIter = Math.max(
    1,
    ...epochs.map((e) => e.iter),
    loss.length - 1,
    final?.iter ?? 0,
  );
  const right = panel(540, TOP, [0, lastIter], [0, 1], "iteration", "accuracy");
  parts.push(right.frame);
  for (
    const [key, color] of [["trainAcc", COLORS.train], [
      "testAcc",
      COLORS.test,
    ]] as const
  ) {
    const pts = epochs.map((e) => right.point(e.iter, e[key]));
    parts.push(polyline(pts, color, 2));
    for (const [x, y] of pts) {
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${
          y.toFixed(1)
        }" r="3" fill="${color}"/>`,
      );
    }
  }
  parts.push(
    legend(540 + PANEL_W - 150, TOP + PANEL_H - 50, [[
      "train accuracy",
      COLORS.train,
    ], ["test accuracy", COLORS.test]]),
  );
  // Each figure once, saying what it is: the last epoch's evaluation and,
  // apart, the final one (points and text).
  const labels: string[] = [];
  const last = epochs[epochs.length - 1];
  if (last !== undefined) {
    labels.push(
      `last epoch's evaluation, at iteration ${last.iter}: train ${
        last.trainAcc.toFixed(4)
      }, test ${last.testAcc.toFixed(4)}`,
    );
  }
  if (final !== undefined) {
    for (
      const [key, color] of [["trainAcc", COLORS.train], [
        "testAcc",
        COLORS.test,
      ]] as const
    ) {
      const [x, y] = right.point(final.iter, final[key]);
      parts.push(
        `<circle cx="${x.toFixed(1)}" cy="${
          y.toFixed(1)
        }" r="4" fill="white" stroke="${color}" stroke-width="2"/>`,
      );
    }
    labels.push(
      `final, after iteration ${final.iter}: train ${
        final.trainAcc.toFixed(4)
      }, test ${final.testAcc.toFixed(4)}`,
    );
  }
  labels.forEach((text, k) => {
    parts.push(
      `<text x="${540 + PANEL_W}" y="${
        TOP - 8 - 16 * (labels.length - 1 - k)
      }" text-anchor="end" font-size="12" fill="${COLORS.axis}">${text}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** A panel's frame (grid, axes, ticks, labels) and its data-to-pixel map. */
function panel(
  x0: number,
  y0: number,
  [xMin, xMax]: [number, number],
  [yMin, yMax]: [number, number],
  xLabel: string,
  yLabel: string,
) {
  const px = (x: number) => x0 + ((x - xMin) / (xMax - xMin)) * PANEL_W;
  const py = (y: number) =>
    y0 + PANEL_H - ((y - yMin) / (yMax - yMin)) * PANEL_H;
  const out: string[] = [];
  for (const t of ticks(xMin, xMax)) {
    out.push(
      `<line x1="${px(t).toFixed(1)}" y1="${y0}" x2="${px(t).toFixed(1)}" y2="${
        y0 + PANEL_H
      }" stroke="${COLORS.grid}"/>`,
    );
    out.push(
      `<text x="${px(t).toFixed(1)}" y="${
        y0 + PANEL_H + 18
      }" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of ticks(yMin, yMax)) {
    out.push(
      `<line x1="${x0}" y1="${py(t).toFixed(1)}" x2="${x0 + PANEL_W}" y2="${
        py(t).toFixed(1)
      }" stroke="${COLORS.grid}"/>`,
    );
    out.push(
      `<text x="${x0 - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end">${
        fmt(t)
      }</text>`,
    );
  }
  out.push(
    `<rect x="${x0}" y="${y0}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="${COLORS.axis}"/>`,
  );
  out.push(
    `<text x="${x0 + PANEL_W / 2}" y="${
      y0 + PANEL_H + 40
    }" text-anchor="middle">${xLabel}</text>`,
  );
  out.push(
    `<text x="${x0 - 48}" y="${
      y0 + PANEL_H / 2
    }" text-anchor="middle" transform="rotate(-90 ${x0 - 48} ${
      y0 + PANEL_H / 2
    })">${yLabel}</text>`,
  );
  return {
    frame: out.join("\n"),
    point: (x: number, y: number): [number, number] => [px(x), py(y)],
  };
}

function polyline(
  points: [number, number][],
  color: string,
  width: number,
): string {
  // A NaN loss (a diverged step) is left out of the line.
  points = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (points.length === 0) return "";
  const d = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"/>`;
}

function legend(x: number, y: number, items: [string, string][]): string {
  const rows = items.map(([label, color], i) =>
    `<line x1="${x + 8}" y1="${y + 14 + 18 * i}" x2="${x + 30}" y2="${
      y + 14 + 18 * i
    }" stroke="${color}" stroke-width="3"/>` +
    `<text x="${x + 36}" y="${y + 18 + 18 * i}">${escape(label)}</text>`
  );
  return `<rect x="${x}" y="${y}" width="150" height="${
    10 + 18 * items.length
  }" fill="white" fill-opacity="0.85" stroke="#bbb"/>\n${rows.join("\n")}`;
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ??
    raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

function niceCeil(v: number): number {
  const mag = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / mag) * mag;
}

/**
 * The moving average of a loss curve: at each index, the mean of the finite
 * values among the last `window` (fewer at the start; NaN where there are
 * none). A NaN or ∞ (a diverged step) is skipped, not carried along in the
 * running sum. The SVG plot's dark line and the train page's.
 *
 * @example
 * ```ts
 * import { movingAverage } from "./plot.ts";
 *
 * console.log(movingAverage([4, 2, NaN, 6], 2)); // [ 4, 3, 2, 6 ]
 * ```
 */
export function movingAverage(
  values: readonly number[],
  window: number,
): number[] {
  const out: number[] = [];
  let sum = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) (sum += values[i]), count++;
    const old = values[i - window];
    if (i >= window && Number.isFinite(old)) (sum -= old), count--;
    out.push(count > 0 ? sum / count : NaN);
  }
  return out;
}

/** One picture of {@linkcode digitsPlot}. */
export interface Digit {
  /** side×side grey levels in [0, 1], row by row (0 white, 1 black). */
  pixels: ArrayLike<number>;
  /** The line under it, e.g. `"1: (6, 0)"`. */
  caption: string;
}

/**
 * Square greyscale images in a grid of `columns` (default 5) pictures a
 * row, each `scale` (default 3) screen pixels per pixel with its caption
 * under it: matplotlib's `imshow(cmap=plt.cm.gray_r,
 * interpolation='nearest')` in 4×5 subplots, the book's
 * `misclassified_mnist.py` figure. Returns the SVG text.
 *
 * @throws {RangeError} for an image whose pixels do not make the square of
 * the first one's.
 *
 * @example
 * ```ts
 * import { digitsPlot } from "@dlfs/nn/io";
 *
 * const svg = digitsPlot([{ pixels: [0, 1, 1, 0], caption: "1: (6, 0)" }]);
 * console.log(svg.startsWith("<svg"), svg.includes("1: (6, 0)")); // true true
 * ```
 */
export function digitsPlot(
  digits: readonly Digit[],
  options: { columns?: number; scale?: number } = {},
): string {
  const { columns = 5, scale = 3 } = options;
  const side = Math.round(Math.sqrt(digits[0]?.pixels.length ?? 0));
  const size = side * scale, cellW = size + 16, cellH = size + 30;
  const width = columns * cellW;
  const height = Math.ceil(digits.length / columns) * cellH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13" shape-rendering="crispEdges">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  digits.forEach(({ pixels, caption }, k) => {
    if (pixels.length !== side * side) {
      throw new RangeError(
        `digitsPlot(): expected ${side}×${side} pixels in every image but found ${pixels.length} in image ${k}`,
      );
    }
    const x0 = (k % columns) * cellW + 8, y0 = Math.floor(k / columns) * cellH;
    parts.push(
      `<rect x="${x0 - 1}" y="${y0 + 3}" width="${size + 2}" height="${
        size + 2
      }" fill="none" stroke="#999"/>`,
    );
    for (let i = 0; i < pixels.length; i++) {
      const v = Math.min(1, pixels[i]);
      if (!(v > 0)) continue; // white, the background
      const grey = Math.round(255 * (1 - v));
      parts.push(
        `<rect x="${x0 + (i % side) * scale}" y="${
          y0 + 4 + Math.floor(i / side) * scale
        }" width="${scale}" height="${scale}" fill="rgb(${grey},${grey},${grey})"/>`,
      );
    }
    parts.push(
      `<text x="${x0 + size / 2}" y="${y0 + size + 22}" text-anchor="middle">${
        escape(caption)
      }</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function fmt(t: number): string {
  return Math.abs(t) >= 1000 ? `${t / 1000}k` : String(t);
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}
