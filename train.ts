/**
 * The book's chapter-5 training run (ch05/train_neuralnet.py) as a CLI:
 * TwoLayerNet(784, 50, 10) on MNIST, minibatch SGD, train and test accuracy
 * once per epoch; with flags, the nets and optimizers of chapters 6 and 7.
 * The loop is the library's `Trainer` (the book's `common/trainer.py`); the
 * flags, the console output and the files written live in `cli/`.
 *
 * `--save FILE` keeps the whole run (the net, where its training is, its
 * flags), at its end, at a checkpoint and at Ctrl-C; `--resume FILE`
 * continues it bit for bit.
 *
 * Run `deno task train --help` for the flags.
 *
 * @module
 */

import {
  type KernelChoice,
  KernelMemoryError,
  Rng,
  SimdKernels,
} from "./core/mod.ts";
import { DivergenceError, netKind, Trainer } from "./net/mod.ts";
import { createOptimizer } from "./optim/mod.ts";
import { SafetensorsError } from "./io/mod.ts";
import { MnistError, saveNetFile } from "./data/mod.ts";
import {
  type Config,
  notCapable,
  runFlags,
  USAGE,
  UsageError,
} from "./cli/flags.ts";
import { runDefaults } from "./cli/defaults.ts";
import { type TimedEpoch, writeOutputs } from "./cli/report.ts";
import type { RunSettings } from "./cli/net.ts";
import {
  diverged,
  header,
  kernelsNote,
  mnistFor,
  netFor,
  readConfig,
  reportConfig,
  resumeAt,
  resumeCommand,
  type RunInfo,
} from "./cli/run.ts";
import { Progress } from "./cli/progress.ts";

async function main(args: string[]): Promise<number> {
  const read = await readConfig(args);
  if (read === "help") {
    console.log(USAGE);
    return 0;
  }
  const { config, stored } = read;
  // A second thread: SIMD kernels with a worker of their own.
  const kernels = config.threads > 1
    ? SimdKernels.create({ threads: 2, dtype: config.dtype })
    : undefined;
  try {
    await kernels?.ready();
    const choice = kernels
      ? { kernels }
      : { backend: config.backend, dtype: config.dtype };
    return await run(config, choice, stored);
  } finally {
    kernels?.close();
  }
}

