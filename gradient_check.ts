/**
 * The book's ch05/gradient_check.py: TwoLayerNet(784, 50, 10) on the first
 * three MNIST training images, backprop against the numerical gradient,
 * printing the mean |Δ| of each parameter. Exits 1 if any exceeds 1e-6.
 *
 * Run: `deno task gradient-check [--data-dir DIR]` (`DLFS_BACKEND=ts` for
 * the pure-TypeScript kernels; default: SIMD where the runtime has it;
 * `--help` for the flags)
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { Rng } from "./core/mod.ts";
import { gatherLabels, loadMnist, MnistError } from "./data/mod.ts";
import {
  compareGradients,
  parallelNumericalGradient,
  TwoLayerNet,
} from "./net/mod.ts";

const LIMIT = 1e-6;
const USAGE = `Usage: deno task gradient-check [flags]

The book's gradient check: backprop against the numerical gradient of
TwoLayerNet(784, 50, 10) on the first three MNIST training images.

Flags:
  --data-dir DIR   read the four MNIST files (raw or .gz) from DIR
                   (default: $MNIST_DIR, else $XDG_CACHE_HOME/dlfs/mnist
                   or ~/.cache/dlfs/mnist, downloaded there on first use)
  -h, --help       show this help

DLFS_BACKEND=ts|simd|auto picks the kernels (default auto).`;
const strays: string[] = [];
const values = parseArgs(Deno.args, {
  string: ["data-dir"],
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
const rng = new Rng(0);
const net = new TwoLayerNet(784, 50, 10, { rng, backend });
const mnist = await loadMnist({ dir: dataDir, oneHotLabel: true }).catch(
  (e) => {
    if (!(e instanceof MnistError)) throw e;
    console.error(`gradient-check: ${e.message}`);
    Deno.exit(1);
  },
);
const { xTrain, tTrain, source } = mnist;
const x = xTrain.rows(0, 3); // normalised to [0, 1], as the book
const t = gatherLabels(tTrain, [0, 1, 2]); // one-hot rows, as the book
console.log(
  `the first 3 MNIST training images (${source}); TwoLayerNet(784, 50, 10), weights from Rng(0), ${net.kernels.name} kernels`,
);

const start = performance.now();
// The numerical gradient on two threads (bit-identical to the serial one).
const numerical = await parallelNumericalGradient(net, x, t);
const backprop = net.gradient(x, t);
let ok = true;
for (const key of ["W1", "b1", "W2", "b2"] as const) {
  const d = compareGradients(backprop[key], numerical[key]);
  console.log(
    `${key}: ${d.meanAbsDiff.toExponential(2)}  (max relative error ${
      d.maxRelError.toExponential(2)
    })`,
  );
  if (!(d.meanAbsDiff <= LIMIT)) ok = false;
}
console.log(`${((performance.now() - start) / 1000).toFixed(1)} s`);
if (!ok) {
  console.error(`gradient check FAILED: a mean |Δ| exceeds ${LIMIT}`);
  Deno.exit(1);
}
