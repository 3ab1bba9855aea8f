/**
 * Turning a drawing into an MNIST-like input, in the way the MNIST digits
 * were made: the ink's bounding box scaled so its longer side is 20 pixels,
 * placed in a 28×28 image so that its centre of mass is at the centre, values
 * in [0, 1] (ink 1, background 0). Pure: grey levels in, 784 values out.
 *
 * @module
 */

/**
 * MNIST-style 28×28 input from a `size × size` grey image (row-major, 0 =
 * background, 1 = full ink). Area-averaged resampling, so thin strokes turn
 * into grey edges as in MNIST. All zeros when nothing is drawn.
 *
 * @example
 * ```ts
 * import { toMnist } from "./preprocess.ts";
 *
 * const size = 100, grey = new Float64Array(size * size);
 * for (let y = 20; y < 80; y++) for (let x = 45; x < 55; x++) grey[y * size + x] = 1; // a "1"
 * const x = toMnist(grey, size);
 * console.log(x.length, Math.max(...x)); // 784 1
 * ```
 */
export function toMnist(grey: ArrayLike<number>, size: number): Float64Array {
  const out = new Float64Array(784);
  // The ink's bounding box.
  let x0 = size, y0 = size, x1 = -1, y1 = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (grey[y * size + x] > 0.05) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return out;
  const w = x1 - x0 + 1, h = y1 - y0 + 1, scale = 20 / Math.max(w, h);
  // Resample the box into a 20×20 (at most) patch by averaging the source
  // pixels that fall in each target pixel.
  const pw = Math.max(1, Math.round(w * scale)),
    ph = Math.max(1, Math.round(h * scale));
  const patch = new Float64Array(pw * ph);
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      const sx0 = x0 + px / scale, sx1 = x0 + (px + 1) / scale;
      const sy0 = y0 + py / scale, sy1 = y0 + (py + 1) / scale;
      let sum = 0, n = 0;
      for (let sy = Math.floor(sy0); sy < Math.ceil(sy1); sy++) {
        for (let sx = Math.floor(sx0); sx < Math.ceil(sx1); sx++) {
          if (sx > x1 || sy > y1) continue;
          sum += grey[sy * size + sx];
          n++;
        }
      }
      patch[py * pw + px] = n > 0 ? sum / n : 0;
    }
  }
  // Centre of mass of the patch, moved to (14, 14).
  let mass = 0, cx = 0, cy = 0;
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      const v = patch[py * pw + px];
      mass += v;
      cx += v * (px + 0.5);
      cy += v * (py + 0.5);
    }
  }
  const ox = Math.round(14 - cx / mass), oy = Math.round(14 - cy / mass);
  for (let py = 0; py < ph; py++) {
    for (let px = 0; px < pw; px++) {
      const tx = px + ox, ty = py + oy;
      if (tx >= 0 && tx < 28 && ty >= 0 && ty < 28) {
        out[ty * 28 + tx] = Math.min(1, patch[py * pw + px]);
      }
    }
  }
  return out;
}

/**
 * Softmax of one row of scores: the probabilities the demo shows.
 *
 * @example
 * ```ts
 * import { softmax } from "./preprocess.ts";
 *
 * console.log(softmax([0, 0])); // [0.5, 0.5]
 * ```
 */
export function softmax(scores: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]);
  const e = Array.from(scores, (s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}
