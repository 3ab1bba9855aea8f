// train.ts's command line: the usage text, the flags and their checks.

import { parseArgs } from "@std/cli/parse-args";
import { DEFAULTS } from "./defaults.ts";
import { type Backend, type DType, simdSupport } from "../core/mod.ts";
import { type NetKind, netKinds, type WeightInit } from "../net/mod.ts";
import { type OptimizerName, OPTIMIZERS } from "../optim/mod.ts";
import { nearest } from "../core/options.ts";

const KINDS = netKinds();
/** The names of the kinds for which `has` holds, as "a, b or c". */
const kindsWhere = (has: (kind: NetKind) => unknown): string =>
  list(KINDS.filter(has).map((k) => k.name));
/** Each kind's default of a flag, as "a 50, b 100" (kinds with one). */
const perKind = (value: (kind: NetKind) => string | undefined): string =>
  KINDS.flatMap((k) => {
    const v = value(k);
    return v === undefined || v === "" ? [] : [`${k.name} ${v}`];
  }).join(", ");
const evalSamples = perKind((k) => k.defaults.evalSamples?.toString());
const epochs = perKind((k) =>
  k.defaults.epochs === undefined ? undefined : `${k.defaults.epochs} epochs`
);
const optimizers = perKind((k) => k.defaults.optimizer);

export const USAGE = `Usage: deno task train [flags]

Trains a network on MNIST with minibatch gradient descent and prints the train
and test accuracy once per epoch. The defaults are the book's chapter-5 run;
with --net deep-convnet, its chapter-8 train_deepnet.py.

Flags:
${
  help(
    "--net NAME",
    `the net: ${
      list(
        KINDS.map((k) =>
          `${k.name} (${
            k.name === DEFAULTS.net ? "default: " : ""
          }${k.summary})`
        ),
      )
    }`,
  )
}
${
  help(
    "--hidden N[,N…]",
    `hidden layer sizes (default ${
      perKind((k) => k.defaults.hidden.join(","))
    }; more than one: ${kindsWhere((k) => k.takes.hidden === "list")})`,
  )
}
${
  help(
    "--iters N",
    `iterations (default ${DEFAULTS.iters}${
      epochs ? `; ${epochs}` : ""
    }; 0 evaluates only)`,
  )
}
  --epochs N        or: epochs of train-size / batch-size iterations each
  --batch-size N    samples per minibatch, drawn with replacement (default ${DEFAULTS.batchSize})
${
  help(
    "--optimizer NAME",
    `sgd, momentum, nesterov, adagrad, rmsprop or adam (default sgd${
      optimizers ? `; ${optimizers}` : ""
    })`,
  )
}
  --lr X            learning rate, > 0 (default ${DEFAULTS.lr} for sgd, else the
                    optimizer's own: 0.01, or 0.001 for adam)
${
  help(
    "--init STD|NAME",
    `initial weights: a standard deviation, he or xavier (default ${
      perKind((k) => String(k.defaults.init))
    })`,
  )
}
${
  help(
    "--batchnorm",
    `BatchNormalization after each hidden Affine (${
      kindsWhere((k) => k.takes.batchnorm)
    })`,
  )
}
${
  help(
    "--dropout RATIO",
    `Dropout after each hidden activation (${
      kindsWhere((k) => k.takes.dropout)
    })`,
  )
}
${
  help(
    "--weight-decay λ",
    `L2 weight decay λ ≥ 0 (${
      kindsWhere((k) => k.takes["weight-decay"])
    }; default 0)`,
  )
}
  --seed N          seed of the weights, minibatches and dropout, 0 to 4294967295 (default ${DEFAULTS.seed})
${
  help(
    "--eval-samples N",
    `per epoch, evaluate on the first N training and test images (default: all${
      evalSamples ? `; ${evalSamples}, as the book's Trainer` : ""
    }); the final test accuracy is always on all 10000`,
  )
}
  --backend NAME    kernels: auto (default: WebAssembly SIMD where the runtime
                    has it), simd, or ts (the pure-TypeScript loops); default
                    from $DLFS_BACKEND when set
  --dtype TYPE      float64 (default: the book's numbers) or float32 (half the
                    memory; the SIMD products run four lanes a vector)
  --threads N       1, or 2 to share the large products with a worker thread
                    (SIMD kernels only; default 2 with them on a machine with
                    2 or more cores; same results as 1)
  --data-dir DIR    read the four MNIST files (raw or .gz) from DIR
                    (default: $MNIST_DIR, else $XDG_CACHE_HOME/dlfs/mnist
                    or ~/.cache/dlfs/mnist, downloaded there on first use)
  --json FILE       write config, per-epoch history, loss history and results
  --save FILE       save the trained net (safetensors, written atomically)
  --plot FILE.svg   draw the loss and the per-epoch accuracies as an SVG
  --load FILE       start a new run from a saved net instead of a new net
                    (with --iters 0: only evaluate it)
  --resume FILE     continue the run --save saved in FILE (at its end, a
                    checkpoint or Ctrl-C) where it stopped, to its --iters or
                    a new --iters or --epochs: bit for bit where the run would
                    have ended uninterrupted; saved back to FILE unless --save
                    says otherwise (its net, optimizer and seed are the file's)
  --checkpoint-every N
                    save the run to --save's file every N iterations
                    (Ctrl-C saves it too, when --save is given)
  --quiet           print only the final line
  -h, --help        show this help

Relative paths are taken from the folder the task was run from.`;

