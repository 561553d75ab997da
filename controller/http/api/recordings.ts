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
 * anything, and every change is audited. The recording service decides
 * (controller/access); these handlers pass the caller on.
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import { precheck } from "../../access/policy.ts";
import type { AuthService } from "../../auth/service.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { Sql } from "../../db/client.ts";
import type {
  RecordingReconciler,
  RecordingService,
} from "../../recordings/mod.ts";
import { parseListQuery } from "../../recordings/mod.ts";
import { parseFormat } from "../../recordings/service.ts";
import { FootageLimiter } from "../../recordings/limits.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
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

export function recordingsApi(deps: RecordingsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const footage = deps.footage ?? new FootageLimiter();
  const audit = (
    c: Context<AuthEnv>,
    action: string,
    id: string,
    details = {},
  ) => deps.audit.record(actorOf(c, deps.trustProxy), action, id, details);

  const list = async (c: Context<AuthEnv>) =>
    c.json(
      await deps.recordings.list(
        c.get("access"),
        parseListQuery(c.req.query()),
      ),
    );
  const listRoute = api(API.recordings.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);

  app.post("/reconcile", api(API.recordings.reconcile), async (c) => {
    if (!deps.reconciler) {
      precheck(c.get("access"), "recording.reconcile");
      throw new AppError(
        "unavailable",
        "The reconcile job is not running here",
      );
    }
    const report = await deps.reconciler.request(c.get("access"));
    await audit(c, "recording.reconcile", "recordings", {
      interrupted: report.interrupted.length,
      rotated: report.rotated.length,
    });
    return c.json(report);
  });

  app.get(
    "/:id",
    api(API.recordings.get),
    async (c) =>
      c.json(await deps.recordings.get(c.get("access"), c.req.param("id"))),
  );

  app.patch("/:id", api(API.recordings.update), async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody(c);
    const rec = await deps.recordings.setKeep(c.get("access"), id, body);
    await audit(c, "recording.keep", rec.id, {
      keep: rec.keep,
      camera: rec.camera_name,
    });
    return c.json(rec);
  });

  app.delete("/:id", api(API.recordings.delete), async (c) => {
    const { result, session } = await deps.recordings.delete(
      c.get("access"),
      c.req.param("id"),
    );
    await audit(c, "recording.delete", session.id, {
      camera: session.camera_name,
      node: session.node_name,
      segments: result.deleted_segments,
    });
    return c.json(result);
  });

  app.get(
    "/:id/download",
    api(API.recordings.download),
    async (c) =>
      await withFootageSlot(c, footage, () =>
        deps.recordings.download(
          c.get("access"),
          c.req.param("id"),
          c.req.raw,
          parseFormat(c.req.query("format")),
        )),
  );

  return app;
}

/** The recording routes under /api/cameras/{id}/…. */
export function cameraRecordingsApi(deps: RecordingsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const footage = deps.footage ?? new FootageLimiter();

  // Start and stop: the same shape, each audited with the session it touched.
  for (
    const [verb, route] of [
      ["start", API.cameras.recordingStart],
      ["stop", API.cameras.recordingStop],
    ] as const
  ) {
    app.post(`/:id/recording/${verb}`, api(route), async (c) => {
      const session = await deps.recordings[verb](
        c.get("access"),
        c.req.param("id"),
      );
      await deps.audit.record(
        actorOf(c, deps.trustProxy),
        `recording.${verb}`,
        session.id,
        { camera_id: session.camera_id, camera: session.camera_name },
      );
      return c.json(session);
    });
  }

  app.get(
    "/:id/recording/status",
    api(API.cameras.recordingStatus),
    async (c) =>
      c.json(await deps.recordings.status(c.get("access"), c.req.param("id"))),
  );

  app.get(
    "/:id/playback",
    api(API.cameras.playback),
    async (c) =>
      await withFootageSlot(c, footage, () =>
        deps.recordings.playback(
          c.get("access"),
          c.req.param("id"),
          c.req.query("start"),
          c.req.query("end"),
          c.req.raw,
          parseFormat(c.req.query("format")),
        )),
  );

  app.get(
    "/:id/timeline",
    api(API.cameras.timeline),
    async (c) =>
      c.json(
        await deps.recordings.timeline(
          c.get("access"),
          c.req.param("id"),
          c.req.query("day"),
        ),
      ),
  );

  return app;
}
