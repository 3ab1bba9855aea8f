// The peak RSS loading MNIST adds, run by tests/memory_test.ts in a process
// of its own (Linux: /proc/self/status): `loadMnist()` as it is, or with
// "webcrypto" the same files read and checked by `mnistFromFiles` with its
// default digest (Web Crypto's, which copies each file first). Prints the
// growth of the peak and the bytes of the pixels and labels kept, in bytes.
import { readFile, stat } from "node:fs/promises";
import { loadMnist, MNIST_FILES, mnistFromFiles } from "../data/mod.ts";

const peak = () =>
  1024 * Number(
    /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1],
  );

async function viaWebCrypto() {
  const home = Deno.env.get("XDG_CACHE_HOME") ??
    `${Deno.env.get("HOME")}/.cache`;
  const dir = Deno.env.get("MNIST_DIR") ?? `${home}/dlfs/mnist`;
  const files = {} as Record<string, string>;
  for (const name of Object.values(MNIST_FILES)) {
    const raw = `${dir}/${name}`;
    files[name] = await stat(raw).then(() => raw, () => `${raw}.gz`);
  }
  const read = async (path: string) => {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  };
  return await mnistFromFiles(files, read, {}, dir);
}

const before = peak();
const m = Deno.args[0] === "webcrypto"
  ? await viaWebCrypto()
  : await loadMnist();
const kept = m.xTrain.pixels.length + m.xTest.pixels.length +
  (m.tTrain as Uint8Array).length + (m.tTest as Uint8Array).length;
console.log(JSON.stringify({ growth: peak() - before, kept }));
