/**
 * The API the dashboard's recording views read, on the embedded database with
 * a fake node agent file API (tests/support/fake_node_files.ts):
 * `GET /api/cameras/{id}/timeline` (spans merged in SQL, clipped to the UTC
 * day, access like the camera), `GET /api/nodes/{name}/storage` (the node's
 * `/v1/storage` with camera names, admins only, 503 naming an unreachable
 * node), and `recording` events on `/api/events` for a viewer's granted
 * cameras only.
 */
import assert from "node:assert/strict";
import { startFakeNodeFiles } from "../../../tests/support/fake_node_files.ts";
import {
  nodeHeartbeat,
  nodeRequest,
  randomNodeKey,
  startStack,
} from "../../../tests/support/stack.ts";
import { drain, login } from "../../../tests/security/helpers.ts";

const NODE = "tl-node";
const DEAD = "tl-dead";
const DAY = "2026-02-25";
const VIEWER_PASSWORD = "viewer-Pass-4-timeline!";

function segment(camera: string, session: string, start: string, end: string) {
  const day = start.slice(0, 10);
  const stamp = start.replace(/[-:]/g, "").replace(/\.\d+/, "").slice(0, 15);
  return {
    id: crypto.randomUUID(),
    type: "segment.closed",
    camera_id: camera,
    session_id: session,
    path: `${camera}/${day}/${stamp}Z_${session.slice(0, 8)}.mp4`,
    start_at: start,
    end_at: end,
    duration_ms: Date.parse(end) - Date.parse(start),
    size_bytes: 1000,
    video_codec: "h264",
    audio_codec: null,
    recovered: false,
  };
}

