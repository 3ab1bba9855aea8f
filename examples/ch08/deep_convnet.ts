// The book's ch08/deep_convnet.py (§8.1): DeepConvNet, "a ConvNet of over
// 99 % accuracy":
//     conv - relu - conv - relu - pool -
//     conv - relu - conv - relu - pool -
//     conv - relu - conv - relu - pool -
//     affine - relu - dropout - affine - dropout - softmax
// The net is the library's (`DeepConvNet`, net/deep_conv_net.ts); here are
// the book's load_params and save_params, which the other chapter-8 scripts
// use. Run on its own, it prints the net's layers and parameters.
//
// Run: deno run -R examples/ch08/deep_convnet.ts

import { DeepConvNet } from "@dlfs/nn";
import {
  decodePickle,
  loadParams as setParams,
  PickleError,
  SafetensorsError,
  type Tensor,
} from "@dlfs/nn/io";
import { saveNetFile } from "@dlfs/nn/data";
import { parseArgs } from "@std/cli/parse-args";
import { UsageError } from "../../cli/flags.ts";
import { checkInput, checkOutput } from "../../cli/report.ts";

export { DeepConvNet };

/** The book's trained weights, as it shipped them in 2016 (0.9935 on MNIST). */
export const BOOK_PARAMS = new URL(
  "deep_convnet_params_2016.pkl",
  import.meta.url,
).pathname;

/**
 * network.load_params(file_name): the book's pickle (a dict of NumPy
 * arrays, W1 as 16×1×3×3 …) or a dlfs safetensors file (`saveParams`,
 * `deno task train --save`), into `network.params` in place, all or
 * nothing. A file that cannot be read, is not one of these, or whose
 * arrays do not fit the net, ends the script with one line naming it,
 * exit 2.
 */
export async function loadParams(
  network: DeepConvNet,
  fileName: string,
): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(fileName);
  } catch (e) {
    return fail(`load_params: ${fileName}: ${messageOf(e)}`, 2);
  }
  try {
    if (!fileName.endsWith(".pkl")) return setParams(network, bytes);
    // NumPy's FN×C×FH×FW filters are our FN×(C·FH·FW) rows; (n,) is 1×n.
    const tensors: Record<string, Tensor> = {};
    for (
      const [key, { shape, data }] of Object.entries(
        decodePickle(bytes, { name: fileName }),
      )
    ) {
      const rows = shape.length > 1 ? shape[0] : 1;
      tensors[key] = { dtype: "F64", shape: [rows, data.length / rows], data };
    }
    setParams(network, { tensors, metadata: {} });
  } catch (e) {
    if (!(e instanceof PickleError || e instanceof SafetensorsError)) throw e;
    const file = e instanceof PickleError ? "" : `${fileName}: `; // named there
    fail(`load_params: ${file}${e.message}`, 2);
  }
}

/**
 * network.save_params(file_name), as a dlfs safetensors file (atomically).
 * A file that cannot be written ends the script with one line, exit 1.
 */
export async function saveParams(
  network: DeepConvNet,
  fileName: string,
): Promise<void> {
  try {
    await saveNetFile(fileName, network);
  } catch (e) {
    fail(`save_params: ${fileName}: ${messageOf(e)}`, 1);
  }
}

/** The running script's name, which its errors begin with (see `flags`). */
let script = "deep_convnet";

/** Ends the script with one line, `script: what`, and exit `code`. */
function fail(what: string, code: 1 | 2): never {
  console.error(`${script}: ${what}`);
  Deno.exit(code);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The chapter-8 scripts' flags: each of `defaults`' keys takes a value
 * (its default where absent). `--sampled N` must be a whole number from 1
 * to 10000 (MNIST's test images); the files of `files.read` must be
 * there, those of `files.write` writable (their folder there), before
 * anything runs. A bad one, another flag or a stray argument ends the
 * script with one line, exit 2; whatever fails later (the data, a file
 * written at the end) with one line too, exit 1, never a stack trace.
 */
export async function flags<K extends string>(
  name: string,
  defaults: Record<K, string | undefined>,
  files: { read?: NoInfer<K>[]; write?: NoInfer<K>[] } = {},
): Promise<Record<K, string>> {
  script = name;
  for (const event of ["error", "unhandledrejection"] as const) {
    globalThis.addEventListener(event, (e) => {
      e.preventDefault();
      fail(messageOf("reason" in e ? e.reason : e.error), 1);
    });
  }
  const names = Object.keys(defaults);
  const args = parseArgs(Deno.args, {
    string: names,
    unknown: (arg) =>
      fail(
        `unknown argument ${arg} (it takes ${
          names.map((n) => `--${n}`).join(", ")
        })`,
        2,
      ),
  });
  const { sampled } = args as { sampled?: string };
  if (
    sampled !== undefined &&
    !(/^\d+$/.test(sampled) && +sampled >= 1 && +sampled <= 10000)
  ) {
    fail(
      `--sampled expects a whole number from 1 to 10000 but got "${sampled}"`,
      2,
    );
  }
  const values = { ...defaults, ...args } as Record<K, string>;
  try {
    for (const k of files.read ?? []) await checkInput(`--${k}`, values[k]);
    for (const k of files.write ?? []) await checkOutput(`--${k}`, values[k]);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    fail(e.message, 2);
  }
  return values;
}

if (import.meta.main) {
  const network = new DeepConvNet();
  const names = new Map(Object.entries(network.params).map(([k, W]) => [W, k]));
  for (const [name, layer] of network.layers) {
    const params = layer.params().map((p) =>
      `${names.get(p.value)} ${p.value.shape}`
    );
    console.log(`${name}${params.length ? `: ${params.join(", ")}` : ""}`);
  }
  const count = Object.values(network.params).reduce(
    (n, W) => n + W.data.length,
    0,
  );
  console.log(`SoftmaxWithLoss\n${count} parameters`);
}
