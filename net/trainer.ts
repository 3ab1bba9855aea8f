/**
 * The book's `common/trainer.py`: minibatch training of a network, with the
 * loss of every iteration and the train and test accuracy once per epoch.
 * Library code: it runs wherever the nets do (Deno, Node, a browser Worker).
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import { gatherLabels, type Labels } from "../layers/labels.ts";
import { createOptimizer } from "../optim/by_name.ts";
import type { Optimizer } from "../optim/optimizer.ts";
import type { Network, SampleSet } from "./network.ts";
import { rowsOf } from "./batch.ts";

/** Options of {@linkcode Trainer}, with the book's defaults. */
export interface TrainerOptions {
  /** Epochs of train-size / batch-size iterations each (default 20). */
  epochs?: number;
  /** Or: the number of iterations, which then wins over `epochs` (default: none, `epochs` decides). */
  iterations?: number;
  /** Samples per minibatch, drawn with replacement (default 100). */
  batchSize?: number;
  /**
   * An optimizer, or its name (`"sgd"` (default), `"momentum"`,
   * `"nesterov"`, `"adagrad"`, `"rmsprop"`, `"adam"`, any case).
   */
  optimizer?: Optimizer | string;
  /** With a name: the optimizer's parameters (default `{ lr: 0.01 }`). */
  optimizerParams?: Record<string, number>;
  /**
   * Per epoch, the accuracy on the first this many training and test
   * samples (the book's `evaluate_sample_num_per_epoch`; default: all).
   */
  evalSamples?: number;
  /** The generator of the minibatches (default `new Rng(0)`). */
  rng?: Rng;
  /** Called after every iteration with its number (from 0) and the loss (default: none). */
  onIteration?: (iteration: number, loss: number) => void;
  /** Called after every evaluation (default: none). */
  onEpoch?: (record: EpochRecord) => void;
}

/** One evaluation, at the end of an epoch's first iteration as the book's. */
export interface EpochRecord {
  /** The epoch, from 0 (the first evaluation comes after iteration 0). */
  epoch: number;
  /** The iteration it was taken after. */
  iter: number;
  /** Accuracy on (the first `evalSamples` of) the training set. */
  trainAcc: number;
  /** Accuracy on (the first `evalSamples` of) the test set. */
  testAcc: number;
}

/**
 * Thrown when a batch's loss is NaN or ±∞: the run has diverged (a learning
 * rate too high, most often), and every later number would be NaN too.
 */
export class DivergenceError extends RangeError {
  /** The iteration whose loss was not finite (from 0). */
  readonly iteration: number;
  /** That loss. */
  readonly loss: number;

  /** The error for `loss` at `iteration`. */
  constructor(iteration: number, loss: number) {
    super(
      `Trainer: the loss became ${loss} at iteration ${
        iteration + 1
      }: training diverged (try a lower learning rate)`,
    );
    this.name = "DivergenceError";
    this.iteration = iteration;
    this.loss = loss;
  }
}

/**
 * Trains `network` on minibatches of the training set: each iteration
 * draws `batchSize` samples with replacement (the book's
 * `np.random.choice(train_size, batch_size)`), computes `gradient`, and
 * lets the optimizer update `params` in place; once per epoch (after its
 * first iteration, as the book's `current_iter % iter_per_epoch == 0`) it
 * records the train and test accuracy.
 *
 * The loss recorded per iteration is the batch's loss from the gradient's
 * own forward pass, i.e. before the step (the book calls `loss()` again
 * after the step: a whole extra forward pass for a curve that looks the
 * same).
 *
 * Samples come as a `Matrix` (one per row) or a `SampleSet` such as an
 * `ImageSet` (gathered batch by batch by the network's kernels, into their
 * memory); labels as class indices or one-hot rows.
 *
 * @example
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { Trainer, TwoLayerNet } from "@dlfs/nn/net";
 *
 * const rng = new Rng(0);
 * const x = new Matrix(200, 4, Float64Array.from({ length: 800 }, () => rng.uniform()));
 * const t = Array.from({ length: 200 }, (_, i) => (x.get(i, 0) > x.get(i, 1) ? 1 : 0));
 * const net = new TwoLayerNet(4, 8, 2, { rng, weightInitStd: 0.5 });
 * const trainer = new Trainer(net, x, t, x, t, { epochs: 10, batchSize: 20, optimizerParams: { lr: 0.5 } });
 * const { testAcc } = trainer.train();
 * console.log(trainer.trainLossList.length, testAcc > 0.8); // 100 true
 * ```
 */
