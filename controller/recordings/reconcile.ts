/**
 * The recordings reconcile job: every 2 minutes, on demand
 * (POST /api/recordings/reconcile) and when a camera is deleted.
 *
 * 1. Sessions still `recording` whose camera is gone → `interrupted`.
 * 2. Sessions still `recording` on a node offline for longer than
 *    `lostNodeMs` (10 min) → `interrupted`.
 * 3. Open continuous sessions begun before today (UTC) → `completed`; the
 *    node's next desired state opens today's.
 * 4. Applied-event ids older than 30 days are forgotten (the node deletes an
 *    event once acked, so no retry can come that late).
 * 5. Every online node: `GET /v1/storage` (free/total bytes, and the
 *    per-camera counts compared with the rows as `drift`), then the disk
 *    itself, one camera at a time (`#files`) — every camera in an on-demand
 *    pass and once an hour (`fullEveryMs`), else only the cameras whose
 *    counts differ:
 *    - the camera's segment rows on that node are read first, then the
 *      node's listing of the camera's closed segments (`GET
 *      /v1/recordings/list`, pages of ≤ 5000, one pass); the two path sets
 *      are compared in memory;
 *    - a row whose file the node did not list is deleted (in batches), and a
 *      finished session left without segments becomes `expired`, as a
 *      `segment.deleted` event would do. Reading the rows *before* the
 *      listing makes this safe against a segment closing meanwhile: a node
 *      reports a segment only after its file is in place, so a row read
 *      before the listing began has a file the listing shows unless it was
 *      deleted;
 *    - a file without a row is reported, and — when its camera still exists
 *      and the file is older than `adoptAfterMs` (its `segment.closed` event
 *      may still be on its way) — inserted as a segment: into the session
 *      whose id begins with the file's session tag (the first 8 characters
 *      of the id, in the file name) if the controller has it, else into a
 *      new `interrupted` session per camera and tag whose id begins with
 *      that tag (so `keep` protects its files on the node). Nothing is
 *      probed: the start comes from the file name (to the second), the end
 *      is estimated from the next file's start or the file's mtime (see
 *      `estimateEnds`), and the codec is borrowed from the nearest known
 *      segment of the camera ("unknown" when there is none);
 *    - a node that lists no recordings at all while the controller knows
 *      segments on it (a disk not mounted?) has its rows kept, and says so.
 *    Running it twice changes nothing the second time.
 */
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { getCamera } from "../db/cameras.ts";
import type { Sql } from "../db/client.ts";
import { listNodes } from "../db/nodes.ts";
import * as db from "../db/recordings.ts";
import type { EventBus, RecordingEvent } from "../events/bus.ts";
import {
  listCameraFiles,
  type NodeFile,
  type NodeStorage,
  type NodeTarget,
  storageOf,
} from "./node_files.ts";
import { UUID } from "./schema.ts";
import type { RecordingNodes } from "./service.ts";
import { sessionJson } from "./view.ts";

const log = logger("recordings-reconcile");

export interface ReconcileOptions {
  /** @default 120000 */
  intervalMs?: number;
  /** A node offline for longer than this loses its open sessions. @default 600000 */
  lostNodeMs?: number;
  /** Applied-event ids older than this many days are pruned. @default 30 */
  keepEventsDays?: number;
  /**
   * A file on a node without a row is adopted only once its mtime is older
   * than this: its `segment.closed` event may still be in the node's outbox.
   * @default 600000
   */
  adoptAfterMs?: number;
  /**
   * The timer's passes list only cameras whose segment counts differ from
   * the rows', and every camera of a node once this long has passed since
   * its last full comparison. @default 3600000
   */
  fullEveryMs?: number;
}

export interface StorageDrift {
  camera_id: string;
  node_segments: number;
  node_bytes: number;
  known_segments: number;
  known_bytes: number;
}

/** Paths given as examples in a report, per camera and kind. */
export const REPORT_PATHS = 20;

