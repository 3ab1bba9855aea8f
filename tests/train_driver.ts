// The Playwright side of tests/train_page_test.ts (see tests/driver.ts).
// Reads JSON on stdin:
// {base, plainBase, executable, iters, shots, download, deep}; `base` is a
// server with the isolation headers, `plainBase` one without. Trains on the
// train page to the end, runs its gradient check, saves the net and loads it
// into the drawing page; pauses, resumes and resets a second run; starts one
// without isolation. With `deep` (a DeepConvNet file), only: the drawing
// page loads it and reads a drawn "1"; the train page trains a DeepConvNet,
// pauses, saves it to `download` and shows its misclassified digits. Prints
// what it saw as JSON.
import { input, launch, type Page } from "./driver.ts";

const { base, plainBase, executable, iters, shots, download, deep } =
  await input<{
    /** Without it, only the last part (no isolation) runs. */
    base?: string;
    plainBase: string;
    executable: string;
    iters: number;
    shots: string;
    download: string;
    deep?: string;
  }>();
const { browser, errors, open: openPage } = await launch(executable);
const open = (url: string): Promise<Page> =>
  openPage(url, {
    viewport: { width: 1180, height: 900 },
    acceptDownloads: true,
  }, (page) =>
    // Every main-thread task over 50 ms (the Long Tasks API), from the start:
    // [start, duration] in ms.
    page.addInitScript(() => {
      const w = globalThis as unknown as { longTasks: number[][] };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          w.longTasks.push([e.startTime, e.duration]);
        }
      }).observe({ type: "longtask", buffered: true });
    }));
const data = (page: Page, key: string) =>
  page.evaluate((k: string) => document.body.dataset[k], key);
/** The durations of the long tasks that began at `since` or later. */
const longTasks = (page: Page, since: number): Promise<number[]> =>
  page.evaluate(
    (t: number) =>
      (globalThis as unknown as { longTasks: number[][] }).longTasks
        .filter(([start]) => start >= t).map(([, duration]) => duration),
    since,
  );
const now = (page: Page): Promise<number> =>
  page.evaluate(() => performance.now());

try {
  const seen = deep !== undefined
    ? await deepConvNet(base!, deep)
    : { ...base === undefined ? {} : await isolated(base), plain: await plain() };
  console.log(JSON.stringify({ ...seen, errors }));
} finally {
  await browser.close();
}

// 3. Without the isolation headers: one thread, still training; the
// convnet, which offers no gradient check.
async function plain() {
  const page = await open(`${plainBase}train.html`);
  await page.selectOption("#net", "convnet");
  await page.fill("#iters", "100");
  await page.click("#start");
  await page.waitForSelector("body[data-state=done]", { timeout: 120_000 });
  const threads = Number(await data(page, "threads"));
  const kernels = await data(page, "kernels");
  const testAcc = Number(await data(page, "testAcc"));
  const checkable = await page.isEnabled("#checkButton");
  // A seed the CLI refuses: one line, no run.
  await page.click("#reset");
  await page.fill("#seed", "99999999999");
  await page.click("#start");
  const badSeed = await page.textContent("#error");
  const stateAfter = await data(page, "state");
  await page.close();
  return { threads, kernels, testAcc, checkable, badSeed, stateAfter };
}

