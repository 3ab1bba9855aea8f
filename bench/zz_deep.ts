import { Rng } from "../core/mod.ts";
import { DeepConvNet } from "../net/mod.ts";
import { Adam } from "../optim/mod.ts";
import { data } from "./batches.ts";
for (const dtype of ["float64", "float32", "float64", "float32"] as const) {
  const rng = new Rng(8);
  const net = new DeepConvNet({ rng, dtype });
  const adam = new Adam();
  const batches = Array.from({ length: 2 }, () => data.batch(rng, 100));
  for (let i = 0; i < 2; i++) {
    adam.update(net.params, net.gradient(batches[i % 2].x, batches[i % 2].t));
  }
  const t0 = performance.now();
  for (let i = 0; i < 4; i++) {
    adam.update(net.params, net.gradient(batches[i % 2].x, batches[i % 2].t));
  }
  console.log(dtype, ((performance.now() - t0) / 4).toFixed(0), "ms/step");
}