/** A flag's line(s) of help: `text` beside the flag, wrapped at 80 columns. */
function help(flag: string, text: string): string {
  const lines = [`  ${flag}`.padEnd(19)];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (lines[last].length + 1 + word.length > 80) lines.push(" ".repeat(19));
    lines[lines.length - 1] += ` ${word}`;
  }
  return lines.join("\n");
}

/** Words as "a", "a or b", "a, b or c". */
function list(words: readonly string[]): string {
  return words.length < 2
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** The flags train.ts takes, without their dashes. */
const FLAGS: string[] = [
  "net",
  "hidden",
  "iters",
  "epochs",
  "batch-size",
  "optimizer",
  "lr",
  "init",
  "batchnorm",
  "dropout",
  "weight-decay",
  "seed",
  "eval-samples",
  "backend",
  "dtype",
  "threads",
  "data-dir",
  "json",
  "save",
  "plot",
  "load",
  "resume",
  "quiet",
  "checkpoint-every",
  "help",
];

/** The flags that take no value. */
const BOOLEAN_FLAGS = ["batchnorm", "quiet", "help"];

/**
 * Deno's permission error in words for a CLI's one line, without its advice
 * to add a flag to a `deno run` (a task grants what the script needs).
 */
export function notCapable(e: Error): string {
  return `no permission: ${e.message.replace(/, run again with .*$/, "")}`;
}

/** A bad command line: reported as one line and a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/** The flags that say what net to build: a --load file says it instead. */
const NET_FLAGS = [
  "net",
  "hidden",
  "init",
  "batchnorm",
  "dropout",
  "weight-decay",
] as const;

/** The flags a run saved with --save keeps; --resume takes them from the file. */
const RUN_FLAGS = [
  ...NET_FLAGS,
  "optimizer",
  "lr",
  "batch-size",
  "seed",
  "eval-samples",
  "load",
  "dtype",
] as const;

/** What a command line asks of train.ts. */
export interface Config {
  /** --net: a kind's name. */
  net: string;
  /** Its kind. */
  kind: NetKind;
  hidden: number[];
  iters?: number;
  epochs?: number;
  batchSize: number;
  /** --optimizer (absent: the net's default, else sgd). */
  optimizer?: OptimizerName;
  lr?: number;
  init?: WeightInit;
  batchnorm: boolean;
  evalSamples?: number;
  dropout?: number;
  weightDecay: number;
  seed: number;
  backend: Backend;
  /** --dtype: the element type of the net and its kernels. */
  dtype: DType;
  threads: number;
  dataDir?: string;
  json?: string;
  save?: string;
  plot?: string;
  load?: string;
  /** --resume: the saved run to continue (then also `save`, unless --save). */
  resume?: string;
  quiet: boolean;
  checkpointEvery?: number;
}

/** The flags as parseArgs gives them (booleans absent unless given). */
type Values =
  & Partial<Record<(typeof FLAGS)[number], string>>
  & { batchnorm?: boolean; quiet?: boolean; help?: boolean };

/**
 * The command line as a {@linkcode Config}, or "help". With `stored` (the
 * flags a saved run kept, `runFlags`), the config of `--resume`: the
 * stored flags, then those of the command line (`--iters` or `--epochs`,
 * the outputs, the kernels).
 *
 * @throws {UsageError} for anything it cannot take, in one line.
 */
export function parseConfig(
  args: string[],
  stored?: readonly string[],
): Config | "help" {
  const values = parseValues(args);
  if (values.help) return "help";
  if (values.resume !== undefined) {
    if (values.load !== undefined) {
      throw new UsageError(
        "--load and --resume are alternatives: --load starts a new run from a net, --resume continues a saved run",
      );
    }
    for (const flag of RUN_FLAGS) {
      if (values[flag] !== undefined) {
        throw new UsageError(
          `--${flag} cannot go with --resume: the run's settings come from the file`,
        );
      }
    }
  }
  if (stored === undefined) return configOf(values);
  const kept = parseValues([...stored]);
  if (values.iters !== undefined || values.epochs !== undefined) {
    delete kept.iters; // a new end
  }
  return configOf({ ...kept, ...values });
}

/** The flags a command line gives, after the checks of its form. */
function parseValues(args: string[]): Values {
  const strays: string[] = [];
  const valued = FLAGS.filter((f) => !BOOLEAN_FLAGS.includes(f));
  const parsed = parseArgs(joinNegatives(args, valued), {
    string: valued,
    boolean: BOOLEAN_FLAGS,
    alias: { h: "help" },
    unknown: (arg) => (strays.push(arg), false),
  });
  const [stray] = strays;
  if (stray !== undefined && stray.startsWith("-") && !/^-\.?\d/.test(stray)) {
    const name = stray.replace(/^-+/, "").split("=")[0];
    const near = nearest(name, FLAGS);
    throw new UsageError(
      `unknown flag --${name}${near ? ` (did you mean --${near}?)` : ""}`,
    );
  }
  if (stray !== undefined) {
    throw new UsageError(
      `unexpected argument "${stray}": the flags take no positional arguments`,
    );
  }
  const values = parsed as unknown as Values;
  for (const flag of BOOLEAN_FLAGS) {
    if (parsed[flag] === false) {
      delete (values as Record<string, unknown>)[flag];
    }
  }
  return values;
}

/**
 * The command line with a negative number after a flag of `valued` (the
 * flags that take a value, without their --) joined to it (`--iters -5` as
 * `--iters=-5`), so that the flag's own check names it: parseArgs would
 * take `-5` for a flag of its own.
 */
export function joinNegatives(
  args: string[],
  valued: readonly string[],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const flag = args[i].replace(/^--/, "");
    if (
      args[i].startsWith("--") && valued.includes(flag) &&
      /^-\.?\d/.test(args[i + 1] ?? "")
    ) {
      out.push(`${args[i]}=${args[++i]}`);
    } else out.push(args[i]);
  }
  return out;
}

