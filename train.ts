/**
 * The book's chapter-5 training run (ch05/train_neuralnet.py) as a CLI:
 * TwoLayerNet(784, 50, 10) on MNIST, minibatch SGD, train and test accuracy
 * once per epoch; with flags, the nets and optimizers of chapters 6 and 7.
 * The loop is the library's `Trainer` (the book's `common/trainer.py`); the
 * flags, the console output and the files written live in `cli/`.
 *
 * Run `deno task train --help` for the flags.
 *
 * @module
 */

import { type KernelChoice, Rng, SimdKernels } from "./core/mod.ts";
import {
  buildNet,
  DivergenceError,
  type NetSpec,
  type Network,
  Trainer,
} from "./net/mod.ts";
import { createOptimizer } from "./optim/mod.ts";
import { SafetensorsError } from "./io/mod.ts";
import { loadMnist, loadNetFile, MnistError } from "./data/mod.ts";
import { type Config, parseConfig, USAGE, UsageError } from "./cli/flags.ts";
import { describe, type TimedEpoch, writeOutputs } from "./cli/report.ts";
import { Progress } from "./cli/progress.ts";

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
    // Before hours of training: every file to be written can be written.
    if (config !== "help") await checkOutputs(config);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(
      `train: ${e.message} (deno task train --help lists the flags)`,
    );
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

/** The architecture the flags ask for (MNIST: 784 inputs, 10 classes). */
function specOf(config: Config): NetSpec {
  const [hidden] = config.hidden;
  if (config.net === "two-layer") {
    return {
      type: "TwoLayerNet",
      inputSize: 784,
      hiddenSize: hidden,
      outputSize: 10,
    };
  }
  if (config.net === "convnet") {
    return {
      type: "SimpleConvNet",
      input: [1, 28, 28],
      filterNum: 30,
      filterSize: 5,
      pad: 0,
      stride: 1,
      hiddenSize: hidden,
      outputSize: 10,
    };
  }
  return {
    type: "MultiLayerNet",
    inputSize: 784,
    hiddenSizes: config.hidden,
    outputSize: 10,
    activation: "relu",
    useBatchnorm: config.batchnorm,
    useDropout: config.dropout !== undefined,
    dropoutRatio: config.dropout ?? 0.5,
    weightDecayLambda: config.weightDecay,
  };
}

/** A saved net for MNIST (784 inputs, 10 classes), or a UsageError saying why not. */
async function loaded(
  path: string,
  rng: Rng,
  choice: KernelChoice,
): Promise<Network> {
  let net: Network;
  try {
    net = (await loadNetFile(path, rng, choice)).net;
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new UsageError(`--load ${path}: ${e.message}`);
  }
  if (net.inputSize !== 784 || net.outputSize !== 10) {
    throw new UsageError(
      `--load ${path}: expected a net for MNIST (784 inputs, 10 classes) but found ${net.inputSize} inputs, ${net.outputSize} classes`,
    );
  }
  return net;
}

/**
 * Throws a UsageError unless every file the run will write (--save, --plot,
 * --json) can be written: its folder exists and takes a new file, and the
 * path is not a folder.
 */
async function checkOutputs(config: Config): Promise<void> {
  for (
    const [flag, path] of [
      ["--save", config.save],
      ["--plot", config.plot],
      ["--json", config.json],
    ] as const
  ) {
    if (path === undefined) continue;
    const stat = await Deno.stat(path).catch(() => undefined);
    if (stat?.isDirectory) {
      throw new UsageError(`${flag} ${path}: is a folder, not a file`);
    }
    const dir = path.includes("/")
      ? path.slice(0, path.lastIndexOf("/")) || "/"
      : ".";
    const dirStat = await Deno.stat(dir).catch(() => undefined);
    if (!dirStat?.isDirectory) {
      throw new UsageError(`${flag} ${path}: no such folder ${dir}`);
    }
    try {
      await Deno.remove(
        await Deno.makeTempFile({ dir, prefix: ".dlfs-check-" }),
      );
    } catch (e) {
      throw new UsageError(
        `${flag} ${path}: cannot write in ${dir} (${(e as Error).message})`,
      );
    }
  }
}

async function run(config: Config, choice: KernelChoice): Promise<number> {
  const { batchSize, seed, quiet } = config;
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;

  const { xTrain, tTrain, xTest, tTest, source } = await loadMnist({
    dir: config.dataDir,
  });
  const rng = new Rng(seed); // the weights, then the minibatches and dropout
  let net: Network;
  try {
    net = config.load !== undefined
      ? await loaded(config.load, rng, choice)
      : buildNet(specOf(config), {
        rng,
        ...choice,
        weightInitStd: config.init,
      });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train: ${e.message}`);
    return 2;
  }
  // The convnet, as the book's Trainer: per epoch on 1000 images only.
  const isConvnet = net.spec.type === "SimpleConvNet";
  const evalSamples = config.evalSamples ?? (isConvnet ? 1000 : undefined);
  const lr = config.lr ?? (config.optimizer === "sgd" ? 0.1 : undefined); // 0.1: the chapter-5 run
  const optimizer = createOptimizer(config.optimizer, lr ? { lr } : {});
  const history: TimedEpoch[] = [];
  let loss = NaN;
  const trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
    iterations: config.iters ??
      (config.epochs === undefined ? 10000 : undefined),
    epochs: config.epochs,
    batchSize,
    optimizer,
    evalSamples,
    rng,
    onIteration: (i, l) => progress.iteration(i, loss = l),
    onEpoch: (record) => {
      history.push({ ...record, seconds: seconds() });
      progress.epoch(record, epochs, loss, seconds());
    },
  });
  const iters = trainer.maxIter;
  const epochs = Math.ceil(iters / trainer.iterPerEpoch);
  const progress = new Progress(iters, quiet);
  const name = describe(net.spec) +
    (config.load !== undefined ? ` from ${config.load}` : "");
  const rate = optimizer.lr;
  progress.line(
    `MNIST from ${source}: ${xTrain.count} training, ${xTest.count} test images; ` +
      `${name}, ${iters} iterations, batch ${batchSize}, ${config.optimizer} lr ${rate}, seed ${seed}, ` +
      `${net.kernels.name} kernels, ${config.threads} thread${
        config.threads > 1 ? "s" : ""
      }` +
      (evalSamples !== undefined
        ? `; per epoch, accuracy on the first ${evalSamples} training and test images`
        : ""),
  );
  let final;
  try {
    final = trainer.train();
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    progress.end();
    console.error(
      `train: the loss became ${e.loss} at iteration ${
        e.iteration + 1
      } (lr ${rate}): training diverged; try a lower --lr`,
    );
    return 1;
  }
  progress.end();
  const wallSeconds = seconds();
  await writeOutputs(config, net, {
    title: `${name}, ${config.optimizer} lr ${rate}, batch ${batchSize}`,
    lossHistory: trainer.trainLossList,
    history,
    config: {
      net: name,
      hiddenSizes: config.hidden,
      evalSamples: evalSamples ?? "all",
      iters,
      batchSize,
      optimizer: config.optimizer,
      lr: rate,
      init: config.init ?? (config.net === "multi-layer" ? "he" : 0.01),
      seed,
      kernels: net.kernels.name,
      threads: config.threads,
      source,
    },
    final,
    wallSeconds,
  });
  console.log(
    `final: train acc ${final.trainAcc.toFixed(4)}, test acc ${
      final.testAcc.toFixed(4)
    }, wall time ${wallSeconds.toFixed(1)} s`,
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
