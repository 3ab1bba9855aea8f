import {
  assert,
  assertEquals,
  assertMatch,
  assertNotEquals,
  assertNotMatch,
  assertNotStrictEquals,
  assertStrictEquals,
} from "@std/assert";

import { taskFlags } from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const TRAIN_FLAGS = taskFlags("train", "train.ts");

async function train(...args: string[]) {
  return await trainWith({}, ...args);
}

async function trainWith(env: Record<string, string>, ...args: string[]) {
  return await denoRun(env, "run", ...TRAIN_FLAGS, "train.ts", ...args);
}

/** `deno ARGS` in the project root: its exit code and output. */
async function denoRun(env: Record<string, string>, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test("train.ts rejects bad flags in one line with a pointer to --help, exit code 2", async () => {
  const cases: [string[], string][] = [
    [["--bogus"], "train: unknown flag --bogus"],
    [["--iter", "5"], "train: unknown flag --iter (did you mean --iters?)"],
    [
      ["--bach-size=5"],
      "train: unknown flag --bach-size (did you mean --batch-size?)",
    ],
    [
      ["--plot", "x.png"],
      'train: --plot writes SVG: expected a file name ending in .svg but got "x.png"',
    ],
    [
      ["--save", "/nonexistent/dir/net.safetensors"],
      "train: --save /nonexistent/dir/net.safetensors: no such folder /nonexistent/dir",
    ],
    [["--json", "/tmp"], "train: --json /tmp: is a folder, not a file"],
    [["--lr", "abc"], 'train: --lr expects a finite number > 0 but got "abc"'],
    [["--lr=-0.1"], 'train: --lr expects a finite number > 0 but got "-0.1"'],
    [["--lr", "0"], 'train: --lr expects a finite number > 0 but got "0"'],
    [
      ["--batch-size", "0"],
      'train: --batch-size expects an integer from 1 up but got "0"',
    ],
    [
      ["--iters", "1.5"],
      'train: --iters expects an integer from 0 up but got "1.5"',
    ],
    [
      ["--seed=-3"],
      'train: --seed expects an integer from 0 to 4294967295 but got "-3"',
    ],
    [
      ["--data-dir", "/nonexistent/mnist"],
      "train: --data-dir /nonexistent/mnist: no such directory",
    ],
    [["--dropout", "0.3"], "train: --dropout needs --net multi-layer"],
    [
      ["--iters", "5", "--epochs", "1"],
      "train: --iters and --epochs are alternatives: give one",
    ],
    [
      ["--backend", "gpu"],
      'train: --backend expects one of auto, simd, ts but got "gpu"',
    ],
    [
      ["--optimizer", "foo"],
      'train: --optimizer expects one of sgd, momentum, nesterov, adagrad, rmsprop, adam but got "foo"',
    ],
    [
      ["--hidden", "50,50"],
      'train: --hidden for --net two-layer expects one size but got "50,50"',
    ],
    [
      ["--net", "multi-layer", "--dropout", "1"],
      'train: --dropout expects a ratio in [0, 1) but got "1"',
    ],
    [
      ["--init", "lecun"],
      'train: --init expects a standard deviation ≥ 0, he or xavier but got "lecun"',
    ],
    [
      ["--net", "lenet"],
      'train: --net expects one of two-layer, multi-layer, convnet, deep-convnet but got "lenet"',
    ],
    [
      ["--load", "x.safetensors", "--net", "multi-layer"],
      "train: --net cannot go with --load: the net comes from the file",
    ],
    [
      ["--load", "/nonexistent/net.safetensors"],
      "train: --load /nonexistent/net.safetensors: no such file",
    ],
    [
      ["extra"],
      'train: unexpected argument "extra": the flags take no positional arguments',
    ],
    [
      ["--lr", "-0.1"],
      'train: --lr expects a finite number > 0 but got "-0.1"',
    ],
    [
      ["--iters", "-5"],
      'train: --iters expects an integer from 0 up but got "-5"',
    ],
    [
      ["-5"],
      'train: unexpected argument "-5": the flags take no positional arguments',
    ],
    [
      ["--save", "/nonexistent/m", "--json", "/nonexistent/m"],
      "train: --save and --json name one file, /nonexistent/m: each output needs its own (the second would overwrite the first)",
    ],
    [
      ["--plot", "/tmp/run.svg", "--json", "/tmp/../tmp/run.svg"],
      "train: --plot and --json name one file, /tmp/../tmp/run.svg: each output needs its own (the second would overwrite the first)",
    ],
    [
      ["--net", "multi-layer", "--batchnorm", "--batch-size", "1"],
      "train: --batchnorm needs --batch-size 2 or more: one row has zero variance, and BatchNormalization learns nothing from it",
    ],
    [
      ["--resume", "run.st", "--lr", "0.5"],
      "train: --lr cannot go with --resume: the run's settings come from the file",
    ],
    [
      ["--resume", "run.st", "--load", "net.st"],
      "train: --load and --resume are alternatives: --load starts a new run from a net, --resume continues a saved run",
    ],
    [
      ["--resume", "/nonexistent/run.st"],
      "train: --resume /nonexistent/run.st: no such file",
    ],
    [
      ["--resume", "README.md"],
      `train: --resume ${ROOT}README.md: not a safetensors file (decodeSafetensors(): expected a header of at most`,
    ],
  ];
  for (const [args, reason] of cases) {
    const { code, stderr, stdout } = await trainWith(
      { INIT_CWD: ROOT },
      ...args,
    );
    assertStrictEquals(code, 2, args.join(" "));
    assert(stderr.startsWith(reason), `${args.join(" ")}: ${stderr}`);
    assert(
      stderr.endsWith(" (deno task train --help lists the flags)\n"),
      stderr,
    );
    assertStrictEquals(stderr.split("\n").length, 2, "one line");
    assertStrictEquals(stdout, "");
  }
});

Deno.test({
  name:
    "train.ts says why it cannot write in /proc (Deno gives it only with --allow-all)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const { code, stderr } = await train("--save", "/proc/x");
    assertStrictEquals(code, 2);
    assertStrictEquals(
      stderr,
      'train: --save /proc/x: no permission: Requires all access to "/proc/x" (deno task train --help lists the flags)\n',
    );
  },
});