/** One camera's files on one node against its rows (only cameras with a difference are reported). */
export interface CameraFilesReport {
  camera_id: string;
  /** False when the camera was deleted (or the folder is no camera id): its files are reported, never adopted. */
  camera_exists: boolean;
  /** Closed segments the node listed. */
  node_files: number;
  /** Segment rows of the camera on that node, before this pass. */
  known_segments: number;
  /** Rows whose file the node did not list. */
  missing: number;
  /** Of those, rows deleted now (0 when deletes were withheld). */
  deleted_rows: number;
  /** Sessions that lost their last segment and became `expired`. */
  expired_sessions: string[];
  /** Files without a row. */
  untracked: number;
  untracked_bytes: number;
  /** Of those, inserted as segments now. */
  adopted: number;
  /** Untracked files younger than `adoptAfterMs`, left for their event. */
  too_recent: number;
  /** Untracked files whose name is not a segment name (never adopted). */
  bad_names: number;
  /** Sessions that received adopted files. */
  sessions: { id: string; created: boolean; segments: number }[];
  /** Adopted segments whose end (and duration) is an estimate. */
  estimated_durations: number;
  /** Adopted segments whose duration is unknown: `duration_ms` 0, end = start. */
  unknown_durations: number;
  /** Up to REPORT_PATHS examples of each. */
  missing_paths: string[];
  untracked_paths: string[];
}

/** The disk of one node against the rows. */
export interface NodeFilesReport {
  /** True when every camera was listed; false for a timer pass that listed only cameras with `drift`. */
  full: boolean;
  /** Cameras not listed in this pass (their counts agreed). */
  skipped_cameras: number;
  /** Files listed, over all cameras. */
  listed: number;
  /** Rows compared, over all cameras. */
  known: number;
  missing: number;
  deleted_rows: number;
  untracked: number;
  adopted: number;
  /** Why rows of missing files were kept, when they were. */
  deletes_withheld?: string;
  cameras: CameraFilesReport[];
}

export interface ReconcileReport {
  at: string;
  interrupted: { id: string; reason: string }[];
  rotated: string[];
  pruned_events: number;
  nodes: {
    node: string;
    ok: boolean;
    error?: string;
    free_bytes?: number;
    total_bytes?: number;
    /** Per-camera counts from `/v1/storage` against the rows, before any repair. */
    drift: StorageDrift[];
    /**
     * The file-by-file comparison; null when the node agent offers no
     * listing (an older version): then only `drift` is known.
     */
    files?: NodeFilesReport | null;
  }[];
}

/** Rows per DELETE / INSERT / lookup statement. */
const BATCH = 1000;

/** An end estimated from a neighbour is trusted only this far after the start. */
export const MAX_ESTIMATED_MS = 15 * 60_000;

const SEGMENT_NAME =
  /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z_([A-Za-z0-9]{1,8})(?:-\d{1,4})?\.mp4$/;

/** What a listed segment path says: start (from the name) and session tag; null for another shape. */
export function parseSegmentName(
  path: string,
): { cameraId: string; startMs: number; tag: string } | null {
  const parts = path.split("/");
  if (parts.length !== 3) return null;
  const m = SEGMENT_NAME.exec(parts[2]);
  if (!m || parts[1] !== `${m[1]}-${m[2]}-${m[3]}`) return null;
  const startMs = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (
    !Number.isFinite(startMs) ||
    new Date(startMs).toISOString().slice(0, 10) !== parts[1]
  ) return null;
  return { cameraId: parts[0], startMs, tag: m[7] };
}

/**
 * Ends of segments known only by their files (one session tag, sorted by
 * start): the next file's start, or the file's mtime when it comes earlier
 * (a gap follows), each only when it lies after the start and within
 * MAX_ESTIMATED_MS of it. Null: unknown (duration 0).
 */
export function estimateEnds(
  files: { startMs: number; mtimeMs: number }[],
): (number | null)[] {
  return files.map((f, i) => {
    const ok = (t: number | undefined) =>
      t !== undefined && t > f.startMs && t - f.startMs <= MAX_ESTIMATED_MS;
    let next: number | undefined;
    for (let j = i + 1; j < files.length && next === undefined; j++) {
      if (files[j].startMs > f.startMs) next = files[j].startMs;
    }
    const byNext = ok(next) ? next! : null;
    const byMtime = ok(f.mtimeMs) ? f.mtimeMs : null;
    if (byNext !== null && byMtime !== null) return Math.min(byNext, byMtime);
    return byNext ?? byMtime;
  });
}

interface KnownRow {
  id: number;
  session_id: string;
  path: string;
  video_codec: string;
  audio_codec: string | null;
}