Deno.test({
  name: "dashboard recording API: timeline, node storage, viewer events",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ nodeOfflineAfterMs: 600000 });
    const key = randomNodeKey();
    const fake = await startFakeNodeFiles(key);
    // Each node enrols at its first heartbeat, with the fake's key.
    const post = (path: string, body: unknown) =>
      nodeRequest(stack, path, { method: "POST", json: body }, { apiKey: key });
    const json = async (
      path: string,
      init?: RequestInit & { json?: unknown },
    ) => {
      const res = await stack.api(path, init);
      const text = await res.text();
      assert.ok(res.ok, `${path} answered ${res.status}: ${text}`);
      return JSON.parse(text);
    };
    try {
      for (
        const [name, addr] of [[NODE, fake.url], [DEAD, "http://127.0.0.1:9"]]
      ) {
        const hb = await post(
          `/internal/v1/nodes/${name}/heartbeat`,
          nodeHeartbeat(name, { address: addr }),
        );
        assert.equal(hb.status, 200, await hb.text());
      }
      const cam = await json("/api/cameras", {
        method: "POST",
        json: { name: "Yard", protocol: "demo", node_name: NODE },
      });
      const other = await json("/api/cameras", {
        method: "POST",
        json: { name: "Shed", protocol: "demo", node_name: NODE },
      });
      const session = await json(`/api/cameras/${cam.id}/recording/start`, {
        method: "POST",
      });

      await t.step(
        "the timeline merges a day's segments into spans in SQL",
        async () => {
          const at = (hms: string, day = DAY) => `${day}T${hms}Z`;
          const next = "2026-02-26";
          const ev = await post(`/internal/v1/nodes/${NODE}/events`, {
            events: [
              // Three segments cut a few ms apart: one span.
              segment(
                cam.id,
                session.id,
                at("10:00:00.000"),
                at("10:01:00.000"),
              ),
              segment(
                cam.id,
                session.id,
                at("10:01:00.004"),
                at("10:02:00.010"),
              ),
              segment(
                cam.id,
                session.id,
                at("10:02:00.020"),
                at("10:03:00.000"),
              ),
              // A gap of seven minutes, then one segment.
              segment(
                cam.id,
                session.id,
                at("10:10:00.000"),
                at("10:11:00.000"),
              ),
              // Across midnight: clipped to each day.
              segment(
                cam.id,
                session.id,
                at("23:59:30.000"),
                at("00:00:30.000", next),
              ),
              // Another camera's footage is not this camera's.
              segment(
                other.id,
                crypto.randomUUID(),
                at("12:00:00.000"),
                at("12:01:00.000"),
              ),
            ],
          });
          const acked = await ev.text();
          assert.equal(ev.status, 200, acked);
          assert.equal(JSON.parse(acked).acked.length, 6);

          const tl = await json(`/api/cameras/${cam.id}/timeline?day=${DAY}`);
          assert.deepEqual(tl, {
            camera_id: cam.id,
            day: DAY,
            start: `${DAY}T00:00:00.000Z`,
            end: `${next}T00:00:00.000Z`,
            spans: [
              { start: at("10:00:00.000"), end: at("10:03:00.000") },
              { start: at("10:10:00.000"), end: at("10:11:00.000") },
              { start: at("23:59:30.000"), end: `${next}T00:00:00.000Z` },
            ],
            // The open recording began today, after this day ended.
            recording_since: null,
          });
          const after = await json(
            `/api/cameras/${cam.id}/timeline?day=${next}`,
          );
          assert.deepEqual(after.spans, [
            { start: `${next}T00:00:00.000Z`, end: at("00:00:30.000", next) },
          ]);
          // No day: today (UTC), with the open recording.
          const today = await json(`/api/cameras/${cam.id}/timeline`);
          assert.equal(today.day, new Date().toISOString().slice(0, 10));
          assert.deepEqual(today.spans, []);
          assert.equal(today.recording_since, session.started_at);
          const empty = await json(
            `/api/cameras/${other.id}/timeline?day=2026-01-01`,
          );
          assert.deepEqual(empty.spans, []);
        },
      );

      await t.step(
        "the timeline refuses bad days and unknown cameras",
        async () => {
          for (const bad of ["2026-02-30", "26-02-2026", "2026-2-5", "today"]) {
            const res = await stack.api(
              `/api/cameras/${cam.id}/timeline?day=${bad}`,
            );
            const body = await res.json();
            assert.equal(res.status, 400, bad);
            assert.equal(body.error.field, "day");
            assert.match(body.error.message, /UTC day/);
          }
          const res = await stack.api(
            `/api/cameras/${crypto.randomUUID()}/timeline`,
          );
          assert.equal(res.status, 404);
          await res.body?.cancel();
        },
      );

      await t.step(
        "node storage: the node's numbers with camera names, largest first",
        async () => {
          fake.put(`${cam.id}/${DAY}/a.mp4`, new Uint8Array(3000));
          fake.put(`${cam.id}/${DAY}/b.mp4`, new Uint8Array(2000));
          fake.put(`${other.id}/${DAY}/c.mp4`, new Uint8Array(7000));
          const gone = "0f0f0f0f-0000-4000-8000-000000000000";
          fake.put(`${gone}/${DAY}/d.mp4`, new Uint8Array(10));
          const st = await json(`/api/nodes/${NODE}/storage`);
          assert.deepEqual(st, {
            node: NODE,
            root: "/fake/recordings",
            total_bytes: 100 * 1024 ** 3,
            free_bytes: 50 * 1024 ** 3,
            recordings_bytes: 12010,
            cameras: [
              {
                camera_id: other.id,
                camera_name: "Shed",
                bytes: 7000,
                segments: 1,
              },
              {
                camera_id: cam.id,
                camera_name: "Yard",
                bytes: 5000,
                segments: 2,
              },
              { camera_id: gone, camera_name: null, bytes: 10, segments: 1 },
            ],
          });
          assert.ok(
            fake.requests.some((r) =>
              r.method === "GET" && r.path === "/v1/storage"
            ),
          );
        },
      );

      await t.step(
        "node storage: 404 unknown, 503 naming a node that is away",
        async () => {
          const unknown = await stack.api("/api/nodes/no-such/storage");
          assert.equal(unknown.status, 404);
          await unknown.body?.cancel();
          const dead = await stack.api(`/api/nodes/${DEAD}/storage`);
          const body = await dead.json();
          assert.equal(dead.status, 503);
          assert.match(body.error.message, new RegExp(`Node "${DEAD}"`));
          await stack.controller.nodes.markOffline(DEAD, "test");
          const off = await stack.api(`/api/nodes/${DEAD}/storage`);
          const offBody = await off.json();
          assert.equal(off.status, 503);
          assert.match(offBody.error.message, /offline/);
        },
      );

      await t.step(
        "viewers: timeline of granted cameras only, no storage, their recording events",
        async () => {
          await json("/api/users", {
            method: "POST",
            json: {
              username: "tlviewer",
              password: VIEWER_PASSWORD,
              role: "viewer",
              camera_ids: [cam.id],
            },
          });
          const v = await login(stack.url, "tlviewer", VIEWER_PASSWORD);
          const get = (path: string) =>
            fetch(`${stack.url}${path}`, { headers: { cookie: v.cookie } });
          const mine = await get(`/api/cameras/${cam.id}/timeline?day=${DAY}`);
          assert.equal(mine.status, 200);
          assert.equal((await mine.json()).spans.length, 3);
          const notMine = await get(`/api/cameras/${other.id}/timeline`);
          assert.equal(notMine.status, 403);
          await notMine.body?.cancel();
          const storage = await get(`/api/nodes/${NODE}/storage`);
          assert.equal(storage.status, 403);
          await storage.body?.cancel();

          // Recording events reach the viewer for the granted camera only.
          const sse = await get("/api/events");
          assert.equal(sse.status, 200);
          const reading = drain(sse, { timeoutMs: 1500 });
          await json(`/api/cameras/${other.id}/recording/start`, {
            method: "POST",
          });
          await json(`/api/cameras/${other.id}/recording/stop`, {
            method: "POST",
          });
          await json(`/api/cameras/${cam.id}/recording/stop`, {
            method: "POST",
          });
          const text = await reading;
          const events = [...text.matchAll(/event: recording\ndata: (.*)\n/g)]
            .map((m) => JSON.parse(m[1]));
          assert.deepEqual(
            events.map((e) => [e.type, e.recording?.camera_id]),
            [["ended", cam.id]],
            text,
          );
        },
      );
    } finally {
      await fake.close();
      await stack.close();
    }
  },
});
