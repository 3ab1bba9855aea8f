/**
 * The book's `common/trainer.py`: minibatch training of a network, with the
 * loss of every iteration and the train and test accuracy once per epoch.
 * The one training loop of dlfs: `train()` runs it to the end, `run()` the
 * same loop yielding to the event loop and to its caller (`deno task
 * train`, the train page's Worker). Library code: it runs wherever the nets
 * do (Deno, Node, a browser Worker).
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import { checkOptions, describe } from "../core/options.ts";
import { Rng, type RngState } from "../core/rng.ts";
import { gatherLabels, type Labels } from "../layers/labels.ts";
import { createOptimizer } from "../optim/by_name.ts";
import type { Optimizer, OptimizerState } from "../optim/optimizer.ts";
import { BatchNormalization } from "../layers/batch_normalization.ts";
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

/** The names of {@linkcode TrainerOptions}. */
const TRAINER_OPTIONS = [
  "epochs",
  "iterations",
  "batchSize",
  "optimizer",
  "optimizerParams",
  "evalSamples",
  "rng",
  "onIteration",
  "onEpoch",
];

/**
 * Where a run is, as plain data: with the net's parameters and state (which
 * `saveNet` writes), everything its next iteration depends on. What
 * {@linkcode Trainer.state} returns and {@linkcode Trainer.setState} takes
 * back, so that a run saved and continued ends bit for bit where the run
 * would have ended uninterrupted. `saveNet(net, { training })` writes it
 * into the net's file.
 */
export interface TrainerState {
  /** Iterations done. */
  iteration: number;
  /** Samples per minibatch (a state goes back only into a Trainer of the same). */
  batchSize: number;
  /** Training samples (likewise). */
  trainSize: number;
  /** Per-epoch evaluation on the first this many samples, or null: all (likewise). */
  evalSamples: number | null;
  /** The loss of every iteration so far. */
  trainLossList: number[];
  /** Every evaluation so far. */
  epochs: EpochRecord[];
  /**
   * The generators' states: the Trainer's `rng` (the minibatches) first,
   * then each other generator the net's random layers draw from (Dropout's
   * masks), in layer order; one entry where they are the same generator.
   */
  rngs: RngState[];
  /** The optimizer's (its momenta, squared sums, Adam's step count). */
  optimizer: OptimizerState;
}

/** Options of {@linkcode Trainer.run}. */
export interface TrainRunOptions {
  /** Ends the run after the iteration in progress once aborted (default: none). */
  signal?: AbortSignal;
  /** Yield after every iteration that is a multiple of this (default: none). */
  yieldEvery?: number;
  /** Yield once this many milliseconds have passed since the last yield (default 100). */
  yieldMs?: number;
}

