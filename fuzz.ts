/**
 * `deno task fuzz`: the parsers' fuzzers at scale (the tests run 10,000 of
 * each; this, 100,000 or `--count N`): IDX raw, IDX gzip damaged, IDX
 * damaged then gzipped, saved nets through `loadNet`, and the book's
 * pickles through `decodePickle`. Prints what each
 * run accepted and refused, its slowest input and the process's memory;
 * exits 1 on any input that got an error other than the parser's own, took
 * over 2 s, or let the process grow past 1 GiB.
 *
 * @module
 */

import { fuzzIdx, fuzzPickle, fuzzSafetensors } from "./tests/fuzz.ts";

const at = Deno.args.indexOf("--count");
const count = at >= 0 ? Number(Deno.args[at + 1]) : 100_000;
if (!Number.isInteger(count) || count < 1) {
  console.error(
    `fuzz: --count expects an integer ≥ 1 but got "${Deno.args[at + 1]}"`,
  );
  Deno.exit(2);
}
const LIMIT = 2 ** 30;
const runs: [
  string,
  () => Promise<{ accepted: number; rejected: number; slowestMs: number }>,
][] = [
  ["IDX, raw", () => fuzzIdx(count, 1, "raw")],
  ["IDX, gzip damaged", () => fuzzIdx(count, 2, "gzip")],
  ["IDX, damaged then gzipped", () => fuzzIdx(count, 3, "gzip-of-damaged")],
  ["safetensors (loadNet)", () => Promise.resolve(fuzzSafetensors(count, 4))],
  ["pickle (decodePickle)", () => Promise.resolve(fuzzPickle(count, 5))],
];
let failed = false;
for (const [name, run] of runs) {
  const start = performance.now();
  try {
    const c = await run();
    const rss = Deno.memoryUsage().rss;
    console.log(
      `${name}: ${count} inputs, ${c.accepted} accepted, ${c.rejected} refused with the parser's error; slowest ${
        c.slowestMs.toFixed(1)
      } ms; ${((performance.now() - start) / 1000).toFixed(1)} s; RSS ${
        (rss / 2 ** 20).toFixed(0)
      } MiB`,
    );
    if (rss > LIMIT) {
      console.error(`fuzz: ${name}: the process grew past 1 GiB`);
      failed = true;
    }
  } catch (e) {
    console.error(`fuzz: ${name}: ${(e as Error).message}`);
    failed = true;
  }
}
Deno.exit(failed ? 1 : 0);
