/**
 * Serving a file over HTTP with Range, ETag and Last-Modified: the one place
 * that knows byte ranges (segments, joined downloads and renditions all go
 * through `serveFile`).
 */
import type { Context } from "hono";
import { AppError } from "../../lib/errors.ts";

/**
 * Serves a file with HTTP range support: one `bytes=` range → 206 with
 * Content-Range, an unsatisfiable one → 416, several → the whole file (200).
 * ETag/Last-Modified with If-None-Match (304) and If-Range.
 */
export async function serveFile(
  c: Context,
  path: string,
  contentType: string,
  /** Marks the file in use while its body streams (the cache must not sweep it); returns the release. */
  hold?: () => () => void,
): Promise<Response> {
  let st: Deno.FileInfo;
  try {
    st = await Deno.stat(path);
  } catch {
    throw new AppError("not_found", "No such recording on this node");
  }
  if (!st.isFile) {
    throw new AppError("not_found", "No such recording on this node");
  }
  const size = st.size;
  const mtime = st.mtime ?? new Date(0);
  const etag = `"${size.toString(36)}-${mtime.getTime().toString(36)}"`;
  const headers: Record<string, string> = {
    "content-type": contentType,
    "accept-ranges": "bytes",
    etag,
    "last-modified": mtime.toUTCString(),
    "cache-control": "private, no-transform",
  };
  const inm = c.req.header("if-none-match");
  if (
    inm && inm.split(",").some((t) => t.trim() === etag || t.trim() === "*")
  ) {
    return new Response(null, { status: 304, headers });
  }

  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = c.req.header("range");
  const ifRange = c.req.header("if-range");
  const rangeApplies = range &&
    (!ifRange || ifRange === etag || ifRange === headers["last-modified"]);
  if (rangeApplies) {
    const r = parseRange(range, size);
    if (r === "unsatisfiable") {
      return new Response(null, {
        status: 416,
        headers: { ...headers, "content-range": `bytes */${size}` },
      });
    }
    if (r) {
      [start, end] = r;
      status = 206;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
    }
  }
  const length = Math.max(0, end - start + 1);
  headers["content-length"] = String(length);
  if (c.req.method === "HEAD" || length === 0) {
    return new Response(null, { status, headers });
  }
  const release = hold?.() ?? (() => {});
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    release();
    throw new AppError("not_found", "No such recording on this node");
  }
  return new Response(fileSlice(file, start, length, release), {
    status,
    headers,
  });
}

/**
 * One `bytes=` range against a file of `size` bytes: [start, end] inclusive,
 * null when the header is not a single well-formed range (serve it all), or
 * "unsatisfiable".
 */
export function parseRange(
  header: string,
  size: number,
): [number, number] | null | "unsatisfiable" {
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return [start, end];
}

/** A stream of `length` bytes of `file` from `start`; closes the file when done or cancelled. */
function fileSlice(
  file: Deno.FsFile,
  start: number,
  length: number,
  onClose: () => void,
): ReadableStream<Uint8Array> {
  let left = length;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    file.close();
    onClose();
  };
  return new ReadableStream<Uint8Array>({
    async start() {
      if (start > 0) await file.seek(start, Deno.SeekMode.Start);
    },
    async pull(ctrl) {
      const buf = new Uint8Array(Math.min(64 * 1024, left));
      let n: number | null;
      try {
        n = await file.read(buf);
      } catch (e) {
        close();
        ctrl.error(e);
        return;
      }
      if (n === null || n === 0) {
        close();
        ctrl.close();
        return;
      }
      const chunk = buf.subarray(0, Math.min(n, left));
      left -= chunk.length;
      ctrl.enqueue(chunk);
      if (left <= 0) {
        close();
        ctrl.close();
      }
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
}