async function run(
  config: Config,
  choice: KernelChoice,
  stored?: RunSettings,
): Promise<number> {
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;
  const mnist = await mnistFor(config);
  const { xTrain, tTrain, xTest, tTest } = mnist;
  const rng = new Rng(config.seed); // the weights, then the minibatches and dropout
  const { net, training } = await netFor(config, rng, choice);
  const kind = netKind(net.spec.type); // a loaded net's own
  const evalSamples = config.evalSamples ?? kind.defaults.evalSamples;
  // The flags, else the net's defaults (the loaded net's own with --load).
  const defaults = runDefaults(kind, config);
  const optimizer = createOptimizer(
    defaults.optimizer,
    defaults.lr ? { lr: defaults.lr } : {},
  );
  const history: TimedEpoch[] = [];
  let loss = NaN, trainer: Trainer;
  try {
    trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
      iterations: defaults.iters,
      epochs: defaults.epochs,
      batchSize: config.batchSize,
      optimizer,
      evalSamples,
      rng,
      onIteration: (i, l) => progress.iteration(i, loss = l),
      onEpoch: (record) => {
        history.push({ ...record, seconds: seconds() });
        progress.epoch(record, epochs, loss, seconds());
      },
    });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const file = config.resume ?? config.load;
    const flag = config.resume ? "--resume" : "--load";
    throw new UsageError(`${file ? `${flag} ${file}: ` : ""}${e.message}`);
  }
  if (training !== undefined) {
    resumeAt(trainer, training, config); // where the saved run stopped, exactly
    history.push(...training.epochs.map((e) => ({ ...e, seconds: null })));
    loss = training.trainLossList.at(-1) ?? NaN;
  }
  const iters = trainer.maxIter;
  const epochs = Math.ceil(iters / trainer.iterPerEpoch);
  const progress = new Progress(iters, config.quiet, trainer.iteration);
  const info: RunInfo = {
    config,
    kind,
    net,
    name: kind.describe(net.spec) +
      (config.load !== undefined ? ` from ${config.load}` : ""),
    iters,
    optimizer: defaults.optimizer,
    lr: optimizer.lr,
    evalSamples,
    source: mnist.source,
    training,
  };
  // What --save writes: the net, where its run is, the run's flags.
  const settings: RunSettings = {
    flags: runFlags(
      { ...config, optimizer: defaults.optimizer },
      info.lr,
      iters,
    ),
    kernels: net.kernels.name,
  };
  const saveRun = () =>
    saveNetFile(config.save!, net, { training: trainer.state(), settings });
  progress.line(header(info, mnist, trainer.iteration));
  if (stored) kernelsNote(stored, net.kernels.name);
  // Ctrl-C stops after the iteration in progress; the net so far is saved.
  // After the last iteration it stops nothing: the final evaluation and the
  // outputs are finished first (the listener stays until main returns).
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  using _ = {
    [Symbol.dispose]: () => Deno.removeSignalListener("SIGINT", onSigint),
  };
  try {
    const every = config.checkpointEvery;
    const steps = trainer.run({ signal: interrupt.signal, yieldEvery: every });
    for await (const { iteration: done } of steps) {
      if (every !== undefined && done % every === 0 && done < iters) {
        await saveRun(); // atomic: temp file, rename
        progress.line(
          `checkpoint: the run after ${done} iterations saved to ${config.save}`,
        );
      }
    }
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    await progress.end();
    console.error(diverged(e, info.lr));
    return 1;
  }
  if (interrupt.signal.aborted) {
    await progress.end();
    const at =
      `train: interrupted after iteration ${trainer.iteration} of ${iters}`;
    if (config.save !== undefined) await saveRun();
    console.error(
      `${at}; ${
        config.save === undefined
          ? "the net is lost (no --save FILE): give --save FILE to keep the run at Ctrl-C and continue it with --resume FILE"
          : `the run so far is saved to ${config.save}: continue it with ${
            resumeCommand(config)
          }`
      }`,
    );
    return 130;
  }
  progress.line(
    `final evaluation on all ${xTrain.rows} training and ${xTest.rows} test images…`,
  );
  const final = trainer.result();
  await progress.end();
  const wallSeconds = seconds();
  await writeOutputs(config, net, { training: trainer.state(), settings }, {
    title:
      `${info.name}, ${info.optimizer} lr ${info.lr}, batch ${config.batchSize}`,
    lossHistory: trainer.trainLossList,
    history,
    config: reportConfig(info),
    final,
    wallSeconds,
  });
  console.log(
    `final: train acc ${final.trainAcc.toFixed(4)}, test acc ${
      final.testAcc.toFixed(4)
    }, wall time ${wallSeconds.toFixed(1)} s`,
  );
  if (interrupt.signal.aborted) {
    console.error(
      "train: Ctrl-C came after the last iteration: the run ended, evaluated and written as above",
    );
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`train: ${e.message}`);
      Deno.exit(2);
    }
    if (e instanceof MnistError || e instanceof SafetensorsError) {
      console.error(`train: ${e.message}`);
      Deno.exit(1);
    }
    if (e instanceof KernelMemoryError) {
      console.error(
        `train: ${e.message}: give a smaller --batch-size, or --backend ts (no such cap, slower)`,
      );
      Deno.exit(1);
    }
    if (e instanceof Deno.errors.NotCapable) {
      console.error(
        `train: ${
          notCapable(e)
        }: run it as deno task train, which grants what it needs`,
      );
      Deno.exit(2);
    }
    if (
      e instanceof RangeError &&
      /allocation failed|Invalid typed array length/.test(e.message)
    ) {
      console.error(
        `train: expected memory for the run's arrays but found none left (${e.message}): give a smaller --batch-size`,
      );
      Deno.exit(1);
    }
    throw e;
  }
}
