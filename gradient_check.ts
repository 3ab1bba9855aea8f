/**
 * The book's ch05/gradient_check.py: TwoLayerNet(784, 50, 10) on the first
 * three MNIST training images, backprop against the numerical gradient,
 * printing the mean |Δ| of each parameter, then the verdict against the
 * threshold, 1e-6: passed (exit 0), or FAILED (exit 1) with, where a ReLU
 * input lies within h of its kink at 0, that the numerical gradient
 * straddles it (`reluCornerNote`; `--seed 2` shows one).
 *
 * Run: `deno task gradient-check [--data-dir DIR]` (`DLFS_BACKEND=ts` for
 * the pure-TypeScript kernels; default: SIMD where the runtime has it;
 * `--help` for the flags)
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { Rng } from "./core/mod.ts";
import { notCapable } from "./cli/flags.ts";
import { gatherLabels, loadMnist, MnistError } from "./data/mod.ts";
import {
  compareGradients,
  parallelNumericalGradient,
  reluCornerNote,
  reluMargin,
  TwoLayerNet,
} from "./net/mod.ts";

/** The book's TwoLayerNet(input_size=784, hidden_size=50, output_size=10). */
const BOOK = { inputSize: 784, hiddenSize: 50, outputSize: 10 };

const LIMIT = 1e-6;
const USAGE = `Usage: deno task gradient-check [flags]

The book's gradient check: backprop against the numerical gradient of
TwoLayerNet(784, 50, 10) on the first three MNIST training images.

Flags:
  --data-dir DIR   read the four MNIST files (raw or .gz) from DIR
                   (default: $MNIST_DIR, else $XDG_CACHE_HOME/dlfs/mnist
                   or ~/.cache/dlfs/mnist, downloaded there on first use)
  --seed N         draw the initial weights from Rng(N) (default 0)
  -h, --help       show this help

DLFS_BACKEND=ts|simd|auto picks the kernels (default auto).`;
// `deno run gradient_check.ts` without the task's permissions: one line
// naming the command that has them, not a stack trace.
addEventListener("unhandledrejection", (e) => {
  if (!(e.reason instanceof Deno.errors.NotCapable)) return;
  e.preventDefault();
  console.error(
    `gradient-check: ${
      notCapable(e.reason)
    }: run it as deno task gradient-check, which grants what it needs`,
  );
  Deno.exit(2);
});
const strays: string[] = [];
const values = parseArgs(Deno.args, {
  string: ["data-dir", "seed"],
  boolean: ["help"],
  alias: { h: "help" },
  unknown: (arg) => (strays.push(arg), false),
});
if (strays.length > 0) {
  console.error(
    `gradient-check: ${
      strays[0].startsWith("-") ? "unknown flag" : "unexpected argument"
    } ${strays[0]} (deno task gradient-check --help lists the flags)`,
  );
  Deno.exit(2);
}
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const dir = values["data-dir"], from = Deno.env.get("INIT_CWD");
const dataDir = dir === undefined || dir.startsWith("/") || !from
  ? dir
  : `${from}/${dir}`;
const backend = Deno.env.get("DLFS_BACKEND") ?? "auto";
if (backend !== "auto" && backend !== "simd" && backend !== "ts") {
  console.error(
    `gradient-check: DLFS_BACKEND expects one of auto, simd, ts but got "${backend}"`,
  );
  Deno.exit(2);
}
const seed = Number(values.seed ?? 0);
if (!/^-?\d+$/.test(values.seed ?? "0") || !Number.isSafeInteger(seed)) {
  console.error(
    `gradient-check: --seed expects an integer but got "${values.seed}"`,
  );
  Deno.exit(2);
}
const rng = new Rng(seed);
const net = new TwoLayerNet({ ...BOOK, rng, backend });
const mnist = await loadMnist({ dir: dataDir, oneHotLabel: true }).catch(
  (e) => {
    if (!(e instanceof MnistError)) throw e;
    console.error(`gradient-check: ${e.message}`);
    // As train.ts: a folder the command line (or MNIST_DIR) names, exit 2.
    Deno.exit(dataDir ?? Deno.env.get("MNIST_DIR") ? 2 : 1);
  },
);
const { xTrain, tTrain, source } = mnist;
const x = xTrain.sliceRows(0, 3); // normalised to [0, 1], as the book
const t = gatherLabels(tTrain, [0, 1, 2]); // one-hot rows, as the book
console.log(
  `the first 3 MNIST training images (${source}); TwoLayerNet(784, 50, 10), weights from Rng(${seed}), ${net.kernels.name} kernels`,
);

const start = performance.now();
// The numerical gradient on two threads (bit-identical to the serial one).
const numerical = await parallelNumericalGradient(net, x, t);
const backprop = net.gradient(x, t);
const failed: [key: string, meanAbsDiff: number][] = [];
for (const key of ["W1", "b1", "W2", "b2"] as const) {
  const d = compareGradients(backprop[key], numerical[key]);
  console.log(
    `${key}: ${d.meanAbsDiff.toExponential(2)}  (max relative error ${
      d.maxRelError.toExponential(2)
    })`,
  );
  if (!(d.meanAbsDiff <= LIMIT)) failed.push([key, d.meanAbsDiff]);
}
console.log(`${((performance.now() - start) / 1000).toFixed(1)} s`);
if (failed.length === 0) {
  console.log(`gradient check passed: every mean |Δ| ≤ ${LIMIT}`);
} else {
  console.error(`gradient check FAILED: a mean |Δ| exceeds ${LIMIT}`);
  // A ReLU input within h of 0 puts the central difference across the kink.
  const margin = reluMargin(net, x);
  for (const [key, diff] of failed) {
    const note = reluCornerNote(key, diff, margin);
    if (note !== undefined) console.error(note);
  }
  Deno.exit(1);
}
