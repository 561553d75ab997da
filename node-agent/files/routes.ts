/**
 * The node agent's recording routes, for the controller only (mounted under
 * the same bearer-token `/v1` guard as the rest of the node API; see
 * docs/design/recording.md § Serving):
 *
 *   GET    /v1/files/{camera}/{date}/{file}   a segment, with Range / ETag / Last-Modified
 *   DELETE /v1/files/{camera}/{date}/{file}   delete it (event segment.deleted, reason requested)
 *   GET    /v1/storage                        free/total bytes and usage per camera
 *   POST   /v1/recordings/join {paths}        one MP4 joined from segments (cached by path-list hash)
 *   GET    /v1/joined/{id}                    that MP4, with Range
 *   GET    /v1/recordings/list?camera_id&after&limit
 *                                             closed segments sorted by path, ≤ 5000 a page:
 *                                             {entries: [{path, size_bytes, mtime}], next_after}
 *   POST   /v1/renditions {paths, duration_ms?}
 *                                             an H.264 web rendition, made in the background:
 *                                             {id, state: ready|working|failed, progress?, error?, …}
 *   GET    /v1/renditions/{id}                that rendition once ready, with Range
 *
 * Every path is parsed strictly (segment shape only) and confined to the
 * recordings root, symlinks included.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { AppError, STATUS_OF } from "../../lib/errors.ts";
import { logger } from "../../lib/log.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { concatArgs } from "../recorder/args.ts";
import { runTool } from "../recorder/media.ts";
import { RenditionManager } from "../recorder/rendition.ts";
import {
  confine,
  parseSegmentPath,
  type SegmentPathInfo,
} from "../storage/layout.ts";
import {
  DEFAULT_STORAGE_POLICY,
  realStatFs,
  requiredFreeBytes,
  type StatFs,
} from "../storage/retention.ts";
import {
  cameraUsage,
  deleteSegment,
  listSegmentPage,
  MAX_LIST_PAGE,
} from "../storage/segments.ts";
import type { StoragePolicy } from "../../lib/protocol.ts";

const log = logger("node-files");

export interface FileRoutesDeps {
  /** Recordings root. */
  root: string;
  /** Folder of joined downloads (disposable). */
  cacheDir: string;
  outbox: Outbox;
  ffmpegPath: string;
  statfs?: StatFs;
  /** The storage policy in force (for `required_free_bytes`). */
  policy?: () => StoragePolicy | undefined;
  /** Joined files older than this are removed when another join runs. @default 6 h */
  cacheMaxAgeMs?: number;
  /** Time limit of one join (the controller waits 300 s). @default 280000 */
  joinTimeoutMs?: number;
  /**
   * Web renditions (H.264 of HEVC footage). Made on first use with the
   * defaults (cache `cacheDir`, `ffmpegPath`) when not given; whoever passes
   * one closes it.
   */
  renditions?: RenditionManager;
}

/** Most segments one join may name (a day of 60-s segments is 1440). */
export const MAX_JOIN_PATHS = 5000;

const joinSchema = z.object({
  paths: z.array(z.string().min(1).max(300)).min(1).max(MAX_JOIN_PATHS),
}).strict();

const renditionSchema = z.object({
  paths: z.array(z.string().min(1).max(300)).min(1).max(MAX_JOIN_PATHS),
  /** Sum of the segments' durations, for progress; optional. */
  duration_ms: z.number().int().min(0).max(1e12).optional(),
}).strict();

const listSchema = z.object({
  camera_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, {
    message: "letters, digits, '-' and '_' (at most 128)",
  }).optional(),
  after: z.string().max(1024).refine((s) => !s.includes("\0"), {
    message: "must not contain NUL",
  }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_PAGE).optional(),
}).strict();

