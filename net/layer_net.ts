/**
 * What the book's three networks share, written once: layers in an ordered
 * map and a loss layer after them, `predict` as one pass through the layers,
 * `gradient` as one forward and the layers' `backward` in reverse order,
 * `numericalGradient` as `numerical_gradient(lambda W: loss(x, t), W)` for
 * every parameter (the book's `two_layer_net.py`, section 5.7.2).
 *
 * @module
 */

import { Matrix } from "../core/matrix.ts";
import type { Kernels } from "../core/kernels.ts";
import { numericalGradient } from "./numerical_gradient.ts";
import { labelIndices, type Labels } from "../layers/labels.ts";
import type { Layer } from "../layers/layer.ts";
import { SoftmaxWithLoss } from "../layers/softmax_with_loss.ts";
import { checkBatch, countCorrect, keepingState, rowsOf } from "./batch.ts";
import type { ModeOptions, NetSpec, Network, SampleSet } from "./network.ts";

/** What a network hands {@linkcode LayerNet} once it has built its layers. */
export interface LayerNetParts<P extends Record<string, Matrix>> {
  /** The class name, for error messages. */
  name: string;
  /** What the layers compute with. */
  kernels: Kernels;
  /** D and C. */
  inputSize: number;
  /** C. */
  outputSize: number;
  /** The parameters by name, the matrices the layers were given. */
  params: P;
  /** The layers in forward order, by name. */
  layers: Map<string, Layer>;
  /** Rows per chunk in `accuracy` (default 1000). */
  evalBatchSize?: number;
}

/**
 * A network made of layers, as the book builds its nets: see the module
 * doc. The nets extend it and build their layers in their constructors;
 * `P` is their parameters' type (`TwoLayerNetParams`, …), which `params`,
 * `gradient` and `numericalGradient` share.
 */
export abstract class LayerNet<
  P extends Record<string, Matrix> = Record<string, Matrix>,
