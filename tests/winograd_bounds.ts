// Winograd's F(m×m, 3×3) over absolute values: the scales of the bound on
// the SIMD Winograd convolution's rounding (tests/simd_conv_test.ts,
// tests/float32_test.ts).
import { type ImageShape, Matrix } from "../core/mod.ts";
import { winogradSide } from "../core/simd/convolution.ts";

/**
 * Winograd's F(m×m, 3×3) matrices as the paper (Lavin and Gray, 2015)
 * gives them: Bᵀ (α×α), G (α×3), Aᵀ (m×α), α = m + 2, restated here
 * apart from the kernels' code (`VARIANTS` in winograd_codegen.ts).
 */
const WINOGRAD: Record<
  2 | 4,
  { BT: number[][]; G: number[][]; AT: number[][] }
> = {
  2: {
    BT: [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
    G: [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]],
    AT: [[1, 1, 1, 0], [0, 1, -1, -1]],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
};

/** |P| |X| |Q|ᵀ for small matrices (rows of P × rows of Q). */
function absSandwich(P: number[][], X: number[][], Q: number[][]): number[][] {
  const out: number[][] = [];
  for (const p of P) {
    const row: number[] = [];
    for (const q of Q) {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        if (p[i] === 0) continue;
        let t = 0;
        for (let j = 0; j < q.length; j++) t += Math.abs(X[i][j] * q[j]);
        s += Math.abs(p[i]) * t;
      }
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/**
 * Per output of the convolution of x (N × C·H·W) by W (FN × C·9), pad
 * `pad`: F(m×m, 3×3)'s computation over absolute values, Σ_c |Aᵀ| (|G| |g|
 * |G|ᵀ ⊙ |Bᵀ| |d| |B|ᵀ) |A|, + |b|. It bounds every intermediate the
 * kernels round (entry by entry), and the sum of |products| of the
 * direct convolution too (the coefficients of each d·g sum to 1 with
 * signs, so to at least 1 without).
 */
function winogradMagnitude(
  x: Matrix,
  [c, h, w]: ImageShape,
  W: Matrix,
  b: Matrix | undefined,
  pad: number,
): Matrix {
  const n = x.rows, fn = W.rows, oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const m = winogradSide(oh, ow), { BT, G, AT } = WINOGRAD[m];
  const alpha = m + 2;
  const U = Array.from(
    { length: fn * c },
    (_, fc) =>
      absSandwich(
        G,
        [0, 1, 2].map((i) => [0, 1, 2].map((j) => W.data[fc * 9 + 3 * i + j])),
        G,
      ),
  );
  const out = new Matrix(n, fn * oh * ow);
  for (let i = 0; i < n; i++) {
    for (let ty = 0; ty < oh / m; ty++) { // the last tiles past the edge too
      for (let tx = 0; tx < ow / m; tx++) {
        const V = Array.from({ length: c }, (_, ch) => {
          const d = Array.from(
            { length: alpha },
            (_, r) =>
              Array.from({ length: alpha }, (_, s) => {
                const y = m * ty + r - pad, xx = m * tx + s - pad;
                return y < 0 || y >= h || xx < 0 || xx >= w
                  ? 0
                  : x.data[((i * c + ch) * h + y) * w + xx];
              }),
          );
          return absSandwich(BT, d, BT);
        });
        for (let f = 0; f < fn; f++) {
          const P = Array.from(
            { length: alpha },
            (_, a) =>
              Array.from({ length: alpha }, (_, bb) => {
                let s = 0;
                for (let ch = 0; ch < c; ch++) {
                  s += U[f * c + ch][a][bb] * V[ch][a][bb];
                }
                return s;
              }),
          );
          const Y = absSandwich(AT, P, AT);
          for (let r = 0; r < Math.min(m, oh - m * ty); r++) {
            for (let s = 0; s < Math.min(m, ow - m * tx); s++) {
              out.data[((i * fn + f) * oh + m * ty + r) * ow + m * tx + s] =
                Y[r][s] +
                (b ? Math.abs(b.data[f]) : 0);
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Per element of dW: F(m×m, 3×3)'s filter gradient over absolute values,
 * |G|ᵀ (Σ over images and tiles of |A| |dY| |A|ᵀ ⊙ |Bᵀ| |d| |B|ᵀ) |G|.
 */
function winogradGradMagnitude(
  x: Matrix,
  [c, h, w]: ImageShape,
  dout: Matrix,
  fn: number,
  pad: number,
): Matrix {
  const n = x.rows, oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const m = winogradSide(oh, ow), { BT, G, AT } = WINOGRAD[m];
  const alpha = m + 2;
  const A = AT[0].map((_, a) => AT.map((row) => row[a])); // α×m
  const GT = G[0].map((_, j) => G.map((row) => row[j])); // 3×α
  const D = Array.from(
    { length: fn * c },
    () => Array.from({ length: alpha }, () => new Array<number>(alpha).fill(0)),
  );
  for (let i = 0; i < n; i++) {
    for (let ty = 0; ty < oh / m; ty++) {
      for (let tx = 0; tx < ow / m; tx++) {
        const V = Array.from(
          { length: c },
          (_, ch) =>
            absSandwich(
              BT,
              Array.from({ length: alpha }, (_, r) =>
                Array.from({ length: alpha }, (_, s) => {
                  const y = m * ty + r - pad, xx = m * tx + s - pad;
                  return y < 0 || y >= h || xx < 0 || xx >= w
                    ? 0
                    : x.data[((i * c + ch) * h + y) * w + xx];
                })),
              BT,
            ),
        );
        for (let f = 0; f < fn; f++) {
          const dY = Array.from(
            { length: m },
            (_, r) =>
              Array.from(
                { length: m },
                (_, s) =>
                  m * ty + r >= oh || m * tx + s >= ow ? 0 : dout
                    .data[((i * fn + f) * oh + m * ty + r) * ow + m * tx + s],
              ),
          );
          const M = absSandwich(A, dY, A);
          for (let ch = 0; ch < c; ch++) {
            for (let a = 0; a < alpha; a++) {
              for (let bb = 0; bb < alpha; bb++) {
                D[f * c + ch][a][bb] += M[a][bb] * V[ch][a][bb];
              }
            }
          }
        }
      }
    }
  }
  const dW = new Matrix(fn, c * 9);
  D.forEach((d, fc) => {
    absSandwich(GT, d, GT).forEach((row, i) =>
      row.forEach((v, j) => dW.data[fc * 9 + 3 * i + j] = v)
    );
  });
  return dW;
}

/**
 * The Winograd convolution's magnitudes (`winogradMagnitude`) for out, dx
 * (dout convolved with the filters turned 180°, channels and filters
 * swapped, pad 2 − pad) and dW. The kernels round each 1D transform at
 * most 3 times deep (× 4 and × 8 exact, × 5 once, two adds), G's entries
 * and U's sums ⅙-inexact at most 4 deep a stage, then the sum over C (or
 * the tiles T of the batch, and the two halves): out and dx are off by
 * at most γ(C + 20)·magnitude, dW by γ(T + 23)·magnitude; the im2col
 * kernels by γ(terms) times the direct |products|, which the magnitude
 * bounds. So their difference is within 2γ(terms + C + 21), 2γ(terms + T +
 * 23) of the magnitudes.
 */
export function winogradScales(
  [x, W, b, dout]: Matrix[],
  [c, h, w]: ImageShape,
  pad: number,
): { out: Matrix; dx: Matrix; dW: Matrix } {
  const fn = W.rows, oh = h + 2 * pad - 2, ow = w + 2 * pad - 2;
  const turned = new Matrix(c, fn * 9); // W'[ch][f] = W[f][ch] turned 180°
  for (let f = 0; f < fn; f++) {
    for (let ch = 0; ch < c; ch++) {
      for (let k = 0; k < 9; k++) {
        turned.data[(ch * fn + f) * 9 + 8 - k] = W.data[(f * c + ch) * 9 + k];
      }
    }
  }
  return {
    out: winogradMagnitude(x, [c, h, w], W, b, pad),
    dx: winogradMagnitude(dout, [fn, oh, ow], turned, undefined, 2 - pad),
    dW: winogradGradMagnitude(x, [c, h, w], dout, fn, pad),
  };
}