/** The config of checked flags. */
function configOf(values: Values): Config {
  const net = oneOf(
    "--net",
    values.net,
    KINDS.map((k) => k.name),
    DEFAULTS.net,
  );
  const kind = KINDS.find((k) => k.name === net)!;
  for (
    const flag of ["hidden", "batchnorm", "dropout", "weight-decay"] as const
  ) {
    if (values[flag] !== undefined && !kind.takes[flag]) {
      throw new UsageError(
        `--${flag} needs --net ${kindsWhere((k) => k.takes[flag])}`,
      );
    }
  }
  const hidden = values.hidden === undefined
    ? [...kind.defaults.hidden]
    : values.hidden.split(",").map((h) => integer("--hidden", h, 0, 1));
  if (kind.takes.hidden === "one" && hidden.length !== 1) {
    throw new UsageError(
      `--hidden for --net ${net} expects one size but got "${values.hidden}"`,
    );
  }
  if (
    values["checkpoint-every"] !== undefined && values.save === undefined &&
    values.resume === undefined
  ) {
    throw new UsageError(
      "--checkpoint-every needs --save FILE: the file the checkpoints go to",
    );
  }
  if (values.iters !== undefined && values.epochs !== undefined) {
    throw new UsageError("--iters and --epochs are alternatives: give one");
  }
  const evalSamples = values["eval-samples"] === undefined
    ? undefined
    : integer("--eval-samples", values["eval-samples"], 0, 1);
  if (values.load !== undefined) {
    for (const flag of NET_FLAGS) {
      if (values[flag] !== undefined) {
        throw new UsageError(
          `--${flag} cannot go with --load: the net comes from the file`,
        );
      }
    }
  }
  const batchSize = integer(
    "--batch-size",
    values["batch-size"],
    DEFAULTS.batchSize,
    1,
  );
  if (values.batchnorm && batchSize < 2) {
    throw new UsageError(
      "--batchnorm needs --batch-size 2 or more: one row has zero variance, and BatchNormalization learns nothing from it",
    );
  }
  const dropout = values.dropout === undefined
    ? undefined
    : fraction("--dropout", values.dropout);
  // --backend, else $DLFS_BACKEND (read only when the flag is absent).
  const envBackend = values.backend === undefined
    ? Deno.env.get("DLFS_BACKEND")
    : undefined;
  const backend = oneOf(
    values.backend !== undefined ? "--backend" : "DLFS_BACKEND",
    values.backend ?? envBackend,
    ["auto", "simd", "ts"] as const,
    "auto",
  );
  if (backend === "simd" && !simdSupport().simd) {
    throw new UsageError(
      "--backend simd: this runtime has no WebAssembly SIMD (use auto or ts)",
    );
  }
  const simd = backend !== "ts" && simdSupport().simd;
  const threads = integer(
    "--threads",
    values.threads,
    simd && navigator.hardwareConcurrency >= 2 ? 2 : 1,
    1,
    2,
  );
  if (threads > 1 && !simd) {
    throw new UsageError(
      "--threads 2 needs the SIMD kernels (--backend auto or simd): the TypeScript kernels run on one thread",
    );
  }

  return {
    net,
    kind,
    hidden,
    iters: values.iters === undefined
      ? undefined
      : integer("--iters", values.iters, 0, 0),
    epochs: values.epochs === undefined
      ? undefined
      : integer("--epochs", values.epochs, 0, 1),
    batchSize,
    optimizer: values.optimizer === undefined ? undefined : oneOf(
      "--optimizer",
      values.optimizer,
      Object.keys(OPTIMIZERS) as OptimizerName[],
      "sgd",
    ),
    lr: values.lr === undefined ? undefined : positive("--lr", values.lr),
    init: values.init === undefined ? undefined : weightInit(values.init),
    batchnorm: values.batchnorm ?? false,
    evalSamples,
    dropout,
    weightDecay: values["weight-decay"] === undefined
      ? 0
      : nonNegative("--weight-decay", values["weight-decay"]),
    seed: integer("--seed", values.seed, DEFAULTS.seed, 0, 0xffffffff),
    backend,
    dtype: oneOf(
      "--dtype",
      values.dtype,
      ["float64", "float32"] as const,
      "float64",
    ),
    threads,
    dataDir: resolve(values["data-dir"]),
    json: resolve(values.json),
    save: resolve(values.save) ?? resolve(values.resume),
    plot: resolve(svg(values.plot)),
    load: resolve(values.load),
    resume: resolve(values.resume),
    quiet: values.quiet ?? false,
    checkpointEvery: values["checkpoint-every"] === undefined
      ? undefined
      : integer("--checkpoint-every", values["checkpoint-every"], 0, 1),
  };
}

