// The bytes a net holds in typed arrays, counted from the arrays: its
// kernels hand out every array a net and its layers keep (parameters,
// gradients, activations, batches, masks, the sparse lists), so kernels that
// remember what they handed out and what came back see them all; the
// optimizer's state is counted from its `state()` (the same arrays' sizes).
// For tests/net_bytes_test.ts, and run as a script (`deno run -A
// tests/net_bytes.ts`) for the README's table: one training step at batch
// 100 and an evaluation of 1,000 samples, each kind's default optimizer.
import { type DType, type FloatArray, Rng, TsKernels } from "../core/mod.ts";
import { ImageSet } from "../data/mod.ts";
import { type NetKind, netKinds } from "../net/mod.ts";
import { createOptimizer } from "../optim/mod.ts";

type Held = FloatArray | Int32Array | Uint8Array;

/** TypeScript kernels that keep a set of the arrays they handed out and were not given back. */
export class CountingKernels extends TsKernels {
  /** The arrays handed out, not yet given back. */
  readonly live = new Set<Held>();
  #keep<A extends Held>(a: A): A {
    this.live.add(a);
    return a;
  }
  override float64(length: number): Float64Array {
    return this.#keep(super.float64(length));
  }
  override float32(length: number): Float32Array {
    return this.#keep(super.float32(length));
  }
  override int32(length: number): Int32Array {
    return this.#keep(super.int32(length));
  }
  override uint8(length: number): Uint8Array {
    return this.#keep(super.uint8(length));
  }
  override free(array: Held): void {
    this.live.delete(array);
  }
}

/** A net's bytes by role. */
export interface NetBytes {
  /** Its parameters' arrays. */
  params: number;
  /** Its gradients' (the layers' dW, db, …). */
  grads: number;
  /** The optimizer's per-parameter arrays (Adam's m and v, …). */
  optimizer: number;
  /** Every other float array its kernels hold: activations, batches, scratch. */
  activations: number;
  /** Its integer arrays (ReLU masks, pooling's argmax, sparse indices): no float. */
  integers: number;
  /** Float64Arrays among the float arrays (all of them in float64). */
  float64: number;
}

/** `n` seeded 784-pixel images, about as sparse as MNIST, and labels. */
function images(rng: Rng, n: number) {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) {
    pixels[i] = rng.uniform() < 0.19 ? 1 + rng.int(255) : 0;
  }
  const labels = Int32Array.from({ length: n }, () => rng.int(10));
  return { set: new ImageSet(pixels, [784], { normalize: true }), labels };
}

/**
 * The bytes of a net of `kind` (its default architecture, with BatchNorm
 * and Dropout where it takes them) in `dtype` after one training step at
 * `batch` (its default optimizer) and an evaluation of `evaluated` samples,
 * on `kernels` (default: counting TypeScript ones).
 */
export function netBytes(
  kind: NetKind,
  dtype: DType,
  batch: number,
  evaluated: number,
  kernels: CountingKernels = new CountingKernels({ dtype }),
): NetBytes {
  const rng = new Rng(7);
  const spec = kind.forMnist({
    hidden: kind.defaults.hidden,
    batchnorm: kind.takes.batchnorm === true,
    dropout: kind.takes.dropout ? 0.5 : undefined,
    weightDecay: 0,
  });
  const net = kind.build(spec, { rng, kernels });
  const optimizer = createOptimizer(kind.defaults.optimizer ?? "sgd");
  const { set, labels } = images(rng, Math.max(batch, evaluated));
  const indices = Int32Array.from({ length: batch }, (_, i) => i);
  const x = set.batch(indices, undefined, kernels);
  const grads = net.gradient(x, labels.subarray(0, batch));
  optimizer.update(net.params, grads);
  net.accuracy(set.sliceRows(0, evaluated), labels.subarray(0, evaluated));
  const sum = (arrays: Iterable<{ byteLength: number }>) =>
    [...arrays].reduce((s, a) => s + a.byteLength, 0);
  const params = Object.values(net.params).map((m) => m.data);
  const gradients = Object.values(grads).map((m) => m.data);
  const buffers = new Set([...kernels.live].map((a) => a.buffer));
  for (const a of [...params, ...gradients]) { // views of the arrays handed out
    if (!buffers.has(a.buffer)) {
      throw new Error(
        "netBytes(): expected the parameters and gradients in the kernels' arrays but found one outside",
      );
    }
  }
  const floats = [...kernels.live].filter((a) =>
    a instanceof Float64Array || a instanceof Float32Array
  );
  const slots = optimizer.state?.().slots ?? {};
  return {
    params: sum(params),
    grads: sum(gradients),
    optimizer: sum(Object.values(slots).flatMap((s) => Object.values(s))),
    activations: sum(floats) - sum(params) - sum(gradients),
    integers: sum(kernels.live) - sum(floats),
    float64: sum(floats.filter((a) => a instanceof Float64Array)),
  };
}

if (import.meta.main) {
  const mib = (n: number) => (n / 2 ** 20).toFixed(2);
  console.log(
    "| net | dtype | parameters | gradients | optimizer | activations | integers | all, MiB |",
  );
  for (const kind of netKinds()) {
    for (const dtype of ["float64", "float32"] as const) {
      const b = netBytes(kind, dtype, 100, 1000);
      const total = b.params + b.grads + b.optimizer + b.activations +
        b.integers;
      console.log(
        `| ${kind.name} | ${dtype} | ${
          [b.params, b.grads, b.optimizer, b.activations, b.integers, total]
            .map(mib).join(" | ")
        } |`,
      );
    }
  }
}
