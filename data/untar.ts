/**
 * `untar()`: the regular files of a tar archive, from bytes (no file
 * access). Enough for the npm tarball `loadMnist()` downloads.
 *
 * @module
 */

/**
 * The regular files of a tar archive (ustar, as npm packs), by path. Only
 * what npm tarballs use: 512-byte headers, octal sizes, the prefix field.
 */
export function untar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const text = (from: number, to: number) => {
    const field = tar.subarray(from, to);
    const end = field.indexOf(0);
    return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
  };
  let at = 0;
  while (at + 512 <= tar.length) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break; // the end
    const name = text(at, at + 100), prefix = text(at + 345, at + 500);
    const field = text(at + 124, at + 136).trim() || "0";
    const size = /^[0-7]+$/.test(field) ? parseInt(field, 8) : NaN;
    const type = tar[at + 156];
    if (!Number.isSafeInteger(size)) {
      throw new Error(`a bad tarball (entry ${name} has size "${field}")`);
    }
    if (at + 512 + size > tar.length) {
      throw new Error(`a truncated tarball (entry ${name})`);
    }
    if (type === 0x30 || type === 0) { // a regular file
      const path = prefix ? `${prefix}/${name}` : name;
      files.set(path, tar.subarray(at + 512, at + 512 + size));
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
