/**
 * The controller's one client for a node agent's HTTP API (docs/design/protocol.md).
 *
 * `NodeClient.online(node)` looks up the node's address, liveness and
 * credential — the only place that does — and refuses fast with a 503
 * naming the node when it is offline or unknown. The `NodeLink` it returns
 * has one typed method per node endpoint:
 *
 *   GET    /v1/cameras/{id}/stream     stream()       MJPEG, the body streams; only the head is timed
 *   GET    /v1/cameras/{id}/snapshot   snapshot()     one JPEG
 *   POST   /v1/probe                   probe()        open a source once
 *   POST   /v1/scan                    scan()         USB, WS-Discovery, subnet
 *   POST   /v1/onvif/inspect|ptz       onvifInspect() onvifPtz()
 *   GET    /v1/devices/usb             usbDevices()
 *   GET    /v1/storage                 storage()
 *   GET    /v1/recordings/list         listCameraFiles()  every page
 *   POST   /v1/recordings/join         join()         → openJoined() with Range; 429 (queue full,
 *                                                  Retry-After) and 413 (over the node's cache) pass through
 *   POST   /v1/renditions              requestRendition() → openRendition() with Range
 *   POST   /v1/recordings/frames       frames()       JPEG stills extracted on the node (agents)
 *   DELETE /v1/files/{path}            deleteFile()
 *
 * Every call carries the bearer token, an optional `X-Request-Id`, a time
 * limit, and the caller's AbortSignal: a browser that hangs up cancels the
 * request on the node too. One error vocabulary, as AppErrors naming the node:
 *
 * | what happened                      | kind                  |
 * | ---------------------------------- | --------------------- |
 * | node offline / unknown             | unavailable (503)     |
 * | node unreachable (connect failed)  | unavailable (503)     |
 * | no answer within the time limit    | timeout (504)         |
 * | caller hung up                     | unavailable, `cancelled` cause |
 * | node answered 503                  | unavailable, its message |
 * | node refused (other 4xx/5xx)       | upstream_failed (502), its message redacted and cut to 300 chars |
 * | answer of an unknown shape         | upstream_failed (502) |
 */
import { AppError, type ErrorKind } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import {
  type FramesRequest,
  framesResultSchema,
  type OnvifInspection,
  type OnvifInspectRequest,
  type OnvifPtzRequest,
  type OnvifPtzResult,
  type ProbeRequest,
  type ProbeResult,
  type ScanReport,
  type ScanRequest,
  type UsbDevice,
} from "../../lib/protocol/mod.ts";
import { redactText } from "../../lib/redact.ts";

/** Where and how to reach one enrolled node (NodeService.target). */
export interface NodeAddress {
  /** Base URL of the node agent, pinned at enrolment. */
  address: string;
  /** The node's own API key (per-node credential, issue 11 #6). */
  token: string;
  /** The https client trusting the node CA (`--node-ca-file`), when set. */
  client?: Deno.HttpClient;
}

/** What the client needs to know about nodes (NodeService has it). */
export interface NodeDirectory {
  /** The node's address and credential; null when it never enrolled. */
  target(name: string): Promise<NodeAddress | null>;
  isOnline(name: string): Promise<boolean>;
}

