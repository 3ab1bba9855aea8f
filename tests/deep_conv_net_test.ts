// DeepConvNet (the book's ch08/deep_convnet.py): its layers and shapes, the
// book's NumPy scores with the book's 2016 weights (tests/book/make.py), one
// line for sizes that do not fit, the same run for the same seed, and the
// gradient check with its Dropout masks held fixed, in one thread and two.
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertGreater,
  assertThrows,
} from "@std/assert";
import { type Matrix, Rng } from "../core/mod.ts";
import { Dropout } from "../layers/mod.ts";
import {
  buildNet,
  compareGradients,
  type ConvParam,
  DeepConvNet,
  type DeepConvNetOptions,
  netKind,
  parallelNumericalGradient,
  setAsideKinks,
} from "../net/mod.ts";
import { Adam } from "../optim/mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadNet,
  SafetensorsError,
  saveNet,
} from "../io/mod.ts";
import { loadMnist } from "../data/mod.ts";
import { BOOK_PARAMS, loadParams } from "../examples/ch08/deep_convnet.ts";
import { uniformMatrix } from "./helpers.ts";

Deno.test("new DeepConvNet() is the book's net: its layers, W1…W8 and b1…b8 of the book's shapes, 123,552 parameters", () => {
  const net = new DeepConvNet();
  assertEquals([...net.layers.keys()], [
    "Conv1",
    "Relu1",
    "Conv2",
    "Relu2",
    "Pool1",
    "Conv3",
    "Relu3",
    "Conv4",
    "Relu4",
    "Pool2",
    "Conv5",
    "Relu5",
    "Conv6",
    "Relu6",
    "Pool3",
    "Affine1",
    "Relu7",
    "Dropout1",
    "Affine2",
    "Dropout2",
  ]);
  // The book's shapes, W as FN×(C·FH·FW) for (FN, C, FH, FW).
  const shapes = Object.entries(net.params).map(([k, W]) => `${k} ${W.shape}`);
  assertEquals(shapes, [
    "W1 16×9",
    "b1 1×16",
    "W2 16×144",
    "b2 1×16",
    "W3 32×144",
    "b3 1×32",
    "W4 32×288",
    "b4 1×32",
    "W5 64×288",
    "b5 1×64",
    "W6 64×576",
    "b6 1×64",
    "W7 1024×50",
    "b7 1×50",
    "W8 50×10",
    "b8 1×10",
  ]);
  const count = Object.values(net.params).reduce(
    (n, W) => n + W.rows * W.cols,
    0,
  );
  assertEquals(count, 123_552);
  assertEquals(
    [...net.layers.values()].filter((l) => l instanceof Dropout)
      .map((l) => (l as Dropout).ratio),
    [0.5, 0.5],
  );
  // The registry's kind builds it for MNIST, and a spec rebuilds it.
  const kind = netKind("DeepConvNet");
  assertEquals(kind.name, "deep-convnet");
  assertEquals(
    kind.forMnist({ ...kind.defaults, batchnorm: false, weightDecay: 0 }),
    net.spec,
  );
  const again = buildNet(net.spec, { rng: new Rng(0) });
  assertEquals(again.params.W4.data, net.params.W4.data);
});

Deno.test("DeepConvNet with the book's 2016 weights gives the book's NumPy class scores on the first five test images", async () => {
  const expected = JSON.parse(
    await Deno.readTextFile(new URL("book/deep_convnet.json", import.meta.url)),
  );
  const { xTest } = await loadMnist();
  const x = xTest.batch([0, 1, 2, 3, 4]);
  for (const backend of ["ts", "auto"] as const) {
    const net = new DeepConvNet({ backend });
    await loadParams(net, BOOK_PARAMS);
    const y = net.predict(x); // test mode: Dropout scales by 0.5
    expected.scores.flat().forEach((s: number, i: number) =>
      // NumPy x/255 vs our x·(1/255), and another order of summation
      assertAlmostEquals(y.data[i], s, 1e-12 * Math.abs(s), `${backend} ${i}`)
    );
  }
});

