// The ceiling of a DeepConvNet training step on this machine (issues 22,
// 23): its FLOPs as im2col computes them (the book's count) and as the
// SIMD kernels' products do (Winograd's where they take it, F(4×4) or
// F(2×2) by side, float64 and float32 alike), the WebAssembly f64x2 and
// f32x4 multiply-add peaks of one core and of two at once (12 independent
// chains, no memory), and the step's time
// on the SIMD kernels, one thread, float64 and float32, as GFLOP/s of both
// counts. Usage: deno run -A bench/ceiling.ts
import { outputSize, Rng, SimdKernels } from "../core/mod.ts";
import { Adam } from "../optim/mod.ts";
import { Func, I32, V128, wasmModule } from "../core/simd/wasm.ts";
import { simdSupport } from "../core/simd/support.ts";
import { winogradSide } from "../core/simd/convolution.ts";
import { data } from "./batches.ts";
import { DeepConvNet } from "../net/mod.ts";

/** DeepConvNet's convolutions: input C×H×W, filters, pad (3×3, stride 1). */
const CONVS: [number, number, number, number][] = [
  [1, 28, 16, 1],
  [16, 28, 16, 1],
  [16, 14, 32, 1],
  [32, 14, 32, 2],
  [32, 8, 64, 1],
  [64, 8, 64, 1],
];

/** Multiply-adds of one image's forward of a convolution, and its dx. */
function macs(c: number, h: number, fn: number, pad: number, dx: boolean) {
  const [oh] = outputSize([c, h, h], { height: 3, width: 3, pad });
  const direct = fn * c * 9 * oh * oh;
  if (c < 3) return { direct, winograd: direct }; // im2col (convolution.ts)
  // α² products per tile and (filter, channel), ⌈side/m⌉² tiles
  const tiles = (side: number, m: number) => Math.ceil(side / m) ** 2;
  const side = dx ? h : oh, m = winogradSide(side, side);
  return { direct, winograd: (m + 2) ** 2 * fn * c * tiles(side, m) };
}

/** Multiply-adds of one image's step: as im2col, and as performed. */
function step() {
  let direct = 0, winograd = 0;
  CONVS.forEach(([c, h, fn, pad], i) => {
    const forward = macs(c, h, fn, pad, false);
    // forward and dW: the same products; dx but for the first layer
    direct += 2 * forward.direct;
    winograd += 2 * forward.winograd;
    if (i > 0) {
      const dx = macs(c, h, fn, pad, true);
      direct += dx.direct;
      winograd += dx.winograd;
    }
  });
  return { direct, winograd };
}
const { direct, winograd } = step();
const affine = 3 * (1024 * 50 + 50 * 10); // forward, dW, dx of both
const flop = (perImage: number) => 2 * 100 * (perImage + affine) / 1e9;

/**
 * The peak loop, `peak(n, p)`: n passes of 12 independent f64x2 (or
 * f32x4) multiply-adds (fused where the runtime has them), 4 (8) FLOP
 * each.
 */
function peakModule(x: "f64x2" | "f32x4"): WebAssembly.Module {
  const fma = simdSupport().relaxed;
  const f = new Func("peak", [I32, I32]);
  const acc = Array.from({ length: 12 }, () => f.local(V128));
  const s = f.local(V128);
  f.get(1).v128Load().set(s);
  f.loop(() => {
    for (const a of acc) {
      f.get(s).get(s);
      if (fma) f.get(a)[`${x}RelaxedMadd`]();
      else f[`${x}Mul`]().get(a)[`${x}Add`]();
      f.set(a);
    }
    f.get(0).i32(1).i32Sub().tee(0).brIf(0);
  });
  acc.forEach((a, i) => f.get(1).get(a).v128Store(16 * i));
  return new WebAssembly.Module(wasmModule([f]));
}

/**
 * GFLOP/s of the peak loop (`flop` a multiply-add: 4 or 8) from wall-clock
 * time `start` (Date.now()) for 400 ms, on this thread (its source also
 * runs as it is in the Workers of `peakOnWorkers`, which start together).
 */
function peakLoop(
  module: WebAssembly.Module,
  start: number,
  flop: number,
): number {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const run = new WebAssembly.Instance(module, { env: { memory } }).exports
    .peak as (n: number, p: number) => void;
  const n = 1e5;
  run(n, 0);
  while (Date.now() < start);
  const t = performance.now();
  let passes = 0;
  while (performance.now() - t < 400) (run(n, 0), passes++);
  return passes * n * 12 * flop / (performance.now() - t) / 1e6;
}

/** The peak loop on `count` Workers at once: each one's GFLOP/s. */
async function peakOnWorkers(
  count: number,
  x: "f64x2" | "f32x4",
): Promise<number[]> {
  const source = `${peakLoop.toString()}
self.onmessage = (e) => self.postMessage(peakLoop(...e.data));`;
  const url = URL.createObjectURL(
    new Blob([source], { type: "text/javascript" }),
  );
  const module = peakModule(x), start = Date.now() + 500;
  const workers = Array.from(
    { length: count },
    () => new Worker(url, { type: "module" }),
  );
  const results = await Promise.all(
    workers.map((w) =>
      new Promise<number>((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.postMessage([module, start, x === "f64x2" ? 4 : 8]);
      })
    ),
  );
  workers.forEach((w) => w.terminate());
  return results;
}

console.log(
  `DeepConvNet step, batch 100: ${flop(direct).toFixed(2)} GFLOP as im2col`,
);
for (const x of ["f64x2", "f32x4"] as const) {
  const two = await peakOnWorkers(2, x);
  console.log(
    `${x} ${simdSupport().relaxed ? "fused " : ""}multiply-add peak: ${
      peakLoop(peakModule(x), 0, x === "f64x2" ? 4 : 8).toFixed(1)
    } GFLOP/s on one core; ${
      two.map((g) => g.toFixed(1)).join(" + ")
    } on two at once`,
  );
}
for (const dtype of ["float64", "float32"] as const) {
  const kernels = SimdKernels.create({ dtype })!, rng = new Rng(8);
  const net = new DeepConvNet({ rng, kernels }), adam = new Adam();
  const batches = Array.from({ length: 4 }, () => data.batch(rng, 100));
  const times: number[] = [];
  for (let i = 0; i < 23; i++) {
    const { x, t } = batches[i % batches.length];
    const t0 = performance.now();
    adam.update(net.params, net.gradient(x, t));
    if (i >= 3) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[times.length >> 1];
  const performed = flop(winograd);
  console.log(
    `${dtype} step on the SIMD kernels (${kernels.name}, one thread, ${data.source}), ` +
      `median of 20: ${ms.toFixed(1)} ms = ${
        (flop(direct) / ms * 1000).toFixed(1)
      } GFLOP/s as im2col; ${performed.toFixed(2)} GFLOP of its products, ${
        (performed / ms * 1000).toFixed(1)
      } GFLOP/s`,
  );
}
