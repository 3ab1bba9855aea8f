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
  netKind,
  type Network,
  Trainer,
} from "./net/mod.ts";
import { createOptimizer } from "./optim/mod.ts";
import { SafetensorsError } from "./io/mod.ts";
import { loadMnist, MnistError, saveNetFile } from "./data/mod.ts";
import { type Config, parseConfig, USAGE, UsageError } from "./cli/flags.ts";
import { runDefaults } from "./cli/defaults.ts";
import { checkFiles, type TimedEpoch, writeOutputs } from "./cli/report.ts";
import { loaded } from "./cli/net.ts";
import { Progress } from "./cli/progress.ts";

async function main(args: string[]): Promise<number> {
  let config: Config | "help";
  try {
    config = parseConfig(args);
    // Before hours of training: every file to be read is there, and every
    // file to be written can be written.
    if (config !== "help") await checkFiles(config);
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

async function run(config: Config, choice: KernelChoice): Promise<number> {
  const { batchSize, seed, quiet } = config;
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;

  const { xTrain, tTrain, xTest, tTest, source } = await loadMnist({
    dir: config.dataDir,
    onDownload: (url, dir) =>
      console.error(`downloading MNIST from ${url} into ${dir}…`),
  });
  const rng = new Rng(seed); // the weights, then the minibatches and dropout
  let net: Network;
  try {
    net = config.load !== undefined
      ? await loaded(config.load, rng, choice)
      : buildNet(config.kind.forMnist(config), {
        rng,
        ...choice,
        weightInitStd: config.init,
      });
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`train: ${e.message}`);
    return 2;
  }
  const kind = netKind(net.spec.type); // a loaded net's own
  const evalSamples = config.evalSamples ?? kind.defaults.evalSamples;
  // The flags, else the net's defaults (the loaded net's own with --load).
  const {
    optimizer: optimizerName,
    lr,
    iters: iterations,
    epochs: epochCount,
  } = runDefaults(kind, config);
  const optimizer = createOptimizer(optimizerName, lr ? { lr } : {});
  const history: TimedEpoch[] = [];
  let loss = NaN;
  const trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
    iterations,
    epochs: epochCount,
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
  const name = kind.describe(net.spec) +
    (config.load !== undefined ? ` from ${config.load}` : "");
  const rate = optimizer.lr;
  progress.line(
    `MNIST from ${source}: ${xTrain.count} training, ${xTest.count} test images; ` +
      `${name}, ${iters} iterations, batch ${batchSize}, ${optimizerName} lr ${rate}, seed ${seed}, ` +
      `${net.kernels.name} kernels, ${config.threads} thread${
        config.threads > 1 ? "s" : ""
      }` +
      (evalSamples !== undefined
        ? `; per epoch, accuracy on the first ${evalSamples} training and test images`
        : ""),
  );
  // Ctrl-C stops after the iteration in progress; the net so far is saved.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const every = config.checkpointEvery;
    const run = trainer.run({ signal: interrupt.signal, yieldEvery: every });
    for await (const { iteration: done } of run) {
      if (every !== undefined && done % every === 0 && done < iters) {
        await saveNetFile(config.save!, net); // atomic: temp file, rename
        progress.line(
          `checkpoint: the net after ${done} iterations saved to ${config.save}`,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    await progress.end();
    console.error(
      `train: the loss became ${e.loss} at iteration ${
        e.iteration + 1
      } (lr ${rate}): training diverged; try a lower --lr`,
    );
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
  if (interrupt.signal.aborted) {
    await progress.end();
    if (config.save !== undefined) await saveNetFile(config.save, net);
    console.error(
      `train: interrupted after iteration ${trainer.iteration} of ${iters}${
        config.save !== undefined
          ? `; the net so far is saved to ${config.save}`
          : ""
      }`,
    );
    return 130;
  }
  const final = trainer.result();
  await progress.end();
  const wallSeconds = seconds();
  await writeOutputs(config, net, {
    title: `${name}, ${optimizerName} lr ${rate}, batch ${batchSize}`,
    lossHistory: trainer.trainLossList,
    history,
    config: {
      net: name,
      hiddenSizes: config.hidden,
      evalSamples: evalSamples ?? "all",
      iters,
      batchSize,
      optimizer: optimizerName,
      lr: rate,
      init: config.init ?? kind.defaults.init,
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