export class Trainer {
  /** The network being trained. */
  readonly network: Network;
  /** The optimizer updating its parameters. */
  readonly optimizer: Optimizer;
  /** Iterations in all. */
  readonly maxIter: number;
  /** Iterations per epoch: train-size / batch-size (at least 1). */
  readonly iterPerEpoch: number;
  /** Samples per minibatch. */
  readonly batchSize: number;
  /** The loss of every iteration so far (the book's `train_loss_list`). */
  readonly trainLossList: number[] = [];
  /** Training accuracy per epoch (the book's `train_acc_list`). */
  readonly trainAccList: number[] = [];
  /** Test accuracy per epoch (the book's `test_acc_list`). */
  readonly testAccList: number[] = [];
  /** Every evaluation, with the iteration it came after. */
  readonly epochs: EpochRecord[] = [];
  #x: Matrix | SampleSet;
  #t: Labels;
  #xTest: Matrix | SampleSet;
  #tTest: Labels;
  #count: number; // training samples
  #evalSamples?: number;
  #rng: Rng;
  #options: TrainerOptions;
  #iter = 0;
  #stopped = false;
  #indices: Int32Array;
  #x1?: Matrix; // the minibatch, in the kernels' memory
  #t1?: Int32Array | Matrix; // its labels

  /**
   * Sets up a run; nothing is computed until `step` or `train`.
   *
   * @param options see {@linkcode TrainerOptions} (default `{}`: the book's
   * defaults, each listed there)
   * @throws {RangeError} for counts that are not positive integers, sets
   * whose samples do not fit the network, or labels that do not fit the
   * sets; an unknown optimizer name.
   */
  constructor(
    network: Network,
    xTrain: Matrix | SampleSet,
    tTrain: Labels,
    xTest: Matrix | SampleSet,
    tTest: Labels,
    options: TrainerOptions = {},
  ) {
    const where = "Trainer";
    this.network = network;
    this.#x = xTrain;
    this.#t = tTrain;
    this.#xTest = xTest;
    this.#tTest = tTest;
    this.#options = options;
    this.#count = checkSet(where, "xTrain", xTrain, tTrain, network.inputSize);
    checkSet(where, "xTest", xTest, tTest, network.inputSize);
    const { batchSize = 100, epochs = 20, evalSamples } = options;
    checkCount(where, "batchSize", batchSize);
    checkCount(where, "epochs", epochs, true);
    if (evalSamples !== undefined) {
      checkCount(where, "evalSamples", evalSamples);
    }
    this.batchSize = batchSize;
    this.#evalSamples = evalSamples;
    this.iterPerEpoch = Math.max(Math.floor(this.#count / batchSize), 1);
    const iterations = options.iterations ?? epochs * this.iterPerEpoch;
    checkCount(where, "iterations", iterations, true);
    this.maxIter = iterations;
    const optimizer = options.optimizer ?? "sgd";
    this.optimizer = typeof optimizer === "string"
      ? createOptimizer(optimizer, options.optimizerParams ?? { lr: 0.01 })
      : optimizer;
    this.#rng = options.rng ?? new Rng(0);
    this.#indices = new Int32Array(batchSize);
  }

  /** Iterations done so far. */
  get iteration(): number {
    return this.#iter;
  }

  /**
   * One iteration (the book's `train_step`): a minibatch, its gradient,
   * the update, and at an epoch's first iteration the evaluation. Returns
   * the batch's loss.
   *
   * @throws {DivergenceError} if the loss is NaN or ±∞.
   */
  step(): number {
    const net = this.network, i = this.#iter, indices = this.#indices;
    this.#rng.choice(this.#count, indices.length, indices); // with replacement
    const x = this.#batch(indices);
    this.#t1 = gatherLabels(this.#t, indices, this.#t1);
    const grads = net.gradient(x, this.#t1);
    const loss = net.lastLayer.loss; // the gradient's forward: before the step
    if (!Number.isFinite(loss)) throw new DivergenceError(i, loss);
    this.optimizer.update(net.params, grads); // W ← W − lr·∂L/∂W, in place
    this.trainLossList.push(loss);
    this.#iter++;
    this.#options.onIteration?.(i, loss);
    if (i % this.iterPerEpoch === 0) {
      const record = {
        epoch: i / this.iterPerEpoch,
        iter: i,
        trainAcc: this.evaluate(this.#x, this.#t, this.#evalSamples),
        testAcc: this.evaluate(this.#xTest, this.#tTest, this.#evalSamples),
      };
      this.epochs.push(record);
      this.trainAccList.push(record.trainAcc);
      this.testAccList.push(record.testAcc);
      this.#options.onEpoch?.(record);
    }
    return loss;
  }

  /**
   * The remaining iterations, then the final accuracy: on (the first
   * `evalSamples` of) the training set, and on the whole test set.
   * Returns early, after the iteration in progress, once `stop()` is
   * called.
   *
   * @throws {DivergenceError} if a loss is NaN or ±∞.
   */
  train(): { trainAcc: number; testAcc: number } {
    this.#stopped = false;
    while (this.#iter < this.maxIter && !this.#stopped) this.step();
    return this.result();
  }

  /**
   * The final accuracy, as `train()` ends with it: on (the first
   * `evalSamples` of) the training set, and on the whole test set.
   */
  result(): { trainAcc: number; testAcc: number } {
    return {
      trainAcc: this.evaluate(this.#x, this.#t, this.#evalSamples),
      testAcc: this.evaluate(this.#xTest, this.#tTest),
    };
  }

  /**
   * `train()`, letting the event loop run every `yieldEvery` iterations
   * (default 100): signal handlers, timers and messages get their turn, so
   * that a Ctrl-C handler or a page's "pause" button can call `stop()`.
   * The same iterations and numbers as `train()`.
   *
   * @throws {DivergenceError} if a loss is NaN or ±∞.
   */
  async trainAsync(
    yieldEvery = 100,
  ): Promise<{ trainAcc: number; testAcc: number }> {
    checkCount("Trainer.trainAsync()", "yieldEvery", yieldEvery);
    this.#stopped = false;
    while (this.#iter < this.maxIter && !this.#stopped) {
      this.step();
      if (this.#iter % yieldEvery === 0) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    return this.result();
  }

  /** Whether `stop()` ended the last `train()` before `maxIter`. */
  get stopped(): boolean {
    return this.#stopped && this.#iter < this.maxIter;
  }

  /** Makes `train()` return after the iteration in progress. */
  stop(): void {
    this.#stopped = true;
  }

  /** The network's accuracy on the first `limit` samples of a set (default all). */
  evaluate(x: Matrix | SampleSet, t: Labels, limit?: number): number {
    const count = x instanceof Matrix ? x.rows : x.count;
    const n = Math.min(limit ?? count, count);
    if (n === count) return this.network.accuracy(x, t);
    return this.network.accuracy(head(x, n), headLabels(t, n));
  }

  /** The samples at `indices`, gathered by the network's kernels. */
  #batch(indices: Int32Array): Matrix {
    const x = this.#x, set = x instanceof Matrix ? rowsOf(x) : x;
    return this.#x1 = set.batch(indices, this.#x1, this.network.kernels);
  }
}

/** The first n samples of a set, without copying them. */
function head(x: Matrix | SampleSet, n: number): Matrix | SampleSet {
  if (x instanceof Matrix) {
    return new Matrix(n, x.cols, x.data.subarray(0, n * x.cols));
  }
  return {
    count: n,
    sampleSize: x.sampleSize,
    batch: (indices, out, kernels) => x.batch(indices, out, kernels),
  };
}

/** The first n labels. */
function headLabels(t: Labels, n: number): Labels {
  if (t instanceof Matrix) {
    return new Matrix(n, t.cols, t.data.subarray(0, n * t.cols));
  }
  return Array.prototype.slice.call(t, 0, n) as number[];
}

/** Throws unless `value` is an integer ≥ 1 (≥ 0 with `zeroOk`). */
function checkCount(
  where: string,
  name: string,
  value: number,
  zeroOk = false,
): void {
  if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new RangeError(
      `${where}: expected ${name} to be an integer ≥ ${
        zeroOk ? 0 : 1
      } but found ${value}`,
    );
  }
}

/** Checks a set and its labels; returns the number of samples. */
function checkSet(
  where: string,
  name: string,
  x: Matrix | SampleSet,
  t: Labels,
  inputSize: number,
): number {
  const [count, size] = x instanceof Matrix
    ? [x.rows, x.cols]
    : [x?.count, x?.sampleSize];
  if (!(Number.isInteger(count) && count > 0 && size === inputSize)) {
    throw new RangeError(
      `${where}: expected ${name} to hold samples of ${inputSize} values (the network's input) but found ${count} of ${size}`,
    );
  }
  const labels = t instanceof Matrix ? t.rows : t?.length;
  if (labels !== count) {
    throw new RangeError(
      `${where}: expected ${count} labels for ${name} but found ${labels}`,
    );
  }
  return count;
}
