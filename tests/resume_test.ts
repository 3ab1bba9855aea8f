// An exact resume: a run stopped, saved to bytes (saveNet with the
// Trainer's state), loaded and continued ends bit for bit where the run
// ends uninterrupted (losses, evaluations, parameters, running averages,
// the saved bytes), for every optimizer, with Dropout and BatchNorm; what
// each part of the state is for is shown by leaving it out. And the state's
// own checks: Rng, optimizers, Trainer.setState, the file.
import {
  assert,
  assertEquals,
  assertNotEquals,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { Matrix, Rng } from "../core/mod.ts";
import {
  MultiLayerNet,
  type Network,
  Trainer,
  type TrainerState,
  TwoLayerNet,
} from "../net/mod.ts";
import { Adam, Momentum, OPTIMIZERS, SGD } from "../optim/mod.ts";
import { loadNet, loadParams, SafetensorsError, saveNet } from "../io/mod.ts";
import { decodeSafetensors, encodeSafetensors } from "../io/safetensors.ts";
import { imageData as data } from "./helpers.ts";

const TRAIN = data(new Rng(1), 230), TEST = data(new Rng(2), 70);
const ITERATIONS = 40; // 14 per epoch: evaluations after iterations 1, 15, 29

/**
 * The Trainer of one run: its weights, masks and minibatches from one
 * generator, as `deno task train` draws them.
 */
function run(optimizer: string, net?: Network, rng = new Rng(5)) {
  net ??= new MultiLayerNet({
    inputSize: 49,
    hiddenSizes: [12, 8],
    outputSize: 3,
    useBatchnorm: true,
    useDropout: true,
    dropoutRatio: 0.2,
    rng,
  });
  const trainer = new Trainer(
    net,
    TRAIN.images,
    TRAIN.labels,
    TEST.images,
    TEST.labels,
    { iterations: ITERATIONS, batchSize: 16, optimizer, rng },
  );
  return trainer;
}

/** Stops a run after `k` iterations: its bytes, with the Trainer's state. */
function stopped(optimizer: string, k: number): Uint8Array {
  const trainer = run(optimizer);
  for (let i = 0; i < k; i++) trainer.step();
  return saveNet(trainer.network, { training: trainer.state() });
}

/** Continues a saved run, its state changed by `edit`: the Trainer after. */
function resumed(
  bytes: Uint8Array,
  optimizer: string,
  edit = (s: TrainerState) => s,
): Trainer {
  // Another seed than the run's: the file's state replaces it. One
  // generator for the masks and the minibatches, as in the run.
  const rng = new Rng(1234);
  const { net, training } = loadNet(bytes, rng);
  const trainer = run(optimizer, net, rng);
  trainer.setState(edit(training!));
  trainer.train();
  return trainer;
}

/** What a run ends with, all of it. */
function end(trainer: Trainer) {
  return {
    losses: trainer.trainLossList,
    epochs: trainer.epochs,
    result: trainer.result(),
    bytes: saveNet(trainer.network, { training: trainer.state() }),
  };
}

for (const name of Object.keys(OPTIMIZERS)) {
  Deno.test(`a ${name} run with Dropout and BatchNorm, stopped, saved and resumed, ends bit for bit as the run uninterrupted`, () => {
    const whole = run(name);
    whole.train();
    const expected = end(whole);
    assertStrictEquals(expected.epochs.length, 3);
    // Before the first step, at an evaluation's step, after it, at the end.
    for (const k of [0, 1, 15, 16, ITERATIONS]) {
      const again = end(resumed(stopped(name, k), name));
      assertEquals(again.losses, expected.losses, `stopped after ${k}`);
      assertEquals(again.epochs, expected.epochs, `stopped after ${k}`);
      assertEquals(again.result, expected.result, `stopped after ${k}`);
      assertEquals(again.bytes, expected.bytes, `stopped after ${k}`);
    }
  });
}

Deno.test("a resume without the optimizer's, the generators' or the running averages' state does not end where the run does", () => {
  const whole = run("adam");
  whole.train();
  const bytes = stopped("adam", 16);
  const same = resumed(bytes, "adam");
  assertEquals(same.trainLossList, whole.trainLossList);
  // Adam started afresh: its first step after the load is lr, not lr_t.
  const freshAdam = resumed(bytes, "adam", (s) => ({
    ...s,
    optimizer: new Adam({ lr: 0.01 }).state(), // the Trainer's default lr
  }));
  assertNotEquals(freshAdam.trainLossList, whole.trainLossList);
  // The minibatches and masks drawn from the start of the seed again.
  const freshRng = resumed(bytes, "adam", (s) => ({
    ...s,
    rngs: s.rngs.map(() => new Rng(5).state()),
  }));
  assertNotEquals(freshRng.trainLossList, whole.trainLossList);
  // The running averages of a net loaded without them.
  const rng = new Rng(0);
  const { net, training } = loadNet(bytes, rng);
  for (const m of Object.values(net.state())) m.data.fill(0);
  const noAverages = run("adam", net, rng);
  noAverages.setState(training!);
  noAverages.train();
  assertEquals(noAverages.trainLossList, whole.trainLossList); // training mode
  assertNotEquals(
    net.state().running_mean1.data,
    whole.network.state().running_mean1.data,
  );
});

Deno.test("Trainer.state() holds copies, and a file with it still loads as a plain net", () => {
  const trainer = run("momentum");
  for (let i = 0; i < 5; i++) trainer.step();
  const state = trainer.state();
  trainer.step();
  assertStrictEquals(state.iteration, 5);
  assertStrictEquals(state.trainLossList.length, 5);
  assertStrictEquals(state.optimizer.steps, 5);
  // One generator: the net's Dropout layers draw from the Trainer's.
  assertStrictEquals(state.rngs.length, 1);
  const bytes = saveNet(trainer.network, { training: state });
  const plain = new MultiLayerNet({
    ...(trainer.network.spec as MultiLayerNet["spec"]),
  });
  loadParams(plain, bytes); // the training.* tensors are not the net's
  assertEquals(plain.params.W1.data, trainer.network.params.W1.data);
  const { net, training, settings } = loadNet(bytes);
  assertEquals(net.params.W2.data, trainer.network.params.W2.data);
  assertEquals(training!.trainLossList, state.trainLossList);
  assertStrictEquals(settings, undefined);
  assertStrictEquals(loadNet(saveNet(net)).training, undefined);
});

Deno.test("Trainer.setState() refuses a state that is not this run's, and changes nothing then", () => {
  const trainer = run("adam");
  for (let i = 0; i < 3; i++) trainer.step();
  const good = trainer.state();
  const other = run("adam");
  const before = other.state();
  const cases: [Partial<TrainerState>, RegExp][] = [
    [
      { batchSize: 32 },
      /expected a run of batchSize 16 \(this Trainer's\) but found 32/,
    ],
    [{ trainSize: 100 }, /expected a run of trainSize 230/],
    [{ evalSamples: 10 }, /expected a run of evalSamples null/],
    [
      { iteration: 41, trainLossList: Array(41).fill(1) },
      /expected at most 40 iterations done/,
    ],
    [
      { trainLossList: [1, 2] },
      /expected 3 finite losses in trainLossList but found an array of 2/,
    ],
    [{ trainLossList: [1, NaN, 2] }, /expected 3 finite losses/],
    [{ epochs: [] }, /expected 1 epoch records, one every 14 iterations/],
    [{ rngs: [] }, /expected 1 generator states/],
    [
      { rngs: [{ s: [0, 0, 0, 0], spare: null }] },
      /Rng.setState\(\): expected/,
    ],
    [
      { optimizer: new Momentum().state() },
      /Adam.setState\(\): expected the state of Adam but found "Momentum"/,
    ],
    [
      { optimizer: new Adam({ lr: 0.5 }).state() },
      /Adam.setState\(\): expected lr 0.01 \(this optimizer's\) but found 0.5/,
    ],
    [
      {
        optimizer: {
          ...good.optimizer,
          slots: { ...good.optimizer.slots, m: { W1: new Float64Array(3) } },
        },
      },
      /expected the optimizer's arrays to fit the net's params \(W1, b1, .*\) but found m.W1 of 3 values/,
    ],
  ];
  for (const [change, message] of cases) {
    const error = assertThrows(
      () => other.setState({ ...good, ...change }),
      RangeError,
      undefined,
      JSON.stringify(Object.keys(change)),
    );
    assert(message.test(error.message), error.message);
    assertEquals(other.state(), before, "nothing changed");
  }
  const sgd = new Trainer(
    new TwoLayerNet({ inputSize: 49, hiddenSize: 4, outputSize: 3 }),
    TRAIN.images,
    TRAIN.labels,
    TEST.images,
    TEST.labels,
    {
      batchSize: 16,
      optimizer: { lr: 0.1, update: () => {} },
    },
  );
  assertThrows(
    () => sgd.state(),
    TypeError,
    "Trainer.state(): expected an optimizer with state() (the book's six have it) but found an Object without",
  );
});

Deno.test("Rng.state() and setState() continue a stream exactly, the waiting normal value included, and refuse a broken state", () => {
  const a = new Rng(9);
  a.normal(); // leaves the second Box–Muller value waiting
  const b = new Rng(1);
  b.setState(JSON.parse(JSON.stringify(a.state())));
  for (let i = 0; i < 100; i++) {
    assertStrictEquals(b.normal(), a.normal());
    assertStrictEquals(b.int(1000), a.int(1000));
  }
  assertStrictEquals(new Rng(3).state().spare, null);
  for (
    const bad of [
      { s: [1, 2, 3], spare: null },
      { s: [0, 0, 0, 0], spare: null },
      { s: [1, 2, 3, 2 ** 32], spare: null },
      { s: [1, 2, 3, 4], spare: NaN },
      null,
    ]
  ) {
    assertThrows(
      () => b.setState(bad as never),
      RangeError,
      "Rng.setState(): expected { s: four 32-bit words",
    );
  }
});

Deno.test("every optimizer's state() is a copy its setState() takes back exactly, and refuses another's", () => {
  for (const [name, Make] of Object.entries(OPTIMIZERS)) {
    const W = Matrix.fromRows([[1, -2, 3]]),
      g = Matrix.fromRows([[0.5, 1, -1]]);
    const a = new Make();
    a.update({ W }, { W: g });
    a.update({ W }, { W: g });
    const state = a.state();
    a.update({ W }, { W: g }); // the state is a copy: this step is not in it
    const b = new Make();
    b.setState(state);
    const Wa = Matrix.fromRows([[1, 2, 3]]), Wb = Matrix.fromRows([[1, 2, 3]]);
    const c = new Make();
    c.setState(state);
    c.update({ W: Wa }, { W: g });
    b.update({ W: Wb }, { W: g });
    assertEquals(Wa.data, Wb.data, name);
    assertStrictEquals(b.steps, 3, name);
    const other = name === "sgd" ? new Adam() : new SGD();
    assertThrows(() => other.setState(state), RangeError, "setState()");
  }
});

Deno.test("saveNet() refuses a training state in F32, and loadNet() a training state that does not add up", () => {
  const trainer = run("rmsprop");
  trainer.step();
  const state = trainer.state();
  assertThrows(
    () => saveNet(trainer.network, { dtype: "F32", training: state }),
    RangeError,
    "saveNet(): expected dtype F64 with a training state",
  );
  const file = decodeSafetensors(saveNet(trainer.network, { training: state }));
  const { "training.loss": _, ...noLoss } = file.tensors;
  assertThrows(
    () => loadNet(encodeSafetensors(noLoss, { metadata: file.metadata })),
    SafetensorsError,
    'loadNet(): expected a 1-D tensor "training.loss" but found none',
  );
  const stray = { ...file.tensors, "training.extra": file.tensors.b1 };
  assertThrows(
    () => loadNet(encodeSafetensors(stray, { metadata: file.metadata })),
    SafetensorsError,
    'loadNet(): expected no tensor "training.extra"',
  );
  const noSlots = { ...file.metadata, training: '{"iteration":1}' };
  assertThrows(
    () => loadNet(encodeSafetensors(file.tensors, { metadata: noSlots })),
    SafetensorsError,
    'loadNet(): expected metadata "training" to hold an optimizer',
  );
});