Deno.test("train.ts and gradient_check.ts run without the task's permissions say so in one line, naming the task", async () => {
  for (
    const [script, task] of [["train.ts", "train"], [
      "gradient_check.ts",
      "gradient-check",
    ]]
  ) {
    const { code, stdout, stderr: text } = await denoRun(
      {},
      "run",
      "--no-prompt",
      script,
    );
    assertStrictEquals(code, 2, text);
    assertMatch(
      text,
      new RegExp(
        `^${task}: no permission: Requires env access to "\\w+": run it as deno task ${task}, which grants what it needs\n$`,
      ),
    );
    assertStrictEquals(stdout.length, 0);
  }
});

Deno.test("train.ts --help and -h print the usage and exit 0", async () => {
  for (const flag of ["--help", "-h"]) {
    const { code, stdout } = await train(flag);
    assertStrictEquals(code, 0);
    assertMatch(stdout, /--batch-size N/);
  }
});

Deno.test("train.ts refuses a --load file that does not fit, and a --resume file that holds a net alone, in one line, exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-load-" });
  try {
    const { saveNetFile } = await import("../data/mod.ts");
    const { TwoLayerNet } = await import("../net/mod.ts");
    await saveNetFile(
      `${dir}/small.st`,
      new TwoLayerNet({ inputSize: 100, hiddenSize: 5, outputSize: 10 }),
    );
    const bytes = await Deno.readFile(`${dir}/small.st`);
    await Deno.writeFile(`${dir}/cut.st`, bytes.subarray(0, bytes.length - 9));
    await Deno.writeTextFile(`${dir}/text.st`, "not a net\n");
    const cases: [string, RegExp][] = [
      [
        "small.st",
        /^train: --load \S+small.st: expected a net for MNIST \(784 inputs, 10 classes\) but found 100 inputs, 10 classes\n$/,
      ],
      [
        "cut.st",
        /^train: --load \S+cut.st: not a safetensors file \(decodeSafetensors\(\): expected data_offsets of "b2" within the \d+ data bytes but found \[\d+, \d+\]\)\n$/,
      ],
      [
        "text.st",
        /^train: --load \S+text.st: not a safetensors file \(decodeSafetensors\(\): expected a header of at most \d+ bytes/,
      ],
    ];
    for (const [name, message] of cases) {
      const { code, stderr } = await train(
        "--load",
        `${dir}/${name}`,
        "--iters",
        "0",
      );
      assertStrictEquals(code, 2, name);
      assertMatch(stderr, message);
      assertStrictEquals(stderr.split("\n").length, 2, "one line");
    }
    const alone = await train("--resume", `${dir}/small.st`);
    assertStrictEquals(alone.code, 2);
    assertStrictEquals(
      alone.stderr,
      `train: --resume ${dir}/small.st: expected a run saved by deno task train --save but found a net alone (--load starts a new run from it) (deno task train --help lists the flags)\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts takes relative paths from the folder the task was run from ($INIT_CWD)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-cwd-" });
  try {
    const { code, stderr } = await trainWith(
      { INIT_CWD: dir },
      "--iters",
      "0",
      "--quiet",
      "--json",
      "run.json",
    );
    assertStrictEquals(code, 0, stderr);
    assert((await Deno.stat(`${dir}/run.json`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs `deno task gradient-check` with `args`, as the task does. */
async function gradientCheckCli(...args: string[]) {
  const flags = taskFlags("gradient-check", "gradient_check.ts");
  return await denoRun({}, "run", ...flags, "gradient_check.ts", ...args);
}

Deno.test("gradient_check.ts takes --help and --data-dir and refuses other flags", async () => {
  const help = await gradientCheckCli("-h");
  assertStrictEquals(help.code, 0);
  assertMatch(help.stdout, /--data-dir DIR/);
  const bogus = await gradientCheckCli("--bogus");
  assertStrictEquals(bogus.code, 2);
  assertMatch(
    bogus.stderr,
    /^gradient-check: unknown flag --bogus \(deno task gradient-check --help lists the flags\)\n$/,
  );
  const dir = await gradientCheckCli("--data-dir", "/nonexistent/mnist");
  assertStrictEquals(dir.code, 2); // as train.ts: what the command line names
  assertMatch(
    dir.stderr,
    /^gradient-check: loadMnist\(\): expected dir "\/nonexistent\/mnist" to be a directory/,
  );
});

Deno.test("gradient_check.ts checks again with smaller steps the elements whose steps cross a ReLU kink (--seed 2) and passes; clear of kinks (--seed 0) it says nothing more", async () => {
  // Seed 2: a hidden unit's pre-activation on x_train[:3] is 4.7e-5, and
  // b1's mean |Δ| is 3.2e-6: all of it b1[that unit]'s, whose ±1e-4 steps
  // cross the kink (W1's steps move it by 1e-4 · a pixel: less), and whose
  // ±1e-6 steps do not.
  const corner = await gradientCheckCli("--seed", "2");
  assertStrictEquals(corner.code, 0, corner.stderr);
  assertMatch(
    corner.stdout,
    /\nb1: 3\.22e-6 {2}\(max relative error 2\.63e-1\); 1 of 50 elements cross a kink within ±h: 1 rechecked with steps of h\/100; the 50 compared: \d\.\d\de-9\n/,
  );
  assertStrictEquals(corner.stderr, "");
  assertMatch(
    corner.stdout,
    /\ngradient check passed: every mean \|Δ\| ≤ 0\.000001 \(where ±h crosses a kink, with steps of h\/100\)\n$/,
  );
  const clear = await gradientCheckCli("--seed", "0");
  assertStrictEquals(clear.code, 0, clear.stderr);
  assertNotMatch(clear.stdout, /kink/);
  assertStrictEquals(clear.stderr, "");
  assertMatch(
    clear.stdout,
    /\ngradient check passed: every mean \|Δ\| ≤ 0\.000001\n$/,
  );
  const bad = await gradientCheckCli("--seed", "two");
  assertStrictEquals(bad.code, 2);
  assertMatch(
    bad.stderr,
    /^gradient-check: --seed expects an integer but got "two"\n$/,
  );
});

Deno.test("gradient_check.ts --net checks the registry's nets on --images N, and refuses an unknown net or count (a negative one too) in one line", async () => {
  const mnist = await gradientCheckCli("--net", "multi-layer", "--images", "1");
  assertStrictEquals(mnist.code, 0, mnist.stderr);
  assertMatch(
    mnist.stdout,
    /^the first 1 MNIST training images .*MultiLayerNet/,
  );
  const bad = await gradientCheckCli("--net", "lenet");
  assertStrictEquals(bad.code, 2);
  assertMatch(
    bad.stderr,
    /^gradient-check: --net expects one of two-layer, multi-layer, convnet, deep-convnet but got "lenet"\n$/,
  );
  for (const args of [["--images", "0"], ["--images", "-1"], ["--images=-1"]]) {
    const images = await gradientCheckCli(...args);
    assertStrictEquals(images.code, 2);
    const got = args.at(-1)!.replace("--images=", "");
    assertStrictEquals(
      images.stderr,
      `gradient-check: --images expects an integer from 1 to 100 but got "${got}"\n`,
    );
  }
});

Deno.test("train.ts stops a diverging run with the iteration and a hint", async () => {
  // lr 1e300 overflows the weights to ±Infinity in the first step, so the
  // second iteration's loss is NaN.
  const { code, stderr } = await train(
    "--iters",
    "5",
    "--lr",
    "1e300",
    "--quiet",
  );
  assertStrictEquals(code, 1);
  assertStrictEquals(
    stderr.trim(),
    "train: the loss became NaN at iteration 2 (lr 1e+300): training diverged; try a lower --lr",
  );
});

Deno.test("train.ts says in one line, exit 1, that a batch does not fit the SIMD kernels' memory, and what to do", async () => {
  // SimpleConvNet's first convolution at batch 20000: 2.8 GB out, refused
  // before anything is computed
  const { code, stderr } = await train(
    ..."--net convnet --batch-size 20000 --iters 1 --backend simd".split(" "),
  );
  assertStrictEquals(code, 1);
  assertMatch(
    stderr,
    /^train: SimdKernels: expected the WebAssembly memory to hold \d+ bytes \(2\.\d\d GiB\) but found its cap of 2147483648 bytes \(2 GiB\): give a smaller --batch-size, or --backend ts \(no such cap, slower\)\n$/,
  );
});

Deno.test("train.ts says in one line, exit 1, that the TypeScript kernels found no memory for a batch, and what to do", async () => {
  // 10 million images of 784 float64: 63 GB, refused at once
  const { code, stderr } = await train(
    ..."--batch-size 10000000 --iters 1 --backend ts".split(" "),
  );
  assertStrictEquals(code, 1);
  assertMatch(
    stderr,
    /^train: expected memory for the run's arrays but found none left \([^\n]+\): give a smaller --batch-size\n$/,
  );
});

Deno.test("train.ts with the same --seed prints the same numbers", async () => {
  const run = async (seed: string) => {
    const { code, stdout, stderr } = await train(
      "--iters",
      "20",
      "--batch-size",
      "5000",
      "--seed",
      seed,
    );
    assertStrictEquals(code, 0, stderr);
    return stdout.replace(/[\d.]+ s$/gm, ""); // every number but the wall times
  };
  const a = await run("3");
  assertStrictEquals(await run("3"), a);
  assertNotStrictEquals(await run("4"), a);
});

Deno.test("train.ts --backend ts, or DLFS_BACKEND=ts, runs the TypeScript kernels; SIMD agrees to rounding", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-train-" });
  try {
    const run = async (env: Record<string, string>, ...flags: string[]) => {
      const json = `${dir}/run.json`;
      const args = ["--iters", "20", "--batch-size", "1000", "--json", json];
      const { code, stderr } = await trainWith(env, ...args, ...flags);
      assertStrictEquals(code, 0, stderr);
      return JSON.parse(await Deno.readTextFile(json));
    };
    const ts = await run({}, "--backend", "ts");
    const env = await run({ DLFS_BACKEND: "ts" });
    const simd = await run({ DLFS_BACKEND: "ts" }, "--backend", "simd");
    assertStrictEquals(ts.config.kernels, "ts"); // one thread on ts
    assertStrictEquals(env.config.kernels, "ts");
    assertMatch(simd.config.kernels, /^simd/); // the flag wins over the variable
    assertStrictEquals(ts.config.threads, 1);
    assertStrictEquals(
      simd.config.threads,
      navigator.hardwareConcurrency >= 2 ? 2 : 1,
    );
    assertEquals(env.lossHistory, ts.lossHistory);
    for (let i = 0; i < 20; i++) {
      const a = ts.lossHistory[i], b = simd.lossHistory[i];
      assert(Math.abs(a - b) <= 1e-12 * a, `iteration ${i}: ${a} vs ${b}`);
    }
    const two = await trainWith({}, "--backend", "ts", "--threads", "2");
    assertStrictEquals(two.code, 2);
    assertMatch(
      two.stderr,
      /^train: --threads 2 needs the SIMD kernels \(--backend auto or simd\): the TypeScript kernels run on one thread \(deno task train --help lists the flags\)$/m,
    );
    const bad = await trainWith({ DLFS_BACKEND: "fast" }, "--iters", "0");
    assertStrictEquals(bad.code, 2);
    assertMatch(
      bad.stderr,
      /^train: DLFS_BACKEND expects one of auto, simd, ts but got "fast" \(deno task train --help lists the flags\)$/m,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts on real MNIST: 1000 iterations reach test accuracy ≥ 0.90", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-train-" });
  try {
    const json = `${dir}/run.json`;
    const { code, stdout, stderr } = await train(
      "--iters",
      "1000",
      "--seed",
      "7",
      "--json",
      json,
    );
    assertStrictEquals(code, 0, stderr);
    const report = JSON.parse(await Deno.readTextFile(json));
    assertStrictEquals(report.config.iters, 1000);
    assertStrictEquals(report.lossHistory.length, 1000);
    assertEquals(report.history.map((h: { iter: number }) => h.iter), [
      0,
      600,
    ]);
    assert(
      report.final.testAcc >= 0.9,
      `test accuracy ${report.final.testAcc}`,
    );
    assertMatch(
      stdout,
      /^final: train acc 0\.9\d{3}, test acc 0\.9\d{3}, wall time [\d.]+ s$/m,
    );
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "run.json",
    ], "no temp file left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts trains a MultiLayerNet with Adam, BatchNorm, Dropout and weight decay", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-train-" });
  try {
    const json = `${dir}/run.json`;
    const { code, stderr } = await train(
      "--net=multi-layer",
      "--hidden=40,30",
      "--optimizer=adam",
      "--batchnorm",
      "--dropout=0.1",
      "--weight-decay=0.0001",
      "--epochs=1",
      "--quiet",
      "--json",
      json,
    );
    assertStrictEquals(code, 0, stderr);
    const report = JSON.parse(await Deno.readTextFile(json));
    assertStrictEquals(report.config.iters, 600);
    assertStrictEquals(report.config.optimizer, "adam");
    assertStrictEquals(report.config.lr, 0.001);
    assertEquals(report.config.hiddenSizes, [40, 30]);
    assert(
      report.final.testAcc > 0.85,
      `test accuracy ${report.final.testAcc}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts --save writes a net that --load --iters 0 evaluates to the same accuracy", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-train-" });
  try {
    const file = `${dir}/net.safetensors`;
    const trained = await train("--iters", "50", "--quiet", "--save", file);
    assertStrictEquals(trained.code, 0, trained.stderr);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [
      "net.safetensors",
    ], "no temp file left");
    const loaded = await train("--load", file, "--iters", "0", "--quiet");
    assertStrictEquals(loaded.code, 0, loaded.stderr);
    const accuracies = (s: string) => s.replace(/, wall time .*$/m, "");
    assertStrictEquals(accuracies(loaded.stdout), accuracies(trained.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts --load of a file that is not a dlfs net fails in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-train-" });
  try {
    await Deno.writeTextFile(
      `${dir}/bad.safetensors`,
      "<html>not weights</html>",
    );
    const { code, stderr } = await train(
      "--load",
      `${dir}/bad.safetensors`,
      "--iters",
      "0",
    );
    assertStrictEquals(code, 2);
    assertMatch(
      stderr,
      /^train: --load \S+bad.safetensors: not a safetensors file \(decodeSafetensors\(\): expected a header of at most \d+ bytes/,
    );
    assertNotMatch(stderr, /^\s+at /m, "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Starts train.ts with `args`, sends `signal` once stdout matches `when`,
 * and returns what it printed and its exit code.
 */
async function interrupted(
  when: RegExp,
  signal: Deno.Signal,
  ...args: string[]
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...TRAIN_FLAGS, "train.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream())
    .getReader();
  let stdout = "";
  while (!when.test(stdout)) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += value;
  }
  child.kill(signal);
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    stdout += r.value;
  }
  const stderr = await new Response(child.stderr).text();
  return { code: (await child.status).code, stdout, stderr };
}

/** A --json report without its wall times: what a resumed run must match. */
async function figures(path: string) {
  const { history, lossHistory, final } = JSON.parse(
    await Deno.readTextFile(path),
  );
  return {
    history: history.map(({ seconds: _, ...e }: { seconds: unknown }) => e),
    lossHistory,
    final,
  };
}

/** A run's printed lines but the wall times. */
const printed = (out: string) => out.replace(/[\d.]+ s$/gm, "");

Deno.test("Ctrl-C without --save says that the net is lost and how to keep it", async () => {
  const { code, stderr } = await interrupted(/epoch {2}1\//, "SIGINT");
  assertStrictEquals(code, 130, stderr);
  assertMatch(
    stderr,
    /^train: interrupted after iteration \d+ of 10000; the net is lost \(no --save FILE\): give --save FILE to keep the run at Ctrl-C and continue it with --resume FILE\n$/,
  );
});

Deno.test("Ctrl-C with --save saves the run and prints the command that resumes it; that command ends bit for bit where the run would have", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-sigint-" });
  try {
    const run = (name: string) => [
      "--iters",
      "1500",
      "--save",
      `${dir}/${name}.st`,
      "--json",
      `${dir}/${name}.json`,
    ];
    const stop = await interrupted(/epoch {2}1\//, "SIGINT", ...run("a"));
    assertStrictEquals(stop.code, 130, stop.stderr);
    const m = stop.stderr.match(
      /^train: interrupted after iteration (\d+) of 1500; the run so far is saved to (\S+): continue it with deno task train (.*)\n$/,
    );
    assert(m, stop.stderr);
    assert(Number(m[1]) > 600 && Number(m[1]) < 1500, m[1]);
    assertStrictEquals(m[2], `${dir}/a.st`);
    assertStrictEquals(m[3], `--resume ${dir}/a.st --json ${dir}/a.json`);
    // A net alone still loads from it.
    const { loadNetFile } = await import("../data/mod.ts");
    const { net, training } = await loadNetFile(`${dir}/a.st`);
    assertStrictEquals(net.spec.type, "TwoLayerNet");
    assertStrictEquals(training?.iteration, Number(m[1]));
    const resumed = await train(...m[3].split(" "));
    assertStrictEquals(resumed.code, 0, resumed.stderr);
    assertMatch(
      resumed.stdout,
      new RegExp(`; resumed from ${dir}/a.st after iteration ${m[1]}\n`),
    );
    const whole = await train(...run("b"));
    assertStrictEquals(whole.code, 0, whole.stderr);
    assertEquals(
      await figures(`${dir}/a.json`),
      await figures(`${dir}/b.json`),
    );
    assertEquals(
      await Deno.readFile(`${dir}/a.st`),
      await Deno.readFile(`${dir}/b.st`),
      "the same file, byte for byte",
    );
    assertStrictEquals(
      printed(resumed.stdout).split("\n").at(-2),
      printed(whole.stdout).split("\n").at(-2),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C after the last iteration, in the final evaluation, stops nothing: the run is evaluated, saved and reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-sigint-final-" });
  try {
    // SimpleConvNet: some seconds of final evaluation (70,000 images).
    const stop = await interrupted(
      /final evaluation on all 60000 training and 10000 test images/,
      "SIGINT",
      ...["--net", "convnet", "--iters", "1", "--threads", "1"],
      ...["--save", `${dir}/a.st`, "--json", `${dir}/a.json`],
    );
    assertStrictEquals(stop.code, 0, stop.stderr);
    assertMatch(stop.stdout, /\nfinal: train acc [\d.]+, test acc [\d.]+/);
    assertStrictEquals(
      stop.stderr,
      "train: Ctrl-C came after the last iteration: the run ended, evaluated and written as above\n",
    );
    const { loadNetFile } = await import("../data/mod.ts");
    assertStrictEquals(
      (await loadNetFile(`${dir}/a.st`)).training?.iteration,
      1,
    );
    assertStrictEquals(
      JSON.parse(await Deno.readTextFile(`${dir}/a.json`)).final.testAcc > 0,
      true,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run with Adam, BatchNorm and Dropout killed after a checkpoint and resumed ends bit for bit where it would have; --load cannot", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-resume-" });
  try {
    const flags = [
      ...["--net", "multi-layer", "--hidden", "30", "--batchnorm"],
      ...["--dropout", "0.2", "--optimizer", "adam", "--iters", "300"],
      ...["--batch-size", "50", "--eval-samples", "500", "--quiet"],
    ];
    const run = (name: string) => [
      ...flags,
      ...["--save", `${dir}/${name}.st`, "--json", `${dir}/${name}.json`],
    ];
    const killed = await interrupted(
      /checkpoint: the run after 100 iterations/,
      "SIGKILL",
      ...run("a").filter((f) => f !== "--quiet"),
      ...["--checkpoint-every", "100"],
    );
    assertStrictEquals(killed.code, 137);
    await Deno.copyFile(`${dir}/a.st`, `${dir}/at100.st`);
    const resumed = await train(
      ...["--resume", `${dir}/a.st`, "--json", `${dir}/a.json`, "--quiet"],
    );
    assertStrictEquals(resumed.code, 0, resumed.stderr);
    const whole = await train(...run("b"));
    assertStrictEquals(whole.code, 0, whole.stderr);
    const expected = await figures(`${dir}/b.json`);
    assertEquals(await figures(`${dir}/a.json`), expected);
    assertEquals(
      await Deno.readFile(`${dir}/a.st`),
      await Deno.readFile(`${dir}/b.st`),
    );
    assertStrictEquals(printed(resumed.stdout), printed(whole.stdout));
    // The old way: the net alone, the optimizer and the draws from scratch.
    const loaded = await train(
      ...["--load", `${dir}/at100.st`, "--iters", "200", "--optimizer"],
      ...["adam", "--batch-size", "50", "--json", `${dir}/c.json`, "--quiet"],
    );
    assertStrictEquals(loaded.code, 0, loaded.stderr);
    const { lossHistory } = await figures(`${dir}/c.json`);
    assertNotEquals(lossHistory, expected.lossHistory.slice(100));
    // A run cannot be resumed to an end before where it is; on other
    // kernels it can, with a note that the last digits will differ.
    const back = await train("--resume", `${dir}/at100.st`, "--iters", "50");
    assertStrictEquals(back.code, 2);
    assertStrictEquals(
      back.stderr,
      `train: --resume ${dir}/at100.st: the run is at iteration 100 already: give --iters or --epochs beyond it\n`,
    );
    if (
      JSON.parse(await Deno.readTextFile(`${dir}/b.json`)).config.kernels !==
        "ts"
    ) {
      const ts = await train(
        ...["--resume", `${dir}/at100.st`, "--backend", "ts", "--quiet"],
      );
      assertStrictEquals(ts.code, 0, ts.stderr);
      assertMatch(
        ts.stderr,
        /^train: note: the saved run computed with simd\S* kernels and this one with ts: its numbers will differ from an uninterrupted run's in their last digits\n$/,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--data-dir without MNIST is a usage error as the others: exit 2, one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-empty-" });
  try {
    const { code, stderr } = await train("--data-dir", dir, "--iters", "0");
    assertStrictEquals(code, 2);
    assertMatch(
      stderr,
      /^train: loadMnist\(\): expected the four MNIST files in dir "\S+" but found no train-images-idx3-ubyte\[\.gz\]/,
    );
    assertStrictEquals(stderr.split("\n").length, 2, "one line");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts --net deep-convnet runs the book's train_deepnet.py (20 epochs, Adam 0.001, 1000 evaluation images): checkpoints, and Ctrl-C saves it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-deep-cli-" });
  try {
    // Interrupt after the second checkpoint.
    const { code, stdout: out, stderr: text } = await interrupted(
      /after 2 iterations/,
      "SIGINT",
      "--net",
      "deep-convnet",
      "--checkpoint-every",
      "1",
      "--save",
      `${dir}/deep.safetensors`,
    );
    assertStrictEquals(code, 130, text);
    assertMatch(
      out,
      /DeepConvNet\(1×28×28, conv 16-16-32-32-64-64, 50, 10\), 12000 iterations, batch 100, adam lr 0\.001, seed 42, .*; per epoch, accuracy on the first 1000 training and test images\n/,
    );
    assertMatch(out, /\nepoch {2}0\/20 {2}iter {6}0 {2}train acc 0\.\d+/);
    assertMatch(
      out,
      /\ncheckpoint: the run after 1 iterations saved to \S+\ncheckpoint: the run after 2 iterations saved to /,
    );
    const m = text.match(
      /^train: interrupted after iteration (\d+) of 12000; the run so far is saved to \S+deep\.safetensors: continue it with deno task train --resume \S+deep\.safetensors --checkpoint-every 1\n$/,
    );
    assert(m, text);
    const { loadNetFile } = await import("../data/mod.ts");
    const { net } = await loadNetFile(`${dir}/deep.safetensors`);
    assertStrictEquals(net.spec.type, "DeepConvNet");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train.ts --checkpoint-every N saves the run every N iterations", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-ckpt-" });
  try {
    const { code, stdout, stderr } = await train(
      "--iters",
      "250",
      "--checkpoint-every",
      "100",
      "--save",
      `${dir}/net.st`,
    );
    assertStrictEquals(code, 0, stderr);
    const lines = stdout.split("\n").filter((l) => l.startsWith("checkpoint:"));
    assertEquals(lines, [
      `checkpoint: the run after 100 iterations saved to ${dir}/net.st`,
      `checkpoint: the run after 200 iterations saved to ${dir}/net.st`,
    ]);
    assert((await Deno.stat(`${dir}/net.st`)).isFile);
    const bad = await train("--checkpoint-every", "100");
    assertStrictEquals(bad.code, 2);
    assertMatch(bad.stderr, /^train: --checkpoint-every needs --save FILE/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// On a terminal (here a pseudo-terminal made by util-linux's `script`), the
// progress bar of @std/cli runs on stderr with the loss and an ETA, and the
// epoch lines and the end clear it.
Deno.test({
  name:
    "train.ts shows a progress bar with an ETA on a terminal, and clears it",
  ignore: !(await Deno.stat("/usr/bin/script").then(() => true, () => false)),
  async fn() {
    const command = [Deno.execPath(), "run", ...TRAIN_FLAGS, "train.ts"]
      .concat(["--iters", "700"]).join(" ");
    const { code, stdout } = await new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assertStrictEquals(code, 0, out);
    assertMatch(out, /\[\d\d:\d\d\] \[[#-]{30}\] \d+\/700 {2}loss \S+ {2}ETA /);
    const erase = "\r\x1b[K";
    assert(out.includes(`${erase}epoch  1/2`), "the bar erased for the line");
    assert(out.includes(`${erase}final: train acc`), "and cleared at the end");
  },
});

Deno.test("runDefaults(): the flags given, else the net's defaults (DeepConvNet: Adam, 20 epochs), else SGD lr 0.1 for 10000 iterations", async () => {
  const { runDefaults } = await import("../cli/defaults.ts");
  const { netKind } = await import("../net/mod.ts");
  const deep = netKind("DeepConvNet"), two = netKind("TwoLayerNet");
  assertEquals(runDefaults(deep, {}), {
    optimizer: "adam",
    lr: undefined,
    epochs: 20,
  });
  assertEquals(runDefaults(two, {}), {
    optimizer: "sgd",
    lr: 0.1,
    iters: 10000,
  });
  assertEquals(runDefaults(deep, { optimizer: "sgd", iters: 5 }), {
    optimizer: "sgd",
    lr: 0.1,
    iters: 5,
  });
  assertEquals(runDefaults(two, { optimizer: "adam", epochs: 3 }), {
    optimizer: "adam",
    lr: undefined,
    epochs: 3,
  });
  assertEquals(runDefaults(deep, { lr: 0.01 }), {
    optimizer: "adam",
    lr: 0.01,
    epochs: 20,
  });
});
