// exportOnnx (io/onnx.ts) and `deno task export`: the models' form, read
// back with the vendored schema; then in the reference engines
// (tests/onnx_helpers.ts): ONNX Runtime for Node runs each exported net on
// MNIST test images against dlfs's own probabilities, and the ONNX checker
// passes every model and fails a broken one.
import {
  assert,
  assertEquals,
  assertGreater,
  assertLessOrEqual,
  assertMatch,
  assertThrows,
} from "@std/assert";
import { Root } from "npm:protobufjs@8.8.1/light.js";
import { Matrix } from "../core/matrix.ts";
import { Rng } from "../core/rng.ts";
import { loadMnist } from "../data/mnist.ts";
import { gatherLabels } from "../data/mod.ts";
import { encodeSafetensors, loadNet, saveNet } from "../io/mod.ts";
import { exportOnnx } from "../io/onnx.ts";
import { ONNX_SCHEMA } from "../io/onnx_schema.ts";
import type { Layer, Param } from "../layers/layer.ts";
import { Pooling } from "../layers/pooling.ts";
import { buildNet, netKinds, Trainer } from "../net/mod.ts";
import type { Network } from "../net/network.ts";
import { TwoLayerNet } from "../net/two_layer_net.ts";
import { MultiLayerNet } from "../net/multi_layer_net.ts";
import { SimpleConvNet } from "../net/simple_conv_net.ts";
import { DeepConvNet } from "../net/deep_conv_net.ts";
import { BOOK_PARAMS, loadParams } from "../examples/ch08/deep_convnet.ts";
import { readmeBlock, taskFlags, uniformMatrix } from "./helpers.ts";
import { builtDemo, CHROMIUM, runDriver } from "./web_helpers.ts";
import { serveDemo } from "../web/serve.ts";
import {
  agreement,
  checkerTest,
  engineTest,
  ortModules,
  pageTest,
  probabilities,
  PYTHON,
  runNode,
} from "./onnx_helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MODEL = Root.fromJSON(ONNX_SCHEMA).lookupType("onnx.ModelProto");

// deno-lint-ignore no-explicit-any
type Json = any;

/** The model in `bytes` as plain data (int64 as numbers). */
function decodeModel(bytes: Uint8Array): Json {
  return MODEL.toObject(MODEL.decode(bytes), { longs: Number, arrays: true });
}

/** The dims of a graph input or output, a symbolic one as its name. */
function dims(value: Json): (number | string)[] {
  return value.type.tensor_type.shape.dim.map((d: Json) =>
    d.dim_param ?? d.dim_value
  );
}

/** The MNIST nets of every kind (MultiLayerNet with BatchNorm and Dropout). */
function mnistNets(rng: Rng): Network[] {
  return netKinds().map((kind) =>
    buildNet(
      kind.forMnist({
        ...kind.defaults,
        hidden: kind.takes.hidden === "list" ? [100, 50] : kind.defaults.hidden,
        batchnorm: true,
        dropout: 0.2,
        weightDecay: 0,
      }),
      { rng, backend: "ts" },
    )
  );
}

