/**
 * The node agent's recording routes, for the controller only (mounted under
 * the same bearer-token `/v1` guard as the rest of the node API; see
 * docs/design/recording.md § Serving):
 *
 *   GET    /v1/files/{camera}/{date}/{file}   a segment, with Range / ETag / Last-Modified
 *   DELETE /v1/files/{camera}/{date}/{file}   delete it (event segment.deleted, reason requested)
 *   GET    /v1/storage                        free/total bytes and usage per camera
 *   POST   /v1/recordings/join {paths}        one MP4 joined from segments (cached by path-list hash);
 *                                             bounded queue (429 + Retry-After), 503 below the
 *                                             free-space floor, 413 larger than the cache
 *   GET    /v1/joined/{id}                    that MP4, with Range
 *   GET    /v1/recordings/list?camera_id&after&limit
 *                                             closed segments sorted by path, ≤ 5000 a page:
 *                                             {entries: [{path, size_bytes, mtime}], next_after}
 *   POST   /v1/renditions {paths, duration_ms?}
 *                                             an H.264 web rendition, made in the background:
 *                                             {id, state: ready|working|failed, progress?, error?, …}
 *   GET    /v1/renditions/{id}                that rendition once ready, with Range
 *   POST   /v1/recordings/frames {frames: [{path, at_ms}], max_width?}
 *                                             JPEG stills seeked in segments (ffmpeg, bounded):
 *                                             {frames: [{path, at_ms, jpeg (base64)}]}
 *
 * Every path is parsed strictly (segment shape only) and confined to the
 * recordings root, symlinks included.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { AppError } from "../../lib/errors.ts";
import { logger } from "../../lib/log.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { RenditionManager } from "../renditions/rendition.ts";
import { FileCache } from "./cache.ts";
import { FrameExtractor } from "./frames.ts";
import { Joiner, sha256Hex } from "./joins.ts";
import { serveFile } from "./range.ts";
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
} from "../storage/segments.ts";
import {
  fileListQuerySchema,
  framesRequestSchema,
  joinRequestSchema,
  MAX_JOIN_PATHS,
  renditionRequestSchema,
  type StoragePolicy,
} from "../../lib/protocol/mod.ts";

const log = logger("node-files");

export interface FileRoutesDeps {
  /** Recordings root. */
  root: string;
  /** Folder of joined downloads (disposable). */
  cacheDir: string;
  /**
   * The cache of joins and renditions, shared with retention (which must
   * not delete what is being written or served). Made from `cacheDir` when
   * not given.
   */
  cache?: FileCache;
  /** ffmpeg joins at once. @default 2 */
  maxJoins?: number;
  /** Joins waiting besides the running ones; more → 429. @default 8 */
  maxJoinQueue?: number;
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
  /** Still frames for agents (`POST /v1/recordings/frames`). @default 2 ffmpeg at once */
  frames?: FrameExtractor;
}

// Request bodies and the listing's query: lib/protocol/files.ts.
export { MAX_JOIN_PATHS };
const joinSchema = joinRequestSchema;
const renditionSchema = renditionRequestSchema;
const listSchema = fileListQuerySchema;

/** The recording routes; mount with `app.route("/", fileRoutes(deps))` after the /v1 guard. */
export function fileRoutes(deps: FileRoutesDeps): Hono {
  const app = new Hono();
  const statfs = () => (deps.statfs ?? realStatFs)(deps.root);
  const floorBytes = () =>
    requiredFreeBytes(
      { ...DEFAULT_STORAGE_POLICY, ...deps.policy?.() },
      statfs().totalBytes,
    );
  const cache = deps.cache ?? new FileCache({ dir: deps.cacheDir, statfs });
  const joiner = new Joiner({
    cache,
    ffmpegPath: deps.ffmpegPath,
    floorBytes,
    maxJoins: deps.maxJoins,
    maxQueue: deps.maxJoinQueue,
    timeoutMs: deps.joinTimeoutMs,
    cacheMaxAgeMs: deps.cacheMaxAgeMs,
  });
  const frames = deps.frames ??
    new FrameExtractor({ ffmpegPath: deps.ffmpegPath });
  let renditions = deps.renditions;
  const renditionsOf = () =>
    renditions ??= new RenditionManager({
      cacheDir: deps.cacheDir,
      ffmpegPath: deps.ffmpegPath,
      redactPaths: [deps.root],
      cache,
      floorBytes,
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
    const disk = statfs();
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
    return c.json(await joiner.join(id, files, c.req.raw.signal));
  });

  app.post("/v1/recordings/frames", async (c) => {
    const parsed = framesRequestSchema.safeParse(
      await c.req.json().catch(() => null),
    );
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const items = [];
    for (const f of parsed.data.frames) {
      const { abs, info } = await segmentOf(deps.root, f.path);
      if (!(await Deno.stat(abs).then((s) => s.isFile, () => false))) {
        throw new AppError(
          "not_found",
          `No recording "${info.path}" on this node`,
          { field: "frames" },
        );
      }
      items.push({ file: abs, atMs: f.at_ms, label: info.path });
    }
    const jpegs = await frames.extract(
      items,
      parsed.data.max_width ?? 1280,
      c.req.raw.signal,
    );
    return c.json({
      frames: parsed.data.frames.map((f, i) => ({
        path: f.path,
        at_ms: f.at_ms,
        jpeg: encodeBase64(jpegs[i]),
      })),
    });
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
    // A full queue throws rate_limited; the app's error handler sends Retry-After.
    const status = await renditionsOf().request(
      id,
      files,
      parsed.data.duration_ms,
    );
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
    const file = renditionsOf().fileOf(id);
    return await serveFile(c, file, "video/mp4", () => cache.hold(file));
  });

  app.get("/v1/joined/:id", async (c) => {
    const id = c.req.param("id");
    if (!/^[0-9a-f]{64}$/.test(id)) {
      throw new AppError("invalid_input", "Invalid joined file id", {
        field: "id",
      });
    }
    const file = `${cache.dir}/${id}.mp4`;
    return await serveFile(c, file, "video/mp4", () => cache.hold(file));
  });

  return app;
}

function encodeBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
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