/** The recording routes; mount with `app.route("/", fileRoutes(deps))` after the /v1 guard. */
export function fileRoutes(deps: FileRoutesDeps): Hono {
  const app = new Hono();
  const building = new Map<string, Promise<JoinResult>>();
  let renditions = deps.renditions;
  const renditionsOf = () =>
    renditions ??= new RenditionManager({
      cacheDir: deps.cacheDir,
      ffmpegPath: deps.ffmpegPath,
      redactPaths: [deps.root],
    });

  app.get("/v1/files/*", async (c) => {
    const { abs } = await segmentOf(deps.root, pathAfter(c, "/v1/files/"));
    return await serveFile(c, abs, "video/mp4");
  });

  app.delete("/v1/files/*", async (c) => {
    const { info, abs } = await segmentOf(
      deps.root,
      pathAfter(c, "/v1/files/"),
    );
    try {
      await Deno.lstat(abs);
    } catch {
      throw new AppError(
        "not_found",
        `No recording "${info.path}" on this node`,
        { field: "path" },
      );
    }
    await deleteSegment(deps.root, info, "requested", deps.outbox);
    log.info("segment deleted on request", { path: info.path });
    return c.body(null, 204);
  });

  app.get("/v1/storage", async (c) => {
    const disk = (deps.statfs ?? realStatFs)(deps.root);
    const policy = { ...DEFAULT_STORAGE_POLICY, ...deps.policy?.() };
    return c.json({
      root: deps.root,
      total_bytes: disk.totalBytes,
      free_bytes: disk.freeBytes,
      required_free_bytes: Math.round(
        requiredFreeBytes(policy, disk.totalBytes),
      ),
      cameras: await cameraUsage(deps.root),
    });
  });

  app.post("/v1/recordings/join", async (c) => {
    const parsed = joinSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const files: string[] = [];
    for (const p of parsed.data.paths) {
      const { abs, info } = await segmentOf(deps.root, p);
      if (!(await Deno.stat(abs).then((s) => s.isFile, () => false))) {
        throw new AppError(
          "not_found",
          `No recording "${info.path}" on this node`,
          { field: "paths" },
        );
      }
      files.push(abs);
    }
    const id = await sha256Hex(parsed.data.paths.join("\n"));
    let job = building.get(id);
    if (!job) {
      job = joinSegments(deps, id, files).finally(() => building.delete(id));
      building.set(id, job);
    }
    return c.json(await job);
  });

  app.get("/v1/recordings/list", async (c) => {
    const q = c.req.query();
    const parsed = listSchema.safeParse({
      ...q,
      // An empty parameter means "not given".
      camera_id: q.camera_id || undefined,
      after: q.after || undefined,
      limit: q.limit || undefined,
    });
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const page = await listSegmentPage(deps.root, {
      cameraId: parsed.data.camera_id,
      after: parsed.data.after,
      limit: parsed.data.limit,
    });
    return c.json({
      camera_id: parsed.data.camera_id ?? null,
      entries: page.entries.map((e) => ({
        path: e.path,
        size_bytes: e.sizeBytes,
        mtime: new Date(e.mtimeMs).toISOString(),
      })),
      next_after: page.next,
    });
  });

  app.post("/v1/renditions", async (c) => {
    const parsed = renditionSchema.safeParse(
      await c.req.json().catch(() => null),
    );
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const files: string[] = [];
    for (const p of parsed.data.paths) {
      const { abs, info } = await segmentOf(deps.root, p);
      if (!(await Deno.stat(abs).then((s) => s.isFile, () => false))) {
        throw new AppError(
          "not_found",
          `No recording "${info.path}" on this node`,
          { field: "paths" },
        );
      }
      files.push(abs);
    }
    const id = await sha256Hex(parsed.data.paths.join("\n"));
    let status;
    try {
      status = await renditionsOf().request(
        id,
        files,
        parsed.data.duration_ms,
      );
    } catch (e) {
      if (e instanceof AppError && e.retryAfterS) {
        // The node app's error handler sends no Retry-After; this answer needs it.
        return c.json(e.toBody(), STATUS_OF[e.kind] as 429, {
          "retry-after": String(e.retryAfterS),
        });
      }
      throw e;
    }
    return c.json(status, status.state === "working" ? 202 : 200);
  });

  app.get("/v1/renditions/:id", async (c) => {
    const id = c.req.param("id");
    if (!/^[0-9a-f]{64}$/.test(id)) {
      throw new AppError("invalid_input", "Invalid rendition id", {
        field: "id",
      });
    }
    const status = await renditionsOf().status(id);
    if (status?.state !== "ready") {
      throw new AppError(
        "not_found",
        status
          ? `The rendition is not ready (${status.state})`
          : "No such rendition on this node; ask for it with POST /v1/renditions",
        { field: "id" },
      );
    }
    return await serveFile(c, renditionsOf().fileOf(id), "video/mp4");
  });

  app.get("/v1/joined/:id", async (c) => {
    const id = c.req.param("id");
    if (!/^[0-9a-f]{64}$/.test(id)) {
      throw new AppError("invalid_input", "Invalid joined file id", {
        field: "id",
      });
    }
    return await serveFile(c, `${deps.cacheDir}/${id}.mp4`, "video/mp4");
  });

  return app;
}