Deno.test("exportOnnx() writes opset 13, IR 7, x with a symbolic N, y, each layer's operators and the input normalisation in the metadata", () => {
  const [two, multi, conv, deep] = mnistNets(new Rng(1));
  const ops = (net: Network, options = {}) => {
    const model = decodeModel(exportOnnx(net, options));
    return { model, ops: model.graph.node.map((n: Json) => n.op_type) };
  };
  const { model, ops: twoOps } = ops(two);
  assertEquals(model.ir_version, 7);
  assertEquals(model.opset_import, [{ version: 13 }]); // domain "": the default
  assertEquals(model.producer_name, "dlfs");
  assertEquals(model.graph.input.map((v: Json) => v.name), ["x"]);
  assertEquals(dims(model.graph.input[0]), ["N", 784]);
  assertEquals(model.graph.output.map((v: Json) => v.name), ["y"]);
  assertEquals(dims(model.graph.output[0]), ["N", 10]);
  assertEquals(twoOps, ["Gemm", "Relu", "Gemm", "Softmax"]);
  assertEquals(
    model.graph.initializer.map((t: Json) => [t.name, t.dims]),
    [["W1", [784, 50]], ["b1", [50]], ["W2", [50, 10]], ["b2", [10]]],
  );
  const meta = (m: Json) =>
    Object.fromEntries(
      m.metadata_props.map((p: Json) => [p.key, p.value]),
    );
  assertEquals(meta(model), {
    "dlfs.net": JSON.stringify(two.spec),
    "dlfs.input": '{"pixels":"x/255"}',
  });
  assertMatch(model.graph.input[0].doc_string, /scaled by 1\/255/);
  const raw = ops(two, { input: { pixels: "raw" } }).model;
  assertEquals(meta(raw)["dlfs.input"], '{"pixels":"raw"}');

  const multiModel = ops(multi);
  assertEquals(multiModel.ops, [
    ...["Gemm", "BatchNormalization", "Relu", "Mul"],
    ...["Gemm", "BatchNormalization", "Relu", "Mul"],
    ...["Gemm", "Softmax"],
  ]);
  const bn = multiModel.model.graph.node[1];
  assertEquals(bn.input, [
    "Affine1",
    "gamma1",
    "beta1",
    "running_mean1",
    "running_var1",
  ]);
  assertEquals(bn.attribute[0].name, "epsilon");
  assertEquals(bn.attribute[0].f, Math.fround(1e-6));

  const convModel = ops(conv);
  assertEquals(dims(convModel.model.graph.input[0]), ["N", 1, 28, 28]);
  assertEquals(convModel.ops, [
    ...["Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"],
    "Softmax",
  ]);
  const conv1 = convModel.model.graph.node[0];
  assertEquals(
    conv1.attribute.map((a: Json) => [a.name, a.ints]),
    [["kernel_shape", [5, 5]], ["strides", [1, 1]], ["pads", [0, 0, 0, 0]]],
  );
  assertEquals(convModel.model.graph.initializer[0].dims, [30, 1, 5, 5]);

  const deepModel = ops(deep);
  assertEquals(deepModel.ops.slice(-6), [
    ...["Gemm", "Relu", "Mul", "Gemm", "Mul"], // Dropout1, Dropout2
    "Softmax",
  ]);
  const conv4 = deepModel.model.graph.node.find((n: Json) =>
    n.name === "Conv4"
  );
  assertEquals(conv4.attribute[2].ints, [2, 2, 2, 2]); // the book's pad 2
  const keep = deepModel.model.graph.initializer.find((t: Json) =>
    t.name === "Dropout2_keep"
  );
  assertEquals([keep.dims, new Float32Array(keep.raw_data.slice().buffer)], [
    [],
    new Float32Array([0.5]),
  ]);
});

Deno.test("exportOnnx() keeps a float64 net's every bit with dtype float64 and rounds to float32 by default", () => {
  const net = new TwoLayerNet({
    inputSize: 6,
    hiddenSize: 4,
    outputSize: 3,
    rng: new Rng(2),
  });
  const weights = (options = {}) => {
    const w1 = decodeModel(exportOnnx(net, options)).graph.initializer[0];
    return { type: w1.data_type, bytes: w1.raw_data.slice().buffer };
  };
  const f64 = weights({ dtype: "float64" }), f32 = weights();
  assertEquals(f64.type, 11);
  assertEquals(new Float64Array(f64.bytes), net.params.W1.data as Float64Array);
  assertEquals(f32.type, 1);
  assertEquals(
    new Float32Array(f32.bytes),
    Float32Array.from(net.params.W1.data),
  );
});

Deno.test("exportOnnx() writes a float32 net as it is, and ONNX's float32 weights are its bits", () => {
  const net = new SimpleConvNet({ rng: new Rng(4), dtype: "float32" });
  const { initializer } = decodeModel(exportOnnx(net)).graph;
  for (const [name, W] of Object.entries(net.params)) {
    const t = initializer.find((i: { name: string }) => i.name === name);
    assertEquals(t.data_type, 1, name);
    assertEquals(
      new Float32Array(t.raw_data.slice().buffer),
      W.data as Float32Array,
      name,
    );
  }
});

/** A layer exportOnnx does not know: y = 2x. */
class Double implements Layer {
  forward(x: Matrix): Matrix {
    return new Matrix(x.rows, x.cols, x.data.map((v) => 2 * v));
  }
  backward(dout: Matrix): Matrix {
    return dout;
  }
  params(): Param[] {
    return [];
  }
}

