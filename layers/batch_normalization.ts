/**
 * Batch normalization (Ioffe & Szegedy 2015), the book's
 * `BatchNormalization` (section 6.3, "Batch Normalization";
 * `common/layers.py`).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";
import { assertMatrix, type Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { TS_KERNELS } from "../core/ts_kernels.ts";
import type { Layer, Param } from "./layer.ts";

/** The book's ε inside the square root: `10e-7`, i.e. 1e-6. */
export const BATCH_NORM_EPSILON = 1e-6;

/** Options of {@linkcode BatchNormalization}. */
export interface BatchNormalizationOptions {
  /** How much of the running mean and variance is kept per batch (default 0.9). */
  momentum?: number;
  /**
   * Kernels whose memory the layer's buffers come from (e.g. the net's
   * `SimdKernels`, so that the next layer's products read them in place;
   * default: the pure-TypeScript kernels).
   */
  kernels?: Kernels;
}

/**
 * Normalises each feature (column) over the batch, then scales and shifts:
 *
 *   μ = mean(x), σ² = mean((x − μ)²), xn = (x − μ) / √(σ² + ε),
 *   out = γ · xn + β
 *
 * In training mode (`forward(x)` or `forward(x, true)`) μ and σ² come from
 * the batch and update the running averages; in test mode
 * (`forward(x, false)`, the book's `train_flg=False`) the running averages
 * are used instead. γ and β are trainable (1×D); the running mean and
 * variance are not parameters but the layer's `state()`. All of them live in
 * the kernels' memory, as every other parameter.
 *
 * @example
 * ```ts
 * import { Matrix } from "@dlfs/nn/core";
 * import { BatchNormalization } from "@dlfs/nn/layers";
 *
 * const bn = new BatchNormalization(Matrix.fromRows([[1, 1]]), Matrix.fromRows([[0, 0]]));
 * const out = bn.forward(Matrix.fromRows([[1, 10], [3, 30]]));
 * console.log(out.toRows()); // ≈ [[-1, -1], [1, 1]]: each column to mean 0, variance 1
 * ```
 */
export class BatchNormalization implements Layer {
  /** Scale, 1×D (trainable, updated in place). */
  readonly gamma: Matrix;
  /** Shift, 1×D (trainable, updated in place). */
  readonly beta: Matrix;
  /** ∂L/∂γ from the last backward, 1×D. */
  readonly dgamma: Matrix;
  /** ∂L/∂β from the last backward, 1×D. */
  readonly dbeta: Matrix;
  /** Running mean used in test mode, 1×D. */
  readonly runningMean: Matrix;
  /** Running variance used in test mode, 1×D. */
  readonly runningVar: Matrix;
  /** Decay of the running averages. */
  readonly momentum: number;
  #xc?: Matrix; // N×D, x − μ
  #xn?: Matrix; // N×D, normalised x
  #std: Matrix; // 1×D, √(σ² + ε) of the last training batch
  #out?: Matrix; // N×D
  #dx?: Matrix; // N×D
  #trainedForward = false; // whether the last forward was in training mode
  #k: Kernels;

  /**
   * Wraps γ and β (1×D each); the running averages start at 0. Its own
   * arrays (gradients, running averages) come from `options.kernels`.
   *
   * @param options see {@linkcode BatchNormalizationOptions} (default `{}`: each
   * option at its default)
   * @throws {RangeError} unless γ and β are 1×D of the same D, and momentum
   * is in [0, 1].
   */
  constructor(
    gamma: Matrix,
    beta: Matrix,
    options: BatchNormalizationOptions = {},
  ) {
    const where = "BatchNormalization";
    checkOptions(where, options, ["momentum", "kernels"]);
    assertMatrix(where, "gamma", gamma);
    assertMatrix(where, "beta", beta);
    if (gamma.rows !== 1 || beta.rows !== 1 || gamma.cols !== beta.cols) {
      throw new RangeError(
        `${where}: expected gamma and beta of shape 1×D but found ${gamma.shape} and ${beta.shape}`,
      );
    }
    const { momentum = 0.9, kernels } = options;
    this.#k = kernels ?? TS_KERNELS;
    if (!(momentum >= 0 && momentum <= 1)) {
      throw new RangeError(
        `${where}: expected momentum in [0, 1] but found ${momentum}`,
      );
    }
    this.gamma = gamma;
    this.beta = beta;
    this.momentum = momentum;
    const row = () => this.#k.buffer(undefined, 1, gamma.cols); // zeros
    this.dgamma = row();
    this.dbeta = row();
    this.runningMean = row();
    this.runningVar = row();
    this.#std = row();
  }

