/**
 * `/recordings` (signed in): recording sessions with filters (camera, status,
 * UTC days) and pages from the page URL (`?camera&status&from&to&offset`),
 * the first page server-rendered through `deps.listRecordings`. Viewers see
 * the recordings of their granted cameras, read-only; admins keep and delete.
 */
import { Layout } from "./_layout/Layout.tsx";
import { Island } from "../controller/web/island.tsx";
import {
  apiQuery,
  checkFilters,
  filtersFrom,
  PAGE_SIZE,
} from "../islands/client/recordings.ts";
import type {
  RecordingsPageView,
  RouteContext,
} from "../controller/web/types.ts";
import { toRecordingView } from "../controller/web/views.ts";
import RecordingsView from "../islands/RecordingsView.tsx";

export const title = "Recordings";
export const access = "user";

export default async function RecordingsPage(
  { deps, user, url }: RouteContext,
) {
  const me = user!;
  const { filters, offset } = filtersFrom(url.searchParams);
  const cameras = (await deps.listCameras(me)).map((c) => ({
    id: c.id,
    name: c.name,
  }));
  let page: RecordingsPageView | null = null;
  let error: string | null = checkFilters(filters);
  if (!error && deps.listRecordings) {
    try {
      const got = await deps.listRecordings(
        me,
        apiQuery(filters, PAGE_SIZE, offset),
      );
      page = { ...got, recordings: got.recordings.map(toRecordingView) };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  } else if (!error) error = "Recordings are not available here.";
  return (
    <Layout user={me} current="/recordings">
      <section aria-labelledby="rec-h" class="stack">
        <h2 id="rec-h">Recordings</h2>
        <p class="hint">
          Times are UTC. {me.role === "admin"
            ? "Keep protects a recording from retention and the free-space floor; only Delete removes it."
            : "You see the recordings of the cameras granted to you."}
        </p>
        <Island
          name="RecordingsView"
          component={RecordingsView}
          props={{
            admin: me.role === "admin",
            cameras,
            filters,
            page,
            error,
            limit: PAGE_SIZE,
            today: new Date().toISOString().slice(0, 10),
          }}
        />
      </section>
    </Layout>
  );
}
