/**
 * Recordings: start/stop per camera, the list and detail of sessions, keep,
 * delete (on the node first), download and playback (joined on the node,
 * streamed through the controller with Range), and the node events that
 * report segments (applied exactly once). docs/guide/recordings.md.
 */
import type {
  RecordingDetail,
  RecordingStatusAnswer,
} from "../../lib/api/recordings.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";
import type { CameraRow } from "../db/cameras.ts";
import { getCamera } from "../db/cameras.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/recordings.ts";
import type { EventBus, RecordingEvent } from "../events/bus.ts";
import type { NodeClient, NodeLink } from "../nodes/client.ts";
import { authorize, cameraScope, precheck } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { cameraTimeline } from "./timeline.ts";
import {
  eventsBodySchema,
  keepSchema,
  type ListQuery,
  parseRange,
  UUID,
  type ValidNodeEvent,
} from "./schema.ts";
import {
  type RecordingJson,
  recordingJson,
  safeFileName,
  segmentJson,
  type SessionJson,
  sessionJson,
} from "./view.ts";
import { invalidInput } from "../../lib/validation.ts";

const log = logger("recordings");

/** Most segments joined into one download (two days of 60 s segments). */
export const MAX_JOIN_SEGMENTS = 2880;

/**
 * What a download or playback should deliver: `original` (the recorded
 * codec, joined by stream copy) or `web` (H.264 that every browser plays:
 * HEVC footage is converted on its node, in the background).
 */
export type FootageFormat = "original" | "web";

/** `?format=` of download and playback: absent/`original` or `web`; else 400. */
export function parseFormat(raw: string | undefined): FootageFormat {
  if (raw === undefined || raw === "" || raw === "original") return "original";
  if (raw === "web") return "web";
  throw new AppError(
    "invalid_input",
    `Unknown format "${
      raw.slice(0, 40)
    }": use "web" (H.264 for browsers) or leave it out`,
    { field: "format" },
  );
}

/** True for the codec names of HEVC (ffprobe says "hevc"). */
export function isHevc(codec: string | null | undefined): boolean {
  return !!codec && /^(hevc|h\.?265)$/i.test(codec.trim());
}

/** How long a client should wait before asking again for a rendition in progress. */
export const RENDITION_RETRY_MS = 2000;

/** What recordings need from node management. */
export interface RecordingNodes {
  /** Wakes the node's long poll: its desired state changed. */
  changed(name: string | null): void;
}

export interface RecordingServiceDeps {
  sql: Sql;
  bus: EventBus;
  /** Camera rows by id, 404 for unknown ids. */
  cameras: { row(id: string): Promise<CameraRow> };
  nodes: RecordingNodes;
  /** A node event took effect (not a repeat): metrics count segments here. */
  onApplied?: (event: ValidNodeEvent) => void;
  /** The node agents' file API (joins, renditions, deletes). */
  client: NodeClient;
}

/** `GET /api/cameras/{id}/recording/status` (lib/api/recordings.ts). */
export type RecordingStatus = RecordingStatusAnswer;

/** `GET /api/recordings/{id}` (lib/api/recordings.ts). */
export type { RecordingDetail };

export class RecordingService {
  constructor(private deps: RecordingServiceDeps) {}

  // --- per camera ---

  /** Starts a manual recording; 409 when one is already open. */
  async start(p: Principal, cameraId: string): Promise<SessionJson> {
    const cam = await this.#camera(p, "recording.start", cameraId);
    const made = await db.insertSession(this.deps.sql, {
      camera_id: cam.id,
      camera_name: cam.name,
      node_name: cam.assigned_node,
      kind: "manual",
    });
    if (!made) {
      const open = await db.openSessionOf(this.deps.sql, cam.id);
      throw new AppError(
        "conflict",
        `Camera "${cam.name}" is already recording${
          open?.kind === "continuous" ? " (continuous mode)" : ""
        }${open ? ` since ${open.started_at.toISOString()}` : ""}`,
      );
    }
    this.deps.nodes.changed(cam.assigned_node);
    const json = sessionJson(made);
    this.#publish({ type: "started", recording: json });
    return json;
  }

