// The chapter-5 scripts of examples/ch05/ print what the book's print: the
// book's own numbers are the oracle (buy_apple.py, buy_apple_orange.py), and
// for the MNIST scripts its orders of magnitude and accuracies.
import { assert, assertEquals, assertMatch } from "@std/assert";

const ROOT = new URL("..", import.meta.url).pathname;

async function run(script: string, ...args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-R", "-E", "-W", "-N=registry.npmjs.org", script, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).trimEnd().split("\n");
}

Deno.test("examples/ch05/buy_apple.ts prints the book's 220, 2.2, 110, 200", async () => {
  assertEquals(await run("examples/ch05/buy_apple.ts"), [
    "price: 220",
    "dApple: 2.2",
    "dApple_num: 110",
    "dTax: 200",
  ]);
});

Deno.test("examples/ch05/buy_apple_orange.ts prints the book's 715, 2.2, 110, 3.3, 165, 650", async () => {
  assertEquals(await run("examples/ch05/buy_apple_orange.ts"), [
    "price: 715",
    "dApple: 2.2",
    "dApple_num: 110",
    "dOrange: 3.3000000000000003", // as Python prints it too
    "dOrange_num: 165",
    "dTax: 650",
  ]);
});

Deno.test("examples/ch05/gradient_check.ts prints W1, b1, W2, b2 differences of the book's size", async () => {
  const lines = await run("examples/ch05/gradient_check.ts");
  assertEquals(lines.map((l) => l.split(":")[0]), ["W1", "b1", "W2", "b2"]);
  for (const line of lines) {
    const diff = Number(line.split(":")[1]);
    assert(diff > 0 && diff < 1e-6, line); // the book: 1e-10 … 1e-7
  }
});

Deno.test("examples/ch05/train_neuralnet.ts prints train and test accuracy per epoch, rising", async () => {
  const lines = await run("examples/ch05/train_neuralnet.ts", "1201");
  assertEquals(lines.length, 3); // iterations 0, 600, 1200
  for (const line of lines) assertMatch(line, /^0\.\d+ 0\.\d+$/);
  const test = lines.map((l) => Number(l.split(" ")[1]));
  assert(test[0] < 0.3 && test[2] > 0.9, lines.join(" | "));
});

// Chapter 8: the oracle is the book's own NumPy code with its 2016 weights
// (tests/book/make.py, and ../shared/book/README.md for all 10,000 images).
const BOOK = JSON.parse(
  await Deno.readTextFile(new URL("book/deep_convnet.json", import.meta.url)),
);

Deno.test("examples/ch08/deep_convnet.ts lists the book's layers and 123552 parameters", async () => {
  const lines = await run("examples/ch08/deep_convnet.ts");
  assertEquals(lines[0], "Conv1: W1 16×9, b1 1×16");
  assertEquals(lines.slice(-5), [
    "Dropout1",
    "Affine2: W8 50×10, b8 1×10",
    "Dropout2",
    "SoftmaxWithLoss",
    "123552 parameters",
  ]);
});

