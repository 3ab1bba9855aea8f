/**
 * A saved net for other engines: `deno task export IN.safetensors
 * OUT.onnx [--float64]` reads a net saved by dlfs (`deno task train
 * --save`, `saveNetFile`; a saved run's file too) and writes it as an ONNX
 * model (`exportOnnx`), atomically (a temporary file beside OUT, then
 * renamed): nothing is written unless the whole model was built.
 *
 * Run `deno task export --help` for the flags.
 *
 * @module
 */

import { parseArgs } from "@std/cli/parse-args";
import { dirname } from "@std/path";
import { nearest } from "./core/options.ts";
import { exportOnnx, type LoadedNet, SafetensorsError } from "./io/mod.ts";
import { loadNetFile, writeFileAtomic } from "./data/mod.ts";
import { notCapable, resolve, UsageError } from "./cli/flags.ts";
import { notANet } from "./cli/net.ts";
import { netKind } from "./net/mod.ts";

const USAGE = `Usage: deno task export IN.safetensors OUT.onnx [--float64]

Writes the net saved in IN (by deno task train --save, or saveNetFile) as an
ONNX model at OUT, for ONNX Runtime and the other engines: input x (N×784, or
N×1×28×28 for the convnets), output y (N×10 class probabilities), the input
normalisation the net was trained with in the model's metadata.

Flags:
  --float64    float64 weights and values (default: float32, what the
               engines run)
  -h, --help   show this help`;

/** Exports IN to OUT as `args` say; returns the line to print. */
async function main(args: string[]): Promise<string> {
  const strays: string[] = [];
  const values = parseArgs(args, {
    boolean: ["float64", "help"],
    alias: { h: "help" },
    unknown: (arg) => (strays.push(arg), !arg.startsWith("-")),
  });
  const flag = strays.find((a) => a.startsWith("-"));
  if (flag !== undefined) {
    const name = flag.replace(/^-+/, "").split("=")[0];
    const near = nearest(name, ["float64", "help"]);
    throw new UsageError(
      `unknown flag --${name}${near ? ` (did you mean --${near}?)` : ""}`,
    );
  }
  if (values.help) return USAGE;
  const paths = values._.map(String);
  if (paths.length !== 2) {
    throw new UsageError(
      `expected two files, IN.safetensors OUT.onnx, but found ${paths.length}`,
    );
  }
  const [input, output] = paths.map((p) => resolve(p)!);
  if (!output.toLowerCase().endsWith(".onnx")) {
    throw new UsageError(
      `expected OUT to end in .onnx but found "${paths[1]}"`,
    );
  }
  let loaded: LoadedNet;
  try {
    loaded = await loadNetFile(input, undefined, { backend: "ts" });
  } catch (e) {
    if (e instanceof SafetensorsError) throw notANet(paths[0], e);
    const { code, message } = e as Error & { code?: string };
    if (code === undefined) throw e; // NotCapable, or a bug
    throw new UsageError(
      `${paths[0]}: ${code === "ENOENT" ? "no such file" : message}`,
    );
  }
  const { net, input: pixels } = loaded;
  const dtype = values.float64 ? "float64" : "float32";
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(net, { dtype, input: pixels });
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
    throw new UsageError(`${paths[0]}: ${e.message}`);
  }
  try {
    await writeFileAtomic(output, bytes);
  } catch (e) {
    const { name, code, message } = e as Error & { code?: string };
    if (name === "NotCapable") throw e;
    throw new UsageError(
      code === "ENOENT"
        ? `${paths[1]}: no such folder ${dirname(paths[1])}`
        : code === "EISDIR"
        ? `${paths[1]}: is a folder, not a file`
        : message, // "could not write OUT: …"
    );
  }
  return `${netKind(net.spec.type).describe(net.spec)} from ${
    paths[0]
  } written to ${
    paths[1]
  }: ${bytes.length} bytes of ONNX, ${dtype}, pixels ${pixels.pixels}`;
}

if (import.meta.main) {
  try {
    console.log(await main(Deno.args));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`export: ${e.message}`);
      Deno.exit(2);
    }
    if ((e as Error).name === "NotCapable") {
      console.error(
        `export: ${
          notCapable(e as Error)
        }: run it as deno task export, which grants what it needs`,
      );
      Deno.exit(2);
    }
    throw e;
  }
}
