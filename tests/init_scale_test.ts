// Every net's initial weights, layer by layer, at the scale its init names:
// He's √(2/n) and Xavier's √(1/n) with n the layer's fan-in (an Affine's
// inputs; a filter bank's C·FH·FW, not its filter count), or the number.
import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { Rng } from "../core/mod.ts";
import {
  DeepConvNet,
  MultiLayerNet,
  type NetOptions,
  type Network,
  SimpleConvNet,
  TwoLayerNet,
  type WeightInit,
} from "../net/mod.ts";

/**
 * The scale each W of `net` was drawn at: the nets draw W1, W2, … in
 * order, each `scale · rng.normal()` element by element, so replaying the
 * generator's normals gives the scale of each element exactly (to
 * rounding), and every element of a W must give the same one.
 */
function drawnScales(net: Network, seed: number): Record<string, number> {
  const replay = new Rng(seed), scales: Record<string, number> = {};
  for (const [key, W] of Object.entries(net.params)) {
    if (!key.startsWith("W")) continue;
    const first = W.data[0] / replay.normal();
    for (let i = 1; i < W.data.length; i++) {
      const scale = W.data[i] / replay.normal();
      assertAlmostEquals(scale, first, 1e-12 * first, `${key}[${i}]`);
    }
    scales[key] = first;
  }
  return scales;
}

/** The fan-ins of each net's weights, by hand from the book. */
const NETS: [
  name: string,
  build: (options: NetOptions) => Network,
  fanIns: number[],
][] = [
  [
    "TwoLayerNet(784, 50, 10)",
    (o) =>
      new TwoLayerNet({ inputSize: 784, hiddenSize: 50, outputSize: 10, ...o }),
    [784, 50],
  ],
  [
    "MultiLayerNet(784, [100, 100], 10)",
    (o) =>
      new MultiLayerNet({
        inputSize: 784,
        hiddenSizes: [100, 100],
        outputSize: 10,
        ...o,
      }),
    [784, 100, 100],
  ],
  [
    "SimpleConvNet(), 30 filters of 1×5×5",
    (o) => new SimpleConvNet(o),
    [25, 30 * 12 * 12, 100],
  ],
  [
    "DeepConvNet() (the book's pre_node_nums)",
    (o) => new DeepConvNet(o),
    [9, 144, 144, 288, 288, 576, 1024, 50],
  ],
];

Deno.test("every net draws each layer's weights at √(2/fan-in) for he, √(1/fan-in) for xavier, and the number given", () => {
  for (const [name, build, fanIns] of NETS) {
    for (
      const [init, scale] of [
        ["he", (n: number) => Math.sqrt(2 / n)],
        ["xavier", (n: number) => Math.sqrt(1 / n)],
        [0.01, () => 0.01],
      ] as [WeightInit, (n: number) => number][]
    ) {
      const net = build({
        rng: new Rng(3),
        weightInitStd: init,
        backend: "ts",
      });
      const scales = Object.values(drawnScales(net, 3));
      assertEquals(scales.length, fanIns.length);
      scales.forEach((s, i) =>
        assertAlmostEquals(
          s,
          scale(fanIns[i]),
          1e-12,
          `${name}, ${init}: W${i + 1}`,
        )
      );
    }
  }
});

Deno.test("the pinned scale tells a filter bank's fan-in from its filter count (std 0.283, not 0.088, for 256 filters of 5×5)", () => {
  const net = new SimpleConvNet({
    filterNum: 256,
    rng: new Rng(3),
    weightInitStd: "he",
    backend: "ts",
  });
  const { W1 } = drawnScales(net, 3);
  assertAlmostEquals(W1, Math.sqrt(2 / 25), 1e-12); // 0.283
  // What the rows (the filter count) would give: far from what was drawn.
  assert(Math.abs(W1 - Math.sqrt(2 / 256)) > 0.1, `${W1}`);
});

Deno.test("the book's nets default to their book's init: 0.01, He for MultiLayerNet and DeepConvNet", () => {
  const defaults = [0.01, Math.sqrt(2 / 784), 0.01, Math.sqrt(2 / 9)];
  NETS.forEach(([name, build], i) => {
    const net = build({ rng: new Rng(4), backend: "ts" });
    assertAlmostEquals(drawnScales(net, 4).W1, defaults[i], 1e-12, name);
  });
});