  /** Stops the camera's manual recording. */
  async stop(p: Principal, cameraId: string): Promise<SessionJson> {
    const cam = await this.#camera(p, "recording.stop", cameraId);
    const open = await db.openSessionOf(this.deps.sql, cam.id);
    if (!open) {
      throw new AppError("conflict", `Camera "${cam.name}" is not recording`);
    }
    if (open.kind === "continuous" && cam.recording_mode === "continuous") {
      throw new AppError(
        "conflict",
        `Camera "${cam.name}" records continuously; set its recording_mode to manual or off to stop`,
        { field: "recording_mode" },
      );
    }
    const ended = await db.endSession(this.deps.sql, open.id, "completed");
    if (!ended) {
      throw new AppError("conflict", `Camera "${cam.name}" is not recording`);
    }
    this.deps.nodes.changed(cam.assigned_node);
    if (open.node_name !== cam.assigned_node) {
      this.deps.nodes.changed(open.node_name);
    }
    const json = sessionJson(ended);
    this.#publish({ type: "ended", recording: json });
    return json;
  }

  async status(p: Principal, cameraId: string): Promise<RecordingStatus> {
    const cam = await this.#camera(p, "recording.read", cameraId);
    const open = await db.openSessionOf(this.deps.sql, cam.id);
    return open
      ? {
        recording: true,
        session: sessionJson(open),
        mode: cam.recording_mode,
      }
      : { recording: false, mode: cam.recording_mode };
  }

  // --- sessions ---

