/// <reference lib="webworker" />
// The train page's Worker (bundled by web/build.ts as train_worker.js):
// fetches the four MNIST files the demo server (or a static host) serves,
// checks them as loadMnist does, and trains the net of `deno task train
// --net NAME` with the library's Trainer on the SIMD kernels: two threads
// where the page is cross-origin isolated, else one. It posts progress, the
// per-epoch accuracies and the graph view to the page (train_protocol.ts)
// and takes pause, resume, gradient check and save where the Trainer's run
// yields (every 100 ms).

import { Rng } from "../core/rng.ts";
import { SimdKernels } from "../core/simd/simd.ts";
import { argmax, Matrix } from "../core/matrix.ts";
import {
  type Mnist,
  MNIST_FILES,
  MnistError,
  type MnistFileName,
  mnistFromFiles,
} from "../data/mnist_bytes.ts";
import { download, DownloadError } from "../data/download.ts";
import { buildNet, netKinds } from "../net/registry.ts";
import { gradientCheck } from "../net/gradient_check.ts";
import { float64Copy } from "../net/float64_copy.ts";
import type { Network } from "../net/network.ts";
import { Trainer } from "../net/trainer.ts";
import { createOptimizer } from "../optim/by_name.ts";
import { saveNet } from "../io/model.ts";
import { exportOnnx } from "../io/onnx.ts";
import { DEFAULTS, runDefaults } from "../cli/defaults.ts";
import { viewNet, weightImages } from "./net_view.ts";
import {
  defaultSpec,
  type FromWorker,
  type RunConfig,
  type ToWorker,
} from "./train_protocol.ts";

const PROGRESS_MS = 100; // a progress message (and a chance to read messages)
const VIEW_MS = 500; // a graph view
const PROBE = 100; // the graph view's batch: the first 100 training images
// The gradient check takes two forward passes per parameter: past this
// many parameters (the convnet's 430 000), minutes.
const CHECKABLE = 100_000;
const MISCLASSIFIED = 20; // the book's max_view

let net: Network | undefined;
let trainer: Trainer | undefined;
let mnist: Mnist<Uint8Array> | undefined; // one run per Worker
let paused = false;
let wake: (() => void) | undefined; // resolves the pause
let seconds = 0; // training time so far, pauses left out

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer);
}

async function loadData(base: string): Promise<Mnist<Uint8Array>> {
  const files = Object.fromEntries(
    Object.values(MNIST_FILES).map((name) => [name, `${base}mnist/${name}`]),
  ) as Record<MnistFileName, string>;
  const read = async (url: string) => {
    const name = url.slice(base.length);
    post({ type: "status", text: `fetching ${name}…` });
    let shown = 0;
    const onProgress = (size: number) => {
      if (size - shown <= 1e6) return;
      post({
        type: "status",
        text: `fetching ${name}… ${(size / 1e6).toFixed(0)} MB`,
      });
      shown = size;
    };
    try {
      return await download(url, { onProgress });
    } catch (e) {
      if (!(e instanceof DownloadError)) throw e;
      throw new MnistError(
        e.status === undefined
          ? e.message
          : `${e.message}: the page needs the four MNIST files in mnist/ beside it (deno task demo serves them, deno task build:web copies them)`,
      );
    }
  };
  return await mnistFromFiles(files, read, {}, base + "mnist/") as Mnist<
    Uint8Array
  >;
}

async function start(config: RunConfig, base: string): Promise<void> {
  mnist = await loadData(base); // fetched once, then from the HTTP cache
  const { xTrain, tTrain, xTest, tTest } = mnist;
  post({ type: "status", text: "building the net…" });
  const kernels = SimdKernels.create({
    threads: config.threads,
    dtype: config.dtype,
    workerUrl: new URL("simd_worker.js", import.meta.url),
  });
  await kernels?.ready();
  const rng = new Rng(config.seed); // the weights, then the minibatches
  // `deno task train --net NAME` with its defaults.
  const kind = netKinds().find((k) => k.name === config.net);
  if (kind === undefined) throw new Error(`no net named ${config.net}`);
  net = buildNet(
    defaultSpec(kind),
    kernels ? { rng, kernels } : { rng, backend: "ts", dtype: config.dtype },
  );
  const { optimizer: name, lr } = runDefaults(kind, { iters: config.iters });
  const optimizer = createOptimizer(name, lr ? { lr } : {});
  trainer = new Trainer(net, xTrain, tTrain, xTest, tTest, {
    iterations: config.iters,
    batchSize: DEFAULTS.batchSize,
    optimizer,
    evalSamples: kind.defaults.evalSamples,
    rng,
    onEpoch: (record) => post({ type: "epoch", record, seconds: elapsed() }),
  });
  post({
    type: "started",
    title:
      `${net.spec.type}, ${config.iters} iterations, batch ${DEFAULTS.batchSize}, ${name} lr ${optimizer.lr}, seed ${config.seed}`,
    kernels: net.kernels.name,
    threads: net.kernels.threads,
    maxIter: trainer.maxIter,
    checkable: parameterCount(net) <= CHECKABLE,
  });
  const probe = Array.from({ length: PROBE }, (_, i) => i);
  const xProbe = xTrain.batch(probe);
  const tProbe = tTrain.slice(0, PROBE);
  sendView(xProbe, tProbe);
  await train(xProbe, tProbe);
}

let runStart = 0; // when the current stretch of training began
function elapsed(): number {
  return seconds + (paused ? 0 : (performance.now() - runStart) / 1000);
}