export interface NodeClientOptions {
  nodes: NodeDirectory;
  /** Request id of the current request, sent as `X-Request-Id` when a call names none. */
  requestIdProvider?: () => string | undefined;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Options of every call. */
export interface CallOptions {
  /** The caller's signal (e.g. `c.req.raw.signal`): aborting it aborts the node's request. */
  signal?: AbortSignal;
  /** Longest wait for the answer (for streamed bodies: for its head). Each method has a default. */
  timeoutMs?: number;
  /** Sent as `X-Request-Id`. @default the constructor's requestIdProvider() */
  requestId?: string;
}

/** How to word a refusal for an offline node. */
export interface OnlineOptions {
  /** What it means for the caller, said after `Node "x" is offline; `. */
  consequence?: string;
  /** The input field the node was named in (e.g. `node_name`). */
  field?: string;
}

/** The node's disk as `GET /v1/storage` reports it. */
export interface NodeStorage {
  root: string;
  total_bytes: number;
  free_bytes: number;
  cameras: { camera_id: string; bytes: number; segments: number }[];
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

/** One closed segment file as a node lists it. */
export interface NodeFile {
  path: string;
  size_bytes: number;
  /** File mtime, ms since the epoch. */
  mtime_ms: number;
}

/** Cause of the AppError thrown when the caller hung up (nothing to answer, nothing to log). */
export const CANCELLED = "cancelled";

/** `a/b c/d.mp4` → `a/b%20c/d.mp4`: each segment encoded, slashes kept. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

export class NodeClient {
  #opts: NodeClientOptions;

  constructor(opts: NodeClientOptions) {
    this.#opts = opts;
  }

  /**
   * A link to the online node `node`, or a 503 naming it. The one place a
   * node's address, liveness and credential are looked up.
   */
  async online(node: string, o: OnlineOptions = {}): Promise<NodeLink> {
    const target = await this.#opts.nodes.target(node);
    if (!target || !(await this.#opts.nodes.isOnline(node))) {
      const why = target ? "" : " (no node agent of that name has enrolled)";
      throw new AppError(
        "unavailable",
        `Node "${node}" is offline${why}${
          o.consequence ? `; ${o.consequence}` : ""
        }`,
        { field: o.field },
      );
    }
    return new NodeLink({
      node,
      base: target.address.replace(/\/+$/, ""),
      token: target.token,
      client: target.client,
      fetch: this.#opts.fetch ?? fetch,
      requestId: this.#opts.requestIdProvider,
    });
  }
}

/** A node's error answer, unchecked. */
interface ErrorAnswer {
  error?: { code?: unknown; message?: unknown; field?: unknown };
}

interface LinkTarget {
  node: string;
  base: string;
  token: string;
  client?: Deno.HttpClient;
  fetch: typeof fetch;
  requestId?: () => string | undefined;
}

interface Exchange<T> extends CallOptions {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Says what the node failed to do: `Node "x" could not <what>`. */
  what: string;
  /** Reads the answer while the time limit still runs; a non-2xx answer is the refusal unless `accept` takes it. */
  read: (res: Response) => Promise<T>;
  /** Statuses `read` handles itself (e.g. 404 "already gone"). */
  accept?: (status: number) => boolean;
  /** A refusal worded by the method itself; null for the usual one. */
  refused?: (status: number, body: ErrorAnswer | null) => AppError | null;
  /** Node error kinds passed through as they are (ONVIF: about the camera, not the link). */
  passThrough?: ReadonlySet<ErrorKind>;
  /** `read` returns a response whose body streams on: stop the clock at its head. */
  streams?: boolean;
  defaultTimeoutMs: number;
}

/** Kinds of ONVIF errors that are about the camera, shown as they are. */
const ONVIF_PASS_THROUGH = new Set<ErrorKind>([
  "invalid_input",
  "conflict",
  "upstream_failed",
  "timeout",
  "unavailable",
]);

const ID = /^[A-Za-z0-9_.-]{1,200}$/;
/** Most pages one listing may take (5000 entries each: 50 M files). */
const MAX_LIST_PAGES = 10_000;

/** One online node's API. Made by `NodeClient.online()`. */
export class NodeLink {
  readonly node: string;
  #t: LinkTarget;

  constructor(t: LinkTarget) {
    this.node = t.node;
    this.#t = t;
  }

  // --- cameras ---

  /** The camera's MJPEG stream; the body flows until the signal aborts. */
  stream(cameraId: string, o: CallOptions = {}): Promise<Response> {
    return this.#exchange({
      ...o,
      method: "GET",
      path: `/v1/cameras/${encodeURIComponent(cameraId)}/stream`,
      what: `stream camera ${cameraId}`,
      streams: true,
      defaultTimeoutMs: 10_000,
      read: (res) => {
        if (!res.body) throw this.#badAnswer("the stream");
        return Promise.resolve(res);
      },
    });
  }

