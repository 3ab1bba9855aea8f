// The ceiling of a DeepConvNet training step on this machine (issue 22):
// its FLOPs as im2col computes them (the book's count) and as the SIMD
// kernels' products do (Winograd's where they take it), the WebAssembly
// f64x2 multiply-add peak of one core and of two at once (12 independent
// chains, no memory), and the step's time on the SIMD kernels, one thread,
// as GFLOP/s of both counts. Usage: deno run -A bench/ceiling.ts
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
  if (c < 4) return { direct, winograd: direct }; // im2col (convolution.ts)
  // α² products per tile and (filter, channel), ⌈side/m⌉² tiles
  const tiles = (side: number, m: number) => Math.ceil(side / m) ** 2;
  const side = dx ? h : oh, m = winogradSide(side, side);
  return { direct, winograd: (m + 2) ** 2 * fn * c * tiles(side, m) };
}

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
const affine = 3 * (1024 * 50 + 50 * 10); // forward, dW, dx of both
const flop = (perImage: number) => 2 * 100 * (perImage + affine) / 1e9;

/**
 * The peak loop, `peak(n, p)`: n passes of 12 independent f64x2
 * multiply-adds (fused where the runtime has them), 4 FLOP each.
 */
function peakModule(): WebAssembly.Module {
  const fma = simdSupport().relaxed;
  const f = new Func("peak", [I32, I32]);
  const acc = Array.from({ length: 12 }, () => f.local(V128));
  const s = f.local(V128);
  f.get(1).v128Load().set(s);
  f.loop(() => {
    for (const x of acc) {
      f.get(s).get(s);
      if (fma) f.get(x).f64x2RelaxedMadd();
      else f.f64x2Mul().get(x).f64x2Add();
      f.set(x);
    }
    f.get(0).i32(1).i32Sub().tee(0).brIf(0);
  });
  acc.forEach((x, i) => f.get(1).get(x).v128Store(16 * i));
  return new WebAssembly.Module(wasmModule([f]));
}

/**
 * GFLOP/s of the peak loop from wall-clock time `start` (Date.now()) for
 * 400 ms, on this thread (its source also runs as it is in the Workers of
 * `peakOnWorkers`, which start together).
 */
function peakLoop(module: WebAssembly.Module, start: number): number {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const run = new WebAssembly.Instance(module, { env: { memory } }).exports
    .peak as (n: number, p: number) => void;
  const n = 1e5;
  run(n, 0);
  while (Date.now() < start);
  const t = performance.now();
  let passes = 0;
  while (performance.now() - t < 400) (run(n, 0), passes++);
  return passes * n * 12 * 4 / (performance.now() - t) / 1e6;
}

/** The peak loop on `count` Workers at once: each one's GFLOP/s. */
async function peakOnWorkers(count: number): Promise<number[]> {
  const source = `${peakLoop.toString()}
self.onmessage = (e) => self.postMessage(peakLoop(...e.data));`;
  const url = URL.createObjectURL(
    new Blob([source], { type: "text/javascript" }),
  );
  const module = peakModule(), start = Date.now() + 500;
  const workers = Array.from(
    { length: count },
    () => new Worker(url, { type: "module" }),
  );
  const results = await Promise.all(
    workers.map((w) =>
      new Promise<number>((resolve) => {
        w.onmessage = (e) => resolve(e.data);
        w.postMessage([module, start]);
      })
    ),
  );
  workers.forEach((w) => w.terminate());
  return results;
}

const kernels = SimdKernels.create()!, rng = new Rng(8);
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
console.log(
  `DeepConvNet step, batch 100: ${flop(direct).toFixed(2)} GFLOP as im2col, ` +
    `${flop(winograd).toFixed(2)} GFLOP of the SIMD kernels' products`,
);
const two = await peakOnWorkers(2);
console.log(
  `f64x2 ${simdSupport().relaxed ? "fused " : ""}multiply-add peak: ${
    peakLoop(peakModule(), 0).toFixed(1)
  } GFLOP/s on one core; ${
    two.map((g) => g.toFixed(1)).join(" + ")
  } on two at once`,
);
console.log(
  `step on the SIMD kernels (${kernels.name}, one thread, ${data.source}), ` +
    `median of 20: ${ms.toFixed(1)} ms = ${
      (flop(direct) / ms * 1000).toFixed(1)
    } GFLOP/s as im2col, ${(flop(winograd) / ms * 1000).toFixed(1)} performed`,
);