  /**
   * The recordings `p` may see (viewers: of their granted cameras; those of
   * deleted cameras are admin-only); 403 naming camera_id for a camera not
   * granted.
   */
  async list(
    p: Principal,
    q: ListQuery,
  ): Promise<
    {
      recordings: RecordingJson[];
      total: number;
      limit: number;
      offset: number;
    }
  > {
    authorize(p, "recording.list");
    const visible = cameraScope(p);
    if (visible && q.cameraId) {
      authorize(p, "recording.read", {
        cameraId: q.cameraId,
        field: "camera_id",
      });
    }
    const { rows, total } = await db.listSessions(this.deps.sql, {
      ...q,
      visible: visible ? [...visible] : null,
    });
    return {
      recordings: rows.map(recordingJson),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  }

  /** The session row, or 404 naming the id. */
  async row(id: string): Promise<db.SessionRow> {
    const row = UUID.test(id) ? await db.getSession(this.deps.sql, id) : null;
    if (!row) {
      throw new AppError("not_found", `Recording "${id}" does not exist`, {
        field: "id",
      });
    }
    return row;
  }

  async get(p: Principal, id: string): Promise<RecordingDetail> {
    await this.#session(p, id);
    const row = await db.getSessionWithStats(this.deps.sql, id);
    if (!row) {
      throw new AppError("not_found", `Recording "${id}" does not exist`, {
        field: "id",
      });
    }
    const segments = await db.segmentsOf(this.deps.sql, id);
    return { ...recordingJson(row), segments: segments.map(segmentJson) };
  }

  async setKeep(
    p: Principal,
    id: string,
    body: unknown,
  ): Promise<RecordingJson> {
    authorize(p, "recording.keep");
    const parsed = keepSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const before = await this.row(id);
    await db.updateSession(this.deps.sql, id, { keep: parsed.data.keep });
    // The nodes holding its segments get a new keep list.
    this.deps.nodes.changed(before.node_name);
    for (const n of await this.#nodesOf(id)) {
      if (n !== before.node_name) this.deps.nodes.changed(n);
    }
    const row = (await db.getSessionWithStats(this.deps.sql, id))!;
    this.#publish({ type: "updated", recording: sessionJson(row) });
    return recordingJson(row);
  }

  /**
   * Deletes a recording: every node holding its segments must be online
   * (else 503 naming it, nothing deleted); each file is deleted on its node
   * and its row goes once the node confirms (or says it is already gone).
   * The session row goes with the last segment.
   */
  async delete(
    p: Principal,
    id: string,
  ): Promise<{
    result: { message: string; id: string; deleted_segments: number };
    /** The deleted session's row, for the audit log. */
    session: db.SessionRow;
  }> {
    authorize(p, "recording.delete");
    const session = await this.row(id);
    if (session.status === "recording") {
      throw new AppError(
        "conflict",
        `Recording "${id}" is still recording; stop it first${
          session.kind === "continuous"
            ? " (set the camera's recording_mode to manual or off)"
            : ""
        }`,
      );
    }
    const segments = await db.segmentsOf(this.deps.sql, id);
    const targets = new Map<string, NodeLink>();
    for (const node of new Set(segments.map((s) => s.node_name))) {
      targets.set(node, await this.#target(node, "nothing was deleted"));
    }
    let deleted = 0;
    const failures: string[] = [];
    const queue = [...segments];
    const worker = async () => {
      for (let seg = queue.shift(); seg; seg = queue.shift()) {
        try {
          await targets.get(seg.node_name)!.deleteFile(seg.path);
          await db.deleteSegmentById(this.deps.sql, seg.id);
          deleted++;
        } catch (e) {
          failures.push(e instanceof AppError ? e.message : errorMessage(e));
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, worker),
    );
    if (failures.length) {
      log.warn("recording delete incomplete", { id, failed: failures.length });
      throw new AppError(
        "upstream_failed",
        `Deleted ${deleted} of ${segments.length} segments of recording "${id}"; ${failures.length} failed (${
          failures[0]
        }). Try again.`,
      );
    }
    await db.deleteSession(this.deps.sql, id);
    for (const n of targets.keys()) this.deps.nodes.changed(n);
    if (session.keep) this.deps.nodes.changed(session.node_name);
    this.#publish({ type: "deleted", id, camera_id: session.camera_id });
    return {
      result: {
        message: `Recording of "${session.camera_name}" deleted`,
        id,
        deleted_segments: deleted,
      },
      session,
    };
  }

  // --- footage ---

  /**
   * The whole session as one MP4, joined on its node, streamed with Range.
   * `web`: HEVC footage as an H.264 rendition made on the node — 202
   * `{state, progress, retry_after_ms}` until it is ready.
   */
  async download(
    p: Principal,
    id: string,
    req: Request,
    format: FootageFormat = "original",
  ): Promise<Response> {
    const session = await this.#session(p, id);
    const segments = await db.segmentsOf(this.deps.sql, id);
    if (segments.length === 0) {
      throw new AppError(
        "not_found",
        `Recording "${id}" has no footage${
          session.status === "recording"
            ? " yet: its first segment is still being written"
            : ""
        }`,
      );
    }
    const name = safeFileName(session.camera_name, session.started_at);
    return await this.#stream(segments, req, "attachment", name, format);
  }

  /** Footage of a camera between two times (≤ 24 h), streamed inline. */
  async playback(
    p: Principal,
    cameraId: string,
    startRaw: string | undefined,
    endRaw: string | undefined,
    req: Request,
    format: FootageFormat = "original",
  ): Promise<Response> {
    const cam = await this.#camera(p, "recording.read", cameraId);
    const { start, end } = parseRange(startRaw, endRaw);
    const segments = await db.segmentsInRange(
      this.deps.sql,
      cam.id,
      start,
      end,
    );
    if (segments.length === 0) {
      throw new AppError(
        "not_found",
        `Camera "${cam.name}" has no footage between ${start.toISOString()} and ${end.toISOString()}`,
      );
    }
    return await this.#stream(
      segments,
      req,
      "inline",
      safeFileName(cam.name, start),
      format,
    );
  }

  async #stream(
    segments: db.SegmentRow[],
    req: Request,
    disposition: "attachment" | "inline",
    fileName: string,
    format: FootageFormat,
  ): Promise<Response> {
    const nodes = [...new Set(segments.map((s) => s.node_name))];
    if (nodes.length > 1) {
      throw new AppError(
        "conflict",
        `This footage lies on several nodes (${
          nodes.join(", ")
        }); ask for a range recorded on one node`,
      );
    }
    if (segments.length > MAX_JOIN_SEGMENTS) {
      throw new AppError(
        "invalid_input",
        `This footage has ${segments.length} segments; at most ${MAX_JOIN_SEGMENTS} are joined at once — use /api/cameras/{id}/playback with a shorter range`,
      );
    }
    const target = await this.#target(
      nodes[0],
      "the footage cannot be read now",
    );
    const paths = segments.map((s) => s.path);
    const rawRange = req.headers.get("range");
    const range =
      rawRange && rawRange.length <= 200 && /^bytes=[\d\s,-]+$/.test(rawRange)
        ? rawRange
        : null;
    let upstream: Response;
    const web = format === "web" &&
      segments.some((s) => isHevc(s.video_codec));
    if (web) {
      const durationMs = segments.reduce((n, s) => n + s.duration_ms, 0);
      const r = await target.requestRendition(paths, durationMs, {
        signal: req.signal,
      });
      if (r.state === "working") {
        return Response.json({
          state: "working",
          progress: r.progress ?? null,
          retry_after_ms: RENDITION_RETRY_MS,
          ...(r.queue_position !== undefined
            ? { queue_position: r.queue_position }
            : {}),
          message:
            "This footage is HEVC; its node is converting it to H.264 for the browser. Ask again in a moment.",
        }, {
          status: 202,
          headers: {
            "retry-after": String(Math.ceil(RENDITION_RETRY_MS / 1000)),
            "cache-control": "no-store",
          },
        });
      }
      if (r.state === "failed") {
        throw new AppError(
          "upstream_failed",
          `Node "${target.node}" could not convert this HEVC footage to H.264: ${
            r.error ?? "unknown error"
          }`,
        );
      }
      upstream = await target.openRendition(r.id, range, {
        signal: req.signal,
      });
    } else {
      const joined = await target.join(paths, { signal: req.signal });
      upstream = await target.openJoined(joined.id, range, {
        signal: req.signal,
      });
    }
    const headers = new Headers({
      "content-type": "video/mp4",
      "accept-ranges": "bytes",
      "cache-control": "private, no-store",
      "content-disposition": `${disposition}; filename="${fileName}"`,
      "x-recording-start": segments[0].start_at.toISOString(),
      "x-recording-end": segments[segments.length - 1].end_at.toISOString(),
    });
    if (web) headers.set("x-rendition", "h264");
    for (
      const h of ["content-length", "content-range", "etag", "last-modified"]
    ) {
      const v = upstream.headers.get(h);
      if (v) headers.set(h, v);
    }
    return new Response(upstream.status === 416 ? null : upstream.body, {
      status: upstream.status,
      headers,
    });
  }