/** Where a run is, as {@linkcode Trainer.run} yields it. */
export interface TrainProgress {
  /** Iterations done. */
  iteration: number;
  /** Iterations in all. */
  maxIter: number;
  /** The losses of the iterations since the last yield. */
  losses: number[];
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
 * const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 8, outputSize: 2, rng, weightInitStd: 0.5 });
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
   * sets; an unknown optimizer name; a `batchSize` of 1 for a net with
   * BatchNormalization (one row has zero variance: nothing to learn).
   * @throws {TypeError} for an option it does not take (naming the
   * nearest), or `optimizerParams` beside an optimizer instance.
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
    checkOptions(where, options, TRAINER_OPTIONS);
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
    const norm = [...network.layers].find(([, layer]) =>
      layer instanceof BatchNormalization
    );
    if (batchSize < 2 && norm !== undefined) {
      throw new RangeError(
        `${where}: expected batchSize ≥ 2 for a net with BatchNormalization (${
          norm[0]
        }: one row has zero variance, nothing to learn) but found ${batchSize}`,
      );
    }
    this.batchSize = batchSize;
    this.#evalSamples = evalSamples;
    this.iterPerEpoch = Math.max(Math.floor(this.#count / batchSize), 1);
    const iterations = options.iterations ?? epochs * this.iterPerEpoch;
    checkCount(where, "iterations", iterations, true);
    this.maxIter = iterations;
    const optimizer = options.optimizer ?? "sgd";
    if (typeof optimizer !== "string" && options.optimizerParams) {
      throw new TypeError(
        `${where}: expected optimizerParams only with an optimizer's name but found them beside ${
          describe(optimizer)
        } (give its options to its constructor)`,
      );
    }
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
    // W ← W − lr·∂L/∂W, in place (in the net's kernels where that runs so)
    this.optimizer.update(net.params, grads, net.kernels);
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
   * `evalSamples` of) the training set, and on the whole test set. With
   * `options.signal`, returns early once it is aborted (after the iteration
   * in progress, e.g. aborted from `onEpoch`).
   *
   * @throws {DivergenceError} if a loss is NaN or ±∞.
   */
  train(options: { signal?: AbortSignal } = {}): {
    trainAcc: number;
    testAcc: number;
  } {
    checkOptions("Trainer.train()", options, ["signal"]);
    for (const _ of this.#loop(options.signal, Infinity, Infinity));
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
   * The remaining iterations as `train()` runs them (the same numbers),
   * pausing now and then to let the event loop run (signal handlers,
   * timers, a Worker's messages) and yield where the run is: after every
   * iteration that is a multiple of `yieldEvery`, once `yieldMs` have
   * passed since the last yield, and after the last. The caller may await
   * anything between yields (a checkpoint, a pause); the run ends early,
   * after the iteration in progress, once `signal` is aborted. The final
   * accuracy is then `result()`.
   *
   * @throws {RangeError} for a `yieldEvery` that is not an integer ≥ 1 or
   * a negative `yieldMs`.
   * @throws {DivergenceError} if a loss is NaN or ±∞.
   *
   * @example Ctrl-C, progress and a pause button, as train.ts and the train page
   * ```ts
   * import { Matrix, Rng } from "@dlfs/nn/core";
   * import { Trainer, TwoLayerNet } from "@dlfs/nn/net";
   *
   * const rng = new Rng(0);
   * const x = new Matrix(100, 4, Float64Array.from({ length: 400 }, () => rng.uniform()));
   * const t = Array.from({ length: 100 }, (_, i) => (x.get(i, 0) > 0.5 ? 1 : 0));
   * const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 8, outputSize: 2, rng });
   * const trainer = new Trainer(net, x, t, x, t, { iterations: 250, batchSize: 10 });
   * const stop = new AbortController(); // e.g. aborted on SIGINT
   * for await (const { iteration, losses } of trainer.run({ signal: stop.signal, yieldEvery: 100 })) {
   *   console.log(iteration, losses.length); // 100 100, 200 100, 250 50
   * }
   * console.log(trainer.result().testAcc > 0.5); // true
   * ```
   */
  async *run(options: TrainRunOptions = {}): AsyncGenerator<TrainProgress> {
    checkOptions("Trainer.run()", options, ["signal", "yieldEvery", "yieldMs"]);
    const { signal, yieldEvery = Infinity, yieldMs = 100 } = options;
    if (yieldEvery !== Infinity) {
      checkCount("Trainer.run()", "yieldEvery", yieldEvery);
    }
    if (!(yieldMs >= 0)) {
      throw new RangeError(
        `Trainer.run(): expected yieldMs to be a number ≥ 0 but found ${yieldMs}`,
      );
    }
    let from = this.#iter;
    for (const iteration of this.#loop(signal, yieldEvery, yieldMs)) {
      await new Promise((resolve) => setTimeout(resolve, 0)); // the event loop's turn
      yield {
        iteration,
        maxIter: this.maxIter,
        losses: this.trainLossList.slice(from, iteration),
      };
      from = iteration;
    }
  }

  /**
   * The one training loop: `step()` until `maxIter` or `signal`, giving
   * the iterations done after each iteration that is a multiple of
   * `every`, once `ms` have passed since the last, and after the last.
   */
  *#loop(
    signal: AbortSignal | undefined,
    every: number,
    ms: number,
  ): Generator<number> {
    let last = performance.now();
    while (this.#iter < this.maxIter && !signal?.aborted) {
      this.step();
      const i = this.#iter;
      if (
        i % every === 0 || performance.now() - last >= ms || i === this.maxIter
      ) {
        yield i;
        last = performance.now(); // the caller's time between is not counted
      }
    }
  }

  /**
   * Where the run is, as plain data (copies): the iteration, the histories,
   * the generators' and the optimizer's states; see
   * {@linkcode TrainerState}. With the net's own parameters and state
   * (`saveNet(net, { training: trainer.state() })` keeps both), everything
   * the run needs to go on.
   *
   * @throws {TypeError} for an optimizer without `state()` (a hand-written
   * one).
   *
   * @example Stop a run, save it, continue it from the file: the same numbers
   * ```ts
   * import { assertEquals } from "@std/assert";
   * import { Matrix, Rng } from "@dlfs/nn/core";
   * import { type Network, Trainer, TwoLayerNet } from "@dlfs/nn/net";
   * import { loadNet, saveNet } from "@dlfs/nn/io";
   *
   * const data = new Rng(1);
   * const x = new Matrix(60, 4, Float64Array.from({ length: 240 }, () => data.uniform()));
   * const t = Array.from({ length: 60 }, (_, i) => (x.get(i, 0) > 0.5 ? 1 : 0));
   * const sizes = { inputSize: 4, hiddenSize: 5, outputSize: 2 };
   * const trainer = (net: Network, rng: Rng) =>
   *   new Trainer(net, x, t, x, t, { iterations: 40, batchSize: 6, optimizer: "adam", rng });
   *
   * const rng = new Rng(7);
   * const whole = trainer(new TwoLayerNet({ ...sizes, rng }), rng);
   * whole.train();
   *
   * const rng2 = new Rng(7);
   * const first = trainer(new TwoLayerNet({ ...sizes, rng: rng2 }), rng2);
   * for (let i = 0; i < 15; i++) first.step(); // then stopped
   * const bytes = saveNet(first.network, { training: first.state() });
   *
   * const { net, training } = loadNet(bytes);
   * const rest = trainer(net, new Rng(0)); // its state is set from the file
   * rest.setState(training!);
   * rest.train();
   * assertEquals(rest.trainLossList, whole.trainLossList);
   * assertEquals(net.params.W1.data, whole.network.params.W1.data);
   * ```
   */
  state(): TrainerState {
    const optimizer = this.optimizer.state?.();
    if (optimizer === undefined) {
      throw new TypeError(
        `Trainer.state(): expected an optimizer with state() (the book's six have it) but found ${
          describe(this.optimizer)
        } without`,
      );
    }
    return {
      iteration: this.#iter,
      batchSize: this.batchSize,
      trainSize: this.#count,
      evalSamples: this.#evalSamples ?? null,
      trainLossList: this.trainLossList.slice(),
      epochs: this.epochs.map((e) => ({ ...e })),
      rngs: this.#generators().map((rng) => rng.state()),
      optimizer,
    };
  }

  /**
   * Continues the run whose `state()` this is (from the same training set,
   * with the same batch size and evaluation), on this Trainer's network,
   * which must hold that run's parameters and state (as `loadNet` of the
   * file that `saveNet(net, { training })` wrote gives it): the next
   * `step()` is the one that run would have taken. All or nothing.
   *
   * @throws {RangeError} for a state of another batch size, training set
   * or evaluation, past this Trainer's `maxIter`, whose histories do not
   * fit its iteration, whose generators are not this net's, or whose
   * optimizer state is not this optimizer's or does not fit `params`.
   * @throws {TypeError} for an optimizer without `setState()`.
   */
  setState(state: TrainerState): void {
    const where = "Trainer.setState()";
    const fail = (what: string, found: unknown): never => {
      throw new RangeError(`${where}: expected ${what} but found ${found}`);
    };
    for (
      const [name, ours, theirs] of [
        ["batchSize", this.batchSize, state?.batchSize],
        ["trainSize", this.#count, state?.trainSize],
        ["evalSamples", this.#evalSamples ?? null, state?.evalSamples],
      ] as const
    ) {
      if (ours !== theirs) {
        fail(`a run of ${name} ${ours} (this Trainer's)`, describe(theirs));
      }
    }
    const { iteration, trainLossList, epochs, rngs, optimizer } = state;
    if (!Number.isInteger(iteration) || iteration < 0) {
      fail("iteration to be an integer ≥ 0", describe(iteration));
    }
    if (iteration > this.maxIter) {
      fail(`at most ${this.maxIter} iterations done (maxIter)`, iteration);
    }
    if (
      !Array.isArray(trainLossList) || trainLossList.length !== iteration ||
      !trainLossList.every(Number.isFinite)
    ) {
      fail(
        `${iteration} finite losses in trainLossList`,
        describe(trainLossList),
      );
    }
    const evaluations = Math.ceil(iteration / this.iterPerEpoch);
    if (
      !Array.isArray(epochs) || epochs.length !== evaluations ||
      !epochs.every((e, k) =>
        e?.epoch === k && e.iter === k * this.iterPerEpoch
      )
    ) {
      fail(
        `${evaluations} epoch records, one every ${this.iterPerEpoch} iterations`,
        describe(epochs),
      );
    }
    const generators = this.#generators();
    if (!Array.isArray(rngs) || rngs.length !== generators.length) {
      fail(
        `${generators.length} generator states (the Trainer's, then the random layers' others)`,
        `${
          describe(rngs)
        }: give the net (loadNet's rng) and the Trainer the generators the saved run had, one where it had one`,
      );
    }
    for (const r of rngs) new Rng(0).setState(r); // checked before any is set
    if (typeof this.optimizer.setState !== "function") {
      throw new TypeError(
        `${where}: expected an optimizer with setState() but found ${
          describe(this.optimizer)
        } without`,
      );
    }
    for (const [slot, arrays] of Object.entries(optimizer?.slots ?? {})) {
      for (const [key, a] of Object.entries(arrays)) {
        const p = this.network.params[key];
        if (p === undefined || a?.length !== p.data.length) {
          fail(
            `the optimizer's arrays to fit the net's params (${
              Object.keys(this.network.params).join(", ")
            })`,
            `${slot}.${key} of ${a?.length} values`,
          );
        }
      }
    }
    this.optimizer.setState(optimizer); // throws before changing anything
    generators.forEach((rng, k) => rng.setState(rngs[k]));
    this.#iter = iteration;
    const refill = <T>(list: T[], values: readonly T[]) => {
      list.length = 0;
      for (const v of values) list.push(v);
    };
    refill(this.trainLossList, trainLossList);
    refill(this.epochs, epochs.map((e) => ({ ...e })));
    refill(this.trainAccList, epochs.map((e) => e.trainAcc));
    refill(this.testAccList, epochs.map((e) => e.testAcc));
  }

  /** The Trainer's generator, then the net's random layers' others. */
  #generators(): Rng[] {
    const all = [this.#rng];
    for (const layer of this.network.layers.values()) {
      if (layer.rng !== undefined && !all.includes(layer.rng)) {
        all.push(layer.rng);
      }
    }
    return all;
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
      } but found ${describe(value)}`,
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