export class RecordingReconciler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<ReconcileReport> | null = null;
  #runningFull = false;
  /** When each node's files were last compared camera by camera, ms. */
  #lastFull = new Map<string, number>();
  #ac = new AbortController();
  #opts: Required<ReconcileOptions>;

  constructor(
    private deps: {
      sql: Sql;
      bus: EventBus;
      nodes: RecordingNodes;
    },
    opts: ReconcileOptions = {},
  ) {
    this.#opts = {
      intervalMs: 120_000,
      lostNodeMs: 600_000,
      keepEventsDays: 30,
      adoptAfterMs: 600_000,
      fullEveryMs: 3_600_000,
      ...opts,
    };
  }

  /** Runs every interval, and at once when a camera is deleted. */
  start(): void {
    this.#timer = setInterval(() => this.#background(), this.#opts.intervalMs);
    const sub = this.deps.bus.subscribe();
    const signal = this.#ac.signal;
    (async () => {
      while (!signal.aborted) {
        const ev = await sub.next(signal);
        if (!ev) break;
        if (ev.kind === "camera" && ev.data.type === "deleted") {
          this.#background();
        }
      }
      sub.close();
    })();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#ac.abort();
  }

  #background() {
    this.run({ full: false }).catch((e) =>
      log.error("reconcile failed", { error: errorMessage(e) })
    );
  }

  /**
   * One pass; concurrent callers share the pass in progress. `full` (the
   * default, and what POST /api/recordings/reconcile runs) lists every
   * camera of every online node; the timer's passes list only the cameras
   * whose counts differ (`drift`), and every camera once `fullEveryMs` has
   * passed since the node's last full comparison.
   */
  run(opts: { full?: boolean } = {}): Promise<ReconcileReport> {
    const full = opts.full ?? true;
    const current = this.#running;
    if (current && (this.#runningFull || !full)) return current;
    const next = (current ? current.catch(() => {}) : Promise.resolve())
      .then(() => this.#pass(full));
    this.#running = next;
    this.#runningFull = full;
    next.finally(() => {
      if (this.#running === next) this.#running = null;
    }).catch(() => {});
    return next;
  }

  async #pass(full: boolean): Promise<ReconcileReport> {
    const { sql } = this.deps;
    const report: ReconcileReport = {
      at: new Date().toISOString(),
      interrupted: [],
      rotated: [],
      pruned_events: 0,
      nodes: [],
    };
    const wake = new Set<string>();
    const end = async (
      s: db.SessionRow,
      status: "interrupted" | "completed",
      reason?: string,
    ) => {
      const row = await db.endSession(sql, s.id, status, reason);
      if (!row) return false;
      if (row.node_name) wake.add(row.node_name);
      this.deps.bus.publish({
        kind: "recording",
        data: { type: "ended", recording: sessionJson(row) },
      });
      return true;
    };

    for (const s of await db.orphanedOpenSessions(sql)) {
      if (await end(s, "interrupted", "the camera was deleted")) {
        report.interrupted.push({ id: s.id, reason: "camera deleted" });
      }
    }
    for (
      const s of await db.openSessionsOnLostNodes(sql, this.#opts.lostNodeMs)
    ) {
      const minutes = Math.round(this.#opts.lostNodeMs / 60_000);
      const reason =
        `node "${s.node_name}" was offline for more than ${minutes} min`;
      if (await end(s, "interrupted", reason)) {
        report.interrupted.push({ id: s.id, reason });
      }
    }
    for (const s of await db.continuousSessionsToRotate(sql)) {
      if (await end(s, "completed")) report.rotated.push(s.id);
    }
    report.pruned_events = await db.pruneAppliedEvents(
      sql,
      this.#opts.keepEventsDays,
    );
    for (const n of wake) this.deps.nodes.changed(n);

    for (const node of await listNodes(sql)) {
      if (node.status !== "online") continue;
      const target: NodeTarget | null = await this.deps.nodes.target(
        node.name,
      );
      if (!target) continue;
      const entry: ReconcileReport["nodes"][number] = {
        node: node.name,
        ok: true,
        drift: [],
      };
      report.nodes.push(entry);
      try {
        const storage = await storageOf(target);
        entry.free_bytes = storage.free_bytes;
        entry.total_bytes = storage.total_bytes;
        const known = await db.usageOnNode(sql, node.name);
        entry.drift = driftOf(storage, known);
        if (entry.drift.length) {
          log.warn(
            "node storage differs from the segments the controller knows",
            { node: node.name, cameras: entry.drift.length },
          );
        }
        const last = this.#lastFull.get(node.name) ?? 0;
        const everything = full || Date.now() - last >= this.#opts.fullEveryMs;
        const started = Date.now();
        entry.files = await this.#files(
          target,
          storage,
          known,
          everything ? null : new Set(entry.drift.map((d) => d.camera_id)),
        );
        if (everything) this.#lastFull.set(node.name, started);
      } catch (e) {
        entry.ok = false;
        entry.error = e instanceof AppError ? e.message : errorMessage(e);
      }
    }
    return report;
  }

  /**
   * The node's disk against the rows, camera by camera (module comment,
   * step 5). Null when the node offers no listing.
   */
  async #files(
    t: NodeTarget,
    storage: NodeStorage,
    known: Map<string, { segments: number; bytes: number }>,
    only: Set<string> | null,
  ): Promise<NodeFilesReport | null> {
    const out: NodeFilesReport = {
      full: only === null,
      skipped_cameras: 0,
      listed: 0,
      known: 0,
      missing: 0,
      deleted_rows: 0,
      untracked: 0,
      adopted: 0,
      cameras: [],
    };
    const knownTotal = [...known.values()].reduce((n, k) => n + k.segments, 0);
    const nodeTotal = storage.cameras.reduce(
      (n, c) => n + (Number(c.segments) || 0),
      0,
    );
    if (nodeTotal === 0 && knownTotal > 0) {
      out.deletes_withheld =
        `the node lists no recordings at all while the controller knows ${knownTotal} segments on it (a disk not mounted?); their rows are kept`;
      log.error("node lists no recordings; rows kept", {
        node: t.node,
        known: knownTotal,
      });
    }
    const cameras = [
      ...new Set([...storage.cameras.map((c) => c.camera_id), ...known.keys()]),
    ].filter((c) => typeof c === "string" && c.length > 0).sort();
    for (const cameraId of cameras) {
      if (only && !only.has(cameraId)) {
        out.skipped_cameras++;
        continue;
      }
      // Rows first, then the listing: see the module comment.
      const rows = await this.#rowsOf(t.node, cameraId);
      const files = await listCameraFiles(t, cameraId);
      if (files === null) return null;
      const cam = await this.#camera(t, cameraId, rows, files, {
        withholdDeletes: out.deletes_withheld !== undefined,
      });
      out.listed += files.length;
      out.known += rows.length;
      out.missing += cam.missing;
      out.deleted_rows += cam.deleted_rows;
      out.untracked += cam.untracked;
      out.adopted += cam.adopted;
      if (cam.missing || cam.untracked) out.cameras.push(cam);
    }
    if (out.missing || out.untracked) {
      log.warn("node files and segment rows differed", {
        node: t.node,
        missing: out.missing,
        deleted_rows: out.deleted_rows,
        untracked: out.untracked,
        adopted: out.adopted,
      });
    }
    return out;
  }

  /** Segment rows of one camera on one node, sorted by path. */
  async #rowsOf(node: string, cameraId: string): Promise<KnownRow[]> {
    // Segment rows carry a camera uuid; a folder that is none has no rows.
    if (!UUID.test(cameraId)) return [];
    const rows = await this.deps.sql<KnownRow[]>`
      select id::float8 as id, session_id, path, video_codec, audio_codec
      from recording_segments
      where camera_id = ${cameraId} and node_name = ${node}`;
    const prefix = `${cameraId}/`;
    return rows.filter((r) => r.path.startsWith(prefix))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async #camera(
    t: NodeTarget,
    cameraId: string,
    rows: KnownRow[],
    files: NodeFile[],
    o: { withholdDeletes: boolean },
  ): Promise<CameraFilesReport> {
    const { sql } = this.deps;
    const onDisk = new Set(files.map((f) => f.path));
    const inRows = new Set(rows.map((r) => r.path));
    const missing = rows.filter((r) => !onDisk.has(r.path));
    let untracked = files.filter((f) => !inRows.has(f.path));
    const report: CameraFilesReport = {
      camera_id: cameraId,
      camera_exists: false,
      node_files: files.length,
      known_segments: rows.length,
      missing: missing.length,
      deleted_rows: 0,
      expired_sessions: [],
      untracked: 0,
      untracked_bytes: 0,
      adopted: 0,
      too_recent: 0,
      bad_names: 0,
      sessions: [],
      estimated_durations: 0,
      unknown_durations: 0,
      missing_paths: missing.slice(0, REPORT_PATHS).map((r) => r.path),
      untracked_paths: [],
    };

    // Rows of files that are gone.
    if (missing.length && !o.withholdDeletes) {
      const touched = new Set<string>();
      for (let i = 0; i < missing.length; i += BATCH) {
        const ids = missing.slice(i, i + BATCH).map((r) => String(r.id));
        const gone = await sql<{ session_id: string }[]>`
          delete from recording_segments where id = any(${
          sql.array(ids)
        }::bigint[])
          returning session_id`;
        report.deleted_rows += gone.length;
        for (const g of gone) touched.add(g.session_id);
      }
      const sessions = [...touched];
      for (let i = 0; i < sessions.length; i += BATCH) {
        const expired = await sql<db.SessionRow[]>`
          update recording_sessions s set status = 'expired',
            ended_at = coalesce(s.ended_at, greatest(s.started_at, now())),
            updated_at = now()
          where s.id = any(${sql.array(sessions.slice(i, i + BATCH))}::uuid[])
            and s.status not in ('recording', 'expired')
            and not exists (select 1 from recording_segments g where g.session_id = s.id)
          returning s.*`;
        for (const row of expired) {
          report.expired_sessions.push(row.id);
          this.#publish({ type: "updated", recording: sessionJson(row) });
        }
      }
    }

    // Files without a row: an event may have landed since the rows were read.
    if (untracked.length) {
      const landed = new Set<string>();
      for (let i = 0; i < untracked.length; i += BATCH) {
        const paths = untracked.slice(i, i + BATCH).map((f) => f.path);
        const found = await sql<{ path: string }[]>`
          select path from recording_segments
          where node_name = ${t.node} and path = any(${
          sql.array(paths)
        }::text[])`;
        for (const f of found) landed.add(f.path);
      }
      untracked = untracked.filter((f) => !landed.has(f.path));
    }
    report.untracked = untracked.length;
    report.untracked_bytes = untracked.reduce((n, f) => n + f.size_bytes, 0);
    report.untracked_paths = untracked.slice(0, REPORT_PATHS).map((f) =>
      f.path
    );
    const camera = UUID.test(cameraId) ? await getCamera(sql, cameraId) : null;
    report.camera_exists = camera !== null;
    if (!camera || untracked.length === 0) return report;

    // Adopt what is old enough, one session tag at a time.
    const cutoff = Date.now() - this.#opts.adoptAfterMs;
    const byTag = new Map<
      string,
      { path: string; startMs: number; mtimeMs: number; size: number }[]
    >();
    for (const f of untracked) {
      const info = parseSegmentName(f.path);
      if (!info || info.cameraId !== cameraId) {
        report.bad_names++;
        continue;
      }
      if (f.mtime_ms > cutoff) {
        report.too_recent++;
        continue;
      }
      const list = byTag.get(info.tag) ?? [];
      list.push({
        path: f.path,
        startMs: info.startMs,
        mtimeMs: f.mtime_ms,
        size: f.size_bytes,
      });
      byTag.set(info.tag, list);
    }
    for (const [tag, group] of byTag) {
      group.sort((a, b) => a.startMs - b.startMs || (a.path < b.path ? -1 : 1));
      const ends = estimateEnds(group);
      const segs = group.map((g, i) => {
        const codec = nearestCodec(rows, g.path);
        const end = ends[i] ?? g.startMs;
        if (ends[i] === null) report.unknown_durations++;
        else report.estimated_durations++;
        return {
          path: g.path,
          start_at: new Date(g.startMs),
          end_at: new Date(end),
          duration_ms: end - g.startMs,
          size_bytes: g.size,
          video_codec: codec.video,
          audio_codec: codec.audio,
        };
      });
      const adopted = await this.#adopt(t.node, camera, tag, segs);
      report.adopted += adopted.segments;
      report.sessions.push(adopted);
    }
    return report;
  }

  /**
   * Inserts the segments of one session tag, in one transaction: into the
   * camera's session whose id begins with the tag, else into a new
   * `interrupted` session whose id begins with it (when the tag can begin a
   * uuid). Files that gained a row meanwhile are left to it.
   */
  async #adopt(
    node: string,
    camera: { id: string; name: string; recording_mode: string },
    tag: string,
    segs: {
      path: string;
      start_at: Date;
      end_at: Date;
      duration_ms: number;
      size_bytes: number;
      video_codec: string;
      audio_codec: string | null;
    }[],
  ): Promise<{ id: string; created: boolean; segments: number }> {
    const start = segs.reduce(
      (m, s) => (s.start_at < m ? s.start_at : m),
      segs[0].start_at,
    );
    const end = segs.reduce(
      (m, s) => (s.end_at > m ? s.end_at : m),
      segs[0].end_at,
    );
    const publish: RecordingEvent[] = [];
    const result = await this.deps.sql.begin(async (tx) => {
      const q = tx as unknown as Sql;
      const hex = /^[0-9a-f]{8}$/.test(tag);
      const [existing] = hex
        ? await q<db.SessionRow[]>`
            select * from recording_sessions
            where camera_id = ${camera.id} and left(id::text, 8) = ${tag}
            order by started_at desc limit 1`
        : [];
      let session: db.SessionRow | null = existing ?? null;
      let created = false;
      if (!session) {
        session = await db.insertSession(q, {
          id: hex ? tag + crypto.randomUUID().slice(8) : crypto.randomUUID(),
          camera_id: camera.id,
          camera_name: camera.name,
          node_name: node,
          kind: camera.recording_mode === "continuous"
            ? "continuous"
            : "manual",
          status: "interrupted",
          started_at: start,
          ended_at: end,
          error_message:
            `footage found on node "${node}" that the controller had no record of, adopted by the reconcile job; segment times come from the file names and durations are estimates`,
        });
        if (!session) throw new Error("the adopted session was not inserted");
        created = true;
      }
      let inserted = 0;
      for (let i = 0; i < segs.length; i += BATCH) {
        const rows = segs.slice(i, i + BATCH).map((s) => ({
          session_id: session!.id,
          camera_id: camera.id,
          node_name: node,
          path: s.path,
          start_at: s.start_at,
          end_at: s.end_at,
          duration_ms: Math.round(s.duration_ms),
          size_bytes: Math.round(s.size_bytes),
          video_codec: s.video_codec,
          audio_codec: s.audio_codec,
          recovered: false,
        }));
        const done = await q`
          insert into recording_segments ${
          q(
            rows,
            "session_id",
            "camera_id",
            "node_name",
            "path",
            "start_at",
            "end_at",
            "duration_ms",
            "size_bytes",
            "video_codec",
            "audio_codec",
            "recovered",
          )
        }
          on conflict (node_name, path) do nothing returning id`;
        inserted += done.length;
      }
      if (!created && inserted > 0 && session.status !== "recording") {
        await db.coverSegment(q, session.id, start, end);
      }
      const row = await db.getSession(q, session.id);
      if (row && (created || inserted > 0)) {
        publish.push({
          type: created ? "started" : "updated",
          recording: sessionJson(row),
        });
      }
      return { id: session.id, created, segments: inserted };
    });
    for (const p of publish) this.#publish(p);
    return result;
  }

  #publish(data: RecordingEvent) {
    this.deps.bus.publish({ kind: "recording", data });
  }
}

