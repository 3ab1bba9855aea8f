/**
 * `download()`: one URL's body as bytes, with the two bounds a download of
 * data needs: a largest size, and a longest silence. Plain `fetch`, so it
 * runs in Deno, Node and a browser (the train page's Worker uses it, as
 * `loadMnist()` does).
 *
 * @module
 */

import { checkOptions } from "../core/options.ts";

/**
 * A download that failed: the server's HTTP status (with `status` set), no
 * answer, a stall, a body over the size bound, or the network's error.
 * The message is one line without the URL; the caller adds what it was
 * fetching.
 */
export class DownloadError extends Error {
  /** The HTTP status of a response that was not 2xx; undefined otherwise. */
  readonly status?: number;

  /** Creates the error; `status` for an HTTP error. */
  constructor(message: string, status?: number) {
    super(message);
    this.name = "DownloadError";
    this.status = status;
  }
}

/** Options of {@linkcode download}. */
export interface DownloadOptions {
  /** The largest body accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
  /**
   * How long the server may send nothing, in milliseconds: before it
   * answers, and between two pieces of the body (default 30 000).
   */
  stallMs?: number;
  /** Called after each piece of the body with the bytes received so far. */
  onProgress?: (bytes: number) => void;
}

/**
 * Downloads the body at `url`. A server that says why it failed in a line
 * of plain text (the demo server, `web/serve.ts`) has that line in the
 * error.
 *
 * @throws {DownloadError} with one of: "HTTP 404 Not Found (its line)",
 * "no answer in 30 s", "stalled: no data for 30 s after 1024 bytes",
 * "more than 67108864 bytes", "could not fetch it: …" or
 * "could not read it: …" (the network's error).
 *
 * @example
 * ```ts
 * import { download, DownloadError } from "./download.ts";
 *
 * const server = Deno.serve({ port: 0, onListen() {} }, () => new Response("four"));
 * const url = `http://localhost:${server.addr.port}/`;
 * console.log(await download(url)); // Uint8Array(4) [ 102, 111, 117, 114 ]
 * try {
 *   await download(url, { maxBytes: 3 });
 * } catch (e) {
 *   console.log((e as DownloadError).message); // more than 3 bytes
 * }
 * await server.shutdown();
 * ```
 */
export async function download(
  url: string,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  checkOptions("download()", options, ["maxBytes", "stallMs", "onProgress"]);
  const { maxBytes = 64 * 2 ** 20, stallMs = 30_000, onProgress } = options;
  const seconds = stallMs / 1000;
  // One timer, restarted by every piece that arrives; when it fires, the
  // request (or the body being read) is aborted.
  const stall = new AbortController();
  let timer = setTimeout(() => stall.abort(), stallMs);
  const restart = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), stallMs);
  };
  try {
    const response = await fetch(url, { signal: stall.signal }).catch((e) => {
      throw networkError(e, stall.signal, `no answer in ${seconds} s`, "fetch");
    });
    const tooLarge = () => new DownloadError(`more than ${maxBytes} bytes`);
    if (!response.ok) {
      const said = await firstLine(response);
      throw new DownloadError(
        `HTTP ${response.status}${
          response.statusText ? ` ${response.statusText}` : ""
        }${said ? ` (${said})` : ""}`,
        response.status,
      );
    }
    if (Number(response.headers.get("content-length")) > maxBytes) {
      await response.body?.cancel();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    while (reader !== undefined) {
      const { done, value } = await reader.read().catch((e) => {
        throw networkError(
          e,
          stall.signal,
          `stalled: no data for ${seconds} s after ${size} bytes`,
          "read",
        );
      });
      if (done) break;
      restart();
      size += value.length;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
      onProgress?.(size);
    }
    const bytes = new Uint8Array(size);
    chunks.reduce((at, c) => (bytes.set(c, at), at + c.length), 0);
    return bytes;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A failed fetch or read as a {@linkcode DownloadError}: `stalled` when the
 * stall timer aborted it, the network's error (a TypeError, by the Fetch
 * standard) as "could not <verb> it: …". Anything else (a runtime's refused
 * permission) is returned as it is.
 */
function networkError(
  e: unknown,
  stall: AbortSignal,
  stalled: string,
  verb: "fetch" | "read",
): unknown {
  if (stall.aborted) return new DownloadError(stalled);
  if (!(e instanceof TypeError)) return e;
  return new DownloadError(`could not ${verb} it: ${e.message}`);
}

/**
 * The first line of an error response's body when it is plain text (what
 * the demo server says), at most 200 characters; "" for an HTML page or
 * anything else, whose text would not help.
 */
async function firstLine(response: Response): Promise<string> {
  const plain = response.headers.get("content-type")?.startsWith(
    "text/plain",
  );
  const reader = response.body?.getReader();
  if (!plain || reader === undefined) {
    await reader?.cancel();
    return "";
  }
  const { value } = await reader.read().catch(() => ({ value: undefined }));
  await reader.cancel().catch(() => {});
  const text = new TextDecoder().decode(value ?? new Uint8Array());
  return text.split("\n")[0].trim().slice(0, 200);
}