Deno.test("the DeepConvNet dlfs trained (examples/ch08/deep_convnet_dlfs.safetensors) is the book's net from the default run, at ≥ 0.993 on all 10,000 test images", async () => {
  const { loadNetFile } = await import("../data/mod.ts");
  const { net, settings } = await loadNetFile(
    new URL("../examples/ch08/deep_convnet_dlfs.safetensors", import.meta.url)
      .pathname,
  );
  assertEquals(net.spec, new DeepConvNet().spec);
  assertEquals((settings as { flags: string[] }).flags, [
    ...["--net", "deep-convnet", "--hidden", "50", "--optimizer", "adam"],
    ...["--lr", "0.001", "--batch-size", "100", "--iters", "12000"],
    ...["--seed", "42", "--backend", "auto"],
  ]);
  const { xTest, tTest } = await loadMnist();
  const accuracy = net.accuracy(xTest, tTest);
  console.log(`test accuracy ${accuracy} (the README: 0.9943)`);
  assertGreater(accuracy, 0.993);
});

Deno.test("DeepConvNet refuses sizes that do not fit in one line naming the net and the layer", () => {
  const conv: ConvParam = { filterNum: 2, filterSize: 3, pad: 1, stride: 1 };
  const six = [
    conv,
    conv,
    conv,
    conv,
    conv,
    conv,
  ] as DeepConvNetOptions["conv"];
  const cases: [DeepConvNetOptions, string][] = [
    [
      { input: [1, 27, 27] },
      "DeepConvNet (Pool1): expected a 2×2 window with stride 2 and pad 0 to tile a 27×27 image exactly but found a remainder",
    ],
    [
      { conv: six!.slice(0, 5) as unknown as DeepConvNetOptions["conv"] },
      "DeepConvNet: expected conv to be six convolutions (the book's conv_param_1 … 6) but found 5",
    ],
    [
      { conv: [conv, conv, { ...conv, filterNum: 0 }, conv, conv, conv] },
      "DeepConvNet: expected conv[2].filterNum to be a positive integer but found 0",
    ],
    [
      {
        input: [1, 8, 8],
        conv: [conv, conv, conv, { ...conv, filterSize: 9 }, conv, conv],
      },
      "DeepConvNet (Conv4): expected a 9×9 window with stride 1 and pad 1 to tile a 4×4 image exactly but found it does not fit",
    ],
    [
      { hiddenSize: 2.5 },
      "DeepConvNet: expected hiddenSize to be a positive integer but found 2.5",
    ],
  ];
  for (const [options, message] of cases) {
    assertThrows(
      () => new DeepConvNet({ ...options, backend: "ts" }),
      RangeError,
      message,
    );
  }
});

Deno.test("a saved DeepConvNet whose file does not fit its spec is refused in one line", () => {
  const net = small(new Rng(1));
  const bytes = saveNet(net);
  // The same tensors under a spec of 5 hidden units instead of 6.
  const { tensors, metadata } = decodeSafetensors(bytes);
  const forged = encodeSafetensors(tensors, {
    metadata: {
      ...metadata,
      net: JSON.stringify({ ...net.spec, hiddenSize: 5 }),
    },
  });
  const e = assertThrows(() => loadNet(forged), SafetensorsError);
  assert(!e.message.includes("\n"), e.message);
  assert(e.message.startsWith("loadNet(): expected the "), e.message);
  // Unforged, it predicts as the net.
  const x = uniformMatrix(new Rng(2), 3, 144, 0, 1);
  assertEquals(loadNet(bytes).net.predict(x).data, net.predict(x).data);
});

Deno.test("DeepConvNet with the same seed trains bit for bit the same (weights, batches' dropout masks)", () => {
  const run = () => {
    const rng = new Rng(7);
    const net = small(rng);
    const x = uniformMatrix(new Rng(3), 4, 144, 0, 1), t = [0, 1, 2, 1];
    const adam = new Adam({ lr: 0.01 });
    for (let i = 0; i < 3; i++) adam.update(net.params, net.gradient(x, t));
    return { W1: net.params.W1.data.slice(), loss: net.loss(x, t) };
  };
  assertEquals(run(), run());
});

