import assert from "node:assert/strict";
import {
  matmulSparse,
  matmulTNSparse,
  Matrix,
  Rng,
  SparseRows,
  WorkerPool,
} from "../core/mod.ts";
import { TwoLayerNet } from "../net/mod.ts";
import { uniformMatrix } from "./helpers.ts";

/** About 80 % zeros, like MNIST. */
function sparseInput(rng: Rng, rows: number, cols: number): Matrix {
  const x = new Matrix(rows, cols);
  for (let i = 0; i < x.data.length; i++) {
    x.data[i] = rng.uniform() < 0.8 ? 0 : rng.uniform();
  }
  return x;
}

Deno.test("WorkerPool products equal the single-threaded ones bit for bit, shared or copied operands", async () => {
  const pool = new WorkerPool();
  try {
    await pool.ready();
    const rng = new Rng(200);
    // Sizes below and above WorkerPool.minWork, odd row counts, uneven rows.
    for (
      const [m, k, n] of [[3, 7, 5], [100, 784, 50], [257, 300, 13], [
        1000,
        784,
        50,
      ]]
    ) {
      const x = sparseInput(rng, m, k);
      const plain = new SparseRows(), shared = new SparseRows(pool);
      plain.fill(x);
      shared.fill(x);
      const W = uniformMatrix(rng, k, n), Wshared = pool.matrix(k, n);
      Wshared.data.set(W.data);
      const dY = uniformMatrix(rng, m, n);
      const fwd = matmulSparse(plain, W).data;
      const dW = matmulTNSparse(plain, dY).data;
      const shape = `${m}×${k}·${k}×${n}`;
      assert.deepEqual(
        matmulSparse(plain, W, undefined, pool).data,
        fwd,
        `copied ${shape}`,
      );
      assert.deepEqual(
        matmulSparse(shared, Wshared, undefined, pool).data,
        fwd,
        `shared ${shape}`,
      );
      assert.deepEqual(
        matmulTNSparse(plain, dY, undefined, pool).data,
        dW,
        `copied Aᵀ·B ${shape}`,
      );
      assert.deepEqual(
        matmulTNSparse(shared, dY, pool.matrix(k, n), pool).data,
        dW,
        `shared Aᵀ·B ${shape}`,
      );
    }
  } finally {
    pool.close();
  }
});

Deno.test("TwoLayerNet with a WorkerPool trains bit-identically to one on the TypeScript kernels", async () => {
  const pool = new WorkerPool();
  try {
    await pool.ready();
    const train = (p?: WorkerPool) => {
      const rng = new Rng(7);
      const net = p
        ? new TwoLayerNet(784, 50, 10, { rng, pool: p })
        : new TwoLayerNet(784, 50, 10, { rng, backend: "ts" });
      const losses: number[] = [];
      for (let step = 0; step < 10; step++) {
        const x = sparseInput(rng, 100, 784);
        const t = Array.from({ length: 100 }, () => rng.int(10));
        const g = net.gradient(x, t);
        losses.push(net.lastLayer.loss);
        for (const key of ["W1", "b1", "W2", "b2"] as const) {
          const W = net.params[key].data, dW = g[key].data;
          for (let i = 0; i < W.length; i++) W[i] -= 0.1 * dW[i];
        }
      }
      return {
        losses,
        W1: Array.from(net.params.W1.data),
        W2: Array.from(net.params.W2.data),
      };
    };
    assert.deepEqual(train(pool), train());
  } finally {
    pool.close();
  }
});

Deno.test("WorkerPool.close() is idempotent and the pool refuses work afterwards", async () => {
  const pool = new WorkerPool();
  await pool.ready();
  pool.close();
  pool.close();
  const s = new SparseRows();
  s.fill(sparseInput(new Rng(1), 4, 4));
  assert.throws(() => matmulSparse(s, new Matrix(4, 2), undefined, pool), {
    name: "Error",
    message: "WorkerPool: used after close()",
  });
  assert.throws(() => pool.matrix(2, 2), /used after close/);
  await assert.rejects(pool.ready(), /the pool is closed/);
});