  /**
   * out = γ · xn + β; N×D → N×D, with the batch's statistics when
   * `train` (the default) and the running averages otherwise.
   *
   * @throws {RangeError} if x does not have D columns, or (training) fewer
   * than 2 rows.
   */
  forward(x: Matrix, train = true): Matrix {
    const where = "BatchNormalization.forward()";
    assertMatrix(where, "x", x);
    const n = x.rows, d = this.gamma.cols;
    if (x.cols !== d) {
      throw new RangeError(
        `${where}: expected x with ${d} columns (gamma is ${this.gamma.shape}) but found x of shape ${x.shape}`,
      );
    }
    if (train && n < 2) {
      // One row is its own mean: zero variance, xn = 0 and a zero gradient,
      // so nothing would be learned (PyTorch refuses it too).
      throw new RangeError(
        `${where}: expected a batch of at least 2 rows in training mode (one row has zero variance, nothing to learn) but found x of shape ${x.shape}`,
      );
    }
    const k = this.#k;
    const out = this.#out = k.buffer(this.#out, n, d);
    const xc = this.#xc = k.buffer(this.#xc, n, d);
    const xn = this.#xn = k.buffer(this.#xn, n, d);
    const X = x.data, XC = xc.data, XN = xn.data, O = out.data;
    const G = this.gamma.data, B = this.beta.data;
    const RM = this.runningMean.data,
      RV = this.runningVar.data,
      m = this.momentum,
      S = this.#std.data;
    for (let j = 0; j < d; j++) {
      let mu: number, std: number;
      if (train) {
        mu = 0;
        for (let i = 0; i < n; i++) mu += X[i * d + j];
        mu /= n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (X[i * d + j] - mu) ** 2;
        v /= n;
        std = Math.sqrt(v + BATCH_NORM_EPSILON);
        S[j] = std;
        RM[j] = m * RM[j] + (1 - m) * mu;
        RV[j] = m * RV[j] + (1 - m) * v;
      } else {
        mu = RM[j];
        std = Math.sqrt(RV[j] + BATCH_NORM_EPSILON);
      }
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        XC[k] = X[k] - mu;
        XN[k] = XC[k] / std;
        O[k] = G[j] * XN[k] + B[j];
      }
    }
    this.#trainedForward = train;
    return out;
  }

  /**
   * dx from dout (N×D each), overwriting dgamma and dbeta; the book's
   * derivation through xn, σ and μ of the training batch.
   *
   * @throws {Error} unless the last forward was in training mode.
   * @throws {RangeError} if dout's shape differs from the last x's.
   */
  backward(dout: Matrix): Matrix {
    const where = "BatchNormalization.backward()";
    assertMatrix(where, "dout", dout);
    const xc = this.#xc, xn = this.#xn;
    if (xc === undefined || xn === undefined || !this.#trainedForward) {
      throw new Error(
        `${where}: called without a forward() in training mode before it`,
      );
    }
    if (dout.rows !== xc.rows || dout.cols !== xc.cols) {
      throw new RangeError(
        `${where}: expected dout of shape ${xc.shape} but found ${dout.shape}`,
      );
    }
    const n = xc.rows, d = xc.cols;
    const dx = this.#dx = this.#k.buffer(this.#dx, n, d);
    const D = dout.data,
      XC = xc.data,
      XN = xn.data,
      DX = dx.data,
      G = this.gamma.data;
    for (let j = 0; j < d; j++) {
      const std = this.#std.data[j];
      let dbeta = 0, dgamma = 0, dstd = 0;
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        dbeta += D[k];
        dgamma += XN[k] * D[k];
        dstd -= (G[j] * D[k] * XC[k]) / (std * std); // ∂/∂σ of xc/σ, summed
      }
      this.dbeta.data[j] = dbeta;
      this.dgamma.data[j] = dgamma;
      const dvar = 0.5 * dstd / std; // σ = √(var + ε)
      let dmu = 0;
      for (let i = 0; i < n; i++) {
        const k = i * d + j;
        DX[k] = (G[j] * D[k]) / std + (2 / n) * XC[k] * dvar; // dxc
        dmu += DX[k];
      }
      for (let i = 0; i < n; i++) DX[i * d + j] -= dmu / n; // through μ
    }
    return dx;
  }

  /** [γ, β] with their gradients. */
  params(): Param[] {
    return [
      { name: "gamma", value: this.gamma, grad: this.dgamma },
      { name: "beta", value: this.beta, grad: this.dbeta },
    ];
  }

  /** The running averages test mode uses, saved with the net. */
  state(): Record<string, Matrix> {
    return { running_mean: this.runningMean, running_var: this.runningVar };
  }
}
