/**
 * The book's ch05/gradient_check.py: TwoLayerNet(784, 50, 10) on the first
 * three MNIST training images, backprop against the numerical gradient,
 * printing the mean |Δ| of each parameter; `--net NAME` checks another of
 * the registry's nets (their Dropout masks frozen), `--images N` on N
 * images, `--uniform` on images of uniform random pixels, as the book's
 * ch07/gradient_check.py. Where a mean |Δ| exceeds 1e-6, the elements whose
 * ±h steps cross a kink (a ReLU or a max pool switches: the numerical
 * gradient straddles it) are checked again with steps of h/100, and set
 * aside if those cross one too (`setAsideKinks`). Then the verdict against
 * the threshold: passed (exit 0), or FAILED (exit 1) if the mean |Δ| of the
 * elements compared exceeds 1e-6 (or none is left). With `--dtype float32`
 * the net computes in float32 and its backprop is checked against the
 * numerical gradient of its float64 copy (`float64Copy`, whose module doc
 * says why, and why the same threshold holds).
 *
 * Run: `deno task gradient-check [--net NAME] [--images N] [--uniform]
 * [--dtype float32] [--data-dir DIR]` (`DLFS_BACKEND=ts` for the pure-TypeScript kernels;
 * default: SIMD where the runtime has it; `--help` for the flags)
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { Matrix, Rng } from "./core/mod.ts";
import { integer, joinNegatives, notCapable, UsageError } from "./cli/flags.ts";
import { gatherLabels, loadMnist, MnistError } from "./data/mod.ts";
import { Dropout } from "./layers/mod.ts";
import {
  buildNet,
  compareGradients,
  float64Copy,
  netKinds,
  parallelNumericalGradient,
  setAsideKinks,
} from "./net/mod.ts";

const LIMIT = 1e-6;
const NAMES = netKinds().map((k) => k.name);
const USAGE = `Usage: deno task gradient-check [flags]

The book's gradient check: backprop against the numerical gradient of
TwoLayerNet(784, 50, 10) on the first three MNIST training images. Where a
mean |Δ| exceeds 1e-6, the elements whose ±h steps cross a kink (a ReLU or a
max pool switches) are checked again with steps of h/100, and set aside if
those cross one too.

Flags:
  --net NAME       the net, built as deno task train --net NAME builds it:
                   ${NAMES.join(", ")} (default two-layer)
  --images N       check on N images (default 3)
  --uniform        on images of uniform random pixels in [0, 1), drawn after
                   the weights (the book's ch07 check), instead of MNIST's
                   (whose blank margins put a convnet's units at the ReLU's
                   kink while its biases are 0)
  --data-dir DIR   read the four MNIST files (raw or .gz) from DIR
                   (default: $MNIST_DIR, else $XDG_CACHE_HOME/dlfs/mnist
                   or ~/.cache/dlfs/mnist, downloaded there on first use)
  --seed N         draw the initial weights from Rng(N) (default 0)
  --dtype TYPE     float64 (default) or float32: the net computes in
                   float32, its backprop checked against the numerical
                   gradient of its float64 copy (the same weights and
                   images, exactly), with the same threshold
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
const valued = ["data-dir", "seed", "net", "images", "dtype"];
const values = parseArgs(joinNegatives(Deno.args, valued), {
  string: valued,
  boolean: ["help", "uniform"],
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
const kind = netKinds().find((k) => k.name === (values.net ?? "two-layer"));
if (kind === undefined) {
  console.error(
    `gradient-check: --net expects one of ${
      NAMES.join(", ")
    } but got "${values.net}"`,
  );
  Deno.exit(2);
}
let images = 3;
try {
  images = integer("--images", values.images, images, 1, 100);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`gradient-check: ${e.message}`);
  Deno.exit(2);
}
const dtype = values.dtype ?? "float64";
if (dtype !== "float64" && dtype !== "float32") {
  console.error(
    `gradient-check: --dtype expects float64 or float32 but got "${dtype}"`,
  );
  Deno.exit(2);
}
const rng = new Rng(seed);
const net = buildNet(
  kind.forMnist({ ...kind.defaults, batchnorm: false, weightDecay: 0 }),
  { rng, backend, dtype },
);
const mnist = await loadMnist({ dir: dataDir, oneHotLabel: true }).catch(
  (e) => {
    if (!(e instanceof MnistError)) throw e;
    console.error(`gradient-check: ${e.message}`);
    // As train.ts: a folder the command line (or MNIST_DIR) names, exit 2.
    Deno.exit(dataDir ?? Deno.env.get("MNIST_DIR") ? 2 : 1);
  },
);
const { xTrain, tTrain, source } = mnist;
const first = Array.from({ length: images }, (_, i) => i);
// The book's x_train[:3], normalised to [0, 1], or np.random.rand's pixels.
const images64 = values.uniform
  ? new Matrix(
    images,
    784,
    Float64Array.from({ length: images * 784 }, () => rng.uniform()),
  )
  : xTrain.batch(first);
// In float32, the images as float32 values, and the same values in float64
// for the float64 copy.
const x = dtype === "float64"
  ? images64
  : new Matrix(images, 784, Float32Array.from(images64.data));
const x64 = dtype === "float64"
  ? x
  : new Matrix(images, 784, Float64Array.from(x.data));
const t = gatherLabels(tTrain, first); // one-hot rows, as the book
// One training-mode pass draws the Dropout masks; frozen, every forward of
// the numerical gradient computes the same function.
net.loss(x, t, { train: true });
for (const layer of net.layers.values()) {
  if (layer instanceof Dropout) layer.frozenMask = true;
}
// Whose numerical gradient is the oracle: the net's, or in float32 its
// float64 copy's (the same function, computed in float64).
const oracle = dtype === "float64"
  ? net
  : float64Copy(net, { backend, rows: images });
const count = Object.values(net.params).reduce((n, p) => n + p.data.length, 0);
console.log(
  `${
    values.uniform
      ? `${images} images of uniform random pixels`
      : `the first ${images} MNIST training images (${source})`
  }; ${
    kind.describe(net.spec)
  }, ${count} parameters, weights from Rng(${seed}), ${net.kernels.name} kernels${
    dtype === "float64"
      ? ""
      : ", float32 (against the numerical gradient of its float64 copy)"
  }`,
);

const start = performance.now();
// The numerical gradient on two threads (bit-identical to the serial one).
const numerical = await parallelNumericalGradient(oracle, x64, t);
const backprop = net.gradient(x, t) as Record<string, Matrix>;
const loss = () => oracle.loss(x64, t, { train: true }); // the function checked
const failed: string[] = [];
let kinks = false; // whether an element's ±h steps crossed a kink
for (const [key, W] of Object.entries(oracle.params)) {
  const d = compareGradients(backprop[key], numerical[key]);
  let line = `${key}: ${d.meanAbsDiff.toExponential(2)}  (max relative error ${
    d.maxRelError.toExponential(2)
  })`;
  let diff = d.meanAbsDiff;
  if (!(diff <= LIMIT)) {
    const k = setAsideKinks(oracle, loss, W, backprop[key], numerical[key], {
      limit: LIMIT,
    });
    const n = W.data.length, { rechecked, kinked } = k;
    kinks ||= rechecked.length + kinked.length > 0;
    diff = k.meanAbsDiff;
    line += `; ${
      rechecked.length + kinked.length
    } of ${n} elements cross a kink within ±h: ${rechecked.length} rechecked with steps of h/100${
      kinked.length > 0 ? `, ${kinked.length} set aside` : ""
    }; the ${n - kinked.length} compared: ${diff.toExponential(2)}`;
  }
  console.log(line);
  if (!(diff <= LIMIT)) failed.push(key);
}
console.log(`${((performance.now() - start) / 1000).toFixed(1)} s`);
if (failed.length === 0) {
  console.log(
    `gradient check passed: every mean |Δ| ≤ ${LIMIT}${
      kinks ? " (where ±h crosses a kink, with steps of h/100)" : ""
    }`,
  );
} else {
  console.error(
    `gradient check FAILED: ${
      failed.join(", ")
    }: a mean |Δ| over the elements clear of kinks exceeds ${LIMIT}, or none is clear (--uniform: images without blank margins)`,
  );
  Deno.exit(1);
}
