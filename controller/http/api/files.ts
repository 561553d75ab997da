/**
 * /api/files (admins): the files area agents' tools write into
 * (controller/files/store.ts).
 *
 *   GET /read/{path}   one file, with Range (one `bytes=` range → 206,
 *                      unsatisfiable → 416, several → the whole file)
 *
 * Types come from the extension (images, video, text as text/plain);
 * everything else is application/octet-stream, never HTML.
 */
import { Hono } from "hono";
// @ts-types="@types/range-parser"
import parseRange from "range-parser";
import { API } from "../../../lib/api/routes.ts";
import type { FileStore } from "../../files/store.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { api } from "./registry.ts";

const TYPES: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  mp4: "video/mp4",
  webm: "video/webm",
  txt: "text/plain; charset=utf-8",
  log: "text/plain; charset=utf-8",
  md: "text/plain; charset=utf-8",
  csv: "text/plain; charset=utf-8",
  json: "application/json",
};

/** The content type of a file name. */
export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  return TYPES[ext] ?? "application/octet-stream";
}

export function filesApi(store: FileStore): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/read/:path{.+}", api(API.files.read), async (c) => {
    const file = await store.resolve(c.req.param("path"));
    const headers: Record<string, string> = {
      "content-type": contentTypeOf(file.path),
      "accept-ranges": "bytes",
      "last-modified": file.mtime.toUTCString(),
      "cache-control": "private, no-cache",
      "x-content-type-options": "nosniff",
    };
    const header = c.req.header("range");
    const ranges = header
      ? parseRange(file.size, header, { combine: true })
      : null;
    if (ranges === -1) {
      return new Response(null, {
        status: 416,
        headers: { ...headers, "content-range": `bytes */${file.size}` },
      });
    }
    // Malformed (-2), not bytes, or several ranges: the whole file.
    const one = Array.isArray(ranges) && ranges.type === "bytes" &&
        ranges.length === 1
      ? ranges[0]
      : null;
    const start = one?.start ?? 0;
    const end = one?.end ?? file.size - 1;
    const length = file.size === 0 ? 0 : end - start + 1;
    if (c.req.method === "HEAD" || length === 0) {
      return new Response(null, {
        status: one ? 206 : 200,
        headers: { ...headers, "content-length": String(length) },
      });
    }
    const f = await Deno.open(file.abs, { read: true });
    if (start > 0) await f.seek(start, Deno.SeekMode.Start);
    let left = length;
    const body = new ReadableStream<Uint8Array>({
      async pull(ctl) {
        const buf = new Uint8Array(Math.min(64 * 1024, left));
        const n = await f.read(buf);
        if (n === null || n === 0) {
          f.close();
          ctl.close();
          return;
        }
        left -= n;
        ctl.enqueue(buf.subarray(0, n));
        if (left <= 0) {
          f.close();
          ctl.close();
        }
      },
      cancel() {
        f.close();
      },
    });
    return new Response(body, {
      status: one ? 206 : 200,
      headers: {
        ...headers,
        "content-length": String(length),
        ...(one
          ? { "content-range": `bytes ${start}-${end}/${file.size}` }
          : {}),
      },
    });
  });
  return app;
}
