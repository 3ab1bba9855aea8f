/**
 * The addition node of the chapter's computational graph, on scalars
 * (section 5.4.2, "Addition layer"; the book's `ch05/layer_naive.py`).
 *
 * @module
 */

/**
 * out = x + y. Backward passes `dout` to both inputs unchanged.
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { AddLayer } from "@dlfs/nn/layers";
 *
 * const add = new AddLayer();
 * assert(add.forward(200, 450) === 650);
 * const [dx, dy] = add.backward(1.1);
 * assert(dx === 1.1 && dy === 1.1);
 * ```
 */
export class AddLayer {
  /** Returns x + y (nothing to remember: the derivative is 1 for both). */
  forward(x: number, y: number): number {
    return x + y;
  }

  /** Returns [∂L/∂x, ∂L/∂y] = [dout, dout]. */
  backward(dout: number): [dx: number, dy: number] {
    return [dout, dout];
  }
}
