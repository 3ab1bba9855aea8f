/// <reference lib="dom" />
// The apple-and-orange graph page: web/graph_model.ts computes, this draws.
// Each edge shows its forward value (blue, above) once the node feeding it
// has run, and its derivative (red, below) once the backward pass reaches it.
// The page publishes what it shows as data-* attributes, for the tests.

import {
  applesAndOranges,
  BOOK_PURCHASE,
  type Edge,
  EDGES,
  type Purchase,
  show,
  STEPS,
} from "./graph_model.ts";

const SVG = "http://www.w3.org/2000/svg";
const svg = document.getElementById("graph") as unknown as SVGSVGElement;
const status = document.getElementById("status") as HTMLElement;

// Layout: inputs on the left, the four nodes, the price on the right.
const NODES = {
  mulApple: { x: 250, y: 90, label: "×" },
  mulOrange: { x: 250, y: 260, label: "×" },
  add: { x: 430, y: 175, label: "+" },
  mulTax: { x: 590, y: 175, label: "×" },
} as const;
type Point = { x: number; y: number };
const at = (x: number, y: number): Point => ({ x, y });
const LINES: Record<Edge, [Point, Point, string]> = {
  apple: [at(80, 30), NODES.mulApple, "apple"],
  appleNum: [at(80, 150), NODES.mulApple, "apples"],
  orange: [at(80, 200), NODES.mulOrange, "orange"],
  orangeNum: [at(80, 320), NODES.mulOrange, "oranges"],
  applePrice: [NODES.mulApple, NODES.add, ""],
  orangePrice: [NODES.mulOrange, NODES.add, ""],
  allPrice: [NODES.add, NODES.mulTax, ""],
  tax: [at(470, 330), NODES.mulTax, "tax"],
  price: [NODES.mulTax, at(740, 175), "price"],
};
// Known before any step: the inputs forward, dprice = 1 backward.
const INPUT_EDGES: Edge[] = ["apple", "appleNum", "orange", "orangeNum", "tax"];

let purchase: Purchase = { ...BOOK_PURCHASE };
let step = 0; // how many of STEPS have run

function element<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function draw(): void {
  const values = applesAndOranges(purchase);
  const shownForward = new Set<Edge>(INPUT_EDGES);
  const shownBackward = new Set<Edge>(["price"]);
  for (const s of STEPS.slice(0, step)) {
    for (const e of s.edges) {
      (s.direction === "forward" ? shownForward : shownBackward).add(e);
    }
  }
  const active = step > 0 ? STEPS[step - 1].node : undefined;
  const parts: SVGElement[] = [];
  for (const edge of EDGES) {
    const [a, b, name] = LINES[edge];
    const g = element("g", { class: "edge", id: `edge-${edge}` });
    g.append(element("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y }));
    const mx = a.x + 0.45 * (b.x - a.x), my = a.y + 0.45 * (b.y - a.y);
    // An input's name left of where its line starts; the price's above.
    const label: Record<string, string | number> = edge === "price"
      ? { x: b.x - 40, y: b.y - 8 }
      : { x: a.x - 6, y: a.y + 5, "text-anchor": "end" };
    if (name) g.append(element("text", label, name));
    const f = shownForward.has(edge) ? show(values.forward[edge]) : "";
    const d = shownBackward.has(edge) ? show(values.backward[edge]) : "";
    g.append(element("text", { x: mx - 10, y: my - 8, class: "forward" }, f));
    g.append(element("text", { x: mx - 10, y: my + 20, class: "backward" }, d));
    g.dataset.forward = f;
    g.dataset.backward = d;
    parts.push(g);
  }
  for (const [id, n] of Object.entries(NODES)) {
    const g = element("g", {
      class: `node${id === active ? " active" : ""}`,
      id: `node-${id}`,
    });
    g.append(element("circle", { cx: n.x, cy: n.y, r: 24 }));
    g.append(element("text", { x: n.x - 6, y: n.y + 6 }, n.label));
    parts.push(g);
  }
  svg.replaceChildren(...parts);
  const s = step > 0 ? STEPS[step - 1] : undefined;
  status.textContent = s
    ? `step ${step}/${STEPS.length}: ${s.direction} through ${s.node}`
    : `step 0/${STEPS.length}: the inputs`;
  document.body.dataset.step = String(step);
}

for (const key of Object.keys(BOOK_PURCHASE) as (keyof Purchase)[]) {
  const input = document.getElementById(key) as HTMLInputElement;
  input.value = String(BOOK_PURCHASE[key]);
  input.addEventListener("input", () => {
    const v = input.valueAsNumber;
    if (!Number.isFinite(v)) {
      // A half-typed or empty number: the graph keeps the last one, and
      // says so.
      status.textContent = `${
        input.labels?.[0]?.textContent?.trim()
      }: expected a number; the graph keeps ${show(purchase[key])}`;
      return;
    }
    purchase = { ...purchase, [key]: v };
    draw();
  });
}
const go = (to: number) => {
  step = Math.max(0, Math.min(STEPS.length, to));
  draw();
};
document.getElementById("next")!.onclick = () => go(step + 1);
document.getElementById("back")!.onclick = () => go(step - 1);
document.getElementById("all")!.onclick = () => go(STEPS.length);
draw();
document.body.dataset.ready = "true";
