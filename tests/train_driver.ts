// The Playwright side of tests/train_page_test.ts (see tests/driver.ts).
// Reads JSON on stdin:
// {base, plainBase, executable, iters, shots, download}; `base` is a server
// with the isolation headers, `plainBase` one without. Trains on the train
// page to the end, runs its gradient check, saves the net and loads it into
// the drawing page; pauses, resumes and resets a second run; starts one
// without isolation. Prints what it saw as JSON.
import { input, launch, type Page } from "./driver.ts";

const { base, plainBase, executable, iters, shots, download } = await input<{
  /** Without it, only the last part (no isolation) runs. */
  base?: string;
  plainBase: string;
  executable: string;
  iters: number;
  shots: string;
  download: string;
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
  const seen = base === undefined ? {} : await isolated(base);
  // 3. Without the isolation headers: one thread, still training; the
  // convnet, which offers no gradient check.
  const plain = await open(`${plainBase}train.html`);
  await plain.selectOption("#net", "convnet");
  await plain.fill("#iters", "100");
  await plain.click("#start");
  await plain.waitForSelector("body[data-state=done]", { timeout: 120_000 });
  const plainThreads = Number(await data(plain, "threads"));
  const plainKernels = await data(plain, "kernels");
  const plainAcc = Number(await data(plain, "testAcc"));
  const checkable = await plain.isEnabled("#checkButton");
  // A seed the CLI refuses: one line, no run.
  await plain.click("#reset");
  await plain.fill("#seed", "99999999999");
  await plain.click("#start");
  const badSeed = await plain.textContent("#error");
  const stateAfter = await data(plain, "state");
  await plain.close();
  console.log(JSON.stringify({
    ...seen,
    plain: {
      threads: plainThreads,
      kernels: plainKernels,
      testAcc: plainAcc,
      checkable,
      badSeed,
      stateAfter,
    },
    errors,
  }));
} finally {
  await browser.close();
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
  const draw = await open(`${base}index.html`);
  await draw.setInputFiles("#file", download);
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
    pause: { pausedAt, stillAt, resumedTo, afterReset },
    longTasks: long,
  };
}