  /** One JPEG of the camera. */
  snapshot(cameraId: string, o: CallOptions = {}): Promise<Uint8Array> {
    return this.#exchange({
      ...o,
      method: "GET",
      path: `/v1/cameras/${encodeURIComponent(cameraId)}/snapshot`,
      what: "send a snapshot",
      defaultTimeoutMs: 10_000,
      read: async (res) => {
        const jpeg = new Uint8Array(await res.arrayBuffer());
        if (jpeg.length === 0) throw this.#badAnswer("the snapshot");
        return jpeg;
      },
    });
  }

  /** Opens a source once and says what it carries. */
  probe(req: ProbeRequest, o: CallOptions = {}): Promise<ProbeResult> {
    return this.#postJson("/v1/probe", req, "test the source", o, 20_000, (
      b,
    ) => typeof b?.ok === "boolean");
  }

  /** Looks for cameras from the node (USB, WS-Discovery, a subnet). */
  scan(req: ScanRequest, o: CallOptions = {}): Promise<ScanReport> {
    return this.#postJson(
      "/v1/scan",
      req,
      "scan",
      o,
      30_000,
      (b) => Array.isArray(b?.results),
    );
  }

  /** An ONVIF camera's device info, profiles and PTZ support. */
  onvifInspect(
    req: OnvifInspectRequest,
    o: CallOptions = {},
  ): Promise<OnvifInspection> {
    return this.#onvif("/v1/onvif/inspect", req, o);
  }

  /** One PTZ command (or the presets) of an ONVIF camera. */
  onvifPtz(req: OnvifPtzRequest, o: CallOptions = {}): Promise<OnvifPtzResult> {
    return this.#onvif("/v1/onvif/ptz", req, o);
  }

  /** The node's USB (V4L2) capture devices, listed now. */
  usbDevices(o: CallOptions = {}): Promise<UsbDevice[]> {
    return this.#exchange({
      ...o,
      method: "GET",
      path: "/v1/devices/usb",
      what: "list its USB devices",
      defaultTimeoutMs: 10_000,
      read: async (res) => {
        const body = await res.json().catch(() => null);
        if (!Array.isArray(body?.devices)) {
          throw this.#badAnswer("/v1/devices/usb");
        }
        return body.devices as UsbDevice[];
      },
    });
  }

  // --- recording files ---

  storage(o: CallOptions = {}): Promise<NodeStorage> {
    return this.#exchange({
      ...o,
      method: "GET",
      path: "/v1/storage",
      what: "report its storage",
      defaultTimeoutMs: 10_000,
      read: async (res) => {
        const body = await res.json().catch(() => null);
        if (!body || !Array.isArray(body.cameras)) {
          throw this.#badAnswer("/v1/storage");
        }
        return body as NodeStorage;
      },
    });
  }

  /** Deletes one file; true when deleted or already gone (404). */
  deleteFile(path: string, o: CallOptions = {}): Promise<true> {
    return this.#exchange({
      ...o,
      method: "DELETE",
      path: `/v1/files/${encodePath(path)}`,
      what: `delete ${path}`,
      defaultTimeoutMs: 30_000,
      accept: (s) => s === 404,
      read: async (res) => {
        await res.body?.cancel();
        return true as const;
      },
    });
  }

  /** Asks the node to join segments into one MP4 (stream copy, cached there). */
  join(
    paths: string[],
    o: CallOptions = {},
  ): Promise<{ id: string; size_bytes: number }> {
    return this.#exchange({
      ...o,
      method: "POST",
      path: "/v1/recordings/join",
      body: { paths },
      what: "join the segments",
      defaultTimeoutMs: 300_000,
      accept: (s) => s === 404 || s === 429 || s === 413,
      read: async (res) => {
        if (res.status === 404) throw await this.#footageGone(res);
        const body = await res.json().catch(() => null);
        if (res.status === 429 || res.status === 413) {
          // The node's join queue is full, or the range is larger than its
          // cache: the viewer can act on either (wait, or ask for less).
          const after = Number(res.headers.get("retry-after")) || 10;
          const msg = typeof body?.error?.message === "string"
            ? redactText(body.error.message).slice(0, 300)
            : "busy";
          throw res.status === 429
            ? new AppError("rate_limited", `Node "${this.node}": ${msg}`, {
              retryAfterS: Math.min(Math.max(after, 1), 600),
            })
            : new AppError("payload_too_large", `Node "${this.node}": ${msg}`);
        }
        if (typeof body?.id !== "string" || !ID.test(body.id)) {
          throw new AppError(
            "upstream_failed",
            `Node "${this.node}" answered the join with no usable id`,
          );
        }
        return { id: body.id, size_bytes: Number(body.size_bytes) || 0 };
      },
    });
  }

  /** A joined file, passing a Range header through (206, 416 pass too). */
  openJoined(
    id: string,
    range: string | null,
    o: CallOptions = {},
  ): Promise<Response> {
    return this.#openFile(`/v1/joined/${encodeURIComponent(id)}`, range, o);
  }

  /** A ready web rendition, passing a Range header through. */
  openRendition(
    id: string,
    range: string | null,
    o: CallOptions = {},
  ): Promise<Response> {
    return this.#openFile(`/v1/renditions/${encodeURIComponent(id)}`, range, o);
  }

  /**
   * Asks for an H.264 web rendition of the segments: the node answers at
   * once with its state and transcodes in the background. A busy node (429)
   * → AppError("rate_limited") with its Retry-After.
   */
  requestRendition(
    paths: string[],
    durationMs: number,
    o: CallOptions = {},
  ): Promise<NodeRendition> {
    return this.#exchange({
      ...o,
      method: "POST",
      path: "/v1/renditions",
      body: {
        paths,
        ...(durationMs > 0 ? { duration_ms: Math.round(durationMs) } : {}),
      },
      what: "convert the footage for the web",
      defaultTimeoutMs: 30_000,
      accept: (s) => s === 404 || s === 429,
      read: async (res) => {
        if (res.status === 404) throw await this.#footageGone(res);
        if (res.status === 429) {
          const after = Number(res.headers.get("retry-after")) || 30;
          const said = await nodeMessage(res, 200);
          throw new AppError(
            "rate_limited",
            `Node "${this.node}" is busy converting other footage${
              said ? ` (${said})` : ""
            }; try again later`,
            { retryAfterS: Math.min(Math.max(after, 1), 600) },
          );
        }
        return this.#rendition(await res.json().catch(() => null));
      },
    });
  }

  /**
   * Still JPEGs of segment files at offsets, extracted on the node (only
   * the JPEGs cross the network). 404 (a file gone) and 429 (busy) keep
   * their kinds.
   */
  frames(
    req: FramesRequest,
    o: CallOptions = {},
  ): Promise<{ path: string; at_ms: number; jpeg: Uint8Array }[]> {
    return this.#exchange({
      ...o,
      method: "POST",
      path: "/v1/recordings/frames",
      body: req,
      what: "extract frames of the recording",
      defaultTimeoutMs: 60_000,
      passThrough: new Set<ErrorKind>(["not_found", "rate_limited"]),
      refused: (status, out) =>
        status === 404 && !out?.error?.field
          ? new AppError(
            "upstream_failed",
            `Node "${this.node}" cannot extract frames yet (update its node agent)`,
          )
          : null,
      read: async (res) => {
        const parsed = framesResultSchema.safeParse(
          await res.json().catch(() => null),
        );
        if (
          !parsed.success ||
          parsed.data.frames.length !== req.frames.length
        ) {
          throw this.#badAnswer("/v1/recordings/frames");
        }
        return parsed.data.frames.map((f) => ({
          path: f.path,
          at_ms: f.at_ms,
          jpeg: Uint8Array.from(atob(f.jpeg), (ch) => ch.charCodeAt(0)),
        }));
      },
    });
  }

  /**
   * Every closed segment of one camera on the node, sorted by path (pages
   * of at most 5000). Null when the node offers no listing (an older node
   * agent: 404 without a route).
   */
  async listCameraFiles(
    cameraId: string,
    o: CallOptions = {},
  ): Promise<NodeFile[] | null> {
    const out: NodeFile[] = [];
    let after = "";
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const q = new URLSearchParams({ camera_id: cameraId });
      if (after) q.set("after", after);
      const body = await this.#exchange({
        ...o,
        method: "GET",
        path: `/v1/recordings/list?${q}`,
        what: "list its recordings",
        defaultTimeoutMs: 30_000,
        accept: (s) => s === 404,
        read: async (res) => {
          if (res.status === 404) {
            await res.body?.cancel();
            return null;
          }
          const b = await res.json().catch(() => null);
          if (!b || !Array.isArray(b.entries)) {
            throw this.#badAnswer("/v1/recordings/list");
          }
          return b as { entries: unknown[]; next_after?: unknown };
        },
      });
      if (body === null) return null;
      for (const e of body.entries as Record<string, unknown>[]) {
        if (typeof e?.path !== "string" || e.path <= after) {
          throw new AppError(
            "upstream_failed",
            `Node "${this.node}" listed its recordings out of order`,
          );
        }
        const mtime = Date.parse(String(e.mtime));
        out.push({
          path: e.path,
          size_bytes: Math.max(0, Number(e.size_bytes) || 0),
          mtime_ms: Number.isFinite(mtime) ? mtime : 0,
        });
        after = e.path;
      }
      const next = body.next_after;
      if (
        typeof next !== "string" || next === "" || body.entries.length === 0
      ) {
        return out;
      }
      after = next;
    }
    throw new AppError(
      "upstream_failed",
      `Node "${this.node}" listed more than ${MAX_LIST_PAGES} pages for camera ${cameraId}`,
    );
  }

  // --- the exchange ---

  #postJson<T>(
    path: string,
    body: unknown,
    what: string,
    o: CallOptions,
    defaultTimeoutMs: number,
    valid: (b: Record<string, unknown> | null) => boolean,
  ): Promise<T> {
    return this.#exchange({
      ...o,
      method: "POST",
      path,
      body,
      what,
      defaultTimeoutMs,
      read: async (res) => {
        const out = await res.json().catch(() => null);
        if (!valid(out)) throw this.#badAnswer(path);
        return out as T;
      },
    });
  }

  #onvif<T>(path: string, body: unknown, o: CallOptions): Promise<T> {
    return this.#exchange({
      ...o,
      method: "POST",
      path,
      body,
      what: "reach the ONVIF camera",
      defaultTimeoutMs: 20_000,
      passThrough: ONVIF_PASS_THROUGH,
      // A 404 that names no field is a node agent without the ONVIF routes.
      refused: (status, out) =>
        status === 404 && !out?.error?.field
          ? new AppError(
            "upstream_failed",
            `Node "${this.node}" cannot talk ONVIF yet (update its node agent)`,
          )
          : null,
      read: async (res) => {
        const out = await res.json().catch(() => null);
        if (!out || typeof out !== "object") throw this.#badAnswer(path);
        return out as T;
      },
    });
  }

  async #openFile(
    path: string,
    range: string | null,
    o: CallOptions,
  ): Promise<Response> {
    return await this.#exchange({
      ...o,
      method: "GET",
      path,
      headers: range ? { range } : {},
      what: "send the recording",
      // The body may stream for long; only the wait for the answer's head is bounded.
      streams: true,
      defaultTimeoutMs: 30_000,
      accept: (s) => s === 416,
      read: (res) => Promise.resolve(res),
    });
  }

  async #exchange<T>(x: Exchange<T>): Promise<T> {
    const timeoutMs = x.timeoutMs ?? x.defaultTimeoutMs;
    const clock = new AbortController();
    const timer = setTimeout(
      () =>
        clock.abort(
          new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"),
        ),
      timeoutMs,
    );
    const signal = x.signal
      ? AbortSignal.any([x.signal, clock.signal])
      : clock.signal;
    const headers = new Headers(x.headers);
    headers.set("authorization", `Bearer ${this.#t.token}`);
    if (x.body !== undefined) headers.set("content-type", "application/json");
    const requestId = x.requestId ?? this.#t.requestId?.();
    if (requestId) headers.set("x-request-id", requestId);
    try {
      const res = await this.#t.fetch(`${this.#t.base}${x.path}`, {
        method: x.method,
        headers,
        body: x.body !== undefined ? JSON.stringify(x.body) : undefined,
        signal,
        ...(this.#t.client ? { client: this.#t.client } : {}),
      });
      if (x.streams) clearTimeout(timer);
      if (!res.ok && !x.accept?.(res.status)) {
        const body = await res.json().catch(() => null) as ErrorAnswer | null;
        throw x.refused?.(res.status, body) ??
          this.#refusal(res.status, body, x.what, x.passThrough);
      }
      return await x.read(res);
    } catch (e) {
      if (e instanceof AppError) throw e;
      if (x.signal?.aborted && !clock.signal.aborted) {
        throw new AppError("unavailable", "The request was cancelled", {
          cause: CANCELLED,
        });
      }
      if (clock.signal.aborted) {
        throw new AppError(
          "timeout",
          `Node "${this.node}" did not answer within ${timeoutMs / 1000} s`,
        );
      }
      throw new AppError(
        "unavailable",
        `Node "${this.node}" did not answer (${errorMessage(e)})`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** A node's error answer as an AppError naming the node, its message redacted. */
  #refusal(
    status: number,
    body: ErrorAnswer | null,
    what: string,
    passThrough?: ReadonlySet<ErrorKind>,
  ): AppError {
    const err = body?.error;
    const msg = typeof err?.message === "string"
      ? redactText(err.message).slice(0, 300)
      : null;
    const field = typeof err?.field === "string" ? err.field : undefined;
    if (passThrough?.has(err?.code as ErrorKind) && msg) {
      return new AppError(err!.code as ErrorKind, msg, { field });
    }
    return new AppError(
      status === 503 ? "unavailable" : "upstream_failed",
      `Node "${this.node}" could not ${what}: ${msg ?? `answered ${status}`}`,
    );
  }

  #badAnswer(what: string): AppError {
    return new AppError(
      "upstream_failed",
      `Node "${this.node}" answered ${what} in an unknown shape`,
    );
  }

  async #footageGone(res: Response): Promise<AppError> {
    await res.body?.cancel();
    return new AppError(
      "not_found",
      `Node "${this.node}" no longer has the footage files (deleted by retention or by hand)`,
    );
  }

  #rendition(body: Record<string, unknown> | null): NodeRendition {
    const states = ["ready", "working", "failed"];
    if (
      typeof body?.id !== "string" || !ID.test(body.id) ||
      !states.includes(body.state as string)
    ) {
      throw this.#badAnswer("the rendition request");
    }
    const progress = Number(body.progress);
    return {
      id: body.id,
      state: body.state as NodeRendition["state"],
      ...(Number.isFinite(progress) && body.progress !== undefined &&
          body.progress !== null
        ? { progress: Math.min(1, Math.max(0, progress)) }
        : {}),
      ...(Number.isInteger(body.queue_position)
        ? { queue_position: body.queue_position as number }
        : {}),
      ...(typeof body.error === "string"
        ? { error: body.error.slice(0, 500) }
        : {}),
    };
  }
}

/** The node's error message in an answer, redacted and cut to `max` characters. */
async function nodeMessage(res: Response, max: number): Promise<string | null> {
  const body = await res.json().catch(() => null);
  return typeof body?.error?.message === "string"
    ? redactText(body.error.message).slice(0, max)
    : null;
}
