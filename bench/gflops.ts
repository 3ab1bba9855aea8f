// Runs bench/matmul_bench.ts with --json and prints each kernel's effective
// GFLOP/s: the dense product's 2·M·K·N per call (from the [M×K×N] tag in
// its name) over the time, also for the sparse kernels, which do less work.
// Usage: deno task bench:gflops [--filter TEXT]
const { code, stdout } = await new Deno.Command(Deno.execPath(), {
  args: [
    "bench",
    "--allow-read",
    "--json",
    ...Deno.args,
    new URL("./matmul_bench.ts", import.meta.url).pathname,
  ],
  stdout: "piped",
  stderr: "inherit",
}).output();
if (code !== 0) Deno.exit(code);

interface Bench {
  group: string;
  name: string;
  results: { ok?: { avg: number; min: number } }[];
}
const { cpu, runtime, benches } = JSON.parse(
  new TextDecoder().decode(stdout),
) as {
  cpu: string;
  runtime: string;
  benches: Bench[];
};
console.log(`${runtime}, ${cpu}`);
let group = "";
for (const b of benches) {
  const ok = b.results[0]?.ok;
  const dims = b.name.match(/\[(\d+)×(\d+)×(\d+)\]/);
  if (!ok || !dims) continue;
  if (b.group !== group) console.log(`\n${(group = b.group)}`);
  const flop = 2 * Number(dims[1]) * Number(dims[2]) * Number(dims[3]);
  const gflops = (ns: number) => (flop / ns).toFixed(2).padStart(6);
  console.log(
    `  ${b.name.padEnd(44)} avg ${
      (ok.avg / 1000).toFixed(1).padStart(9)
    } µs  ` +
      `${gflops(ok.avg)} GFLOP/s (best ${gflops(ok.min)})`,
  );
}