/** Per-camera counts of `/v1/storage` against the rows' counts. */
function driftOf(
  storage: NodeStorage,
  known: Map<string, { segments: number; bytes: number }>,
): StorageDrift[] {
  const drift: StorageDrift[] = [];
  const ids = new Set([
    ...known.keys(),
    ...storage.cameras.map((c) => c.camera_id),
  ]);
  for (const id of ids) {
    const k = known.get(id) ?? { segments: 0, bytes: 0 };
    const r = storage.cameras.find((c) => c.camera_id === id) ??
      { segments: 0, bytes: 0 };
    if (k.segments !== r.segments) {
      drift.push({
        camera_id: id,
        node_segments: r.segments,
        node_bytes: r.bytes,
        known_segments: k.segments,
        known_bytes: k.bytes,
      });
    }
  }
  return drift;
}

/**
 * Codecs of the known segment nearest to `path` in path (= time) order:
 * adopted files are not probed, and a camera keeps its codec for long.
 */
function nearestCodec(
  rows: KnownRow[],
  path: string,
): { video: string; audio: string | null } {
  if (rows.length === 0) return { video: "unknown", audio: null };
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].path < path) lo = mid + 1;
    else hi = mid;
  }
  const r = rows[Math.max(0, lo - 1)];
  return { video: r.video_codec, audio: r.audio_codec };
}
