/// <reference lib="dom" />
// The browser demo: draw a digit, see the net's ten probabilities. Runs the
// same layers/ and net/ code as the CLI, bundled by `deno task demo`.

import { Matrix } from "../core/matrix.ts";
import { type LoadedNet, loadNet } from "../io/model.ts";
import { softmax, toMnist } from "./preprocess.ts";

const SIZE = 280;
const pad = document.getElementById("pad") as HTMLCanvasElement;
const preview = document.getElementById("preview") as HTMLCanvasElement;
const status = document.getElementById("status") as HTMLElement;
const answer = document.getElementById("answer") as HTMLElement;
const bars = document.getElementById("bars") as HTMLElement;
const ctx = pad.getContext("2d", { willReadFrequently: true })!;

function clear(): void {
  ctx.fillStyle = "black";
  ctx.fillRect(0, 0, SIZE, SIZE);
  answer.textContent = "–";
  document.body.dataset.prediction = "";
  render(new Array(10).fill(0), new Float64Array(784));
}

function render(probs: number[], x: Float64Array): void {
  bars.replaceChildren(
    ...probs.map((p, digit) => {
      const row = document.createElement("div");
      row.className = "bar";
      row.innerHTML = `<span>${digit}</span><i style="width:${
        (p * 100).toFixed(1)
      }%"></i><b>${p.toFixed(3)}</b>`;
      return row;
    }),
  );
  const pctx = preview.getContext("2d")!;
  const img = pctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(x[i] * 255);
    img.data.set([v, v, v, 255], 4 * i);
  }
  pctx.putImageData(img, 0, 0);
}

let net: LoadedNet["net"];
let input: LoadedNet["input"];

/** Takes a saved net (safetensors bytes) as the page's model. */
function useModel(bytes: Uint8Array, from: string): void {
  ({ net, input } = loadNet(bytes));
  status.textContent = `model: ${net.spec.type} from ${from}, ${
    Object.keys(net.params).length
  } tensors`;
  document.body.dataset.model = `${net.spec.type} ${from}`;
}

const response = await fetch("model.safetensors");
if (!response.ok) throw new Error(`model.safetensors: HTTP ${response.status}`);
useModel(new Uint8Array(await response.arrayBuffer()), "model.safetensors");

// A net trained on the train page (its "save .safetensors"), or by
// deno task train --save.
const file = document.getElementById("file") as HTMLInputElement;
file.addEventListener("change", async () => {
  const chosen = file.files?.[0];
  if (chosen === undefined) return;
  const before = status.textContent;
  try {
    useModel(new Uint8Array(await chosen.arrayBuffer()), chosen.name);
    clear();
  } catch (e) {
    status.textContent = `${chosen.name} is not a net saved by dlfs (${
      (e as Error).message
    }); still ${before}`;
  }
});

function predict(): void {
  const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
  const grey = new Float64Array(SIZE * SIZE);
  for (let i = 0; i < grey.length; i++) grey[i] = rgba[4 * i] / 255;
  const x = toMnist(grey, SIZE); // in [0, 1]
  if (input.pixels === "raw") { for (let i = 0; i < 784; i++) x[i] *= 255; }
  const probs = softmax(net.predict(new Matrix(1, 784, x.slice())).data);
  const best = probs.indexOf(Math.max(...probs));
  answer.textContent = String(best);
  document.body.dataset.prediction = String(best);
  render(probs, x);
}

let drawing = false;
pad.addEventListener("pointerdown", (e) => {
  drawing = true;
  ctx.beginPath();
  ctx.moveTo(e.offsetX, e.offsetY);
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  ctx.lineTo(e.offsetX, e.offsetY);
  ctx.strokeStyle = "white";
  ctx.lineWidth = 22;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.stroke();
});
for (const type of ["pointerup", "pointerleave"]) {
  pad.addEventListener(type, () => {
    if (drawing) predict();
    drawing = false;
  });
}
document.getElementById("clear")!.addEventListener("click", clear);
clear();
document.body.dataset.ready = "true";
