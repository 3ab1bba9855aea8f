// The book's ch05/buy_apple.py (§5.4.1): two apples at 100 with 10 % tax,
// forward then backward through two MulLayers.
//
// Run: deno run examples/ch05/buy_apple.ts

import { MulLayer } from "./layer_naive.ts";

const apple = 100;
const appleNum = 2;
const tax = 1.1;

const mulAppleLayer = new MulLayer();
const mulTaxLayer = new MulLayer();

// forward
const applePrice = mulAppleLayer.forward(apple, appleNum);
const price = mulTaxLayer.forward(applePrice, tax);

// backward
const dprice = 1;
const [dapplePrice, dtax] = mulTaxLayer.backward(dprice);
const [dapple, dappleNum] = mulAppleLayer.backward(dapplePrice);

console.log("price:", Math.trunc(price));
console.log("dApple:", dapple);
console.log("dApple_num:", Math.trunc(dappleNum));
console.log("dTax:", dtax);
