/**
 * Recordings against a real PostgreSQL 15 and a fake node agent file API on
 * loopback (tests/support/fake_node_files.ts): migration, desired state,
 * node events (idempotent), start/stop/status, list, keep, download and
 * playback through the controller with Range, delete on the node, viewer
 * restrictions, audit, and the reconcile job.
 */
import assert from "node:assert/strict";
import type { CameraSpec, DesiredState } from "../../lib/protocol/mod.ts";
import {
  type FakeNodeFiles,
  startFakeNodeFiles,
} from "../../tests/support/fake_node_files.ts";
import { createDatabase, startPostgres } from "../../tests/support/postgres.ts";
import {
  eventually,
  nodeHeartbeat,
  nodeRequest,
  randomNodeKey,
  type Stack,
  startStack,
} from "../../tests/support/stack.ts";

const NODE = "rec-node";

async function expectError(res: Response, status: number, field?: string) {
  const text = await res.text();
  assert.equal(res.status, status, text);
  const body = JSON.parse(text);
  assert.equal(typeof body.error?.message, "string", text);
  assert.ok(body.error.message.length > 0);
  if (field) assert.equal(body.error.field, field, text);
  return body.error as { code: string; message: string; field?: string };
}

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface Ctx {
  stack: Stack;
  fake: FakeNodeFiles;
  node(
    path: string,
    init?: RequestInit & { json?: unknown },
  ): Promise<Response>;
  events(events: unknown[], node?: string): Promise<Response>;
  desired(node?: string): Promise<DesiredState>;
  spec(cameraId: string, node?: string): Promise<CameraSpec | undefined>;
  camera(body: Record<string, unknown>): Promise<{ id: string; name: string }>;
  // deno-lint-ignore no-explicit-any
  json<T = any>(
    path: string,
    init?: RequestInit & { json?: unknown },
  ): Promise<T>;
}

function segmentClosed(
  o: {
    id?: string;
    camera: string;
    session: string;
    path: string;
    start: string;
    end: string;
    size: number;
  },
) {
  return {
    id: o.id ?? crypto.randomUUID(),
    type: "segment.closed",
    camera_id: o.camera,
    session_id: o.session,
    path: o.path,
    start_at: o.start,
    end_at: o.end,
    duration_ms: Date.parse(o.end) - Date.parse(o.start),
    size_bytes: o.size,
    video_codec: "h264",
    audio_codec: null,
    recovered: false,
  };
}

