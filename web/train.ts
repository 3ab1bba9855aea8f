/// <reference lib="dom" />
// The train page (web/train.html): the controls, the loss curve, the epoch
// table and the graph view; the training itself runs in a Worker
// (train_worker.ts), so this thread only draws.

import type { NetView, Stats } from "./net_view.ts";
import {
  commandOf,
  defaultSpec,
  type FromWorker,
  type RunConfig,
  type ToWorker,
} from "./train_protocol.ts";
import { DEFAULTS, runDefaults } from "../cli/defaults.ts";
import { digitsPlot, movingAverage } from "../io/plot.ts";
import { netKinds } from "../net/registry.ts";

const $ = <T extends HTMLElement>(id: string) =>
  document.getElementById(id) as T;
const form = $<HTMLFormElement>("controls");
const netSelect = $<HTMLSelectElement>("net");
const itersInput = $<HTMLInputElement>("iters");
const seedInput = $<HTMLInputElement>("seed");
const dtypeSelect = $<HTMLSelectElement>("dtype");
const startButton = $<HTMLButtonElement>("start");
const pauseButton = $<HTMLButtonElement>("pause");
const resetButton = $<HTMLButtonElement>("reset");
const saveButton = $<HTMLButtonElement>("save");
const onnxButton = $<HTMLButtonElement>("saveOnnx");
const checkButton = $<HTMLButtonElement>("checkButton");
const misButton = $<HTMLButtonElement>("misButton");
const lossCanvas = $<HTMLCanvasElement>("loss");

// Cross-origin isolated (the demo server's COOP/COEP headers): shared
// memory, so the kernels can split products with a second thread.
const THREADS: 1 | 2 = globalThis.crossOriginIsolated &&
    navigator.hardwareConcurrency >= 2
  ? 2
  : 1;

let worker: Worker | undefined;
let losses: number[] = [];
let maxIter = 0;
let title = ""; // the run, as the status line says it
let checkable = false; // whether the run's net is small enough to check
let drawPending = false;

function setState(state: string): void {
  document.body.dataset.state = state;
  const running = state === "training" || state === "paused";
  const editable = state === "idle" || state === "done" || state === "error";
  startButton.disabled = !editable;
  pauseButton.disabled = !running;
  pauseButton.textContent = state === "paused" ? "resume" : "pause";
  resetButton.disabled = state === "idle";
  saveButton.disabled = onnxButton.disabled = !(running || state === "done");
  // A large net (the convnet's 430 000 parameters) would take minutes: the
  // worker says whether it is checkable.
  checkButton.disabled = !(running || state === "done") || !checkable;
  misButton.disabled = !(running || state === "done");
  for (const input of [netSelect, itersInput, seedInput, dtypeSelect]) {
    input.disabled = !editable;
  }
}

function config(): RunConfig {
  return {
    net: netSelect.value,
    iters: Number(itersInput.value),
    seed: Number(seedInput.value),
    threads: THREADS,
    dtype: dtypeSelect.value === "float32" ? "float32" : "float64",
  };
}

/** What is wrong with the inputs, in one line, or undefined. */
function inputError(): string | undefined {
  // The CLI's range for --seed; iterations up to a million (the loss curve
  // keeps every one).
  for (
    const [input, what, min, max] of [
      [itersInput, "iterations", 1, 1_000_000],
      [seedInput, "seed", 0, 0xffffffff],
    ] as const
  ) {
    const v = Number(input.value);
    if (
      input.value.trim() === "" || !Number.isInteger(v) || v < min || v > max
    ) {
      return `${what}: expected a whole number from ${min} to ${max} but found "${input.value}"`;
    }
  }
  return undefined;
}

function showCommand(): void {
  const error = inputError();
  $("command").textContent = error === undefined
    ? `the same run on the command line: ${commandOf(config())}`
    : "";
  if (!startButton.disabled) $("error").textContent = error ?? "";
}

