/**
 * `/cameras/{id}`: one camera — large live view, live status and last error,
 * recording state (admins: Record/Stop), snapshot, details, its recent
 * recordings (play, download), the day timeline of recorded footage (UTC)
 * with playback; for admins the edit form (with recording mode and
 * retention), Delete, and "Ask about this camera" (a link to its agent's
 * chat, `/agents/ask`). 404 for an unknown camera, 403 for one the user is
 * not granted (`deps.cameraExists`).
 */
import type { VNode } from "preact";
import { Layout } from "../_layout/Layout.tsx";
import { Island } from "../../controller/web/island.tsx";
import { renderPage } from "../../controller/web/render.ts";
import {
  RECENT_LIMIT,
  recentQuery,
} from "../../islands/client/camera_recent.ts";
import type {
  CameraView,
  DashboardDeps,
  IslandAssets,
  RecordingsPageView,
  RouteContext,
  WebUser,
} from "../../controller/web/types.ts";
import {
  toCameraView,
  toNodeChoice,
  toRecordingView,
} from "../../controller/web/views.ts";
import CameraDetail from "../../islands/CameraDetail.tsx";
import CameraEditForm from "../../islands/CameraEditForm.tsx";
import RecentRecordings from "../../islands/RecentRecordings.tsx";
import Timeline from "../../islands/Timeline.tsx";
import { redactUrl } from "../../lib/redact.ts";

export const title = "Camera";
export const access = "user";

export default async function CameraPage(ctx: RouteContext) {
  const { deps, params, user } = ctx;
  const me = user!;
  const id = params.id ?? "";
  const found = (await deps.listCameras(me)).find((c) => c.id === id);
  if (!found) {
    const exists = (await deps.cameraExists?.(id)) ?? false;
    return exists ? forbidden() : notFound(ctx.url.pathname);
  }
  // The page opens the live view once hydrated; start the relay now.
  deps.warmStreams?.([found.id]);
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const [open, timeline, recent] = await Promise.all([
    deps.openRecordings?.([found.id]).catch(() => undefined),
    deps.recordingTimeline?.(found.id, today).catch(() => null) ?? null,
    recentRecordings(deps, me, found.id),
  ]);
  // The view is redacted already; redact again so no page can ever show a password.
  // Viewers' views carry no source at all (controller/cameras/view.ts).
  const camera: CameraView = toCameraView(found);
  if (typeof found.source_url === "string") {
    camera.source_url = redactUrl(found.source_url);
  }
  if (found.record_source_url) {
    camera.record_source_url = redactUrl(found.record_source_url);
  }
  if (open) camera.recording = open[found.id] ?? null;
  const admin = me.role === "admin";
  const nodes = admin ? (await deps.listNodes(me)).map(toNodeChoice) : [];
  return (
    <Layout user={me}>
      <div class="bar">
        <nav aria-label="Breadcrumb">
          <a href="/">← All cameras</a>
        </nav>
        {admin && (
          <a
            class="button"
            href={`/agents/ask?camera=${encodeURIComponent(camera.id)}`}
          >
            Ask about this camera
          </a>
        )}
      </div>
      <section aria-labelledby="camera-h">
        <Island
          name="CameraDetail"
          component={CameraDetail}
          props={{ camera, admin }}
        />
      </section>
      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Recent recordings</h2>
        <Island
          name="RecentRecordings"
          component={RecentRecordings}
          props={{
            camera: { id: camera.id, name: camera.name },
            ...recent,
            limit: RECENT_LIMIT,
          }}
        />
      </section>
      <section aria-labelledby="footage-h">
        <h2 id="footage-h">Recorded footage</h2>
        <Island
          name="Timeline"
          component={Timeline}
          props={{
            camera: { id: camera.id, name: camera.name },
            today,
            timeline,
            now: now.toISOString(),
          }}
        />
      </section>
      {admin && (
        <section aria-labelledby="edit-h">
          <h2 id="edit-h">Edit camera</h2>
          <Island
            name="CameraEditForm"
            component={CameraEditForm}
            props={{ camera, nodes }}
          />
        </section>
      )}
    </Layout>
  );
}

/** The camera's newest sessions for the page, or the reason they could not be read. */
async function recentRecordings(
  deps: DashboardDeps,
  user: WebUser,
  cameraId: string,
): Promise<{ page: RecordingsPageView | null; error: string | null }> {
  if (!deps.listRecordings) {
    return { page: null, error: "Recordings are not available here." };
  }
  try {
    const got = await deps.listRecordings(user, recentQuery(cameraId));
    return {
      page: { ...got, recordings: got.recordings.map(toRecordingView) },
      error: null,
    };
  } catch (e) {
    return { page: null, error: e instanceof Error ? e.message : String(e) };
  }
}

// The page runs in `mountDashboard`'s route handler, which renders only with
// status 200 (or its own 403 for admin pages); these answer 404/403 with a
// page of their own. Neither renders an island, so no asset is needed.
const NO_ASSETS: IslandAssets = {
  files: new Map(),
  islands: [],
  islandUrl: (name) => {
    throw new Error(`The error page renders no island (asked for ${name})`);
  },
  bootUrl: "",
  preloads: () => [],
  buildMs: 0,
};

function errorPage(status: 403 | 404, title: string, body: VNode): Response {
  const html = renderPage(
    <Layout>
      <section aria-labelledby="err-h">
        <h2 id="err-h">{title}</h2>
        {body}
      </section>
    </Layout>,
    { title: `${title} · Falcon-Eye`, assets: NO_ASSETS },
  );
  return new Response(html, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
    },
  });
}

function notFound(path: string): Response {
  return errorPage(
    404,
    "Camera not found",
    <p>
      There is no camera at <code>{path}</code>; it may have been deleted.{" "}
      <a href="/">Go to the cameras</a>.
    </p>,
  );
}

function forbidden(): Response {
  return errorPage(
    403,
    "No access to this camera",
    <p>
      Your account may not watch this camera; an admin can grant it on the Users
      page. <a href="/">Go to your cameras</a>.
    </p>,
  );
}