Deno.test({
  name: "recordings on PostgreSQL 15 with a fake node agent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using pg = await startPostgres();
    const url = await createDatabase(pg);
    const stack = await startStack({
      databaseUrl: url,
      nodeOfflineAfterMs: 600000,
    });
    // Each node enrols on first use (tests/support/stack.ts nodeRequest) with
    // the fake's key, so the controller's calls reach the fake.
    const fakeKey = randomNodeKey();
    const fake = await startFakeNodeFiles(fakeKey);
    const ctx: Ctx = {
      stack,
      fake,
      node: (path, init = {}) =>
        nodeRequest(stack, path, init, { apiKey: fakeKey }),
      events: (events, node = NODE) =>
        ctx.node(`/internal/v1/nodes/${node}/events`, {
          method: "POST",
          json: { events },
        }),
      desired: (node = NODE) => stack.controller.nodes.desired(node),
      spec: async (id, node = NODE) =>
        (await ctx.desired(node)).cameras.find((c) => c.id === id),
      async camera(body) {
        const res = await stack.api("/api/cameras", {
          method: "POST",
          json: body,
        });
        const text = await res.text();
        assert.equal(res.status, 201, text);
        return JSON.parse(text);
      },
      async json(path, init) {
        const res = await stack.api(path, init);
        const text = await res.text();
        assert.ok(res.ok, `${path} answered ${res.status}: ${text}`);
        return JSON.parse(text);
      },
    };
    const sql = stack.controller.db.sql;
    try {
      const hb = await ctx.node(`/internal/v1/nodes/${NODE}/heartbeat`, {
        method: "POST",
        json: nodeHeartbeat(NODE, { address: fake.url }),
      });
      assert.equal(hb.status, 200, await hb.text());

      await t.step(
        "migration 0003: tables, indexes, every column commented",
        async () => {
          const tables = await sql<{ table_name: string }[]>`
          select table_name from information_schema.tables
          where table_name in ('recording_sessions', 'recording_segments', 'node_events_applied')`;
          assert.equal(tables.length, 3);
          const uncommented = await sql<{ t: string; c: string }[]>`
          select c.table_name as t, c.column_name as c from information_schema.columns c
          join pg_class k on k.relname = c.table_name
          where c.table_schema = 'public'
            and c.table_name in ('recording_sessions', 'recording_segments', 'node_events_applied')
            and c.column_name <> 'id'
            and col_description(k.oid, c.ordinal_position) is null`;
          assert.deepEqual([...uncommented], [], "every column has a comment");
          const idx = await sql<{ indexname: string }[]>`
          select indexname from pg_indexes where tablename = 'recording_sessions'`;
          const names = idx.map((i) => i.indexname);
          for (
            const n of [
              "recording_sessions_camera_started_idx",
              "recording_sessions_status_idx",
              "recording_sessions_open_uniq",
            ]
          ) assert.ok(names.includes(n), `index ${n}`);
          const [cols] = await sql`
          select count(*)::int as n from information_schema.columns
          where table_name = 'cameras' and column_name in ('recording_mode', 'retention_days')`;
          assert.equal(cols.n, 2);
        },
      );

      await t.step(
        "cameras carry recording_mode and retention_days, validated",
        async () => {
          const cam = await ctx.camera({ name: "Modes", protocol: "demo" });
          const got = await ctx.json(`/api/cameras/${cam.id}`);
          assert.equal(got.recording_mode, "off");
          assert.equal(got.retention_days, null);
          await expectError(
            await stack.api(`/api/cameras/${cam.id}`, {
              method: "PATCH",
              json: { recording_mode: "always" },
            }),
            400,
            "recording_mode",
          );
          for (const bad of [0, 3651, 1.5, "7"]) {
            await expectError(
              await stack.api(`/api/cameras/${cam.id}`, {
                method: "PATCH",
                json: { retention_days: bad },
              }),
              400,
              "retention_days",
            );
          }
          const patched = await ctx.json(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { retention_days: 14, recording_mode: "manual" },
          });
          assert.equal(patched.retention_days, 14);
          assert.equal(patched.recording_mode, "manual");
          assert.equal((await ctx.spec(cam.id))?.retention_days, 14);
          await ctx.json(`/api/cameras/${cam.id}`, { method: "DELETE" });
        },
      );

      await t.step(
        "desired state: continuous cameras always record, once",
        async () => {
          const cam = await ctx.camera({
            name: "Yard",
            protocol: "demo",
            recording_mode: "continuous",
            retention_days: 7,
          });
          const states = await Promise.all(
            Array.from({ length: 5 }, () => ctx.desired()),
          );
          const ids = new Set(
            states.map((s) =>
              s.cameras.find((c) => c.id === cam.id)?.record?.session_id
            ),
          );
          assert.equal(
            ids.size,
            1,
            `one session for concurrent desired states: ${[...ids]}`,
          );
          const spec = await ctx.spec(cam.id);
          assert.deepEqual(spec?.record, {
            session_id: [...ids][0],
            segment_seconds: 60,
          });
          assert.equal(spec?.retention_days, 7);
          const [{ n }] = await sql`
          select count(*)::int as n from recording_sessions where camera_id = ${cam.id}`;
          assert.equal(n, 1);
          const status = await ctx.json(
            `/api/cameras/${cam.id}/recording/status`,
          );
          assert.equal(status.recording, true);
          assert.equal(status.mode, "continuous");
          assert.equal(status.session.kind, "continuous");
          assert.equal(status.session.node_name, NODE);

          // Stop cannot end a continuous recording; start cannot add another.
          const stop = await expectError(
            await stack.api(`/api/cameras/${cam.id}/recording/stop`, {
              method: "POST",
            }),
            409,
            "recording_mode",
          );
          assert.match(stop.message, /continuous/);
          await expectError(
            await stack.api(`/api/cameras/${cam.id}/recording/start`, {
              method: "POST",
            }),
            409,
          );

          // A new UTC day begins a new continuous recording.
          const first = [...ids][0]!;
          await sql`update recording_sessions set started_at = now() - interval '1 day'
                  where id = ${first}`;
          const next = (await ctx.spec(cam.id))?.record?.session_id;
          assert.ok(next && next !== first, "rolled over to a new session");
          const [old] =
            await sql`select status, ended_at from recording_sessions where id = ${first}`;
          assert.equal(old.status, "completed");
          assert.ok(old.ended_at);

          // Leaving continuous mode ends the session at once.
          await ctx.json(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { recording_mode: "off" },
          });
          const [ended] =
            await sql`select status from recording_sessions where id = ${next}`;
          assert.equal(ended.status, "completed");
          assert.equal((await ctx.spec(cam.id))?.record, null);
          assert.equal(
            (await ctx.json(`/api/cameras/${cam.id}/recording/status`))
              .recording,
            false,
          );
        },
      );

      await t.step(
        "a camera moving node: empty sessions follow, others roll over",
        async () => {
          const b = await ctx.node(`/internal/v1/nodes/b-node/heartbeat`, {
            method: "POST",
            json: nodeHeartbeat("b-node", { address: fake.url }),
          });
          assert.equal(b.status, 200);
          await b.body?.cancel();
          const cam = await ctx.camera({
            name: "Mover",
            protocol: "demo",
            node_name: NODE,
          });
          const s = await ctx.json(`/api/cameras/${cam.id}/recording/start`, {
            method: "POST",
          });
          await ctx.json(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { node_name: "b-node" },
          });
          assert.equal(
            (await ctx.spec(cam.id, "b-node"))?.record?.session_id,
            s.id,
          );
          assert.equal(
            (await ctx.json(`/api/recordings/${s.id}`)).node_name,
            "b-node",
          );
          // With footage on b-node, a move back to NODE starts a new session there.
          const path = `${cam.id}/2026-02-26/080000.mp4`;
          fake.put(path, bytes(10, 2)); // on disk, as a node reports only closed files
          const ok = await ctx.events([segmentClosed({
            camera: cam.id,
            session: s.id,
            path,
            start: "2026-02-26T08:00:00Z",
            end: "2026-02-26T08:01:00Z",
            size: 10,
          })], "b-node");
          assert.equal(ok.status, 200);
          await ok.body?.cancel();
          await ctx.json(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { node_name: NODE },
          });
          const next = (await ctx.spec(cam.id))?.record?.session_id;
          assert.ok(next && next !== s.id);
          const old = await ctx.json(`/api/recordings/${s.id}`);
          assert.equal(old.status, "completed");
          assert.equal(old.node_name, "b-node");
          const fresh = await ctx.json(`/api/recordings/${next}`);
          assert.equal(fresh.kind, "manual");
          assert.equal(fresh.node_name, NODE);
          assert.equal(fresh.status, "recording");
          await ctx.json(`/api/cameras/${cam.id}/recording/stop`, {
            method: "POST",
          });
          await sql`delete from recording_sessions where camera_id = ${cam.id}`;
          await ctx.json(`/api/cameras/${cam.id}`, { method: "DELETE" });
          // New cameras below go to NODE.
          await stack.controller.nodes.markOffline("b-node", "test");
        },
      );

      await t.step("start / stop / status, and bad input", async () => {
        const cam = await ctx.camera({ name: "Porch", protocol: "demo" });
        assert.equal((await ctx.spec(cam.id))?.record, null);
        const before = await ctx.json(
          `/api/cameras/${cam.id}/recording/status`,
        );
        assert.deepEqual(before, { recording: false, mode: "off" });

        // Stop when not recording: 409 with a clear message.
        const notRec = await expectError(
          await stack.api(`/api/cameras/${cam.id}/recording/stop`, {
            method: "POST",
          }),
          409,
        );
        assert.match(notRec.message, /not recording/);

        const session = await ctx.json(
          `/api/cameras/${cam.id}/recording/start`,
          {
            method: "POST",
          },
        );
        assert.equal(session.status, "recording");
        assert.equal(session.kind, "manual");
        assert.equal(session.camera_id, cam.id);
        assert.equal(session.camera_name, "Porch");
        assert.equal(session.node_name, NODE);
        assert.equal(session.ended_at, null);
        assert.equal(
          session.download_url,
          `/api/recordings/${session.id}/download`,
        );
        assert.deepEqual((await ctx.spec(cam.id))?.record, {
          session_id: session.id,
          segment_seconds: 60,
        });
        const status = await ctx.json(
          `/api/cameras/${cam.id}/recording/status`,
        );
        assert.equal(status.recording, true);
        assert.equal(status.session.id, session.id);

        const again = await expectError(
          await stack.api(`/api/cameras/${cam.id}/recording/start`, {
            method: "POST",
          }),
          409,
        );
        assert.match(again.message, /already recording/);

        const stopped = await ctx.json(
          `/api/cameras/${cam.id}/recording/stop`,
          {
            method: "POST",
          },
        );
        assert.equal(stopped.id, session.id);
        assert.equal(stopped.status, "completed");
        assert.ok(stopped.ended_at);
        assert.equal((await ctx.spec(cam.id))?.record, null);

        // Unknown and deleted cameras: 404.
        for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
          for (const action of ["start", "stop"]) {
            await expectError(
              await stack.api(`/api/cameras/${id}/recording/${action}`, {
                method: "POST",
              }),
              404,
            );
          }
          await expectError(
            await stack.api(`/api/cameras/${id}/recording/status`),
            404,
          );
        }
        const gone = await ctx.camera({ name: "Gone", protocol: "demo" });
        await ctx.json(`/api/cameras/${gone.id}`, { method: "DELETE" });
        await expectError(
          await stack.api(`/api/cameras/${gone.id}/recording/start`, {
            method: "POST",
          }),
          404,
        );

        // Unknown recording ids: 404.
        for (const id of [crypto.randomUUID(), "nope"]) {
          await expectError(await stack.api(`/api/recordings/${id}`), 404);
          await expectError(
            await stack.api(`/api/recordings/${id}/download`),
            404,
          );
          await expectError(
            await stack.api(`/api/recordings/${id}`, {
              method: "PATCH",
              json: { keep: true },
            }),
            404,
          );
          await expectError(
            await stack.api(`/api/recordings/${id}`, { method: "DELETE" }),
            404,
          );
        }

        // Every write is audited.
        const audit = await ctx.json("/api/audit?limit=100");
        const actions = audit.entries.map((e: { action: string }) => e.action);
        assert.ok(actions.includes("recording.start"), actions.join());
        assert.ok(actions.includes("recording.stop"), actions.join());
      });

      let porch: {
        id: string;
        session: string;
        paths: string[];
        data: Uint8Array[];
      };
      await t.step(
        "node events: applied once, unknown sessions kept as interrupted",
        async () => {
          const cam = await ctx.camera({
            name: "Front door / Eingang ü",
            protocol: "demo",
          });
          const session = await ctx.json(
            `/api/cameras/${cam.id}/recording/start`,
            {
              method: "POST",
            },
          );
          const t0 = Date.parse("2026-02-26T10:00:00Z");
          const iso = (ms: number) => new Date(ms).toISOString();
          const paths: string[] = [];
          const data: Uint8Array[] = [];
          const events: ReturnType<typeof segmentClosed>[] = [];
          for (let i = 0; i < 3; i++) {
            const path = `${cam.id}/2026-02-26/10${
              String(i).padStart(2, "0")
            }00.mp4`;
            const b = bytes(1000 + i * 100, i);
            fake.put(path, b);
            paths.push(path);
            data.push(b);
            events.push(segmentClosed({
              camera: cam.id,
              session: session.id,
              path,
              start: iso(t0 + i * 60_000),
              end: iso(t0 + (i + 1) * 60_000),
              size: b.length,
            }));
          }
          const stray = crypto.randomUUID();
          const strayPath = `${cam.id}/2026-02-26/090000.mp4`;
          events.push(segmentClosed({
            camera: cam.id,
            session: stray,
            path: strayPath,
            start: iso(t0 - 60_000),
            end: iso(t0),
            size: 500,
          }));
          fake.put(strayPath, bytes(500, 9));
          const ids = events.map((e) => e.id);
          for (let round = 0; round < 2; round++) {
            const res = await ctx.events(events);
            const text = await res.text();
            assert.equal(res.status, 200, text);
            assert.deepEqual(JSON.parse(text).acked, ids, `round ${round}`);
          }
          const [{ n }] = await sql`
          select count(*)::int as n from recording_segments where session_id = ${session.id}`;
          assert.equal(n, 3, "the repeated batch added nothing");
          const [applied] = await sql`
          select count(*)::int as n from node_events_applied where event_id = any(${
            sql.array(ids)
          }::text[])`;
          assert.equal(applied.n, 4);

          const strayRec = await ctx.json(`/api/recordings/${stray}`);
          assert.equal(strayRec.status, "interrupted");
          assert.equal(strayRec.camera_id, cam.id);
          assert.equal(strayRec.node_name, NODE);
          assert.equal(strayRec.segment_count, 1);
          assert.equal(strayRec.started_at, iso(t0 - 60_000));
          assert.equal(strayRec.ended_at, iso(t0));

          const rec = await ctx.json(`/api/recordings/${session.id}`);
          assert.equal(rec.segment_count, 3);
          assert.equal(rec.duration_ms, 180_000);
          assert.equal(rec.size_bytes, 1000 + 1100 + 1200);
          assert.deepEqual(
            rec.segments.map((s: { path: string }) => s.path),
            paths,
          );
          assert.equal(rec.segments[0].video_codec, "h264");
          assert.equal(rec.status, "recording");

          // recording.failed: error kept, status stays recording, SSE event.
          const sse = await stack.events();
          const failed = {
            id: crypto.randomUUID(),
            type: "recording.failed",
            camera_id: cam.id,
            session_id: session.id,
            at: new Date().toISOString(),
            error: "rtsp://admin:hunter22@10.0.0.9/ connection refused",
          };
          assert.deepEqual((await (await ctx.events([failed])).json()).acked, [
            failed.id,
          ]);
          const ev = await sse.waitFor((e) =>
            e.event === "recording" && e.data.type === "failed" &&
            e.data.id === session.id
          );
          assert.equal(ev.data.camera_id, cam.id);
          assert.doesNotMatch(
            ev.data.error,
            /hunter22/,
            "the error is redacted",
          );
          const afterFail = await ctx.json(`/api/recordings/${session.id}`);
          assert.equal(afterFail.status, "recording");
          assert.match(afterFail.error_message, /connection refused/);
          sse.close();

          // Bad batches are refused whole, naming the field.
          await expectError(
            await ctx.events([{
              ...events[0],
              id: "x1",
              path: "../../etc/passwd",
            }]),
            400,
            "events.0.path",
          );
          await expectError(
            await ctx.events([{
              ...events[0],
              id: "x2",
              type: "segment.exploded",
            }]),
            400,
          );
          await expectError(
            await ctx.events(
              Array.from(
                { length: 501 },
                (_, i) => ({ ...events[0], id: `many-${i}` }),
              ),
            ),
            400,
            "events",
          );
          await expectError(
            await ctx.node(`/internal/v1/nodes/${NODE}/events`, {
              method: "POST",
              json: {},
            }),
            400,
            "events",
          );
          // The node token only.
          await expectError(
            await fetch(`${stack.url}/internal/v1/nodes/${NODE}/events`, {
              method: "POST",
              headers: { ...stack.auth, "content-type": "application/json" },
              body: JSON.stringify({ events: [] }),
            }),
            401,
          );

          // segment.deleted: row goes; the last one gone expires a finished session.
          const del = {
            id: crypto.randomUUID(),
            type: "segment.deleted",
            camera_id: cam.id,
            path: strayPath,
            reason: "free_space",
          };
          assert.deepEqual((await (await ctx.events([del])).json()).acked, [
            del.id,
          ]);
          const expired = await ctx.json(`/api/recordings/${stray}`);
          assert.equal(expired.segment_count, 0);
          assert.equal(expired.status, "expired");
          fake.files.delete(strayPath);

          await ctx.json(`/api/cameras/${cam.id}/recording/stop`, {
            method: "POST",
          });
          porch = { id: cam.id, session: session.id, paths, data };
        },
      );

      await t.step(
        "download streams the joined recording with Range",
        async () => {
          const all = concat(porch.data);
          const full = await stack.api(
            `/api/recordings/${porch.session}/download`,
          );
          assert.equal(full.status, 200);
          assert.equal(full.headers.get("content-type"), "video/mp4");
          assert.equal(full.headers.get("accept-ranges"), "bytes");
          assert.equal(full.headers.get("content-length"), String(all.length));
          const cd = full.headers.get("content-disposition") ?? "";
          assert.match(cd, /^attachment; filename="[A-Za-z0-9._-]+\.mp4"$/, cd);
          assert.match(cd, /Front_door_Eingang_u_/);
          assert.deepEqual(new Uint8Array(await full.arrayBuffer()), all);
          const join = fake.requests.findLast((r) =>
            r.path === "/v1/recordings/join"
          );
          assert.deepEqual(join?.body, { paths: porch.paths });

          const part = await stack.api(
            `/api/recordings/${porch.session}/download`,
            {
              headers: { range: "bytes=990-1009" },
            },
          );
          assert.equal(part.status, 206);
          assert.equal(
            part.headers.get("content-range"),
            `bytes 990-1009/${all.length}`,
          );
          assert.equal(part.headers.get("content-length"), "20");
          assert.deepEqual(
            new Uint8Array(await part.arrayBuffer()),
            all.slice(990, 1010),
          );
          const joinedGet = fake.requests.findLast((r) =>
            r.path.startsWith("/v1/joined/")
          );
          assert.equal(
            joinedGet?.range,
            "bytes=990-1009",
            "Range passed through",
          );

          const tail = await stack.api(
            `/api/recordings/${porch.session}/download`,
            {
              headers: { range: "bytes=-10" },
            },
          );
          assert.equal(tail.status, 206);
          assert.deepEqual(
            new Uint8Array(await tail.arrayBuffer()),
            all.slice(-10),
          );

          const beyond = await stack.api(
            `/api/recordings/${porch.session}/download`,
            {
              headers: { range: `bytes=${all.length + 5}-` },
            },
          );
          assert.equal(beyond.status, 416);
          assert.equal(
            beyond.headers.get("content-range"),
            `bytes */${all.length}`,
          );
          await beyond.body?.cancel();

          // The node offline: 503 naming it.
          await stack.controller.nodes.markOffline(NODE, "test");
          const off = await expectError(
            await stack.api(`/api/recordings/${porch.session}/download`),
            503,
          );
          assert.match(off.message, new RegExp(`"${NODE}" is offline`));
          const back = await ctx.node(`/internal/v1/nodes/${NODE}/heartbeat`, {
            method: "POST",
            json: nodeHeartbeat(NODE, { address: fake.url }),
          });
          assert.equal(back.status, 200);
          await back.body?.cancel();

          // A recording without footage: 404 saying so.
          const empty = await ctx.camera({ name: "Empty", protocol: "demo" });
          const s = await ctx.json(`/api/cameras/${empty.id}/recording/start`, {
            method: "POST",
          });
          const err = await expectError(
            await stack.api(`/api/recordings/${s.id}/download`),
            404,
          );
          assert.match(err.message, /no footage/);
          await ctx.json(`/api/cameras/${empty.id}/recording/stop`, {
            method: "POST",
          });
        },
      );

      await t.step(
        "playback: a time range, validated, joined and streamed inline",
        async () => {
          const base = `/api/cameras/${porch.id}/playback`;
          const r = await stack.api(
            `${base}?start=2026-02-26T10:01:30Z&end=2026-02-26T10:02:30Z`,
          );
          assert.equal(
            r.status,
            200,
            r.status === 200 ? "" : await r.clone().text(),
          );
          assert.equal(r.headers.get("content-type"), "video/mp4");
          assert.match(
            r.headers.get("content-disposition") ?? "",
            /^inline; filename="/,
          );
          assert.equal(
            r.headers.get("x-recording-start"),
            "2026-02-26T10:01:00.000Z",
          );
          assert.deepEqual(
            new Uint8Array(await r.arrayBuffer()),
            concat(porch.data.slice(1, 3)),
            "the two segments overlapping the range",
          );
          const ranged = await stack.api(
            `${base}?start=2026-02-26T10:00:00Z&end=2026-02-26T10:00:30Z`,
            { headers: { range: "bytes=0-9" } },
          );
          assert.equal(ranged.status, 206);
          assert.deepEqual(
            new Uint8Array(await ranged.arrayBuffer()),
            porch.data[0].slice(0, 10),
          );

          const cases: [string, string][] = [
            ["", "start"],
            ["?start=2026-02-26T10:00:00Z", "end"],
            ["?start=yesterday&end=2026-02-26T10:00:00Z", "start"],
            ["?start=2026-02-26T10:00:00Z&end=2026-13-45T99:00:00Z", "end"],
            ["?start=2026-02-26T10:00:00Z&end=2026-02-26T09:00:00Z", "end"],
            ["?start=2026-02-26T10:00:00Z&end=2026-02-26T10:00:00Z", "end"],
            ["?start=2026-02-26T10:00:00Z&end=2026-02-27T10:00:01Z", "end"],
          ];
          for (const [q, field] of cases) {
            await expectError(await stack.api(`${base}${q}`), 400, field);
          }
          const none = await expectError(
            await stack.api(
              `${base}?start=2020-01-01T00:00:00Z&end=2020-01-01T01:00:00Z`,
            ),
            404,
          );
          assert.match(none.message, /no footage/);
          await expectError(
            await stack.api(
              `/api/cameras/${crypto.randomUUID()}/playback?start=2026-02-26T10:00:00Z&end=2026-02-26T11:00:00Z`,
            ),
            404,
          );
        },
      );

      await t.step(
        "finding #2: footage joins per user are limited (429 naming the limit), a hang-up reaches the node, a busy node's 429 passes through",
        async () => {
          const viewer = await signInViewer(stack, [porch.id]);
          const base = `/api/cameras/${porch.id}/playback`;
          const ask = (start: string, signal?: AbortSignal) =>
            fetch(
              `${stack.url}${base}?start=2026-02-26T10:0${start}Z&end=2026-02-26T10:02:59Z`,
              { headers: { authorization: `Bearer ${viewer.token}` }, signal },
            );
          fake.joinPlan.delayMs = 10_000;
          const before = fake.joinPlan.aborted;
          const joins = () =>
            fake.requests.filter((r) => r.path === "/v1/recordings/join")
              .length;
          const joinsBefore = joins();
          const ac = new AbortController();
          const inFlight = [
            ask("0:00", ac.signal).catch(() => null),
            ask("0:10", ac.signal).catch(() => null),
          ];
          await eventually(() => joins() - joinsBefore === 2, 3000);
          // A third distinct range while two are being joined: refused at once.
          const third = await ask("0:20");
          assert.equal(third.status, 429);
          assert.equal(third.headers.get("retry-after"), "5");
          const err = await expectError(third, 429);
          assert.match(err.message, /at most 2 at once per user/);
          // Another user is not held back by the viewer's slots.
          fake.joinPlan.delayMs = 0;
          const admin = await stack.api(
            `${base}?start=2026-02-26T10:00:20Z&end=2026-02-26T10:02:59Z`,
          );
          assert.equal(admin.status, 200);
          await admin.body?.cancel();
          // The viewer hangs up: the node sees both joins' requests aborted.
          ac.abort();
          await Promise.all(inFlight);
          await eventually(() => fake.joinPlan.aborted - before === 2, 3000);
          // Slots are free again.
          const again = await ask("0:30");
          assert.equal(again.status, 200);
          await again.body?.cancel();
          // The node's own queue is full: 429 with its Retry-After, not a 502.
          fake.joinPlan.busy = true;
          const busy = await ask("0:40");
          assert.equal(busy.status, 429);
          assert.equal(busy.headers.get("retry-after"), "10");
          assert.match((await expectError(busy, 429)).message, /busy joining/);
          fake.joinPlan.busy = false;
        },
      );

      const sessionIds: string[] = [];
      await t.step(
        "list: real total, pagination, filters, totals per recording",
        async () => {
          const cam = await ctx.camera({ name: "Paged", protocol: "demo" });
          for (let i = 0; i < 7; i++) {
            const s = await ctx.json(`/api/cameras/${cam.id}/recording/start`, {
              method: "POST",
            });
            sessionIds.push(s.id);
            if (i < 6) {
              await ctx.json(`/api/cameras/${cam.id}/recording/stop`, {
                method: "POST",
              });
            }
          }
          const page = await ctx.json(
            `/api/recordings?camera_id=${cam.id}&limit=3`,
          );
          assert.equal(page.total, 7, "total counts every match, not the page");
          assert.equal(page.limit, 3);
          assert.equal(page.offset, 0);
          assert.equal(page.recordings.length, 3);
          assert.equal(page.recordings[0].id, sessionIds[6], "newest first");
          const last = await ctx.json(
            `/api/recordings?camera_id=${cam.id}&limit=3&offset=6`,
          );
          assert.equal(last.total, 7);
          assert.deepEqual(last.recordings.map((r: { id: string }) => r.id), [
            sessionIds[0],
          ]);
          const beyond = await ctx.json(
            `/api/recordings?camera_id=${cam.id}&offset=100`,
          );
          assert.equal(beyond.total, 7);
          assert.equal(beyond.recordings.length, 0);
          const rec = await ctx.json(
            `/api/recordings?camera_id=${cam.id}&status=recording`,
          );
          assert.equal(rec.total, 1);
          assert.equal(rec.recordings[0].id, sessionIds[6]);
          for (
            const k of [
              "segment_count",
              "duration_ms",
              "size_bytes",
              "node_name",
              "camera_deleted",
              "camera_name",
              "kind",
              "keep",
            ]
          ) assert.ok(k in rec.recordings[0], `recording has ${k}`);
          const completed = await ctx.json(
            `/api/recordings?camera_id=${cam.id}&status=completed`,
          );
          assert.equal(completed.total, 6);

          const porchList = await ctx.json(
            `/api/recordings?camera_id=${porch.id}`,
          );
          const p = porchList.recordings.find((r: { id: string }) =>
            r.id === porch.session
          );
          assert.equal(p.segment_count, 3);
          assert.equal(p.size_bytes, 3300);
          assert.equal(p.duration_ms, 180000);
          assert.equal(p.camera_deleted, false);

          // Time window: sessions that overlap it.
          const inWindow = await ctx.json(
            `/api/recordings?start=2026-02-26T09:30:00Z&end=2026-02-26T09:59:30Z`,
          );
          assert.deepEqual(
            inWindow.recordings.map((r: { status: string }) => r.status),
            [
              "expired",
            ],
          );
          const future = await ctx.json(
            `/api/recordings?start=2100-01-01T00:00:00Z`,
          );
          assert.equal(future.total, 0);

          const all = await ctx.json("/api/recordings");
          const [{ n }] =
            await sql`select count(*)::int as n from recording_sessions`;
          assert.equal(all.total, n);
          assert.equal(all.limit, 50);

          for (
            const [q, field] of [
              ["limit=0", "limit"],
              ["limit=501", "limit"],
              ["limit=abc", "limit"],
              ["offset=-1", "offset"],
              ["status=done", "status"],
              ["camera_id=xyz", "camera_id"],
              ["start=soon", "start"],
              ["start=2026-02-26T10:00:00Z&end=2026-02-26T09:00:00Z", "end"],
            ]
          ) {
            await expectError(
              await stack.api(`/api/recordings?${q}`),
              400,
              field,
            );
          }
          await ctx.json(`/api/cameras/${cam.id}/recording/stop`, {
            method: "POST",
          });
        },
      );

      await t.step(
        "keep: a flag the node hears in storage.keep_sessions",
        async () => {
          assert.ok(
            !(await ctx.desired()).storage?.keep_sessions.includes(
              porch.session,
            ),
          );
          const kept = await ctx.json(`/api/recordings/${porch.session}`, {
            method: "PATCH",
            json: { keep: true },
          });
          assert.equal(kept.keep, true);
          const storage = (await ctx.desired()).storage!;
          assert.ok(storage.keep_sessions.includes(porch.session));
          assert.equal(storage.min_free_ratio, 0.05);
          assert.equal(storage.min_free_bytes, 5 * 1024 ** 3);
          await expectError(
            await stack.api(`/api/recordings/${porch.session}`, {
              method: "PATCH",
              json: { keep: "yes" },
            }),
            400,
            "keep",
          );
          await expectError(
            await stack.api(`/api/recordings/${porch.session}`, {
              method: "PATCH",
              json: { keep: true, status: "completed" },
            }),
            400,
            "status",
          );
          const audit = await ctx.json("/api/audit?action=recording.keep");
          assert.equal(audit.entries[0].target, porch.session);
        },
      );

      await t.step(
        "viewers read granted cameras' recordings only, and change nothing",
        async () => {
          const other = await ctx.camera({ name: "Secret", protocol: "demo" });
          const otherRec = await ctx.json(
            `/api/cameras/${other.id}/recording/start`,
            {
              method: "POST",
            },
          );
          await ctx.json(`/api/cameras/${other.id}/recording/stop`, {
            method: "POST",
          });
          const viewer = await signInViewer(stack, [porch.id]);
          // Reads with the viewer's API token (read-only, as every viewer token),
          // writes with the viewer's session cookie and CSRF token.
          const as = (path: string, init: RequestInit = {}) =>
            fetch(`${stack.url}${path}`, {
              ...init,
              headers: init.method && init.method !== "GET"
                ? { ...viewer.write, "content-type": "application/json" }
                : { authorization: `Bearer ${viewer.token}` },
            });
          const list = await (await as("/api/recordings")).json();
          assert.ok(list.recordings.length > 0);
          assert.ok(
            list.recordings.every((r: { camera_id: string }) =>
              r.camera_id === porch.id
            ),
            JSON.stringify(
              list.recordings.map((r: { camera_id: string }) => r.camera_id),
            ),
          );
          const [{ n }] = await sql`
          select count(*)::int as n from recording_sessions where camera_id = ${porch.id}`;
          assert.equal(list.total, n);
          assert.equal(
            (await as(`/api/recordings/${porch.session}`)).status,
            200,
          );
          const dl = await as(`/api/recordings/${porch.session}/download`);
          assert.equal(dl.status, 200);
          await dl.body?.cancel();
          assert.equal(
            (await as(`/api/cameras/${porch.id}/recording/status`)).status,
            200,
          );

          for (
            const path of [
              `/api/recordings/${otherRec.id}`,
              `/api/recordings/${otherRec.id}/download`,
              `/api/recordings?camera_id=${other.id}`,
              `/api/cameras/${other.id}/recording/status`,
              `/api/cameras/${other.id}/playback?start=2026-02-26T10:00:00Z&end=2026-02-26T11:00:00Z`,
            ]
          ) await expectError(await as(path), 403);
          for (
            const [method, path, body] of [
              ["POST", `/api/cameras/${porch.id}/recording/start`, {}],
              ["POST", `/api/cameras/${porch.id}/recording/stop`, {}],
              ["PATCH", `/api/recordings/${porch.session}`, { keep: false }],
              ["DELETE", `/api/recordings/${porch.session}`, undefined],
              ["POST", "/api/recordings/reconcile", {}],
            ] as const
          ) {
            const err = await expectError(
              await as(path, {
                method,
                body: body ? JSON.stringify(body) : undefined,
              }),
              403,
            );
            assert.match(err.message, /admin role/);
          }
          assert.equal(
            (await ctx.json(`/api/recordings/${porch.session}`)).keep,
            true,
          );

          // A deleted camera's recordings stay, marked, for admins only.
          await ctx.json(`/api/cameras/${other.id}`, { method: "DELETE" });
          const orphan = await ctx.json(`/api/recordings/${otherRec.id}`);
          assert.equal(orphan.camera_deleted, true);
          assert.equal(orphan.camera_id, null);
          assert.equal(orphan.camera_name, "Secret");
          await expectError(await as(`/api/recordings/${otherRec.id}`), 403);
        },
      );

      await t.step(
        "delete: the node deletes each file first; offline node → 503",
        async () => {
          const rec = await ctx.json(`/api/recordings/${porch.session}`);
          // Still recording → 409.
          const live = await ctx.json(
            `/api/cameras/${porch.id}/recording/start`,
            {
              method: "POST",
            },
          );
          await expectError(
            await stack.api(`/api/recordings/${live.id}`, { method: "DELETE" }),
            409,
          );
          await ctx.json(`/api/cameras/${porch.id}/recording/stop`, {
            method: "POST",
          });

          // Node offline: 503 naming it, nothing deleted anywhere.
          await stack.controller.nodes.markOffline(NODE, "test");
          const before = fake.requests.length;
          const off = await expectError(
            await stack.api(`/api/recordings/${porch.session}`, {
              method: "DELETE",
            }),
            503,
          );
          assert.match(off.message, new RegExp(NODE));
          assert.equal(fake.requests.length, before, "the node was not asked");
          assert.equal(
            (await ctx.json(`/api/recordings/${porch.session}`)).segment_count,
            3,
          );
          const back = await ctx.node(`/internal/v1/nodes/${NODE}/heartbeat`, {
            method: "POST",
            json: nodeHeartbeat(NODE, { address: fake.url }),
          });
          assert.equal(back.status, 200);
          await back.body?.cancel();

          // One file refused: 502, its row stays; the others go.
          fake.failPaths.set(porch.paths[1], 500);
          // One already gone on the node (404): its row goes.
          fake.files.delete(porch.paths[2]);
          const partial = await expectError(
            await stack.api(`/api/recordings/${porch.session}`, {
              method: "DELETE",
            }),
            502,
          );
          assert.match(partial.message, /2 of 3/);
          const left = await ctx.json(`/api/recordings/${porch.session}`);
          assert.deepEqual(left.segments.map((s: { path: string }) => s.path), [
            porch.paths[1],
          ]);
          assert.ok(!fake.files.has(porch.paths[0]));

          fake.failPaths.clear();
          const done = await ctx.json(`/api/recordings/${porch.session}`, {
            method: "DELETE",
          });
          assert.equal(done.id, porch.session);
          assert.equal(done.deleted_segments, 1);
          assert.ok(!fake.files.has(porch.paths[1]));
          const deletes = fake.requests.filter((r) => r.method === "DELETE")
            .map((r) => r.path);
          for (const p of rec.segments.map((s: { path: string }) => s.path)) {
            assert.ok(
              deletes.includes(`/v1/files/${p}`),
              `node asked to delete ${p}`,
            );
          }
          await expectError(
            await stack.api(`/api/recordings/${porch.session}`),
            404,
          );
          const [{ n }] = await sql`
          select count(*)::int as n from recording_segments where session_id = ${porch.session}`;
          assert.equal(n, 0);
          assert.ok(
            !(await ctx.desired()).storage?.keep_sessions.includes(
              porch.session,
            ),
          );

          // A recording without segments needs no node.
          const empty = await ctx.json(`/api/recordings/${sessionIds[0]}`, {
            method: "DELETE",
          });
          assert.equal(empty.deleted_segments, 0);
          const audit = await ctx.json("/api/audit?action=recording.delete");
          assert.equal(audit.total, 2);
        },
      );

      await t.step(
        "reconcile: orphaned and lost sessions end, storage compared",
        async () => {
          // Camera deleted while recording → interrupted (at once, through the bus).
          const doomed = await ctx.camera({ name: "Doomed", protocol: "demo" });
          const s1 = await ctx.json(
            `/api/cameras/${doomed.id}/recording/start`,
            {
              method: "POST",
            },
          );
          await ctx.json(`/api/cameras/${doomed.id}`, { method: "DELETE" });
          await eventually(
            async () =>
              (await ctx.json(`/api/recordings/${s1.id}`)).status ===
                "interrupted",
            5000,
            "orphaned session interrupted",
          );
          assert.match(
            (await ctx.json(`/api/recordings/${s1.id}`)).error_message,
            /deleted/,
          );

          // Node offline for more than 10 min → interrupted.
          const hb2 = await ctx.node(`/internal/v1/nodes/old-node/heartbeat`, {
            method: "POST",
            json: nodeHeartbeat("old-node"),
          });
          await hb2.body?.cancel();
          const pinned = await ctx.camera({
            name: "Pinned",
            protocol: "demo",
            node_name: "old-node",
          });
          const s2 = await ctx.json(
            `/api/cameras/${pinned.id}/recording/start`,
            {
              method: "POST",
            },
          );
          assert.equal(s2.node_name, "old-node");
          await sql`update nodes set status = 'offline', last_heartbeat_at = now() - interval '11 minutes'
                  where name = 'old-node'`;
          // A file on the node the controller does not know of.
          fake.put(`${pinned.id}/2026-02-26/000000.mp4`, bytes(10, 1));
          const report = await ctx.json("/api/recordings/reconcile", {
            method: "POST",
          });
          assert.ok(
            report.interrupted.some((i: { id: string; reason: string }) =>
              i.id === s2.id && /old-node/.test(i.reason)
            ),
            JSON.stringify(report),
          );
          assert.equal(
            (await ctx.json(`/api/recordings/${s2.id}`)).status,
            "interrupted",
          );
          const mine = report.nodes.find((n: { node: string }) =>
            n.node === NODE
          );
          assert.equal(mine.ok, true, JSON.stringify(mine));
          assert.deepEqual(
            mine.drift.find((d: { camera_id: string }) =>
              d.camera_id === pinned.id
            ),
            {
              camera_id: pinned.id,
              node_segments: 1,
              node_bytes: 10,
              known_segments: 0,
              known_bytes: 0,
            },
          );
          // Cameras whose files and rows agree show no drift.
          assert.ok(
            !mine.drift.some((d: { camera_id: string }) =>
              d.camera_id === porch.id
            ),
          );
          // File by file: a name that is no segment's is reported, never adopted.
          assert.equal(mine.files.full, true);
          const pinnedFiles = mine.files.cameras.find((
            c: { camera_id: string },
          ) => c.camera_id === pinned.id);
          assert.equal(pinnedFiles.camera_exists, true);
          assert.equal(pinnedFiles.untracked, 1);
          assert.equal(pinnedFiles.bad_names, 1);
          assert.equal(pinnedFiles.adopted, 0);
          assert.ok(
            !mine.files.cameras.some((c: { camera_id: string }) =>
              c.camera_id === porch.id
            ),
          );
          const audit = await ctx.json("/api/audit?action=recording.reconcile");
          assert.equal(audit.total, 1);
        },
      );
    } finally {
      await fake.close();
      await stack.close();
    }
  },
});

/** A viewer granted these cameras: a session (cookie + CSRF) and an API token. */
async function signInViewer(
  stack: Stack,
  cameraIds: string[],
): Promise<{ token: string; write: Record<string, string> }> {
  const username = `viewer${Math.floor(Math.random() * 1e6)}`;
  const password = "viewer-Pass-4-recordings!";
  const made = await stack.api("/api/users", {
    method: "POST",
    json: { username, password, role: "viewer", camera_ids: cameraIds },
  });
  assert.equal(made.status, 201, await made.text());
  const login = await fetch(`${stack.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const { csrf_token } = await login.json();
  const cookie = login.headers.get("set-cookie")!.split(";")[0];
  const token = await fetch(`${stack.url}/api/tokens`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie,
      "x-csrf-token": csrf_token,
    },
    body: JSON.stringify({ name: "viewer", scope: "full" }),
  });
  assert.equal(token.status, 201);
  return {
    token: (await token.json()).token,
    write: { cookie, "x-csrf-token": csrf_token },
  };
}
