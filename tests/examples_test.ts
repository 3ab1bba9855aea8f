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
