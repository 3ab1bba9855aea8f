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
 * nothing. A file that is not one of these, or whose arrays do not fit the
 * net, ends the script with one line naming it.
 */
export async function loadParams(
  network: DeepConvNet,
  fileName: string,
): Promise<void> {
  try {
    const bytes = await Deno.readFile(fileName);
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
    if (
      !(e instanceof PickleError || e instanceof SafetensorsError ||
        e instanceof Deno.errors.NotFound)
    ) throw e;
    const file = e instanceof PickleError ? "" : `${fileName}: `; // named there
    console.error(`load_params: ${file}${e.message}`);
    Deno.exit(1);
  }
}

/** network.save_params(file_name), as a dlfs safetensors file (atomically). */
export async function saveParams(
  network: DeepConvNet,
  fileName: string,
): Promise<void> {
  await saveNetFile(fileName, network);
}

/**
 * The chapter-8 scripts' flags: each of `defaults`' keys takes a value
 * (its default where absent). `--sampled N` must be a whole number from 1
 * to 10000 (MNIST's test images); a bad one, another flag or a stray
 * argument ends the script with one line.
 */
export function flags<K extends string>(
  script: string,
  defaults: Record<K, string | undefined>,
): Record<K, string> {
  const names = Object.keys(defaults);
  const fail = (what: string): never => {
    console.error(`${script}: ${what}`);
    Deno.exit(2);
  };
  const args = parseArgs(Deno.args, {
    string: names,
    unknown: (arg) =>
      fail(
        `unknown argument ${arg} (it takes ${
          names.map((n) => `--${n}`).join(", ")
        })`,
      ),
  });
  const { sampled } = args as { sampled?: string };
  if (
    sampled !== undefined &&
    !(/^\d+$/.test(sampled) && +sampled >= 1 && +sampled <= 10000)
  ) {
    fail(
      `--sampled expects a whole number from 1 to 10000 but got "${sampled}"`,
    );
  }
  return { ...defaults, ...args } as Record<K, string>;
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
