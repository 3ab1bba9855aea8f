/**
 * The book's optimizers (chapter 6): {@linkcode SGD}, {@linkcode Momentum},
 * {@linkcode Nesterov}, {@linkcode AdaGrad}, {@linkcode RMSprop} and
 * {@linkcode Adam}, each with the book's defaults and an in-place
 * `update(params, grads)`.
 *
 * @example Train a TwoLayerNet with Adam
 * ```ts
 * import { Matrix, Rng } from "@dlfs/nn/core";
 * import { TwoLayerNet } from "@dlfs/nn/net";
 * import { Adam } from "@dlfs/nn/optim";
 *
 * const net = new TwoLayerNet({ inputSize: 2, hiddenSize: 8, outputSize: 2, rng: new Rng(0), weightInitStd: 0.5 });
 * const x = Matrix.fromRows([[0, 1], [1, 0], [1, 1], [0, 0]]);
 * const t = [1, 1, 0, 0];
 * const adam = new Adam({ lr: 0.05 });
 * const before = net.loss(x, t);
 * for (let i = 0; i < 100; i++) adam.update(net.params, net.gradient(x, t));
 * console.log(before, "→", net.loss(x, t));
 * ```
 *
 * @module
 */

export {
  BaseOptimizer,
  type Optimizer,
  type OptimizerState,
  type ParamSet,
} from "./optimizer.ts";
export { SGD } from "./sgd.ts";
export { Momentum } from "./momentum.ts";
export { Nesterov } from "./nesterov.ts";
export { AdaGrad } from "./adagrad.ts";
export { RMSprop } from "./rmsprop.ts";
export { Adam } from "./adam.ts";
export { createOptimizer, type OptimizerName, OPTIMIZERS } from "./by_name.ts";