/**
 * A path as the user meant it: relative to the folder they ran the task
 * from (`deno task` runs in the project root and says where it was started
 * in $INIT_CWD), else to the current folder.
 */
export function resolve(path: string | undefined): string | undefined {
  if (path === undefined || path.startsWith("/")) return path;
  const from = Deno.env.get("INIT_CWD");
  return from ? `${from.replace(/\/$/, "")}/${path}` : path;
}

/** --plot's file: an SVG (the only format written). */
function svg(path: string | undefined): string | undefined {
  if (path !== undefined && !path.toLowerCase().endsWith(".svg")) {
    throw new UsageError(
      `--plot writes SVG: expected a file name ending in .svg but got "${path}"`,
    );
  }
  return path;
}

/**
 * The integer `text` of `flag`, from `min` to `max`, or `fallback` when
 * absent.
 *
 * @throws {UsageError} for anything else, naming the flag and the range.
 */
export function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (text.trim() === "" || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(
      `${flag} expects an integer from ${min}${
        max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"
      } but got "${text}"`,
    );
  }
  return v;
}

function positive(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v <= 0) {
    throw new UsageError(
      `${flag} expects a finite number > 0 but got "${text}"`,
    );
  }
  return v;
}

function nonNegative(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new UsageError(
      `${flag} expects a finite number ≥ 0 but got "${text}"`,
    );
  }
  return v;
}