> implements Network {
  /** The architecture, as plain JSON data. */
  abstract readonly spec: NetSpec;
  /** D, the values per input sample. */
  readonly inputSize: number;
  /** C, the number of classes. */
  readonly outputSize: number;
  /**
   * The trainable parameters: the very matrices the layers compute with,
   * updated in place (`params.W1.data`). The object is frozen: assigning
   * `params.W1 = other` throws a TypeError rather than silently leaving the
   * layers on the old matrix.
   */
  readonly params: Readonly<P>;
  /** The layers in forward order. */
  readonly layers: ReadonlyMap<string, Layer>;
  /** The loss layer that follows `layers`. */
  readonly lastLayer: SoftmaxWithLoss;
  /** What the layers compute with (see `core/backend.ts`). */
  readonly kernels: Kernels;
  #name: string;
  #order: Layer[]; // the layers, in forward order
  #grads: [key: string, grad: Matrix][]; // each parameter's gradient buffer
  #evalBatchSize: number;
  #labels: Int32Array = new Int32Array(0); // scratch for label checks
  #chunk?: Matrix; // a chunk of the samples being evaluated, in kernel memory

  /**
   * Takes the layers a network built.
   *
   * @throws {Error} if a layer's parameter is not among `params`.
   */
  protected constructor(parts: LayerNetParts<P>) {
    this.#name = parts.name;
    this.kernels = parts.kernels;
    this.lastLayer = new SoftmaxWithLoss({ kernels: parts.kernels });
    this.inputSize = parts.inputSize;
    this.outputSize = parts.outputSize;
    // Frozen: rebinding a parameter (`params.W1 = other`) would leave the
    // layers training the old matrix; in strict code it throws instead.
    this.params = Object.freeze(parts.params);
    this.layers = parts.layers;
    this.#order = [...parts.layers.values()];
    this.#evalBatchSize = parts.evalBatchSize ?? 1000;
    // Each parameter's gradient is its layer's buffer: found once, by identity.
    const grads = new Map<Matrix, Matrix>();
    for (const layer of this.#order) {
      for (const p of layer.params()) grads.set(p.value, p.grad);
    }
    this.#grads = Object.entries(parts.params).map(([key, W]) => {
      const grad = grads.get(W);
      if (grad === undefined) {
        throw new Error(`${parts.name}: no layer computes with params.${key}`);
      }
      return [key, grad];
    });
  }

  /**
   * The class scores (before softmax) of each row of `x`: N×D → N×C, in a
   * new matrix (test mode unless `{ train: true }`: `options.train`
   * defaults to false; in training mode the forward pass moves BatchNorm's
   * running averages and draws Dropout's masks). `x` may be a whole
   * `SampleSet` (e.g. an `ImageSet`), read 1000 samples at a time.
   *
   * @throws {RangeError} if `x` does not have D columns.
   */
  predict(x: Matrix | SampleSet, options: ModeOptions = {}): Matrix {
    const where = `${this.#name}.predict()`, train = options.train ?? false;
    if (x instanceof Matrix) {
      checkBatch(where, x, this.inputSize, false);
      return this.#forward(x, train).clone();
    }
    checkSet(where, x, this.inputSize);
    const out = new Matrix(x.count, this.outputSize);
    this.#chunks(x, (batch, start) => {
      out.data.set(this.#forward(batch, train).data, start * out.cols);
    });
    return out;
  }

  /**
   * The mean cross-entropy loss of the batch, plus any weight decay (test
   * mode unless `{ train: true }`: `options.train` defaults to false; in
   * training mode each forward pass moves BatchNorm's running averages and
   * draws Dropout's masks). `x` may be a whole `SampleSet`, read
   * 1000 samples at a time: the mean over all of them.
   *
   * @param t one-hot N×C or N class indices.
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  loss(x: Matrix | SampleSet, t: Labels, options: ModeOptions = {}): number {
    const where = `${this.#name}.loss()`, train = options.train ?? false;
    if (x instanceof Matrix) {
      this.#check(where, x, t);
      return this.#loss(x, t, train);
    }
    checkSet(where, x, this.inputSize);
    const labels = labelIndices(where, t, x.count, this.outputSize);
    let sum = 0;
    this.#chunks(x, (batch, start) => {
      const n = batch.rows;
      const mean = this.lastLayer.forward(
        this.#forward(batch, train),
        labels.subarray(start, start + n),
      );
      sum += mean * n;
    });
    return sum / x.count + this.penalty();
  }

  /** Calls `f` with each chunk of `set` (gathered) and its first index. */
  #chunks(
    set: SampleSet,
    f: (batch: Matrix, start: number) => void,
    size = this.#evalBatchSize,
  ): void {
    for (let start = 0; start < set.count; start += size) {
      const end = Math.min(start + size, set.count);
      const indices = new Int32Array(end - start).map((_, i) => start + i);
      f(this.#gather(set, indices), start);
    }
  }

  /**
   * The fraction of rows whose highest score is the true class (ties go to
   * the lowest index, as `np.argmax`), in test mode, `batchSize` rows at a
   * time (default 1000; as the book's `SimpleConvNet.accuracy`; the same result as all at
   * once). `x` may be a whole `SampleSet` (e.g. an `ImageSet`): its chunks
   * are gathered one at a time, never the whole set as float64.
   *
   * @throws {RangeError} for an empty set, wrong shapes or bad labels.
   */
  accuracy(
    x: Matrix | SampleSet,
    t: Labels,
    batchSize: number = this.#evalBatchSize,
  ): number {
    const where = `${this.#name}.accuracy()`;
    let labels: Int32Array, set: SampleSet;
    if (x instanceof Matrix) {
      labels = this.#check(where, x, t).slice();
      set = rowsOf(x); // copied chunk by chunk: x is not kept
    } else {
      checkSet(where, x, this.inputSize);
      labels = labelIndices(where, t, x.count, this.outputSize);
      set = x;
    }
    let correct = 0;
    this.#chunks(set, (batch, start) => {
      correct += countCorrect(
        this.#forward(batch, false),
        labels.subarray(start, start + batch.rows),
      );
    }, batchSize);
    return correct / set.count;
  }

  /**
   * The gradient of `loss` by backpropagation, keyed like `params`: one
   * forward pass in training mode, then `backward` through the layers in
   * reverse order. Returns the layers' own buffers, overwritten by the next
   * call. As the book's, that forward pass is a training step's: it moves
   * BatchNorm's running averages one step towards the batch's statistics
   * and draws Dropout's masks from its generator (`gradientCheck` puts both
   * back).
   *
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  gradient(x: Matrix, t: Labels): P {
    this.#check(`${this.#name}.gradient()`, x, t);
    this.#loss(x, t, true); // forward
    let dout: Matrix | undefined = this.lastLayer.backward(1); // backward
    const layers = this.#order;
    for (let i = layers.length - 1; i >= 0 && dout !== undefined; i--) {
      dout = layers[i].backward(dout); // the first layer returns no dx
    }
    const grads: Record<string, Matrix> = {};
    for (const [key, grad] of this.#grads) grads[key] = grad;
    return grads as P;
  }

  /**
   * The gradient of `loss` (in training mode) by central differences, two
   * forward passes per parameter element: slow, the oracle backprop is
   * checked against. Returns new matrices, keyed like `params`. It leaves
   * the net as it found it: BatchNorm's running averages and the Dropout
   * layers' generators are put back after its thousands of forward passes.
   *
   * @throws {RangeError} for an empty batch, wrong shapes or bad labels.
   */
  numericalGradient(x: Matrix, t: Labels): P {
    this.#check(`${this.#name}.numericalGradient()`, x, t);
    // x into the kernels' memory once: the loss reads it 2·(parameters) times.
    const xk = this.#chunk = this.kernels.buffer(this.#chunk, x.rows, x.cols);
    xk.data.set(x.data);
    const lossW = () => this.#loss(xk, t, true);
    const grads: Record<string, Matrix> = {};
    keepingState(this, () => {
      for (const [key, W] of Object.entries(this.params)) {
        grads[key] = numericalGradient(lossW, W);
      }
    });
    return grads as P;
  }

  /**
   * The state the layers declare (`Layer.state`), each name numbered by
   * its layer among those with state: BatchNormalization's running
   * averages `running_mean1`, `running_var1`, `running_mean2`, …; the very
   * matrices the layers use; none without such layers.
   */
  state(): Record<string, Matrix> {
    const state: Record<string, Matrix> = {};
    let k = 0;
    for (const layer of this.#order) {
      const own = layer.state?.();
      if (own === undefined) continue;
      k++;
      for (const [name, m] of Object.entries(own)) state[`${name}${k}`] = m;
    }
    return state;
  }

  /** What `loss` adds to the cross-entropy (weight decay); 0 here. */
  protected penalty(): number {
    return 0;
  }

  /** Forward through the layers, in training or test mode. */
  #forward(x: Matrix, train: boolean): Matrix {
    let y = x;
    for (const layer of this.#order) y = layer.forward(y, train);
    return y;
  }

  /** The loss of a checked batch. */
  #loss(x: Matrix, t: Labels, train: boolean): number {
    return this.lastLayer.forward(this.#forward(x, train), t) + this.penalty();
  }

  /** Checks x and t; returns t as class indices (a scratch array). */
  #check(where: string, x: Matrix, t: Labels): Int32Array {
    checkBatch(where, x, this.inputSize, true);
    return (this.#labels = labelIndices(
      where,
      t,
      x.rows,
      this.outputSize,
      this.#labels,
    ));
  }

  /** Samples of a set, gathered by the kernels into their memory. */
  #gather(set: SampleSet, indices: Int32Array): Matrix {
    return this.#chunk = set.batch(indices, this.#chunk, this.kernels);
  }
}

/** Throws unless `x` is a set of samples of D values. */
function checkSet(where: string, x: unknown, inputSize: number): void {
  const set = x as Partial<SampleSet> | null;
  if (
    typeof set !== "object" || set === null || typeof set.batch !== "function"
  ) {
    checkBatch(where, x as Matrix, inputSize, true); // throws the TypeError
  }
  if (set!.sampleSize !== inputSize || !(set!.count! > 0)) {
    throw new RangeError(
      `${where}: expected a set of samples of ${inputSize} values but found ${
        set!.count
      } of ${set!.sampleSize}`,
    );
  }
}
