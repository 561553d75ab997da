/**
 * Client of a node agent's recording file API (bearer node token):
 *
 *   GET    /v1/files/{path}            one segment, with Range
 *   DELETE /v1/files/{path}            2xx deleted, 404 already gone
 *   GET    /v1/storage                 {root, total_bytes, free_bytes, cameras:[{camera_id, bytes, segments}]}
 *   POST   /v1/recordings/join {paths} → {id, size_bytes}: one MP4 joined by stream copy (cached)
 *   GET    /v1/joined/{id}             the joined file, with Range
 *   GET    /v1/recordings/list?camera_id&after
 *                                       closed segments sorted by path, ≤ 5000 a page:
 *                                       {entries: [{path, size_bytes, mtime}], next_after}
 *   POST   /v1/renditions {paths, duration_ms?}
 *                                       → {id, state: ready|working|failed, progress?, error?}
 *   GET    /v1/renditions/{id}         a ready web rendition, with Range
 *
 * Failures become AppErrors naming the node: unreachable → 503, an error
 * answer → 502 with the node's own message.
 */
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";

export interface NodeStorage {
  root: string;
  total_bytes: number;
  free_bytes: number;
  cameras: { camera_id: string; bytes: number; segments: number }[];
}

/** URL and credential of one node agent (controller/nodes NodeService.target). */
export interface NodeTarget {
  node: string;
  address: string;
  token: string;
  /** Verifies the node agent's https certificate against its CA, when configured. */
  client?: Deno.HttpClient;
}

/** `a/b c/d.mp4` → `a/b%20c/d.mp4`: each segment encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

async function call(
  t: NodeTarget,
  method: string,
  path: string,
  init: {
    body?: unknown;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${t.token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  try {
    return await fetch(`${t.address.replace(/\/+$/, "")}${path}`, {
      method,
      headers,
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      signal: init.signal,
      ...(t.client ? { client: t.client } : {}),
    });
  } catch (e) {
    if (
      init.signal?.aborted &&
      (init.signal.reason as Error)?.name !== "TimeoutError"
    ) {
      // The client went away: nothing to answer, nothing worth logging as an error.
      throw new AppError("unavailable", "The request was cancelled");
    }
    throw new AppError(
      "unavailable",
      `Node "${t.node}" did not answer (${errorMessage(e)})`,
    );
  }
}

/** The node's own error message, or a generic one. */
async function failure(
  t: NodeTarget,
  res: Response,
  what: string,
): Promise<AppError> {
  const body = await res.json().catch(() => null);
  const msg = typeof body?.error?.message === "string"
    ? body.error.message.slice(0, 300)
    : `answered ${res.status}`;
  return new AppError(
    res.status === 503 ? "unavailable" : "upstream_failed",
    `Node "${t.node}" could not ${what}: ${msg}`,
  );
}