Deno.test("exportOnnx() refuses in one line, naming it, a layer or net kind it does not know, a padded max pool, a bad option", () => {
  const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2 });
  const like = (changes: Partial<Record<keyof Network, unknown>>) =>
    ({
      spec: net.spec,
      inputSize: 4,
      outputSize: 2,
      params: net.params,
      layers: net.layers,
      state: () => ({}),
      ...changes,
    }) as unknown as Network;
  assertThrows(
    () =>
      exportOnnx(like({
        layers: new Map<string, Layer>([...net.layers, [
          "Twice",
          new Double(),
        ]]),
      })),
    TypeError,
    "exportOnnx(): expected layers Affine, Convolution, Pooling, Relu, Sigmoid, BatchNormalization or Dropout but found Twice, a Double",
  );
  assertThrows(
    () => exportOnnx(like({ spec: { type: "WideNet" } })),
    TypeError,
    'exportOnnx(): netKind(): expected a net type TwoLayerNet, MultiLayerNet, SimpleConvNet or DeepConvNet but found "WideNet"',
  );
  const pool = new Pooling({
    input: [1, 4, 4],
    pool: [2, 2],
    stride: 2,
    pad: 1,
  });
  assertThrows(
    () => exportOnnx(like({ layers: new Map([["Pool1", pool]]) })),
    RangeError,
    "exportOnnx(): expected Pool1 with pad 0 (ONNX pads a max pool with −∞, dlfs with 0) but found pad 1",
  );
  const float32 = new TwoLayerNet({
    inputSize: 4,
    hiddenSize: 3,
    outputSize: 2,
    dtype: "float32",
  });
  assertThrows(
    () => exportOnnx(float32, { dtype: "float64" }),
    RangeError,
    `exportOnnx(): expected dtype "float32" (the net's own) but found "float64"`,
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => exportOnnx(net, { dtype: "float16" as any }),
    RangeError,
    `expected dtype "float32" or "float64" but found "float16"`,
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => exportOnnx(net, { input: { pixels: "x/256" } as any }),
    RangeError,
    `exportOnnx(): expected input pixels "x/255" or "raw" but found "x/256"`,
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => exportOnnx(net, { dtyp: "float64" } as any),
    TypeError,
    "(did you mean dtype?)",
  );
});

const EXPORT_FLAGS = taskFlags("export", "export.ts");

/** `deno task export ARGS` run from `cwd` (as $INIT_CWD). */
async function exportTask(cwd: string, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...EXPORT_FLAGS, "export.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", INIT_CWD: cwd },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

