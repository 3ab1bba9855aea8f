/**
 * Writing a file so that nothing half-written is ever left at its path. On
 * `node:fs/promises`, which Deno and Node both provide, so the data modules
 * run in either.
 *
 * @module
 */

import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname } from "@std/path";

/**
 * Writes `data` to a temporary file beside `path` (`.<name>.<random>.part`,
 * created exclusively), then renames it onto `path`: a reader sees the old
 * file or the whole new one, never a part, and a failed write leaves no
 * temporary file behind. Needs write access to the folder of `path` in
 * Deno (`--allow-write=DIR`: the temporary file is beside the file).
 *
 * @throws {Error} of the runtime's kind (`NotCapable`, a code such as
 * `ENOENT`), its message starting "could not write <path>:".
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "@dlfs/nn/data";
 *
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/report.json`, JSON.stringify({ ok: true }));
 * console.log(await Deno.readTextFile(`${dir}/report.json`)); // {"ok":true}
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
): Promise<void> {
  const tmp = `${dirname(path)}/.${basename(path)}.${
    crypto.randomUUID().slice(0, 8)
  }.part`;
  try {
    await writeFile(tmp, data, { flag: "wx", mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    // The error names the file asked for, not only the temporary one; its
    // name and code (NotCapable, ENOENT…) stay as they were.
    const { name, code } = e as Error & { code?: string };
    throw Object.assign(
      new Error(`could not write ${path}: ${(e as Error).message}`, {
        cause: e,
      }),
      { name, code },
    );
  }
}