async function train(xProbe: Matrix, tProbe: Uint8Array): Promise<void> {
  const t = trainer!;
  runStart = performance.now();
  let lastView = runStart;
  for await (
    const { iteration, maxIter, losses } of t.run({ yieldMs: PROGRESS_MS })
  ) {
    const s = elapsed(), rate = iteration / s;
    post({
      type: "progress",
      iteration,
      losses,
      seconds: s,
      itPerSec: rate,
      etaSeconds: (maxIter - iteration) / rate,
    });
    if (performance.now() - lastView >= VIEW_MS) {
      sendView(xProbe, tProbe);
      lastView = performance.now();
    }
    if (paused) {
      await new Promise<void>((resolve) => wake = resolve);
      runStart = performance.now();
    }
  }
  sendView(xProbe, tProbe);
  // As train.ts ends: the training set (or its first evalSamples) and the
  // whole test set, after the last step.
  const trainingSeconds = elapsed();
  post({
    type: "status",
    text: "the final evaluation, on the whole test set…",
  });
  const { trainAcc, testAcc } = t.result();
  post({
    type: "done",
    trainingSeconds,
    seconds: elapsed(),
    testAcc,
    trainAcc,
  });
  misclassified();
}

function sendView(x: Matrix, t: Uint8Array): void {
  const images = weightImages(net!, 8);
  post({ type: "view", view: viewNet(net!, x, t), images }, [
    ...(images?.images.map((i) => i.buffer) ?? []),
  ]);
}

function check(): void {
  if (net === undefined || mnist === undefined) {
    throw new Error("gradient check: start a run first (it checks its net)");
  }
  const count = parameterCount(net);
  if (count > CHECKABLE) {
    throw new Error(
      `gradient check: this net has ${count} parameters, two forward passes each: minutes; try the two-layer net`,
    );
  }
  // The book's gradient_check.py: x_train[:3], t_train[:3]. A float32
  // net's backprop against its float64 copy's numerical gradient, on the
  // same images as float32 values (`float64Copy`: why).
  const start = performance.now();
  const x = mnist.xTrain.batch([0, 1, 2]), t = mnist.tTrain.slice(0, 3);
  const f32 = net.kernels.dtype === "float32", current = net;
  const x32 = new Matrix(3, x.cols, Float32Array.from(x.data));
  const x64 = f32 ? new Matrix(3, x.cols, Float64Array.from(x32.data)) : x;
  const twin = f32 ? float64Copy(net, { backend: "ts", rows: 3 }) : net;
  const diffs = gradientCheck(
    {
      gradient: (_, t) => current.gradient(f32 ? x32 : x, t),
      numericalGradient: (_, t) => twin.numericalGradient(x64, t),
      state: () => current.state(),
    },
    x64,
    t,
  );
  post({
    type: "gradientCheck",
    diffs: Object.fromEntries(
      Object.entries(diffs).map(([k, d]) => [k, d.meanAbsDiff]),
    ),
    seconds: (performance.now() - start) / 1000,
    iteration: trainer?.iteration ?? 0,
  });
}

/**
 * The first test images the net gets wrong (up to MISCLASSIFIED), with
 * their labels and its guesses: the book's misclassified_mnist.py, on the
 * current net. Reads the test set 100 images at a time, only as far as it
 * needs.
 */
function misclassified(): void {
  if (net === undefined || mnist === undefined) {
    throw new Error("misclassified digits: start a run first");
  }
  const { xTest, tTest } = mnist, size = xTest.sampleSize;
  const digits: {
    index: number;
    label: number;
    guess: number;
    pixels: Uint8Array;
  }[] = [];
  let checked = 0;
  while (checked < xTest.count && digits.length < MISCLASSIFIED) {
    const ids = Array.from(
      { length: Math.min(100, xTest.count - checked) },
      (_, i) => checked + i,
    );
    const guesses = argmax(net.predict(xTest.batch(ids)));
    for (const [j, index] of ids.entries()) {
      if (guesses[j] === tTest[index] || digits.length === MISCLASSIFIED) {
        continue;
      }
      const pixels = xTest.pixels.slice(index * size, (index + 1) * size);
      digits.push({ index, label: tTest[index], guess: guesses[j], pixels });
    }
    checked += ids.length;
  }
  post(
    {
      type: "misclassified",
      digits,
      checked,
      iteration: trainer?.iteration ?? 0,
    },
    digits.map((d) => d.pixels.buffer),
  );
}

function parameterCount(net: Network): number {
  return Object.values(net.params).reduce((n, p) => n + p.data.length, 0);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  try {
    if (m.type === "start") await start(m.config, m.base);
    else if (m.type === "pause" && !paused && trainer) {
      seconds = elapsed();
      paused = true;
      post({ type: "paused" });
    } else if (m.type === "resume" && paused) {
      paused = false;
      wake?.();
      post({ type: "resumed" });
    } else if (m.type === "gradientCheck") check();
    else if (m.type === "misclassified") misclassified();
    else if (m.type === "save") {
      if (net === undefined) throw new Error("save: start a run first");
      const bytes = m.format === "onnx" ? exportOnnx(net) : saveNet(net);
      post({
        type: "saved",
        bytes,
        name: `${net.spec.type}.${m.format}`,
      }, [bytes.buffer]);
    }
  } catch (e) {
    post({
      type: "error",
      message: (e as Error).message ?? String(e),
      fatal: m.type === "start", // the run ended; a refused check did not
    });
  }
};