  // --- node events ---

  /**
   * Applies a batch of node events, each exactly once: the event id is
   * recorded in the same transaction as its effect, so a repeated id is
   * acknowledged without effect. An event that fails to apply is not acked
   * (the node sends it again); the others still are.
   */
  async applyEvents(
    p: Principal,
    node: string,
    body: unknown,
  ): Promise<{ acked: string[]; refused: { id: string; reason: string }[] }> {
    authorize(p, "node.report", { node });
    const parsed = eventsBodySchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const acked: string[] = [];
    const refused: { id: string; reason: string }[] = [];
    for (const ev of parsed.data.events) {
      const publish: RecordingEvent[] = [];
      let applied = false;
      try {
        let refusal: string | null = null;
        await this.deps.sql.begin(async (tx) => {
          refusal = await refusalOf(tx as unknown as Sql, node, ev);
          if (refusal) return;
          if (!(await db.markApplied(tx, ev.id, node))) return;
          await this.#apply(tx as unknown as Sql, node, ev, publish);
          applied = true;
        });
        if (refusal) {
          // Acked all the same: no retry could make it acceptable, and the
          // outbox must not hold it forever. Nothing was changed.
          log.warn("node event refused", {
            node,
            event: ev.id,
            type: ev.type,
            reason: refusal,
          });
          refused.push({ id: ev.id, reason: refusal });
        }
        acked.push(ev.id);
        if (applied) this.deps.onApplied?.(ev);
        for (const p of publish) this.#publish(p);
      } catch (e) {
        log.error("node event not applied", {
          node,
          event: ev.id,
          type: ev.type,
          error: errorMessage(e),
        });
      }
    }
    return { acked, refused };
  }

