// The chapter's apple-and-orange graph (Saitoh §5.4, figure 5-17) computed
// with the library's own MulLayer and AddLayer: the values on its edges,
// forward and backward, and the order in which the page shows them. No DOM:
// the page (web/graph.ts) draws it, the tests check it.

import { AddLayer } from "../layers/add_layer.ts";
import { MulLayer } from "../layers/mul_layer.ts";

/** The graph's inputs: prices, counts and the tax rate (1.1 = 10 %). */
export interface Purchase {
  apple: number;
  appleNum: number;
  orange: number;
  orangeNum: number;
  tax: number;
}

/** The book's example: two apples at 100, three oranges at 150, 10 % tax. */
export const BOOK_PURCHASE: Purchase = {
  apple: 100,
  appleNum: 2,
  orange: 150,
  orangeNum: 3,
  tax: 1.1,
};

/** The edges, named by the value they carry. */
export const EDGES = [
  "apple",
  "appleNum",
  "orange",
  "orangeNum",
  "applePrice",
  "orangePrice",
  "allPrice",
  "tax",
  "price",
] as const;
export type Edge = (typeof EDGES)[number];

/** One step of the page: which node runs, and the edges it writes. */
export interface Step {
  node: "mulApple" | "mulOrange" | "add" | "mulTax";
  direction: "forward" | "backward";
  edges: Edge[];
}

/** Forward left to right, then backward right to left, a node at a time. */
export const STEPS: readonly Step[] = [
  { node: "mulApple", direction: "forward", edges: ["applePrice"] },
  { node: "mulOrange", direction: "forward", edges: ["orangePrice"] },
  { node: "add", direction: "forward", edges: ["allPrice"] },
  { node: "mulTax", direction: "forward", edges: ["price"] },
  { node: "mulTax", direction: "backward", edges: ["allPrice", "tax"] },
  { node: "add", direction: "backward", edges: ["applePrice", "orangePrice"] },
  { node: "mulOrange", direction: "backward", edges: ["orange", "orangeNum"] },
  { node: "mulApple", direction: "backward", edges: ["apple", "appleNum"] },
];

/** Every edge's forward value and its derivative of the price. */
export interface GraphValues {
  forward: Record<Edge, number>;
  backward: Record<Edge, number>;
}

/**
 * Runs the graph as the book's buy_apple_orange.py does: forward through
 * the four layers, then backward from dprice = 1.
 */
export function applesAndOranges(p: Purchase): GraphValues {
  const mulApple = new MulLayer(), mulOrange = new MulLayer();
  const add = new AddLayer(), mulTax = new MulLayer();
  const applePrice = mulApple.forward(p.apple, p.appleNum);
  const orangePrice = mulOrange.forward(p.orange, p.orangeNum);
  const allPrice = add.forward(applePrice, orangePrice);
  const price = mulTax.forward(allPrice, p.tax);

  const dprice = 1;
  const [dallPrice, dtax] = mulTax.backward(dprice);
  const [dapplePrice, dorangePrice] = add.backward(dallPrice);
  const [dorange, dorangeNum] = mulOrange.backward(dorangePrice);
  const [dapple, dappleNum] = mulApple.backward(dapplePrice);
  return {
    forward: {
      apple: p.apple,
      appleNum: p.appleNum,
      orange: p.orange,
      orangeNum: p.orangeNum,
      applePrice,
      orangePrice,
      allPrice,
      tax: p.tax,
      price,
    },
    backward: {
      apple: dapple,
      appleNum: dappleNum,
      orange: dorange,
      orangeNum: dorangeNum,
      applePrice: dapplePrice,
      orangePrice: dorangePrice,
      allPrice: dallPrice,
      tax: dtax,
      price: dprice,
    },
  };
}

/**
 * A value as the book prints it, without float noise: 715, 2.2, 110; in
 * exponent form from 1e9 (so an edge's label stays short), ∞ for infinity.
 */
export function show(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "∞" : "−∞";
  if (Math.abs(v) >= 1e9) return v.toExponential(3).replace("e+", "e");
  return String(Number(v.toPrecision(12)));
}
