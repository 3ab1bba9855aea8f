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

import { type KernelChoice, Rng, SimdKernels } from "./core/mod.ts";
import {
  buildNet,
  DivergenceError,
  netKind,
  type Network,
  Trainer,
  type TrainerState,
} from "./net/mod.ts";
import { createOptimizer } from "./optim/mod.ts";
import { SafetensorsError } from "./io/mod.ts";
import { loadMnist, MnistError, saveNetFile } from "./data/mod.ts";
import {
  type Config,
  notCapable,
  parseConfig,
  runFlags,
  USAGE,
  UsageError,
} from "./cli/flags.ts";
import { runDefaults } from "./cli/defaults.ts";
import { checkFiles, type TimedEpoch, writeOutputs } from "./cli/report.ts";
import { loaded, readRun, type RunSettings } from "./cli/net.ts";
import { Progress } from "./cli/progress.ts";

async function main(args: string[]): Promise<number> {
  let config: Config | "help";
  let stored: RunSettings | undefined;
  try {
    config = parseConfig(args);
    // Before hours of training: every file to be read is there, and every
    // file to be written can be written.
    if (config !== "help") await checkFiles(config);
    // A resumed run is the saved run's flags, then these.
    if (config !== "help" && config.resume !== undefined) {
      stored = await readRun(config.resume);
      config = parseConfig(args, stored.flags) as Config;
      await checkFiles(config);
    }
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
      stored,
    );
  } finally {
    kernels?.close();
  }
}

async function run(
  config: Config,
  choice: KernelChoice,
  stored?: RunSettings,
): Promise<number> {
  const { batchSize, seed, quiet } = config;
  const start = performance.now();
  const seconds = () => (performance.now() - start) / 1000;

  let mnist;
  try {
    mnist = await loadMnist({
      dir: config.dataDir,
      onDownload: (url, dir) =>
        console.error(`downloading MNIST from ${url} into ${dir}…`),
    });
  } catch (e) {
    // One rule: what the command line (or MNIST_DIR) names is at fault,
    // exit 2; the cache or the download, exit 1.
    const named = config.dataDir ?? Deno.env.get("MNIST_DIR");
    if (!(e instanceof MnistError) || named === undefined) throw e;
    console.error(`train: ${e.message}`);
    return 2;
  }
  const { xTrain, tTrain, xTest, tTest, source } = mnist;
  const rng = new Rng(seed); // the weights, then the minibatches and dropout
  let net: Network, training: TrainerState | undefined;
  try {
    if (config.resume !== undefined) {
      ({ net, training } = await loaded(
        "--resume",
        config.resume,
        rng,
        choice,
      ));
    } else if (config.load !== undefined) {
      ({ net } = await loaded("--load", config.load, rng, choice));
    } else {
      net = buildNet(config.kind.forMnist(config), {
        rng,
        ...choice,
        weightInitStd: config.init,
      });
    }
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
  let loss = NaN, trainer: Trainer;
  try {
    trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
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
    if (training !== undefined) {
      if (training.iteration > trainer.maxIter) {
        throw new RangeError(
          `the run is at iteration ${training.iteration} already: give --iters or --epochs beyond it`,
        );
      }
      trainer.setState(training); // where the saved run stopped, exactly
      history.push(...training.epochs.map((e) => ({ ...e, seconds: null })));
      loss = training.trainLossList.at(-1) ?? NaN;
    }
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const file = config.resume ?? config.load;
    console.error(
      `train: ${
        file ? `${config.resume ? "--resume" : "--load"} ${file}: ` : ""
      }${e.message}`,
    );
    return 2;
  }
  const iters = trainer.maxIter;
  const epochs = Math.ceil(iters / trainer.iterPerEpoch);
  const progress = new Progress(iters, quiet, trainer.iteration);
  const name = kind.describe(net.spec) +
    (config.load !== undefined ? ` from ${config.load}` : "");
  const rate = optimizer.lr;
  // What --save writes: the net, where its run is, the run's flags.
  const settings: RunSettings = {
    flags: runFlags({ ...config, optimizer: optimizerName }, rate, iters),
    kernels: net.kernels.name,
  };
  const saveRun = () =>
    saveNetFile(config.save!, net, { training: trainer.state(), settings });
  progress.line(
    `MNIST from ${source}: ${xTrain.count} training, ${xTest.count} test images; ` +
      `${name}, ${iters} iterations, batch ${batchSize}, ${optimizerName} lr ${rate}, seed ${seed}, ` +
      `${net.kernels.name} kernels, ${config.threads} thread${
        config.threads > 1 ? "s" : ""
      }` +
      (evalSamples !== undefined
        ? `; per epoch, accuracy on the first ${evalSamples} training and test images`
        : "") +
      (config.resume !== undefined
        ? `; resumed from ${config.resume} after iteration ${trainer.iteration}`
        : ""),
  );
  if (stored !== undefined && stored.kernels !== net.kernels.name) {
    console.error(
      `train: note: the saved run computed with ${stored.kernels} kernels and this one with ${net.kernels.name}: its numbers will differ from an uninterrupted run's in their last digits`,
    );
  }
  // Ctrl-C stops after the iteration in progress; the net so far is saved.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  try {
    const every = config.checkpointEvery;
    const run = trainer.run({ signal: interrupt.signal, yieldEvery: every });
    for await (const { iteration: done } of run) {
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
    const at =
      `train: interrupted after iteration ${trainer.iteration} of ${iters}`;
    if (config.save === undefined) {
      console.error(
        `${at}; the net is lost (no --save FILE): give --save FILE to keep the run at Ctrl-C and continue it with --resume FILE`,
      );
    } else {
      await saveRun();
      console.error(
        `${at}; the run so far is saved to ${config.save}: continue it with ${
          resumeCommand(config)
        }`,
      );
    }
    return 130;
  }
  const final = trainer.result();
  await progress.end();
  const wallSeconds = seconds();
  await writeOutputs(config, net, { training: trainer.state(), settings }, {
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
      ...(training && {
        resumed: { from: config.resume, after: training.iteration },
      }),
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

/**
 * The command that continues a run saved to `config.save`, with the same
 * outputs (the file keeps the rest).
 */
function resumeCommand(config: Config): string {
  const args = ["--resume", config.save!];
  if (config.json !== undefined) args.push("--json", config.json);
  if (config.plot !== undefined) args.push("--plot", config.plot);
  if (config.checkpointEvery !== undefined) {
    args.push("--checkpoint-every", String(config.checkpointEvery));
  }
  if (config.dataDir !== undefined) args.push("--data-dir", config.dataDir);
  if (config.quiet) args.push("--quiet");
  // Quoted for a POSIX shell where a path needs it.
  const quote = (a: string) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
  return ["deno task train", ...args.map(quote)].join(" ");
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof MnistError || e instanceof SafetensorsError) {
      console.error(`train: ${e.message}`);
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
    throw e;
  }
}