Deno.test("deno task export writes a saved net, a saved run's too, as exportOnnx does, float32 or --float64, paths from the folder it was run from", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-export-" });
  try {
    const rng = new Rng(3);
    const net = new MultiLayerNet({
      inputSize: 784,
      hiddenSizes: [20],
      outputSize: 10,
      useBatchnorm: true,
      rng,
    });
    const x = uniformMatrix(rng, 8, 784, 0, 1);
    const t = [0, 1, 2, 3, 4, 5, 6, 7];
    const trainer = new Trainer(net, x, t, x, t, {
      iterations: 3,
      batchSize: 4,
      rng,
    });
    trainer.train();
    await Deno.writeFile(
      `${dir}/run.safetensors`,
      saveNet(net, { training: trainer.state(), input: { pixels: "raw" } }),
    );
    const out = await exportTask(dir, "run.safetensors", "net.onnx");
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      out.stdout,
      `MultiLayerNet(784, [20], 10, batchnorm) from run.safetensors written to net.onnx: ${
        (await Deno.stat(`${dir}/net.onnx`)).size
      } bytes of ONNX, float32, pixels raw\n`,
    );
    const raw = { input: { pixels: "raw" } } as const;
    assertEquals(
      await Deno.readFile(`${dir}/net.onnx`),
      exportOnnx(net, raw),
    );
    const f64 = await exportTask(
      dir,
      "--float64",
      "run.safetensors",
      "64.onnx",
    );
    assertEquals(f64.code, 0, f64.stderr);
    assertEquals(
      await Deno.readFile(`${dir}/64.onnx`),
      exportOnnx(net, { dtype: "float64", ...raw }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task export says what is wrong in one line, exit code 2, and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-export-" });
  try {
    const net = new TwoLayerNet({ inputSize: 4, hiddenSize: 3, outputSize: 2 });
    await Deno.writeFile(`${dir}/net.safetensors`, saveNet(net));
    await Deno.writeFile(
      `${dir}/plain.safetensors`,
      encodeSafetensors({ W: { shape: [1], data: new Float64Array(1) } }),
    );
    await Deno.writeFile(
      `${dir}/wide.safetensors`,
      encodeSafetensors({ W: { shape: [1], data: new Float64Array(1) } }, {
        metadata: {
          format: "dlfs",
          net: '{"type":"WideNet"}',
          input: '{"pixels":"x/255"}',
        },
      }),
    );
    await Deno.mkdir(`${dir}/folder.onnx`);
    const cases: [string[], RegExp][] = [
      [
        [],
        /^export: expected two files, IN\.safetensors OUT\.onnx, but found 0$/,
      ],
      [
        ["--float", "a", "b"],
        /^export: unknown flag --float \(did you mean --float64\?\)$/,
      ],
      [
        ["net.safetensors", "net.st"],
        /^export: expected OUT to end in \.onnx but found "net\.st"$/,
      ],
      [
        ["nothing.safetensors", "a.onnx"],
        /^export: nothing\.safetensors: no such file$/,
      ],
      [
        [`${ROOT}README.md`, "a.onnx"],
        /^export: \S+README\.md: not a safetensors file \(decodeSafetensors\(\): .*\)$/,
      ],
      [
        ["plain.safetensors", "a.onnx"],
        /^export: plain\.safetensors: not a net saved by dlfs \(loadNet\(\): expected metadata format "dlfs" but found undefined\)$/,
      ],
      [
        ["wide.safetensors", "a.onnx"],
        /^export: wide\.safetensors: not a net saved by dlfs \(.*buildNet\(\): expected a spec of type .* but found "WideNet"\)$/,
      ],
      [
        ["net.safetensors", "no/a.onnx"],
        /^export: no\/a\.onnx: no such folder no$/,
      ],
      [
        ["net.safetensors", "folder.onnx"],
        /^export: folder\.onnx: is a folder, not a file$/,
      ],
    ];
    for (const [args, expected] of cases) {
      const { code, stdout, stderr } = await exportTask(dir, ...args);
      assertEquals([code, stdout], [2, ""], stderr);
      assertMatch(stderr.trimEnd(), expected);
    }
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(left, [
      "folder.onnx",
      "net.safetensors",
      "plain.safetensors",
      "wide.safetensors",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The first `n` test images of MNIST (x/255) and the four trained nets. */
async function trainedNets(n: number) {
  const { xTrain, tTrain, xTest, tTest } = await loadMnist();
  const first = Int32Array.from({ length: n }, (_, i) => i);
  const x = xTest.batch(first), t = gatherLabels(tTest, first);
  const rng = new Rng(7);
  // SGD at the CLI's lr 0.1, Adam at its 0.001.
  const trained = (net: Network, iterations: number, optimizer = "sgd") => {
    new Trainer(net, xTrain, tTrain, xTest, tTest, {
      iterations,
      batchSize: 100,
      optimizer,
      optimizerParams: optimizer === "sgd" ? { lr: 0.1 } : {},
      evalSamples: 100,
      rng,
    }).train();
    return net;
  };
  const deep = new DeepConvNet({ rng });
  await loadParams(deep, BOOK_PARAMS); // the book's trained weights
  return {
    x,
    t,
    nets: {
      TwoLayerNet: trained(
        new TwoLayerNet({
          inputSize: 784,
          hiddenSize: 50,
          outputSize: 10,
          rng,
        }),
        300,
      ),
      "MultiLayerNet, BatchNorm, Dropout": trained(
        new MultiLayerNet({
          inputSize: 784,
          hiddenSizes: [100, 100],
          outputSize: 10,
          useBatchnorm: true,
          useDropout: true,
          dropoutRatio: 0.2,
          rng,
        }),
        300,
      ),
      SimpleConvNet: trained(new SimpleConvNet({ rng }), 40, "adam"),
      "DeepConvNet (the book's weights)": deep,
    } as Record<string, Network>,
  };
}

engineTest(
  "ONNX Runtime for Node gives each exported net's probabilities within 1e-5 of dlfs's, and its classes, on 100 MNIST test images",
  async () => {
    const N = 100, tolerance = 1e-5;
    const { x, t, nets } = await trainedNets(N);
    const jobs: Json[] = [], files: Record<string, Uint8Array> = {};
    const inputs: Record<string, Uint8Array> = {
      float32: new Uint8Array(Float32Array.from(x.data).buffer),
      float64: new Uint8Array(x.data.slice().buffer),
    };
    for (const [type, bytes] of Object.entries(inputs)) files[type] = bytes;
    Object.entries(nets).forEach(([name, net], k) => {
      const image = name.includes("Conv");
      // ONNX Runtime has no float64 Conv on the CPU: float64 for the others.
      for (const dtype of image ? ["float32"] : ["float32", "float64"]) {
        files[`${k}-${dtype}.onnx`] = exportOnnx(net, {
          dtype: dtype as "float32" | "float64",
        });
        jobs.push({
          name,
          model: `${k}-${dtype}.onnx`,
          input: dtype,
          type: dtype,
          dims: image ? [N, 1, 28, 28] : [N, 784],
        });
      }
    });
    const driver = await Deno.readTextFile(
      new URL("onnx_ort.mjs", import.meta.url),
    );
    const results = JSON.parse(
      await runNode(driver, files, JSON.stringify(jobs)),
    );
    const table: string[] = [
      "| net | dlfs accuracy | ONNX | ORT max abs diff | classes agreeing |",
    ];
    results.forEach((r: Json, i: number) => {
      const { name, type } = jobs[i];
      assertEquals(r.dims, [N, 10]);
      const p = probabilities(nets[name], x);
      const a = agreement(p, r.data, tolerance);
      table.push(
        `| ${name} | ${nets[name].accuracy(x, t)} | ${type} | ${
          a.maxDiff.toExponential(2)
        } | ${a.agreeing}/${a.decided} |`,
      );
      assertLessOrEqual(
        a.maxDiff,
        type === "float64" ? 1e-12 : tolerance,
        name,
      );
      assertEquals(a.agreeing, a.decided, name);
      assertGreater(a.decided, 0.9 * N, name);
      assertGreater(nets[name].accuracy(x, t), 0.7, `${name} learned`);
    });
    console.log(table.join("\n"));
    // The check can fail: one bias of the DeepConvNet moved by 0.01 after
    // the export puts dlfs's probabilities out of the engine's bound.
    const deep = nets["DeepConvNet (the book's weights)"];
    deep.params.b8.data[3] += 0.01;
    const moved = agreement(
      probabilities(deep, x),
      results.at(-1).data,
      tolerance,
    );
    assertGreater(moved.maxDiff, tolerance);
  },
);

checkerTest(
  "the ONNX checker (full check) passes every exported net, float32 and float64, and fails a model missing a weight",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "dlfs-onnx-check-" });
    try {
      const paths: string[] = [];
      for (const net of mnistNets(new Rng(4))) {
        for (const dtype of ["float32", "float64"] as const) {
          const path = `${dir}/${net.spec.type}-${dtype}.onnx`;
          await Deno.writeFile(path, exportOnnx(net, { dtype }));
          paths.push(path);
        }
      }
      // A broken model: the first weight left out of the initializers.
      const broken = MODEL.decode(exportOnnx(mnistNets(new Rng(4))[0])) as Json;
      broken.graph.initializer.shift();
      await Deno.writeFile(
        `${dir}/broken.onnx`,
        MODEL.encode(broken).finish(),
      );
      paths.push(`${dir}/broken.onnx`);
      const script = `
import json, sys, onnx
for path in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(path), full_check=True)
        print(json.dumps("ok"))
    except Exception as e:
        print(json.dumps(str(e).splitlines()[0]))
`;
      const run = await new Deno.Command(PYTHON, {
        args: ["-c", script, ...paths],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assertEquals(run.code, 0, text.decode(run.stderr));
      const verdicts = text.decode(run.stdout).trim().split("\n").map((l) =>
        JSON.parse(l)
      );
      assertEquals(verdicts.slice(0, -1), paths.slice(0, -1).map(() => "ok"));
      assert(verdicts.at(-1) !== "ok", "the broken model passed the checker");
      assertMatch(verdicts.at(-1), /W1/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

const README = await Deno.readTextFile(`${ROOT}README.md`);
const HEADING = "## Use your net elsewhere";

/**
 * The README's export command, as written, run in a new folder holding a
 * TwoLayerNet (the snippets' N×784 input) as `run.safetensors`: the
 * folder, and the net.
 */
async function readmeExport(): Promise<{ dir: string; net: Network }> {
  const dir = await Deno.makeTempDir({ prefix: "dlfs-readme-onnx-" });
  const rng = new Rng(3);
  const saved = new TwoLayerNet({
    inputSize: 784,
    hiddenSize: 50,
    outputSize: 10,
    rng,
  });
  // biases, so that a blank image has one most probable class
  for (const b of [saved.params.b1, saved.params.b2]) {
    b.data.forEach((_, i) => b.data[i] = rng.normal());
  }
  await Deno.writeFile(`${dir}/run.safetensors`, saveNet(saved));
  const [deno, task, name, ...args] = readmeBlock(README, HEADING, "sh").trim()
    .split(/\s+/);
  assertEquals([deno, task, name], ["deno", "task", "export"]);
  const out = await exportTask(dir, ...args);
  assertEquals(out.code, 0, out.stderr);
  const { net } = loadNet(await Deno.readFile(`${dir}/run.safetensors`));
  return { dir, net };
}

engineTest(
  "the README's export command and Node snippet, as written: ONNX Runtime for Node prints the net's probabilities of a blank image",
  async () => {
    const { dir, net } = await readmeExport();
    try {
      const main = readmeBlock(README, HEADING, "js");
      const out = await runNode(main, {
        "net.onnx": await Deno.readFile(`${dir}/net.onnx`),
      });
      const y = JSON.parse(out);
      const a = agreement(probabilities(net, new Matrix(1, 784)), y, 1e-5);
      assertLessOrEqual(a.maxDiff, 1e-5);
      assertEquals(a.agreeing, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

checkerTest(
  "the README's Python snippet, as written: the checker passes the exported file, and its metadata says the input normalisation",
  async () => {
    const { dir, net } = await readmeExport();
    try {
      const run = await new Deno.Command(PYTHON, {
        args: ["-c", readmeBlock(README, HEADING, "python")],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder();
      assertEquals(run.code, 0, text.decode(run.stderr));
      assertEquals(
        text.decode(run.stdout),
        `{'dlfs.net': '${
          JSON.stringify(net.spec)
        }', 'dlfs.input': '{"pixels":"x/255"}'}\n`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

pageTest(
  "the train page's save .onnx is exportOnnx of its net, and the README's page snippet, as written, runs it in onnxruntime-web on the built demo",
  async () => {
    const dir = await builtDemo();
    const tmp = await Deno.makeTempDir({ prefix: "dlfs-onnx-page-" });
    const server = serveDemo({ port: 0, root: dir });
    try {
      const html = readmeBlock(README, HEADING, "html");
      await Deno.writeTextFile(
        `${dir}/onnx.html`,
        `<!doctype html>\n<meta charset="utf-8">\n<title>net.onnx</title>\n${html}`,
      );
      const cdn = html.match(/"(https:\/\/\S+\/dist\/)ort[^"]*"/)![1];
      const seen = await runDriver<{ logged: number[]; errors: string[] }>(
        "tests/onnx_page_driver.ts",
        {
          base: `http://127.0.0.1:${server.addr.port}/`,
          executable: CHROMIUM,
          iters: 50,
          saved: `${tmp}/net.safetensors`,
          onnx: `${dir}/net.onnx`,
          ort: `${await ortModules()}/onnxruntime-web/dist`,
          cdn,
        },
      );
      assertEquals(seen.errors, [], "no page errors");
      const { net } = loadNet(await Deno.readFile(`${tmp}/net.safetensors`));
      assertEquals(await Deno.readFile(`${dir}/net.onnx`), exportOnnx(net));
      const p = probabilities(net, new Matrix(1, 784));
      const a = agreement(p, seen.logged, 1e-5);
      assertEquals(seen.logged.length, 10);
      assertLessOrEqual(a.maxDiff, 1e-5);
    } finally {
      await server.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
