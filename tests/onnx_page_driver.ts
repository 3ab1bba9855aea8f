// The Playwright side of the page tests of tests/onnx_test.ts (see
// tests/driver.ts). Reads JSON on stdin: {base, executable, iters, saved,
// onnx, ort, cdn}. Trains a TwoLayerNet for `iters` iterations on the train
// page at `base`, saves it with "save .safetensors" to `saved` and with
// "save .onnx" to `onnx` (a file of the served folder, net.onnx); then opens
// `base`onnx.html, a page holding the README's onnxruntime-web snippet,
// whose requests for `cdn` are answered from `ort` (onnxruntime-web's
// dist folder). Prints {logged, errors} as JSON: what that page logged.
import { input, launch } from "./driver.ts";

const { base, executable, iters, saved, onnx, ort, cdn } = await input<{
  base: string;
  executable: string;
  iters: number;
  saved: string;
  onnx: string;
  ort: string;
  cdn: string;
}>();
const { browser, errors, open } = await launch(executable);
try {
  const train = await open(`${base}train.html`);
  await train.selectOption("#net", "two-layer");
  await train.fill("#iters", String(iters));
  await train.click("#start");
  await train.waitForSelector("body[data-state=done]", { timeout: 60_000 });
  for (const [button, path] of [["#save", saved], ["#saveOnnx", onnx]]) {
    const [file] = await Promise.all([
      train.waitForEvent("download"),
      train.click(button),
    ]);
    await file.saveAs(path);
  }

  const page = await browser.newPage();
  page.on("pageerror", (e: Error) => errors.push(String(e)));
  const logged = new Promise((resolve) =>
    page.on("console", async (m: { type(): string; args(): Json[] }) => {
      if (m.type() === "log") resolve(await m.args()[0].jsonValue());
      else if (m.type() === "error") errors.push(String(m));
    })
  );
  // The CDN's files, from the npm package, with the CDN's CORS headers.
  await page.route(`${cdn}**`, (route: Json) => {
    const file = route.request().url().slice(cdn.length);
    route.fulfill({
      path: `${ort}/${file}`,
      headers: {
        "content-type": file.endsWith(".wasm")
          ? "application/wasm"
          : "text/javascript",
        "access-control-allow-origin": "*",
        "cross-origin-resource-policy": "cross-origin",
      },
    });
  });
  await page.goto(`${base}onnx.html`);
  console.log(JSON.stringify({ logged: await logged, errors }));
} finally {
  await browser.close();
}

// deno-lint-ignore no-explicit-any
type Json = any;
