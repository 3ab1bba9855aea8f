/**
 * Writing a file so that nothing half-written is ever left at its path.
 *
 * @module
 */

import { basename, dirname } from "@std/path";

/**
 * Writes `data` to a temporary file beside `path`, then renames it onto
 * `path`: a reader sees the old file or the whole new one, never a part, and
 * a failed write leaves no temporary file behind. Needs `--allow-write`.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./write_atomic.ts";
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
  const dir = dirname(path), name = basename(path);
  const tmp = await Deno.makeTempFile({
    dir,
    prefix: `.${name}.`,
    suffix: ".part",
  });
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    // makeTempFile creates it 0600; a saved file should read like any other.
    await Deno.chmod(tmp, 0o644).catch(() => {}); // (not supported on Windows)
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