function fraction(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !(v >= 0 && v < 1)) {
    throw new UsageError(`${flag} expects a ratio in [0, 1) but got "${text}"`);
  }
  return v;
}

function oneOf<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `${flag} expects one of ${choices.join(", ")} but got "${text}"`,
    );
  }
  return text as T;
}

function weightInit(text: string): WeightInit {
  if (text === "he" || text === "xavier") return text;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw new UsageError(
      `--init expects a standard deviation ≥ 0, he or xavier but got "${text}"`,
    );
  }
  return v;
}

/**
 * The flags that make a run what it is, its learning rate and iterations
 * resolved: what the file `--save` writes keeps, for `--resume` to parse
 * again (`parseConfig(args, stored)`).
 */
export function runFlags(
  config: Config & { optimizer: OptimizerName },
  lr: number,
  iters: number,
): string[] {
  const flags = config.load !== undefined
    ? ["--load", config.load]
    : ["--net", config.net];
  if (config.load === undefined) {
    if (config.kind.takes.hidden) {
      flags.push("--hidden", config.hidden.join(","));
    }
    if (config.init !== undefined) flags.push("--init", String(config.init));
    if (config.batchnorm) flags.push("--batchnorm");
    if (config.dropout !== undefined) {
      flags.push("--dropout", String(config.dropout));
    }
    if (config.weightDecay > 0) {
      flags.push("--weight-decay", String(config.weightDecay));
    }
  }
  flags.push(
    ...["--optimizer", config.optimizer, "--lr", String(lr)],
    ...["--batch-size", String(config.batchSize), "--iters", String(iters)],
    ...["--seed", String(config.seed), "--backend", config.backend],
  );
  if (config.evalSamples !== undefined) {
    flags.push("--eval-samples", String(config.evalSamples));
  }
  if (config.dtype !== "float64") flags.push("--dtype", config.dtype);
  return flags;
}
