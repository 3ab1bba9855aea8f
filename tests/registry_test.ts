// A net kind defined here, in a test file, and registered: one file and one
// entry are all it takes for buildNet, the Trainer and the parallel gradient
// check (whose Worker imports this file to find the kind). Train/test mode
// and the saved state go through the layer contract.
import {
  assert,
  assertEquals,
  assertGreater,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng, selectKernels } from "../core/mod.ts";
import {
  Affine,
  Dropout,
  type Layer,
  type Param,
  Sigmoid,
} from "../layers/mod.ts";
import {
  buildNet,
  initWeights,
  LayerNet,
  type NetKind,
  netKind,
  netKinds,
  type NetOptions,
  type NetSpec,
  parallelNumericalGradient,
  registerNet,
  Trainer,
} from "../net/mod.ts";
import { loadNet, saveNet } from "../io/mod.ts";
import { uniformMatrix } from "./helpers.ts";

interface TinyNetSpec {
  type: "TinyNet";
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  dropout: boolean;
}

/** Passes x on; records the modes it was run in; counts its training forwards as its state. */
class ModeProbe implements Layer {
  readonly modes: (boolean | undefined)[] = [];
  readonly count: Matrix = Matrix.zeros(1, 1);
  forward(x: Matrix, train?: boolean): Matrix {
    this.modes.push(train);
    if (train) this.count.data[0]++;
    return x;
  }
  backward(dout: Matrix): Matrix {
    return dout;
  }
  params(): Param[] {
    return [];
  }
  state(): Record<string, Matrix> {
    return { training_forwards: this.count };
  }
}

type TinyNetParams = Record<"W1" | "b1" | "W2" | "b2", Matrix>;

/** Affine → Sigmoid → ModeProbe → (Dropout) → Affine, Xavier weights. */
class TinyNet extends LayerNet<TinyNetParams> {
  readonly spec: TinyNetSpec;
  readonly probe: ModeProbe;

  constructor(options: Omit<TinyNetSpec, "type"> & NetOptions) {
    const { inputSize, hiddenSize, outputSize, dropout } = options;
    const rng = options.rng ?? new Rng(0), init = options.weightInitStd;
    const kernels = selectKernels("TinyNet", options);
    const params = {
      W1: initWeights(rng, inputSize, hiddenSize, init ?? "xavier"),
      b1: Matrix.zeros(1, hiddenSize),
      W2: initWeights(rng, hiddenSize, outputSize, init ?? "xavier"),
      b2: Matrix.zeros(1, outputSize),
    };
    const probe = new ModeProbe();
    const layers = new Map<string, Layer>([
      ["Affine1", new Affine(params.W1, params.b1, { kernels })],
      ["Sigmoid1", new Sigmoid({ kernels })],
      ["Probe1", probe],
    ]);
    if (dropout) layers.set("Dropout1", new Dropout({ rng, kernels }));
    layers.set("Affine2", new Affine(params.W2, params.b2, { kernels }));
    super({ name: "TinyNet", kernels, inputSize, outputSize, params, layers });
    this.probe = probe;
    this.spec = { type: "TinyNet", inputSize, hiddenSize, outputSize, dropout };
  }
}

const TINY_NET: NetKind<TinyNetSpec> = {
  type: "TinyNet",
  name: "tiny",
  summary: "a sigmoid net of the tests",
  module: import.meta.url,
  build: (spec, options) => new TinyNet({ ...spec, ...options }),
  describe: (s) => `TinyNet(${s.inputSize}, ${s.hiddenSize}, ${s.outputSize})`,
  defaults: { hidden: [8], init: "xavier" },
  takes: { hidden: "one", dropout: true },
  forMnist: ({ hidden: [hiddenSize], dropout }) => ({
    type: "TinyNet",
    inputSize: 784,
    hiddenSize,
    outputSize: 10,
    dropout: dropout !== undefined,
  }),
};
registerNet(TINY_NET); // the one entry

