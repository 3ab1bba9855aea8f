// The book's DeepConvNet (ch08/deep_convnet.py) as a stack of dlfs layers,
// for bench/convnet_bench.ts until net/deep_conv_net.ts is on this branch:
// conv16-relu-conv16-relu-pool, conv32-relu-conv32 (pad 2)-relu-pool,
// conv64-relu-conv64-relu-pool, affine 50-relu-dropout 0.5, affine
// 10-dropout 0.5, softmax; 3×3 filters, pad 1 but the fourth; He's initial
// weights, biases zero.
import {
  type ImageShape,
  type Kernels,
  type Matrix,
  outputSize,
  type Rng,
} from "../core/mod.ts";
import {
  Affine,
  Convolution,
  Dropout,
  type Layer,
  Pooling,
  Relu,
} from "../layers/mod.ts";
import { initWeights } from "../net/init.ts";
import { LayerNet } from "../net/layer_net.ts";

/** Filters and pad of the six convolutions. */
const CONV = [[16, 1], [16, 1], [32, 1], [32, 2], [64, 1], [64, 1]];

/** DeepConvNet's layers on `kernels`, weights drawn from `rng`. */
export class DeepConvStack extends LayerNet {
  /** Not a registered net: no spec to rebuild it from. */
  readonly spec = { type: "DeepConvStack" };

  constructor(rng: Rng, kernels: Kernels) {
    const params: Record<string, Matrix> = {};
    const layers = new Map<string, Layer>();
    const weights = (rows: number, cols: number) =>
      initWeights(rng, rows, cols, "he", kernels.float64(rows * cols));
    const filters = (fn: number, fanIn: number) =>
      initWeights(
        rng,
        fn,
        fanIn,
        Math.sqrt(2 / fanIn),
        kernels.float64(fn * fanIn),
      );
    let shape: ImageShape = [1, 28, 28];
    CONV.forEach(([fn, pad], i) => {
      const [oh, ow] = outputSize(shape, { height: 3, width: 3, pad });
      const W = params[`W${i + 1}`] = filters(fn, shape[0] * 9);
      const b = params[`b${i + 1}`] = kernels.buffer(undefined, 1, fn);
      layers.set(
        `Conv${i + 1}`,
        new Convolution(W, b, {
          input: shape,
          filter: [3, 3],
          pad,
          kernels,
          needsInputGrad: i > 0,
        }),
      );
      layers.set(`Relu${i + 1}`, new Relu({ kernels }));
      shape = [fn, oh, ow];
      if (i % 2 === 1) {
        layers.set(
          `Pool${(i + 1) / 2}`,
          new Pooling({ input: shape, pool: [2, 2], stride: 2, kernels }),
        );
        shape = [fn, oh / 2, ow / 2];
      }
    });
    params.W7 = weights(64 * 4 * 4, 50);
    params.b7 = kernels.buffer(undefined, 1, 50);
    params.W8 = weights(50, 10);
    params.b8 = kernels.buffer(undefined, 1, 10);
    layers.set("Affine1", new Affine(params.W7, params.b7, { kernels }));
    layers.set("Relu7", new Relu({ kernels }));
    layers.set("Dropout1", new Dropout({ rng, ratio: 0.5, kernels }));
    layers.set("Affine2", new Affine(params.W8, params.b8, { kernels }));
    layers.set("Dropout2", new Dropout({ rng, ratio: 0.5, kernels }));
    super({
      name: "DeepConvStack",
      kernels,
      inputSize: 784,
      outputSize: 10,
      params,
      layers,
      evalBatchSize: 100,
    });
  }
}
