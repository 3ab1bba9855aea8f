/**
 * dlfs: chapter 5 of *Deep Learning from Scratch* (backpropagation) in
 * TypeScript, over typed arrays, with no dependencies. Everything from
 * `@dlfs/nn/core`, `@dlfs/nn/layers`, `@dlfs/nn/net` and `@dlfs/nn/optim` in
 * one import (`@dlfs/nn/data` reads files, so it stays apart).
 *
 * @example The book's TwoLayerNet on a random batch
 * ```ts
 * import { Matrix, Rng, TwoLayerNet } from "@dlfs/nn";
 *
 * const rng = new Rng(42);
 * const net = new TwoLayerNet(784, 50, 10, { rng });
 * const x = new Matrix(3, 784, Float64Array.from({ length: 3 * 784 }, () => rng.uniform()));
 * console.log(net.loss(x, [7, 2, 1])); // ≈ 2.30 = log 10 for a fresh net
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./layers/mod.ts";
export * from "./net/mod.ts";
export * from "./optim/mod.ts";