Deno.test("a net kind registered from a test file is built from its spec and listed after the book's", () => {
  registerNet(TINY_NET); // again: nothing changes
  assertEquals(netKinds().map((k) => k.name), [
    "two-layer",
    "multi-layer",
    "convnet",
    "deep-convnet",
    "tiny",
  ]);
  assertStrictEquals(netKind("TinyNet"), TINY_NET);
  const spec = TINY_NET.forMnist({
    hidden: [5],
    batchnorm: false,
    weightDecay: 0,
  });
  const net = buildNet(spec, { rng: new Rng(1), backend: "ts" });
  assert(net instanceof TinyNet);
  assertEquals(net.spec, spec);
  assertEquals(net.params.W1.shape, "784×5");
  assertEquals(TINY_NET.describe(spec), "TinyNet(784, 5, 10)");
  assertThrows(
    () => registerNet<NetSpec>({ ...TINY_NET, type: "OtherNet" }),
    TypeError,
    'registerNet(): expected a new type and name but found "OtherNet" / "tiny", taken by TinyNet',
  );
  assertThrows(
    () => registerNet({ ...netKind("TwoLayerNet"), name: "two" }),
    TypeError,
    "taken by TwoLayerNet",
  );
  assertThrows(
    () => buildNet({ type: "LeNet" }),
    TypeError,
    'buildNet(): expected a spec of type TwoLayerNet, MultiLayerNet, SimpleConvNet, DeepConvNet or TinyNet but found "LeNet"',
  );
});

/** 300 points in the unit square, labelled by which side of a line they lie. */
function points(rng: Rng) {
  const x = uniformMatrix(rng, 300, 2, 0, 1);
  const t = Array.from(
    { length: 300 },
    (_, i) => (x.get(i, 0) + 0.5 * x.get(i, 1) > 0.7 ? 1 : 0),
  );
  return { x, t };
}

Deno.test("the registered kind trains through the Trainer, its layers told the mode and its state saved with it", () => {
  const { x, t } = points(new Rng(2));
  const net = new TinyNet({
    inputSize: 2,
    hiddenSize: 8,
    outputSize: 2,
    dropout: false,
    rng: new Rng(3),
    backend: "ts",
  });
  const trainer = new Trainer(net, x, t, x, t, {
    iterations: 600,
    batchSize: 20,
    optimizer: "adam",
    optimizerParams: { lr: 0.05 },
    rng: new Rng(4),
  });
  const losses = trainer.trainLossList;
  const { testAcc } = trainer.train();
  assertGreater(testAcc, 0.95);
  assert(losses.at(-1)! < losses[0] / 3, `${losses[0]} → ${losses.at(-1)}`);
  // gradient() ran the layers in training mode, accuracy() in test mode.
  assertEquals(new Set(net.probe.modes), new Set([true, false]));
  assertStrictEquals(net.probe.count.data[0], 600);
  // The state the probe declares is the net's, saved and loaded with it.
  assertEquals(Object.keys(net.state()), ["training_forwards1"]);
  const { net: copy } = loadNet(saveNet(net), new Rng(0), { backend: "ts" });
  assertEquals(copy.state().training_forwards1.data[0], 600);
  assertEquals(copy.predict(x).data, net.predict(x).data);
});

Deno.test("parallelNumericalGradient() rebuilds the registered kind in its worker, and refuses it with a random layer", async () => {
  const rng = new Rng(5);
  const make = (dropout: boolean) =>
    new TinyNet({
      inputSize: 6,
      hiddenSize: 5,
      outputSize: 3,
      dropout,
      rng,
      backend: "ts",
    });
  const net = make(false), x = uniformMatrix(rng, 4, 6), t = [0, 2, 1, 2];
  const serial = net.numericalGradient(x, t);
  const parallel = await parallelNumericalGradient(net, x, t);
  for (const [key, g] of Object.entries(serial)) {
    assertEquals(parallel[key].data, g.data, key);
  }
  await assertRejects(
    () => parallelNumericalGradient(make(true), x, t),
    TypeError,
    "parallelNumericalGradient(): expected a net without random layers (a worker's draws would differ) but found Dropout1",
  );
});