/** Asks the node to join segments into one MP4; returns its id and size. */
export async function joinSegments(
  t: NodeTarget,
  paths: string[],
  signal?: AbortSignal,
): Promise<{ id: string; size_bytes: number }> {
  const timeout = AbortSignal.timeout(300_000);
  const res = await call(t, "POST", "/v1/recordings/join", {
    body: { paths },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  if (res.status === 404) {
    await res.body?.cancel();
    throw new AppError(
      "not_found",
      `Node "${t.node}" no longer has the footage files (deleted by retention or by hand)`,
    );
  }
  if (!res.ok) throw await failure(t, res, "join the segments");
  const body = await res.json().catch(() => null);
  if (
    typeof body?.id !== "string" || !/^[A-Za-z0-9_.-]{1,200}$/.test(body.id)
  ) {
    throw new AppError(
      "upstream_failed",
      `Node "${t.node}" answered the join with no usable id`,
    );
  }
  return { id: body.id, size_bytes: Number(body.size_bytes) || 0 };
}

/** Opens a joined file on the node, passing a Range header through. */
export function openJoined(
  t: NodeTarget,
  id: string,
  range: string | null,
  signal?: AbortSignal,
): Promise<Response> {
  return openCached(t, `/v1/joined/${encodeURIComponent(id)}`, range, signal);
}

/** Opens a ready web rendition on the node, passing a Range header through. */
export function openRendition(
  t: NodeTarget,
  id: string,
  range: string | null,
  signal?: AbortSignal,
): Promise<Response> {
  return openCached(
    t,
    `/v1/renditions/${encodeURIComponent(id)}`,
    range,
    signal,
  );
}

async function openCached(
  t: NodeTarget,
  path: string,
  range: string | null,
  signal?: AbortSignal,
): Promise<Response> {
  // The body may stream for long; only the wait for the answer's head is bounded.
  const headTimeout = new AbortController();
  const timer = setTimeout(
    () => headTimeout.abort(new DOMException("no answer", "TimeoutError")),
    30_000,
  );
  let res: Response;
  try {
    res = await call(t, "GET", path, {
      headers: range ? { range } : {},
      signal: signal
        ? AbortSignal.any([signal, headTimeout.signal])
        : headTimeout.signal,
    });
  } finally {
    clearTimeout(timer);
  }
  if (res.ok || res.status === 416) return res;
  throw await failure(t, res, "send the recording");
}

/** Deletes one file; true when deleted or already gone (404). */
export async function deleteFile(t: NodeTarget, path: string): Promise<true> {
  const res = await call(t, "DELETE", `/v1/files/${encodePath(path)}`, {
    signal: AbortSignal.timeout(30_000),
  });
  if (res.ok || res.status === 404) {
    await res.body?.cancel();
    return true;
  }
  throw await failure(t, res, `delete ${path}`);
}

export async function storageOf(t: NodeTarget): Promise<NodeStorage> {
  const res = await call(t, "GET", "/v1/storage", {
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw await failure(t, res, "report its storage");
  const body = await res.json().catch(() => null);
  if (!body || !Array.isArray(body.cameras)) {
    throw new AppError(
      "upstream_failed",
      `Node "${t.node}" answered /v1/storage in an unknown shape`,
    );
  }
  return body as NodeStorage;
}

/** What a node says about a web rendition (`POST /v1/renditions`). */
export interface NodeRendition {
  id: string;
  state: "ready" | "working" | "failed";
  /** 0–1 while working, when known. */
  progress?: number;
  /** Jobs ahead of it on the node (0 while it runs). */
  queue_position?: number;
  /** Redacted reason, when failed. */
  error?: string;
}

/**
 * Asks the node for an H.264 web rendition of the segments: it answers at
 * once with the state (the node transcodes in the background). 429 from a
 * busy node → AppError("rate_limited") with its Retry-After.
 */
export async function requestRendition(
  t: NodeTarget,
  paths: string[],
  durationMs: number,
  signal?: AbortSignal,
): Promise<NodeRendition> {
  const timeout = AbortSignal.timeout(30_000);
  const res = await call(t, "POST", "/v1/renditions", {
    body: {
      paths,
      ...(durationMs > 0 ? { duration_ms: Math.round(durationMs) } : {}),
    },
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  if (res.status === 404) {
    await res.body?.cancel();
    throw new AppError(
      "not_found",
      `Node "${t.node}" no longer has the footage files (deleted by retention or by hand)`,
    );
  }
  if (res.status === 429) {
    const after = Number(res.headers.get("retry-after")) || 30;
    const body = await res.json().catch(() => null);
    throw new AppError(
      "rate_limited",
      `Node "${t.node}" is busy converting other footage${
        typeof body?.error?.message === "string"
          ? ` (${body.error.message.slice(0, 200)})`
          : ""
      }; try again later`,
      { retryAfterS: Math.min(Math.max(after, 1), 600) },
    );
  }
  if (!res.ok) throw await failure(t, res, "convert the footage for the web");
  const body = await res.json().catch(() => null);
  const states = ["ready", "working", "failed"];
  if (
    typeof body?.id !== "string" || !/^[A-Za-z0-9_.-]{1,200}$/.test(body.id) ||
    !states.includes(body.state)
  ) {
    throw new AppError(
      "upstream_failed",
      `Node "${t.node}" answered the rendition request in an unknown shape`,
    );
  }
  const progress = Number(body.progress);
  return {
    id: body.id,
    state: body.state,
    ...(Number.isFinite(progress) && body.progress !== undefined &&
        body.progress !== null
      ? { progress: Math.min(1, Math.max(0, progress)) }
      : {}),
    ...(Number.isInteger(body.queue_position)
      ? { queue_position: body.queue_position }
      : {}),
    ...(typeof body.error === "string"
      ? { error: body.error.slice(0, 500) }
      : {}),
  };
}

/** One closed segment file as a node lists it. */
export interface NodeFile {
  path: string;
  size_bytes: number;
  /** File mtime, ms since the epoch. */
  mtime_ms: number;
}

/** Most pages one listing may take (5000 entries each: 50 M files). */
const MAX_LIST_PAGES = 10_000;

/**
 * Every closed segment of one camera on the node, sorted by path, in pages
 * of at most 5000. Null when the node does not offer a listing (an older
 * node agent: 404 without a route).
 */
export async function listCameraFiles(
  t: NodeTarget,
  cameraId: string,
  signal?: AbortSignal,
): Promise<NodeFile[] | null> {
  const out: NodeFile[] = [];
  let after = "";
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const q = new URLSearchParams({ camera_id: cameraId });
    if (after) q.set("after", after);
    const timeout = AbortSignal.timeout(30_000);
    const res = await call(t, "GET", `/v1/recordings/list?${q}`, {
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) throw await failure(t, res, "list its recordings");
    const body = await res.json().catch(() => null);
    if (!body || !Array.isArray(body.entries)) {
      throw new AppError(
        "upstream_failed",
        `Node "${t.node}" answered /v1/recordings/list in an unknown shape`,
      );
    }
    for (const e of body.entries) {
      if (typeof e?.path !== "string" || e.path <= after) {
        throw new AppError(
          "upstream_failed",
          `Node "${t.node}" listed its recordings out of order`,
        );
      }
      const mtime = Date.parse(e.mtime);
      out.push({
        path: e.path,
        size_bytes: Math.max(0, Number(e.size_bytes) || 0),
        mtime_ms: Number.isFinite(mtime) ? mtime : 0,
      });
      after = e.path;
    }
    const next = body.next_after;
    if (typeof next !== "string" || next === "" || body.entries.length === 0) {
      return out;
    }
    after = next;
  }
  throw new AppError(
    "upstream_failed",
    `Node "${t.node}" listed more than ${MAX_LIST_PAGES} pages for camera ${cameraId}`,
  );
}
