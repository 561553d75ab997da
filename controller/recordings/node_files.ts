/**
 * Client of a node agent's recording file API (bearer node token):
 *
 *   GET    /v1/files/{path}            one segment, with Range
 *   DELETE /v1/files/{path}            2xx deleted, 404 already gone
 *   GET    /v1/storage                 {root, total_bytes, free_bytes, cameras:[{camera_id, bytes, segments}]}
 *   POST   /v1/recordings/join {paths} → {id, size_bytes}: one MP4 joined by stream copy (cached)
 *   GET    /v1/joined/{id}             the joined file, with Range
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

export interface NodeTarget {
  node: string;
  address: string;
  token: string;
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
export async function openJoined(
  t: NodeTarget,
  id: string,
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
    res = await call(t, "GET", `/v1/joined/${encodeURIComponent(id)}`, {
      headers: range ? { range } : {},
      signal: signal
        ? AbortSignal.any([signal, headTimeout.signal])
        : headTimeout.signal,
    });
  } finally {
    clearTimeout(timer);
  }
  if (res.ok || res.status === 416) return res;
  throw await failure(t, res, "send the joined recording");
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
