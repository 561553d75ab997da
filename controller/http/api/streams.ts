/**
 * /api/streams: `GET /live?cameras=<id>,<id>,…` — the live frames of several
 * cameras over one multipart response (format: controller/streams/mux.ts and
 * docs/design/protocol.md), for the dashboard grid.
 */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuthService } from "../../auth/service.ts";
import type { CameraService } from "../../cameras/service.ts";
import type { StreamHub } from "../../streams/hub.ts";
import { MUX_MAX_CAMERAS, muxResponse } from "../../streams/mux.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import type { StreamGuard } from "../middleware/stream_guard.ts";

export interface StreamsApiDeps {
  cameras: Pick<CameraService, "watch">;
  streams: Pick<StreamHub, "join">;
  /** Viewers may only multiplex the cameras granted to them. */
  auth: Pick<AuthService, "visibleCameras">;
  /** Ends the stream when access goes, and after its maximum life. */
  guard?: StreamGuard;
}

/** The camera ids of a `cameras` query value (repeats allowed), deduplicated. */
export function parseCameraIds(values: string[] | undefined): string[] {
  const raw = (values ?? []).join(",");
  const invalid = (why: string) =>
    new AppError("invalid_input", `cameras: ${why}`, { field: "cameras" });
  if (raw.trim() === "") {
    throw invalid("give a comma-separated list of camera ids");
  }
  const ids = raw.split(",").map((s) => s.trim());
  if (ids.some((id) => id === "")) {
    throw invalid("the list has an empty entry");
  }
  if (ids.some((id) => id.length > 100)) {
    throw invalid("a camera id is longer than 100 characters");
  }
  const unique = [...new Set(ids)];
  if (unique.length > MUX_MAX_CAMERAS) {
    throw invalid(`at most ${MUX_MAX_CAMERAS} cameras per stream`);
  }
  return unique;
}

export function streamsApi(deps: StreamsApiDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();

  app.get("/live", api(API.events.live), async (c) => {
    const principal = c.get("principal");
    const asked = parseCameraIds(c.req.queries("cameras"));
    // 404 naming the first unknown id, 403 for one not granted, before any
    // upstream work (the access policy decides). The rows give the canonical
    // ids: case variants of one UUID are one camera (one hub entry, one part
    // per frame).
    const ids: string[] = [];
    for (const raw of asked) {
      const { id } = await deps.cameras.watch(c.get("access"), raw, "cameras");
      if (!ids.includes(id)) ids.push(id);
    }
    const signal = deps.guard
      ? deps.guard.watch(
        c.req.raw,
        principal,
        (_p, now) => !now || ids.every((id) => now.has(id)),
      )
      : c.req.raw.signal;
    const sources = ids.map((id) => ({ id, ...deps.streams.join(id) }));
    return muxResponse(sources, signal);
  });

  return app;
}