function send(message: ToWorker): void {
  worker?.postMessage(message);
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor(s / 60) % 60} min`;
}

function start(): void {
  const state = document.body.dataset.state;
  if (state !== "idle" && state !== "done" && state !== "error") return;
  const error = inputError();
  if (error !== undefined) {
    $("error").textContent = error;
    return;
  }
  worker?.terminate(); // the finished run's
  const c = config();
  clearRun();
  setState("loading");
  worker = new Worker(new URL("train_worker.js", import.meta.url), {
    type: "module",
  });
  worker.onmessage = (e: MessageEvent<FromWorker>) => receive(e.data);
  worker.onerror = (e) => fail(e.message || "the training worker failed");
  send({ type: "start", config: c, base: new URL(".", location.href).href });
}

function clearRun(): void {
  losses = [];
  maxIter = 0;
  checkable = false;
  $("error").textContent = "";
  $("epochs").replaceChildren();
  $("graph").replaceChildren();
  $("images").replaceChildren();
  $("checkResult").textContent = "";
  $("misNote").textContent = "";
  $("misDigits").replaceChildren();
  delete document.body.dataset.misclassified;
  for (
    const id of ["iteration", "rate", "eta", "elapsed", "threads", "final"]
  ) {
    $(id).textContent = "–";
  }
  delete document.body.dataset.testAcc;
  drawLoss();
}

function reset(): void {
  worker?.terminate(); // its kernels' second thread goes with it
  worker = undefined;
  clearRun();
  $("status").textContent = "ready";
  setState("idle");
}

function fail(message: string): void {
  $("error").textContent = message;
  if (worker === undefined) return;
  $("status").textContent = "stopped";
  worker.terminate();
  worker = undefined;
  setState("error");
}

function receive(m: FromWorker): void {
  switch (m.type) {
    case "status":
      $("status").textContent = m.text;
      break;
    case "started":
      maxIter = m.maxIter;
      title = m.title;
      checkable = m.checkable;
      $("status").textContent = `training ${m.title}`;
      $("threads").textContent = `${m.kernels}, ${m.threads} thread${
        m.threads > 1 ? "s" : ""
      }`;
      document.body.dataset.threads = String(m.threads);
      document.body.dataset.kernels = m.kernels;
      setState("training");
      break;
    case "progress":
      losses.push(...m.losses);
      $("iteration").textContent = `${m.iteration} / ${maxIter}`;
      $("rate").textContent = m.itPerSec.toFixed(0);
      $("eta").textContent = clock(m.etaSeconds);
      $("elapsed").textContent = clock(m.seconds);
      document.body.dataset.iteration = String(m.iteration);
      scheduleDraw();
      break;
    case "epoch": {
      const { epoch, iter, trainAcc, testAcc } = m.record;
      const row = document.createElement("tr");
      for (
        const v of [
          String(epoch),
          String(iter),
          trainAcc.toFixed(4),
          testAcc.toFixed(4),
          m.seconds.toFixed(1),
        ]
      ) {
        const td = document.createElement("td");
        td.textContent = v;
        row.append(td);
      }
      $("epochs").append(row);
      break;
    }
    case "view":
      showGraph(m.view);
      if (m.images) showImages(m.images.side, m.images.images);
      break;
    case "paused":
      setState("paused");
      $("status").textContent = "paused";
      break;
    case "resumed":
      setState("training");
      $("status").textContent = `training ${title}`;
      break;
    case "done":
      $("final").textContent = m.testAcc.toFixed(4);
      $("eta").textContent = "0 s";
      $("elapsed").textContent = clock(m.trainingSeconds);
      $("status").textContent = `done: train acc ${
        m.trainAcc.toFixed(4)
      }, test acc ${m.testAcc.toFixed(4)} (${
        m.trainingSeconds.toFixed(1)
      } s training, ${
        (m.seconds - m.trainingSeconds).toFixed(1)
      } s the final evaluation); start runs again`;
      document.body.dataset.testAcc = String(m.testAcc);
      document.body.dataset.seconds = String(m.seconds);
      setState("done");
      break;
    case "gradientCheck": {
      // As the book prints them, and judged as deno task gradient-check.
      const lines = Object.entries(m.diffs).map(([k, d]) =>
        `${k}: ${d.toExponential(2)}`
      );
      const ok = Object.values(m.diffs).every((d) => d <= 1e-6);
      $("checkResult").textContent = `${lines.join("\n")}\n${
        ok ? "passed" : "FAILED"
      }: mean |backprop − numerical| ${
        ok ? "≤" : ">"
      } 1e-6 for every parameter; the weights after iteration ${m.iteration}, in ${
        m.seconds.toFixed(1)
      } s`;
      document.body.dataset.gradientCheck = JSON.stringify(m.diffs);
      checkButton.disabled = false;
      break;
    }
    case "misclassified": {
      // The book's figure: 4×5 digits, black on white (matplotlib's gray_r).
      const { digits, checked, iteration } = m;
      $("misDigits").innerHTML = digitsPlot(
        digits.map((d) => ({
          pixels: Array.from(d.pixels, (v) => v / 255),
          caption: `${d.label} → ${d.guess}`,
        })),
      );
      $("misNote").textContent =
        `${digits.length} among the first ${checked} test images, the weights after iteration ${iteration}`;
      document.body.dataset.misclassified = JSON.stringify(
        digits.map((d) => [d.index, d.label, d.guess]),
      );
      misButton.disabled = false;
      break;
    }
    case "saved": {
      const url = URL.createObjectURL(new Blob([m.bytes as BlobPart]));
      const a = document.createElement("a");
      a.href = url;
      a.download = m.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      break;
    }
    case "error":
      if (m.fatal) fail(m.message);
      else {
        $("error").textContent = m.message; // a refused check or save
        $("checkResult").textContent = "";
        checkButton.disabled = false;
      }
      break;
  }
}

// The loss curve: every iteration's loss (light) and a moving average of
// 100 (dark), x from 0 to the run's iterations, y from 0 to 2.5 (clipped).
function scheduleDraw(): void {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawLoss();
  });
}

function drawLoss(): void {
  const ctx = lossCanvas.getContext("2d")!;
  const { width, height } = lossCanvas;
  const left = 34, bottom = 20, top = 8, right = 8;
  const w = width - left - right, h = height - top - bottom;
  const yMax = 2.5;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "11px system-ui";
  ctx.fillStyle = "#555";
  ctx.strokeStyle = "#ddd";
  for (let v = 0; v <= yMax; v += 0.5) {
    const y = top + h * (1 - v / yMax);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + w, y);
    ctx.stroke();
    ctx.fillText(v.toFixed(1), 4, y + 4);
  }
  const n = Math.max(maxIter, 1);
  ctx.fillText("0", left, height - 5);
  ctx.fillText(String(n), left + w - 30, height - 5);
  ctx.fillText("iteration", left + w / 2 - 20, height - 5);
  const x = (i: number) => left + (w * i) / n;
  const y = (v: number) => top + h * (1 - Math.min(v, yMax) / yMax);
  // Per pixel column: the mean loss of its iterations (light), then the
  // moving average over 100 iterations (dark).
  const perPixel = Math.max(1, Math.floor(n / w));
  ctx.strokeStyle = "#9ecae1";
  ctx.beginPath();
  for (let i = 0; i < losses.length; i += perPixel) {
    let s = 0, k = 0;
    for (let j = i; j < Math.min(i + perPixel, losses.length); j++) {
      if (Number.isFinite(losses[j])) s += losses[j], k++;
    }
    if (k > 0) {
      i === 0 ? ctx.moveTo(x(i), y(s / k)) : ctx.lineTo(x(i), y(s / k));
    }
  }
  ctx.stroke();
  ctx.strokeStyle = "#08519c";
  ctx.lineWidth = 2;
  ctx.beginPath();
  const avg = movingAverage(losses, 100);
  for (let i = 0; i < avg.length; i += perPixel) {
    i === 0 ? ctx.moveTo(x(i), y(avg[i])) : ctx.lineTo(x(i), y(avg[i]));
  }
  ctx.stroke();
  ctx.lineWidth = 1;
}

function number(v: number): string {
  const a = Math.abs(v);
  return a === 0 || (a >= 1e-3 && a < 1e4)
    ? v.toPrecision(3)
    : v.toExponential(2);
}

function figure(s: Stats): string {
  return `${number(s.mean)} ± ${number(s.std)}`;
}

function showGraph(view: NetView): void {
  const parts: HTMLElement[] = [];
  const input = document.createElement("div");
  input.className = "node";
  input.dataset.name = "x";
  input.innerHTML = `<h3>x</h3><div class="fwd">${view.x.shape}<br>${
    figure(view.x)
  }</div>`;
  parts.push(input);
  for (const node of view.nodes) {
    const arrow = document.createElement("div");
    arrow.className = "arrow";
    arrow.textContent = "⇄";
    const el = document.createElement("div");
    el.className = "node";
    el.dataset.name = node.name;
    el.dataset.outMean = String(node.out.mean);
    el.dataset.outStd = String(node.out.std);
    const lines = [
      `<h3>${node.name}</h3>`,
      `<div class="fwd">${
        node.name === "SoftmaxWithLoss" ? "y" : "out"
      } ${node.out.shape}<br><span class="num">${
        figure(node.out)
      }</span></div>`,
    ];
    if (node.name === "SoftmaxWithLoss") {
      lines.push(
        `<div class="fwd">loss <span class="num">${
          view.loss.toFixed(4)
        }</span></div>`,
        `<div class="bwd">dout 1</div>`,
      );
    } else if (node.dout) {
      lines.push(
        `<div class="bwd">dout ${node.dout.shape}<br><span class="num">${
          figure(node.dout)
        }</span></div>`,
      );
    }
    for (const p of node.params) {
      lines.push(
        `<div>${p.name} ${p.value.shape} <span class="num">${
          figure(p.value)
        }</span><br><span class="bwd">d${p.name} <span class="num">${
          figure(p.grad)
        }</span></span></div>`,
      );
    }
    el.innerHTML = lines.join("");
    parts.push(arrow, el);
  }
  $("graph").replaceChildren(...parts);
  document.body.dataset.loss = String(view.loss);
}

function showImages(side: number, images: Float32Array[]): void {
  const box = $("images");
  while (box.children.length < images.length) {
    const c = document.createElement("canvas");
    c.width = c.height = side;
    box.append(c);
  }
  images.forEach((img, k) => {
    const c = box.children[k] as HTMLCanvasElement;
    const ctx = c.getContext("2d")!;
    const data = ctx.createImageData(side, side);
    for (let i = 0; i < img.length; i++) {
      const v = img[i]; // in [-1, 1]: red positive, blue negative
      const r = v > 0 ? 255 : Math.round(255 * (1 + v));
      const b = v < 0 ? 255 : Math.round(255 * (1 - v));
      const g = Math.round(255 * (1 - Math.abs(v)));
      data.data[4 * i] = r;
      data.data[4 * i + 1] = g;
      data.data[4 * i + 2] = b;
      data.data[4 * i + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
  });
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
pauseButton.addEventListener("click", () => {
  send({ type: document.body.dataset.state === "paused" ? "resume" : "pause" });
});
resetButton.addEventListener("click", reset);
saveButton.addEventListener(
  "click",
  () => send({ type: "save", format: "safetensors" }),
);
onnxButton.addEventListener(
  "click",
  () => send({ type: "save", format: "onnx" }),
);
misButton.addEventListener("click", () => {
  misButton.disabled = true;
  $("misNote").textContent = "classifying test images…";
  send({ type: "misclassified" });
});
checkButton.addEventListener("click", () => {
  checkButton.disabled = true;
  $("checkResult").textContent =
    "computing the numerical gradient (training waits meanwhile)…";
  send({ type: "gradientCheck" });
});
for (const input of [netSelect, itersInput, seedInput, dtypeSelect]) {
  input.addEventListener("input", showCommand);
}
/**
 * The iterations `deno task train --net NAME` runs by default: its kind's
 * epochs of MNIST's 60,000 training images (DeepConvNet's 20: 12,000), else
 * 10,000.
 */
function defaultIters(name: string): number {
  const kind = netKinds().find((k) => k.name === name)!;
  const { iters, epochs } = runDefaults(kind, {});
  return iters ?? epochs! * Math.floor(60_000 / DEFAULTS.batchSize);
}
// The menu: the registry's nets, by their `deno task train --net` names.
for (const kind of netKinds()) {
  netSelect.add(new Option(kind.describe(defaultSpec(kind)), kind.name));
}
netSelect.value = DEFAULTS.net;
itersInput.value = String(defaultIters(netSelect.value));
// Another net: its own default length, unless the box was changed.
let shownNet = netSelect.value;
netSelect.addEventListener("change", () => {
  if (Number(itersInput.value) === defaultIters(shownNet)) {
    itersInput.value = String(defaultIters(netSelect.value));
  }
  shownNet = netSelect.value;
  showCommand();
});
seedInput.value = String(DEFAULTS.seed);
showCommand();
setState("idle");
drawLoss();
document.body.dataset.ready = "true";
