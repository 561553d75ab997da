/**
 * Recordings over HTTP (docs/guide/recordings.md).
 *
 * Mounted at /api/recordings:
 *   GET    /                 ?camera_id&status&start&end&limit=50&offset=0 → {recordings, total, limit, offset}
 *   GET    /{id}             one recording with its segments
 *   PATCH  /{id}             {keep: boolean} (admin)
 *   DELETE /{id}             deletes the files on the node, then the rows (admin)
 *   GET    /{id}/download    the recording as one MP4 (attachment, Range);
 *                            ?format=web: H.264 for browsers (HEVC is converted on the node:
 *                            202 {state, progress, retry_after_ms} until ready)
 *   POST   /reconcile        runs the reconcile job now → its report (admin)
 * Mounted at /api/cameras:
 *   POST   /{id}/recording/start   (admin) → session
 *   POST   /{id}/recording/stop    (admin) → session
 *   GET    /{id}/recording/status  → {recording, session?, mode}
 *   GET    /{id}/playback?start&end[&format=web]  footage of a time range (inline MP4, Range)
 *   GET    /{id}/timeline?day=YYYY-MM-DD  recorded spans of one UTC day (merged in SQL)
 *
 * Playback and download make the node join segments with ffmpeg: a user may
 * have FALCON_FOOTAGE_JOBS_PER_USER (2) of them being prepared at once (429
 * naming the limit); the node's own queue may answer 429 too (Retry-After).
 *
 * Viewers read the recordings of the cameras granted to them (403 otherwise,
 * and recordings of deleted cameras are admin-only); only admins change
 * anything, and every change is audited.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import type { AuthService } from "../../auth/service.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { Sql } from "../../db/client.ts";
import type {
  RecordingReconciler,
  RecordingService,
} from "../../recordings/mod.ts";
import { parseListQuery } from "../../recordings/mod.ts";
import { parseFormat } from "../../recordings/service.ts";
import { cameraTimeline } from "../../recordings/timeline.ts";
import { FootageLimiter } from "../../recordings/limits.ts";
import { actorOf, type AuthEnv, requireRole } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export interface RecordingsApiDeps {
  recordings: RecordingService;
  reconciler?: RecordingReconciler;
  cameras: CameraService;
  auth: AuthService;
  audit: AuditLog;
  trustProxy: boolean;
  /** The database, for the timeline (spans are merged in SQL). */
  sql?: Sql;
  /** Per-user limit of footage joins (playback and download). @default 2 per user */
  footage?: FootageLimiter;
}

/**
 * Runs a footage request (playback/download) in one of the caller's slots:
 * 429 naming the limit when they are all taken. The slot is held until the
 * node's answer starts streaming.
 */
async function withFootageSlot(
  c: Context<AuthEnv>,
  limiter: FootageLimiter,
  run: () => Promise<Response>,
): Promise<Response> {
  const release = limiter.acquire(c.get("principal").userId);
  try {
    return await run();
  } finally {
    release();
  }
}

/** 403 unless the caller may see the camera (admins see all, deleted cameras too). */
async function checkVisible(
  c: Context<AuthEnv>,
  auth: AuthService,
  cameraId: string | null,
  what: string,
) {
  const visible = await auth.visibleCameras(c.get("principal"));
  if (visible && (cameraId === null || !visible.has(cameraId))) {
    throw new AppError("forbidden", `No access to ${what}`);
  }
  return visible;
}