/** A DeepConvNet of the book's layers and pads on 12×12 images, 2–4 filters. */
function small(rng: Rng): DeepConvNet {
  const conv = (filterNum: number, pad = 1): ConvParam => ({
    filterNum,
    filterSize: 3,
    pad,
    stride: 1,
  });
  // 12×12 → 12 → 12 → pool 6 → 6 → 8 (pad 2) → pool 4 → 4 → 4 → pool 2
  return new DeepConvNet({
    rng,
    input: [1, 12, 12],
    conv: [conv(2), conv(2), conv(3), conv(3, 2), conv(4), conv(4)],
    hiddenSize: 6,
    outputSize: 3,
  });
}

/** One training-mode pass draws the masks; frozen, they stay. */
function freezeMasks(net: DeepConvNet, x: Matrix, t: number[]): void {
  net.loss(x, t, { train: true });
  for (const l of net.layers.values()) {
    if (l instanceof Dropout) l.frozenMask = true;
  }
}

Deno.test("DeepConvNet passes the book's gradient check with its Dropout masks held fixed, in one thread and in two (bit for bit), kinks set aside", async () => {
  const rng = new Rng(11);
  const net = small(rng);
  const x = uniformMatrix(rng, 3, 144, 0, 1), t = [0, 2, 1];
  freezeMasks(net, x, t);
  const serial = net.numericalGradient(x, t);
  const parallel = await parallelNumericalGradient(net, x, t);
  const backprop = net.gradient(x, t);
  const loss = () => net.loss(x, t, { train: true });
  let checked = 0, total = 0;
  for (const [key, W] of Object.entries(net.params)) {
    const k = key as keyof typeof serial;
    assertEquals(
      parallel[key].data,
      serial[k].data,
      `${key}: the worker's masks`,
    );
    const d = setAsideKinks(net, loss, W, backprop[k], serial[k]);
    assert(
      d.meanAbsDiff <= 1e-6,
      `${key}: ${d.meanAbsDiff}, ${d.kinked.length} kinked`,
    );
    checked += W.data.length - d.kinked.length;
    total += W.data.length;
  }
  // Nearly all of it is checked: kinks are rare on such a batch.
  assertGreater(checked, 0.99 * total);
});

Deno.test("the gradient check fails DeepConvNet when its masks are not held fixed, or when backprop is off by 1e-4 in one element", () => {
  const rng = new Rng(12);
  const net = small(rng);
  const x = uniformMatrix(rng, 3, 144, 0, 1), t = [0, 2, 1];
  // Fresh masks at every forward: the numerical gradient of a moving target.
  const moving = net.numericalGradient(x, t);
  const backprop = net.gradient(x, t);
  const worst = Math.max(
    ...Object.keys(moving).map((key) => {
      const k = key as keyof typeof moving;
      return compareGradients(backprop[k], moving[k]).meanAbsDiff;
    }),
  );
  assertGreater(worst, 1e-3);
  // Held fixed, then one element of dW8 (a layer after every ReLU and pool:
  // no kink to blame) off by 1e-4: the mean over its 18 elements is 5.6e-6.
  freezeMasks(net, x, t);
  const numerical = net.numericalGradient(x, t).W8;
  const dW8 = net.gradient(x, t).W8.clone();
  const loss = () => net.loss(x, t, { train: true });
  const clean = setAsideKinks(net, loss, net.params.W8, dW8, numerical);
  assert(clean.meanAbsDiff < 1e-6, `${clean.meanAbsDiff}`);
  dW8.data[4] += 1e-4;
  const off = setAsideKinks(net, loss, net.params.W8, dW8, numerical);
  assertEquals([off.rechecked, off.kinked], [[], []]);
  assertGreater(off.meanAbsDiff, 1e-6);
});
