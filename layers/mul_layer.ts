/**
 * The multiplication node of the chapter's computational graph, on scalars
 * (section 5.4.1, "Multiplication layer"; the book's `ch05/layer_naive.py`).
 *
 * @module
 */

/**
 * out = x · y. Backward swaps the inputs: ∂out/∂x = y and ∂out/∂y = x.
 *
 * @example The book's apple-and-orange shopping (figure 5-17)
 * ```ts
 * import { assert } from "@std/assert";
 * import { AddLayer, MulLayer } from "@dlfs/nn/layers";
 *
 * const apple = 100, appleNum = 2, orange = 150, orangeNum = 3, tax = 1.1;
 * const mulApple = new MulLayer(), mulOrange = new MulLayer();
 * const addFruit = new AddLayer(), mulTax = new MulLayer();
 *
 * // forward
 * const applePrice = mulApple.forward(apple, appleNum); // 200
 * const orangePrice = mulOrange.forward(orange, orangeNum); // 450
 * const allPrice = addFruit.forward(applePrice, orangePrice); // 650
 * const price = mulTax.forward(allPrice, tax); // 715.0000000000001
 *
 * // backward
 * const [dAllPrice, dTax] = mulTax.backward(1); // 1.1, 650
 * const [dApplePrice, dOrangePrice] = addFruit.backward(dAllPrice); // 1.1, 1.1
 * const [dOrange, dOrangeNum] = mulOrange.backward(dOrangePrice); // 3.3, 165
 * const [dApple, dAppleNum] = mulApple.backward(dApplePrice); // 2.2, 110
 *
 * console.log(price, dAppleNum, dApple, dOrange, dOrangeNum, dTax);
 * assert(Math.round(price) === 715 && dTax === 650);
 * assert(Math.abs(dApple - 2.2) < 1e-12 && Math.abs(dOrangeNum - 165) < 1e-12);
 * ```
 */
export class MulLayer {
  #x = NaN;
  #y = NaN;

  /** Returns x · y and remembers both for `backward`. */
  forward(x: number, y: number): number {
    this.#x = x;
    this.#y = y;
    return x * y;
  }

  /**
   * Returns [∂L/∂x, ∂L/∂y] = [dout · y, dout · x].
   *
   * @throws {Error} if called before `forward`.
   */
  backward(dout: number): [dx: number, dy: number] {
    if (Number.isNaN(this.#x)) {
      throw new Error("MulLayer.backward(): called before forward()");
    }
    const dx = dout * this.#y; // ∂(x·y)/∂x = y
    const dy = dout * this.#x; // ∂(x·y)/∂y = x
    return [dx, dy];
  }
}