  async #apply(
    tx: Sql,
    node: string,
    ev: ValidNodeEvent,
    publish: RecordingEvent[],
  ): Promise<void> {
    switch (ev.type) {
      case "segment.closed": {
        const start = new Date(ev.start_at);
        const end = new Date(ev.end_at);
        const camera = await getCamera(tx, ev.camera_id);
        let session = await db.getSession(tx, ev.session_id);
        if (!session) {
          // Footage the controller has no session for (its database was restored,
          // or the session was deleted while a segment was still being written):
          // keep it visible rather than dropping it.
          session = await db.insertSession(tx, {
            id: ev.session_id,
            camera_id: camera?.id ?? null,
            camera_name: camera?.name ?? `camera ${ev.camera_id}`,
            node_name: node,
            kind: camera?.recording_mode === "continuous"
              ? "continuous"
              : "manual",
            status: "interrupted",
            started_at: start,
            ended_at: end,
            error_message:
              "the controller had no record of this recording when its footage arrived",
          });
          if (session) {
            publish.push({ type: "started", recording: sessionJson(session) });
          }
        } else if (session.status !== "recording") {
          await db.coverSegment(tx, session.id, start, end);
        }
        await db.upsertSegment(tx, {
          session_id: ev.session_id,
          camera_id: camera?.id ?? ev.camera_id,
          node_name: node,
          path: ev.path,
          start_at: start,
          end_at: end,
          duration_ms: ev.duration_ms,
          size_bytes: ev.size_bytes,
          video_codec: ev.video_codec,
          audio_codec: ev.audio_codec,
          recovered: ev.recovered,
        });
        await tx`update recording_sessions set updated_at = now() where id = ${ev.session_id}`;
        // With its new totals: pages show the footage (duration, size, Play)
        // as it closes, the last segment a second or so after a Stop.
        const stats = await db.getSessionWithStats(tx, ev.session_id);
        if (stats) {
          publish.push({ type: "updated", recording: recordingJson(stats) });
        }
        return;
      }
      case "segment.deleted": {
        const sessionId = await db.deleteSegmentByPath(tx, node, ev.path);
        if (sessionId && (await db.expireIfEmpty(tx, sessionId))) {
          const s = await db.getSession(tx, sessionId);
          if (s) publish.push({ type: "updated", recording: sessionJson(s) });
        }
        return;
      }
      case "recording.failed": {
        const error = redactText(ev.error).slice(0, 2000);
        const s = UUID.test(ev.session_id)
          ? await db.updateSession(tx, ev.session_id, { error_message: error })
          : null;
        publish.push({
          type: "failed",
          id: ev.session_id,
          camera_id: s?.camera_id ??
            (UUID.test(ev.camera_id) ? ev.camera_id : null),
          error,
          at: new Date(ev.at).toISOString(),
        });
        return;
      }
    }
  }

  /** Recorded spans of one UTC day of a camera `p` may see (merged in SQL). */
  async timeline(
    p: Principal,
    cameraId: string,
    day: string | undefined,
  ): Promise<Awaited<ReturnType<typeof cameraTimeline>>> {
    const cam = await this.#camera(p, "recording.read", cameraId);
    return await cameraTimeline(this.deps.sql, cam.id, day);
  }

  // --- helpers ---

  /** The camera's row once the policy allowed `action` on it: 403 (role) / 404 / 403 (grant). */
  async #camera(
    p: Principal,
    action: "recording.start" | "recording.stop" | "recording.read",
    cameraId: string,
  ): Promise<CameraRow> {
    precheck(p, action);
    const cam = await this.deps.cameras.row(cameraId);
    authorize(p, action, { cameraId: cam.id, what: `camera "${cameraId}"` });
    return cam;
  }

  /** The session's row once `p` may read it (404, then 403). */
  async #session(p: Principal, id: string): Promise<db.SessionRow> {
    const row = await this.row(id);
    authorize(p, "recording.read", {
      cameraId: row.camera_id,
      what: `recording "${row.id}"`,
    });
    return row;
  }

  /** The online node, or 503 naming it and what that means. */
  #target(node: string, consequence: string): Promise<NodeLink> {
    return this.deps.client.online(node, {
      consequence: `${consequence}. Try again when it is back.`,
    });
  }

  async #nodesOf(id: string): Promise<string[]> {
    const rows = await this.deps.sql<{ node_name: string }[]>`
      select distinct node_name from recording_segments where session_id = ${id}`;
    return rows.map((r) => r.node_name);
  }

  #publish(data: RecordingEvent) {
    this.deps.bus.publish({ kind: "recording", data });
  }
}

/**
 * Why `node` may not report this event, or null when it may (finding #6 of
 * issue 11): footage and failures only of recordings made on that node, or
 * of cameras assigned to it. `segment.deleted` only ever touches the
 * reporting node's own rows (deleteSegmentByPath is keyed by node).
 */
async function refusalOf(
  tx: Sql,
  node: string,
  ev: ValidNodeEvent,
): Promise<string | null> {
  if (ev.type === "segment.deleted") return null;
  const session = UUID.test(ev.session_id)
    ? await db.getSession(tx, ev.session_id)
    : null;
  if (session?.node_name === node) return null;
  const camera = UUID.test(ev.camera_id)
    ? await getCamera(tx, ev.camera_id)
    : null;
  if (camera?.assigned_node === node) return null;
  // Footage of a camera and recording the controller no longer knows (a
  // restored database) is kept, under this node's name.
  if (!session && !camera) return null;
  return `camera ${ev.camera_id} and recording ${ev.session_id} are not on node "${node}"`;
}