export function recordingsApi(deps: RecordingsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const footage = deps.footage ?? new FootageLimiter();
  const admin = requireRole("admin");
  const audit = (
    c: Context<AuthEnv>,
    action: string,
    id: string,
    details = {},
  ) => deps.audit.record(actorOf(c, deps.trustProxy), action, id, details);

  const list = async (c: Context<AuthEnv>) => {
    const q = parseListQuery(c.req.query());
    const visible = await deps.auth.visibleCameras(c.get("principal"));
    if (visible && q.cameraId && !visible.has(q.cameraId)) {
      throw new AppError("forbidden", `No access to camera "${q.cameraId}"`, {
        field: "camera_id",
      });
    }
    return c.json(await deps.recordings.list(q, visible));
  };
  const listRoute = api(API.recordings.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);

  app.post("/reconcile", admin, api(API.recordings.reconcile), async (c) => {
    if (!deps.reconciler) {
      throw new AppError(
        "unavailable",
        "The reconcile job is not running here",
      );
    }
    const report = await deps.reconciler.run();
    await audit(c, "recording.reconcile", "recordings", {
      interrupted: report.interrupted.length,
      rotated: report.rotated.length,
    });
    return c.json(report);
  });

  app.get("/:id", api(API.recordings.get), async (c) => {
    const row = await deps.recordings.row(c.req.param("id"));
    await checkVisible(c, deps.auth, row.camera_id, `recording "${row.id}"`);
    return c.json(await deps.recordings.get(row.id));
  });

  app.patch("/:id", admin, api(API.recordings.update), async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody(c);
    const rec = await deps.recordings.setKeep(id, body);
    await audit(c, "recording.keep", rec.id, {
      keep: rec.keep,
      camera: rec.camera_name,
    });
    return c.json(rec);
  });

  app.delete("/:id", admin, api(API.recordings.delete), async (c) => {
    const id = c.req.param("id");
    const row = await deps.recordings.row(id);
    const out = await deps.recordings.delete(row.id);
    await audit(c, "recording.delete", row.id, {
      camera: row.camera_name,
      node: row.node_name,
      segments: out.deleted_segments,
    });
    return c.json(out);
  });

  app.get("/:id/download", api(API.recordings.download), async (c) => {
    const row = await deps.recordings.row(c.req.param("id"));
    await checkVisible(c, deps.auth, row.camera_id, `recording "${row.id}"`);
    return await withFootageSlot(c, footage, () =>
      deps.recordings.download(
        row.id,
        c.req.raw,
        parseFormat(c.req.query("format")),
      ));
  });

  return app;
}

/** The recording routes under /api/cameras/{id}/…. */
export function cameraRecordingsApi(deps: RecordingsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const footage = deps.footage ?? new FootageLimiter();
  const admin = requireRole("admin");

  /** 404 for unknown ids, 403 for cameras not granted to the caller. */
  const visibleCamera = async (c: Context<AuthEnv>, id: string) => {
    const row = await deps.cameras.row(id);
    await checkVisible(c, deps.auth, row.id, `camera "${id}"`);
    return row;
  };

  app.post(
    "/:id/recording/start",
    admin,
    api(API.cameras.recordingStart),
    async (c) => {
      const session = await deps.recordings.start(c.req.param("id"));
      await deps.audit.record(
        actorOf(c, deps.trustProxy),
        "recording.start",
        session.id,
        { camera_id: session.camera_id, camera: session.camera_name },
      );
      return c.json(session);
    },
  );

  app.post(
    "/:id/recording/stop",
    admin,
    api(API.cameras.recordingStop),
    async (c) => {
      const session = await deps.recordings.stop(c.req.param("id"));
      await deps.audit.record(
        actorOf(c, deps.trustProxy),
        "recording.stop",
        session.id,
        { camera_id: session.camera_id, camera: session.camera_name },
      );
      return c.json(session);
    },
  );

  app.get(
    "/:id/recording/status",
    api(API.cameras.recordingStatus),
    async (c) => {
      const cam = await visibleCamera(c, c.req.param("id"));
      return c.json(await deps.recordings.status(cam.id));
    },
  );

  app.get("/:id/playback", api(API.cameras.playback), async (c) => {
    const cam = await visibleCamera(c, c.req.param("id"));
    return await withFootageSlot(c, footage, () =>
      deps.recordings.playback(
        cam.id,
        c.req.query("start"),
        c.req.query("end"),
        c.req.raw,
        parseFormat(c.req.query("format")),
      ));
  });

  app.get("/:id/timeline", api(API.cameras.timeline), async (c) => {
    const cam = await visibleCamera(c, c.req.param("id"));
    if (!deps.sql) {
      throw new AppError("unavailable", "The timeline is not available here");
    }
    return c.json(await cameraTimeline(deps.sql, cam.id, c.req.query("day")));
  });

  return app;
}