/** What `POST /v1/recordings/join` answers. */
export interface JoinResult {
  /** SHA-256 of the path list, hex: the cache key. */
  id: string;
  /** Where to fetch it on this node agent. */
  url: string;
  /** Path of the file relative to the data dir's cache. */
  cache_path: string;
  size_bytes: number;
  segments: number;
  /** True when an earlier join of the same list was reused. */
  cached: boolean;
}

async function joinSegments(
  deps: FileRoutesDeps,
  id: string,
  files: string[],
): Promise<JoinResult> {
  const dir = deps.cacheDir;
  const out = `${dir}/${id}.mp4`;
  const answer = (size: number, cached: boolean): JoinResult => ({
    id,
    url: `/v1/joined/${id}`,
    cache_path: `cache/joined/${id}.mp4`,
    size_bytes: size,
    segments: files.length,
    cached,
  });
  const existing = await Deno.stat(out).catch(() => null);
  if (existing?.isFile) {
    const now = new Date();
    await Deno.utime(out, now, now).catch(() => {}); // recently used: pruned last
    return answer(existing.size, true);
  }
  await Deno.mkdir(dir, { recursive: true });
  await pruneCache(dir, deps.cacheMaxAgeMs ?? 6 * 3_600_000);
  const list = `${dir}/${id}.txt`;
  const tmp = `${dir}/${id}.part.mp4`;
  await Deno.writeTextFile(
    list,
    files.map((f) => `file '${f.replaceAll("'", "'\\''")}'\n`).join(""),
  );
  try {
    const r = await runTool(
      deps.ffmpegPath,
      concatArgs(list, tmp),
      deps.joinTimeoutMs ?? 280_000,
    );
    if (!r.ok) {
      throw new AppError(
        "internal",
        `Cannot join ${files.length} segments: ${
          r.stderr || `ffmpeg exit ${r.code}`
        }`,
      );
    }
    await Deno.rename(tmp, out);
  } finally {
    await Deno.remove(list).catch(() => {});
    await Deno.remove(tmp).catch(() => {});
  }
  log.info("joined segments", { id, segments: files.length });
  return answer((await Deno.stat(out)).size, false);
}

async function pruneCache(dir: string, maxAgeMs: number): Promise<void> {
  const cutoff = Date.now() - maxAgeMs;
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile) continue;
    const p = `${dir}/${e.name}`;
    const st = await Deno.stat(p).catch(() => null);
    if (st && (st.mtime?.getTime() ?? 0) < cutoff) {
      await Deno.remove(p).catch(() => {});
    }
  }
}

/** The path after a route prefix, as Hono decoded it. */
function pathAfter(c: Context, prefix: string): string {
  const path = c.req.path;
  return path.startsWith(prefix) ? path.slice(prefix.length) : "";
}

/** A segment path from a request: strict shape, then confined to the root. */
async function segmentOf(
  root: string,
  rel: string,
): Promise<{ info: SegmentPathInfo; abs: string }> {
  const info = parseSegmentPath(rel);
  if (!info) {
    throw new AppError(
      "invalid_input",
      `Invalid recording path "${
        rel.slice(0, 200)
      }": expected {camera}/{YYYY-MM-DD}/{file}.mp4`,
      { field: "path" },
    );
  }
  return { info, abs: await confine(root, info.path) };
}

/**
 * Serves a file with HTTP range support: one `bytes=` range → 206 with
 * Content-Range, an unsatisfiable one → 416, several → the whole file (200).
 * ETag/Last-Modified with If-None-Match (304) and If-Range.
 */
export async function serveFile(
  c: Context,
  path: string,
  contentType: string,
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
  const file = await Deno.open(path, { read: true });
  return new Response(fileSlice(file, start, length), { status, headers });
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
): ReadableStream<Uint8Array> {
  let left = length;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    file.close();
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

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}