Deno.test("examples/ch08/misclassified_mnist.ts prints the book's accuracy and misclassified digits (first 1000 test images) and draws them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-ch08-" });
  try {
    const lines = await run(
      "examples/ch08/misclassified_mnist.ts",
      "--sampled",
      "1000",
      "--svg",
      `${dir}/mis.svg`,
    );
    // NumPy: the first 7 mistakes of all 10,000 are images 445 … 947.
    assertEquals(lines, [
      "calculating test accuracy ... ",
      `test accuracy:${BOOK.float64}`,
      "======= misclassified result =======",
      "{view index: (label, inference), ...}",
      "{1: (6, 0), 2: (3, 5), 3: (3, 5), 4: (8, 3), 5: (7, 3), 6: (1, 3), 7: (8, 9)}",
      `(the digits: ${dir}/mis.svg)`,
    ]);
    const svg = await Deno.readTextFile(`${dir}/mis.svg`);
    assertEquals(svg.match(/<text[^>]*>[^<]*<\/text>/g)!.length, 7);
    assert(svg.includes(">7: (8, 9)</text>"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("examples/ch08/half_float_network.ts prints the book's float64 and float16 accuracies", async () => {
  assertEquals(await run("examples/ch08/half_float_network.ts"), [
    "caluculate accuracy (float64) ... ",
    String(BOOK.float64),
    "caluculate accuracy (float16) ... ",
    String(BOOK.float16),
  ]);
});

Deno.test("the chapter-8 scripts refuse a parameter file that is not the net's, bad flags and unwritable outputs up front, in one line, exit 2", async () => {
  let env: Record<string, string> = {}; // for the script's environment
  const fails = async (code: number, ...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-R", "-E", "-W", "-N=registry.npmjs.org", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, code, stderr);
    return stderr;
  };
  const script = "examples/ch08/half_float_network.ts";
  assertEquals(
    await fails(2, script, "--params", "/nonexistent.pkl"),
    "half_float_network: --params /nonexistent.pkl: no such file\n",
  );
  const misclassified = "examples/ch08/misclassified_mnist.ts";
  assertEquals(
    await fails(2, misclassified, "--params", "/tmp"),
    "misclassified_mnist: --params /tmp: is a folder, not a file\n",
  );
  // A pickle of other arrays, a file that is no pickle, one that is no
  // safetensors file.
  assertMatch(
    await fails(2, script, "--params", "tests/pickles/protocol4.pkl"),
    /^half_float_network: load_params: tests\/pickles\/protocol4\.pkl: loadParams\(\): expected tensors W1, b1, W2, .* but found W, fortran, [^\n]*\n$/,
  );
  const dir = await Deno.makeTempDir({ prefix: "dlfs-ch08-" });
  try {
    await Deno.copyFile("tests/book/make.py", `${dir}/text.pkl`);
    assertMatch(
      await fails(2, script, "--params", `${dir}/text.pkl`),
      /^half_float_network: load_params: decodePickle\(\): expected [^\n]*\(\S+text\.pkl, byte 0\)\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assertMatch(
    await fails(2, script, "--params", "README.md"),
    /^half_float_network: load_params: README\.md: decodeSafetensors\(\): expected a header of [^\n]+\n$/,
  );
  assertEquals(
    await fails(2, script, "--sampled", "0"),
    'half_float_network: --sampled expects a whole number from 1 to 10000 but got "0"\n',
  );
  assertEquals(
    await fails(2, misclassified, "--bogus"),
    "misclassified_mnist: unknown argument --bogus (it takes --params, --sampled, --svg)\n",
  );
  // Outputs checked before the run, not after it
  assertEquals(
    await fails(2, misclassified, "--svg", "/nonexistent/x.svg"),
    "misclassified_mnist: --svg /nonexistent/x.svg: no such folder /nonexistent\n",
  );
  assertEquals(
    await fails(2, misclassified, "--svg", "/tmp"),
    "misclassified_mnist: --svg /tmp: is a folder, not a file\n",
  );
  assertEquals(
    await fails(2, "examples/ch08/train_deepnet.ts", "--save", "/x/y.st"),
    "train_deepnet: --save /x/y.st: no such folder /x\n",
  );
  // What fails on the way (here the data): one line too, exit 1
  env = { MNIST_DIR: "/nonexistent/mnist" };
  assertMatch(
    await fails(1, misclassified, "--sampled", "5"),
    /^misclassified_mnist: loadMnist\(\): expected MNIST_DIR "\/nonexistent\/mnist" [^\n]*\n$/,
  );
});

Deno.test("examples/ch08/train_deepnet.ts trains, printing what the book's Trainer prints", async () => {
  // Its end (the accuracy on all 10,000 test images, then the file) is the
  // Trainer's and saveNetFile's, tested with them: the run is stopped after
  // its first evaluation and the next step.
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-R",
      "-E",
      "-W",
      "-N=registry.npmjs.org",
      "examples/ch08/train_deepnet.ts",
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (out.split("\n").length < 4) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  child.kill("SIGTERM");
  await reader.cancel();
  await child.status;
  const lines = out.split("\n");
  assertMatch(lines[0], /^train loss:2\.\d+$/);
  assertMatch(lines[1], /^=== epoch:1, train acc:0\.\d+, test acc:0\.\d+ ===$/);
  assertMatch(lines[2], /^train loss:\d\.\d+$/);
});