async function isolated(base: string) {
  // 1. The book's run, to the end.
  const page = await open(`${base}train.html`);
  await page.fill("#iters", String(iters));
  const command = await page.textContent("#command");
  const clicked = Date.now();
  const started = await now(page); // loading the page is not training
  await page.click("#start");
  await page.waitForSelector("body[data-state=training]", { timeout: 60_000 });
  await page.waitForSelector("body[data-state=done]", { timeout: 600_000 });
  const wallSeconds = (Date.now() - clicked) / 1000;
  const epochs = await page.$$eval(
    "#epochs tr",
    (rows: Element[]) =>
      rows.map((r) => [...r.children].map((td) => td.textContent)),
  );
  const graph = await page.$$eval(
    "#graph .node",
    (nodes: HTMLElement[]) =>
      nodes.map((n) => ({
        name: n.dataset.name,
        text: n.textContent,
        outMean: Number(n.dataset.outMean),
        outStd: Number(n.dataset.outStd),
      })),
  );
  const images = await page.$$eval(
    "#images canvas",
    (cs: Element[]) => cs.length,
  );
  const done = {
    testAcc: Number(await data(page, "testAcc")),
    threads: Number(await data(page, "threads")),
    kernels: await data(page, "kernels"),
    seconds: Number(await data(page, "seconds")),
    loss: Number(await data(page, "loss")),
  };
  // The misclassified digits come with the end of the run.
  await page.waitForFunction(() => document.body.dataset.misclassified);
  const misclassified = JSON.parse(await data(page, "misclassified"));
  await page.screenshot({ path: `${shots}/train.png` });
  // The gradient check, in the worker.
  await page.click("#checkButton");
  await page.waitForFunction(() => document.body.dataset.gradientCheck, null, {
    timeout: 120_000,
  });
  const check = JSON.parse(await data(page, "gradientCheck"));
  await page.locator("#backprop").screenshot({
    path: `${shots}/train-graph.png`,
  });
  // Save, and load the file into the drawing page.
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#save"),
  ]);
  await file.saveAs(download);
  const { model, prediction } = await drawOne(base, download);

  // 2. Pause, resume, reset on a second run.
  await page.click("#reset");
  await page.waitForSelector("body[data-state=idle]");
  await page.fill("#iters", "3000");
  await page.click("#start");
  await page.waitForFunction(
    () => Number(document.body.dataset.iteration ?? 0) >= 200,
    null,
    { timeout: 60_000 },
  );
  await page.click("#pause");
  await page.waitForSelector("body[data-state=paused]");
  const pausedAt = Number(await data(page, "iteration"));
  await page.waitForTimeout(700);
  const stillAt = Number(await data(page, "iteration"));
  await page.click("#pause"); // now "resume"
  await page.waitForSelector("body[data-state=training]");
  await page.waitForFunction(
    (n: number) => Number(document.body.dataset.iteration) > n,
    stillAt,
    { timeout: 30_000 },
  );
  const resumedTo = Number(await data(page, "iteration"));
  await page.click("#reset");
  await page.waitForSelector("body[data-state=idle]");
  const afterReset = {
    rows: await page.$$eval("#epochs tr", (r: Element[]) => r.length),
    iteration: await page.textContent("#iteration"),
  };
  const long = await longTasks(page, started);
  await page.close();
  return {
    command,
    wallSeconds,
    epochs,
    graph,
    images,
    done,
    check,
    model,
    prediction,
    misclassified,
    pause: { pausedAt, stillAt, resumedTo, afterReset },
    longTasks: long,
  };
}

/** The drawing page with the net of `file`, and what it reads in a "1". */
async function drawOne(base: string, file: string) {
  const draw = await open(`${base}index.html`);
  await draw.setInputFiles("#file", file);
  await draw.waitForFunction(
    () =>
      (document.body.dataset.model ?? "").includes(".safetensors") &&
      !document.body.dataset.model!.includes("model.safetensors"),
  );
  const model = await data(draw, "model");
  // A stroke down the middle: a "1".
  const box = await draw.locator("#pad").boundingBox();
  await draw.mouse.move(box.x + 140, box.y + 50);
  await draw.mouse.down();
  for (let y = 50; y <= 230; y += 10) {
    await draw.mouse.move(box.x + 142, box.y + y);
  }
  await draw.mouse.up();
  await draw.waitForFunction(() => document.body.dataset.prediction);
  const prediction = await data(draw, "prediction");
  await draw.close();
  return { model, prediction };
}

/**
 * DeepConvNet: `file` in the drawing page; on the train page, a few
 * iterations, paused, saved, its misclassified digits.
 */
async function deepConvNet(base: string, file: string) {
  const drawn = await drawOne(base, file);
  const page = await open(`${base}train.html`);
  const menu = await page.$$eval(
    "#net option",
    (os: HTMLOptionElement[]) => os.map((o) => [o.value, o.textContent]),
  );
  await page.selectOption("#net", "deep-convnet");
  const defaultIters = await page.inputValue("#iters");
  await page.fill("#iters", "1000");
  const command = await page.textContent("#command");
  await page.click("#start");
  await page.waitForSelector("body[data-state=training]", { timeout: 60_000 });
  const status = await page.textContent("#status");
  await page.waitForFunction(
    () => Number(document.body.dataset.iteration ?? 0) >= 2,
    null,
    { timeout: 120_000 },
  );
  await page.click("#pause");
  await page.waitForSelector("body[data-state=paused]");
  const iteration = Number(await data(page, "iteration"));
  const checkable = await page.isEnabled("#checkButton");
  const threads = Number(await data(page, "threads"));
  const [saved] = await Promise.all([
    page.waitForEvent("download"),
    page.click("#save"),
  ]);
  await saved.saveAs(download);
  await page.click("#misButton");
  await page.waitForFunction(() => document.body.dataset.misclassified, null, {
    timeout: 60_000,
  });
  const misclassified = JSON.parse(await data(page, "misclassified"));
  const pictures = await page.$$eval(
    "#misDigits svg text",
    (ts: Element[]) => ts.map((t) => t.textContent),
  );
  const note = await page.textContent("#misNote");
  await page.locator("#mis").screenshot({ path: `${shots}/misclassified.png` });
  await page.click("#reset");
  await page.waitForSelector("body[data-state=idle]");
  await page.close();
  return {
    ...drawn,
    menu,
    defaultIters,
    command,
    status,
    iteration,
    checkable,
    threads,
    misclassified,
    pictures,
    note,
  };
}
