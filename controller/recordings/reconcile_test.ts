/**
 * The reconcile job against the node's disk, and web renditions of HEVC
 * footage, on a real PostgreSQL 15:
 *
 * - with the fake node file API (tests/support/fake_node_files.ts): rows of
 *   missing files deleted (in batches) and sessions expired, files without
 *   rows adopted (by session tag, durations estimated) or only reported,
 *   idempotence, paging, the empty-node guard; `format=web` through the
 *   rendition state machine;
 * - with a real node agent file server (node-agent/files/) and real
 *   ffmpeg: a libx265 clip downloaded as H.264 through the controller, and a
 *   reconcile pass against a real disk.
 */
import assert from "node:assert/strict";
import { createNodeApp } from "../../node-agent/http/app.ts";
import { Outbox } from "../../node-agent/outbox/outbox.ts";
import { RenditionManager } from "../../node-agent/renditions/rendition.ts";
import { runTool } from "../../node-agent/recorder/media.ts";
import { RelayManager } from "../../node-agent/relay/manager.ts";
import {
  type FakeNodeFiles,
  startFakeNodeFiles,
} from "../../tests/support/fake_node_files.ts";
import { createDatabase, startPostgres } from "../../tests/support/postgres.ts";
import {
  nodeHeaders,
  nodeHeartbeat,
  nodeRequest,
  randomNodeKey,
  type Stack,
  startStack,
} from "../../tests/support/stack.ts";
import {
  type CameraFilesReport,
  estimateEnds,
  MAX_ESTIMATED_MS,
  parseSegmentName,
  type ReconcileReport,
} from "./reconcile.ts";

const bytes = (n: number, seed: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 251);

/** `{camera}/{date}/{YYYYMMDDTHHMMSSZ}_{tag}.mp4` as a node names a segment. */
function segPath(camera: string, iso: string, tag: string): string {
  const d = new Date(iso).toISOString();
  const stamp = d.slice(0, 19).replace(/[-:]/g, "") + "Z";
  return `${camera}/${d.slice(0, 10)}/${stamp}_${tag}.mp4`;
}

const tagOf = (sessionId: string) =>
  sessionId.replace(/[^A-Za-z0-9]/g, "").slice(0, 8);

function segmentClosed(o: {
  camera: string;
  session: string;
  path: string;
  start: string;
  end: string;
  size: number;
  codec?: string;
}) {
  return {
    id: crypto.randomUUID(),
    type: "segment.closed",
    camera_id: o.camera,
    session_id: o.session,
    path: o.path,
    start_at: o.start,
    end_at: o.end,
    duration_ms: Date.parse(o.end) - Date.parse(o.start),
    size_bytes: o.size,
    video_codec: o.codec ?? "h264",
    audio_codec: null,
    recovered: false,
  };
}

interface Harness {
  stack: Stack;
  node(path: string, body: unknown): Promise<Response>;
  events(node: string, events: unknown[]): Promise<void>;
  camera(name: string): Promise<string>;
  /** A manual recording started and stopped: its id. */
  session(cameraId: string): Promise<string>;
  // deno-lint-ignore no-explicit-any
  json<T = any>(
    path: string,
    init?: RequestInit & { json?: unknown },
  ): Promise<T>;
  reconcile(): Promise<ReconcileReport>;
}

/** `apiKey`: the key the node (a fake, or a real node app) accepts from the controller. */
function harness(stack: Stack, apiKey: string): Harness {
  const h: Harness = {
    stack,
    node: (path, body) =>
      nodeRequest(stack, path, { method: "POST", json: body }, { apiKey }),
    async events(node, events) {
      const res = await h.node(`/internal/v1/nodes/${node}/events`, {
        events,
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(JSON.parse(text).acked.length, events.length, text);
    },
    async camera(name) {
      const res = await stack.api("/api/cameras", {
        method: "POST",
        json: { name, protocol: "demo" },
      });
      const text = await res.text();
      assert.equal(res.status, 201, text);
      return JSON.parse(text).id;
    },
    async session(cameraId) {
      const s = await h.json(`/api/cameras/${cameraId}/recording/start`, {
        method: "POST",
      });
      await h.json(`/api/cameras/${cameraId}/recording/stop`, {
        method: "POST",
      });
      return s.id;
    },
    async json(path, init) {
      const res = await stack.api(path, init);
      const text = await res.text();
      assert.ok(res.ok, `${path} answered ${res.status}: ${text}`);
      return JSON.parse(text);
    },
    reconcile: () => h.json("/api/recordings/reconcile", { method: "POST" }),
  };
  return h;
}

async function register(h: Harness, node: string, address: string) {
  const res = await h.node(
    `/internal/v1/nodes/${node}/heartbeat`,
    nodeHeartbeat(node, { address }),
  );
  assert.equal(res.status, 200, await res.text());
}

function cameraIn(
  report: ReconcileReport,
  node: string,
  camera: string,
): CameraFilesReport | undefined {
  const n = report.nodes.find((x) => x.node === node);
  assert.ok(n?.ok, JSON.stringify(n));
  return n!.files!.cameras.find((c) => c.camera_id === camera);
}

Deno.test("parseSegmentName() and estimateEnds()", () => {
  const cam = crypto.randomUUID();
  assert.deepEqual(
    parseSegmentName(`${cam}/2026-03-01/20260301T100000Z_ab12cd34.mp4`),
    {
      cameraId: cam,
      startMs: Date.parse("2026-03-01T10:00:00Z"),
      tag: "ab12cd34",
    },
  );
  assert.equal(
    parseSegmentName(`${cam}/2026-03-01/20260301T100000Z_ab12cd34-2.mp4`)
      ?.tag,
    "ab12cd34",
  );
  for (
    const bad of [
      `${cam}/2026-03-02/20260301T100000Z_ab12cd34.mp4`, // folder ≠ name
      `${cam}/2026-02-31/20260231T100000Z_ab12cd34.mp4`, // no such day
      `${cam}/2026-03-01/100000.mp4`,
      `${cam}/20260301T100000Z_ab12cd34.mp4`,
    ]
  ) assert.equal(parseSegmentName(bad), null, bad);

  const t = Date.parse("2026-03-01T10:00:00Z");
  assert.deepEqual(
    estimateEnds([
      { startMs: t, mtimeMs: t + 60_500 }, // contiguous: the next start
      { startMs: t + 60_000, mtimeMs: t + 120_400 }, // a gap follows: mtime
      { startMs: t + 300_000, mtimeMs: t + 330_000 }, // last: mtime
      // copied later (mtime far off): the next start still serves
      { startMs: t + 400_000, mtimeMs: t + 400_000 + MAX_ESTIMATED_MS + 1 },
      // neither a usable mtime nor a next start close enough: unknown
      { startMs: t + 500_000, mtimeMs: 0 },
      { startMs: t + 500_000 + MAX_ESTIMATED_MS + 1, mtimeMs: 0 },
    ]),
    [
      t + 60_000,
      t + 120_400,
      t + 330_000,
      t + 500_000,
      null,
      null,
    ],
  );
});

Deno.test({
  name: "reconcile against the disk, and web renditions, with a fake node",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using pg = await startPostgres();
    const stack = await startStack({
      databaseUrl: await createDatabase(pg),
      nodeOfflineAfterMs: 600000,
    });
    const key = randomNodeKey();
    const fake: FakeNodeFiles = await startFakeNodeFiles(key);
    const empty = await startFakeNodeFiles(key);
    const h = harness(stack, key);
    const sql = stack.controller.db.sql;
    const NODE = "fk-node";
    const count = async (q: string, id: string) => {
      const [{ n }] = await sql.unsafe(q, [id]);
      return n as number;
    };
    const segmentsOf = (session: string) =>
      count(
        "select count(*)::int as n from recording_segments where session_id = $1",
        session,
      );
    try {
      await register(h, NODE, fake.url);
      const old = Date.parse("2026-03-01T12:00:00Z"); // long ago: adoptable

      // Camera A: a stopped recording SA with 3 segments, and SB with 1.
      const A = await h.camera("Alpha");
      const SA = await h.session(A);
      const SB = await h.session(A);
      const put = (path: string, size: number, mtime = old) =>
        fake.put(path, bytes(size, size), mtime);
      const aPaths = [0, 1, 2].map((i) =>
        segPath(A, `2026-03-01T10:0${i}:00Z`, tagOf(SA))
      );
      aPaths.forEach((p, i) => put(p, 100 + i));
      const bPath = segPath(A, "2026-03-01T09:00:00Z", tagOf(SB));
      put(bPath, 50);
      await h.events(NODE, [
        ...aPaths.map((p, i) =>
          segmentClosed({
            camera: A,
            session: SA,
            path: p,
            start: `2026-03-01T10:0${i}:00Z`,
            end: `2026-03-01T10:0${i + 1}:00Z`,
            size: 100 + i,
            codec: "hevc",
          })
        ),
        segmentClosed({
          camera: A,
          session: SB,
          path: bPath,
          start: "2026-03-01T09:00:00Z",
          end: "2026-03-01T09:01:00Z",
          size: 50,
        }),
      ]);
      // Camera C records now; one of its segments' files is gone.
      const C = await h.camera("Charlie");
      const SC = (await h.json(`/api/cameras/${C}/recording/start`, {
        method: "POST",
      })).id;
      const cPaths = [0, 1].map((i) =>
        segPath(C, `2026-03-01T11:0${i}:00Z`, tagOf(SC))
      );
      put(cPaths[0], 70);
      put(cPaths[1], 70);
      await h.events(
        NODE,
        cPaths.map((p, i) =>
          segmentClosed({
            camera: C,
            session: SC,
            path: p,
            start: `2026-03-01T11:0${i}:00Z`,
            end: `2026-03-01T11:0${i + 1}:00Z`,
            size: 70,
          })
        ),
      );
      // Camera D never existed on this controller (deleted long ago).
      const D = crypto.randomUUID();
      const dPath = segPath(D, "2026-03-01T08:00:00Z", "deadbeef");
      put(dPath, 33);

      let first: ReconcileReport;
      await t.step("a clean node: nothing to repair", async () => {
        const r = await h.reconcile();
        const n = r.nodes.find((x) => x.node === NODE)!;
        assert.equal(n.ok, true, JSON.stringify(n));
        assert.equal(n.error, undefined);
        assert.deepEqual(n.drift.map((d) => d.camera_id), [D]);
        const files = n.files!;
        assert.equal(files.missing, 0);
        assert.deepEqual(
          files.cameras.map((c) => c.camera_id),
          [D],
          "only the deleted camera's file differs",
        );
        assert.equal(files.listed, 7);
        assert.equal(files.known, 6);
      });

      await t.step(
        "rows of missing files are deleted; a finished session left empty expires",
        async () => {
          fake.files.delete(aPaths[1]);
          fake.files.delete(bPath);
          fake.files.delete(cPaths[1]);
          first = await h.reconcile();
          const a = cameraIn(first, NODE, A)!;
          assert.equal(a.missing, 2);
          assert.equal(a.deleted_rows, 2);
          assert.deepEqual(a.missing_paths.sort(), [aPaths[1], bPath].sort());
          assert.deepEqual(a.expired_sessions, [SB]);
          assert.equal(await segmentsOf(SA), 2);
          assert.equal(await segmentsOf(SB), 0);
          const sb = await h.json(`/api/recordings/${SB}`);
          assert.equal(sb.status, "expired");
          assert.equal(
            (await h.json(`/api/recordings/${SA}`)).status,
            "completed",
          );
          // A recording session loses the row, not its status.
          const c = cameraIn(first, NODE, C)!;
          assert.equal(c.deleted_rows, 1);
          assert.deepEqual(c.expired_sessions, []);
          assert.equal(await segmentsOf(SC), 1);
          assert.equal(
            (await h.json(`/api/recordings/${SC}`)).status,
            "recording",
          );
        },
      );

      await t.step(
        "files without rows: adopted by session tag, durations estimated; others only reported",
        async () => {
          // One more file of SA (its event never arrived).
          const a3 = segPath(A, "2026-03-01T10:03:00Z", tagOf(SA));
          put(a3, 103, Date.parse("2026-03-01T10:04:00.600Z"));
          // Three files of a session the controller never knew (tag 0badc0de).
          const lost = [
            ["2026-03-01T10:10:00Z", "2026-03-01T10:11:00.500Z"],
            ["2026-03-01T10:11:00Z", "2026-03-01T10:12:00.400Z"],
            ["2026-03-01T10:15:00Z", "2026-03-01T10:15:30.000Z"],
            ["2026-03-01T10:20:00Z", "2026-03-01T13:00:00.000Z"], // copied later
          ].map(([start, mtime], i) => {
            const p = segPath(A, start, "0badc0de");
            put(p, 200 + i, Date.parse(mtime));
            return p;
          });
          // A tag that cannot begin a uuid; a recent file; a name of no segment.
          const odd = segPath(A, "2026-03-01T07:00:00Z", "sess0001");
          put(odd, 9, Date.parse("2026-03-01T07:01:00Z"));
          const recent = segPath(A, "2026-03-01T10:30:00Z", "0badc0de");
          put(recent, 9, Date.now());
          put(`${A}/2026-03-01/junk.mp4`, 9);
          // Untracked files of a deleted camera are reported, not adopted.
          const r = await h.reconcile();
          const a = cameraIn(r, NODE, A)!;
          assert.equal(a.camera_exists, true);
          assert.equal(a.missing, 0);
          assert.equal(a.untracked, 8);
          assert.equal(a.adopted, 6);
          assert.equal(a.too_recent, 1);
          assert.equal(a.bad_names, 1);
          assert.equal(a.estimated_durations, 5);
          assert.equal(a.unknown_durations, 1);
          assert.ok(a.untracked_paths.includes(recent));
          const d = cameraIn(r, NODE, D)!;
          assert.equal(d.camera_exists, false);
          assert.equal(d.untracked, 1);
          assert.equal(d.adopted, 0);
          assert.deepEqual(d.untracked_paths, [dPath]);

          // a3 joined SA (its tag), with SA's codec and an estimated end.
          const toSA = a.sessions.find((s) => s.id === SA);
          assert.deepEqual(toSA, { id: SA, created: false, segments: 1 });
          const sa = await h.json(`/api/recordings/${SA}`);
          assert.equal(sa.segment_count, 3);
          const seg3 = sa.segments.find((s: { path: string }) => s.path === a3);
          assert.equal(seg3.start_at, "2026-03-01T10:03:00.000Z");
          assert.equal(seg3.end_at, "2026-03-01T10:04:00.600Z");
          assert.equal(seg3.duration_ms, 60_600);
          assert.equal(seg3.video_codec, "hevc", "borrowed from SA's segments");
          assert.equal(sa.status, "completed");

          // The unknown tag became an interrupted session whose id begins with it.
          const made = a.sessions.find((s) => s.id.startsWith("0badc0de"))!;
          assert.equal(made.created, true);
          assert.equal(made.segments, 4);
          const lostRec = await h.json(`/api/recordings/${made.id}`);
          assert.equal(lostRec.status, "interrupted");
          assert.equal(lostRec.camera_id, A);
          assert.equal(lostRec.node_name, NODE);
          assert.match(lostRec.error_message, /reconcile/);
          assert.equal(lostRec.started_at, "2026-03-01T10:10:00.000Z");
          assert.equal(lostRec.ended_at, "2026-03-01T10:20:00.000Z");
          assert.deepEqual(
            lostRec.segments.map((
              s: { path: string; duration_ms: number; size_bytes: number },
            ) => [s.path, s.duration_ms, s.size_bytes]),
            [
              [lost[0], 60_000, 200], // the next file's start
              [lost[1], 60_400, 201], // mtime: a gap follows
              [lost[2], 30_000, 202], // the last: mtime
              [lost[3], 0, 203], // mtime far off: unknown, 0
            ],
          );
          // Tags that cannot begin a uuid get a session of their own too.
          const other = a.sessions.find((s) =>
            s.id !== SA && !s.id.startsWith("0badc0de")
          )!;
          assert.equal(other.segments, 1);
          assert.equal(
            (await h.json(`/api/recordings/${other.id}`)).segments[0].path,
            odd,
          );
          // Keeping the adopted session protects its files on the node: the
          // node compares session tags.
          await h.json(`/api/recordings/${made.id}`, {
            method: "PATCH",
            json: { keep: true },
          });
          const desired = await stack.controller.nodes.desired(NODE);
          assert.ok(
            desired.storage?.keep_sessions.some((id) =>
              tagOf(id) === "0badc0de"
            ),
          );
        },
      );

      await t.step(
        "a second pass changes nothing; a later file of an adopted tag joins its session",
        async () => {
          const before = await sql`
            select (select count(*)::int from recording_segments) as segs,
                   (select count(*)::int from recording_sessions) as sessions`;
          const r = await h.reconcile();
          const a = cameraIn(r, NODE, A)!;
          assert.equal(a.missing, 0);
          assert.equal(a.adopted, 0);
          assert.equal(a.untracked, 2, "the recent file and the odd name");
          assert.deepEqual(a.sessions, []);
          const after = await sql`
            select (select count(*)::int from recording_segments) as segs,
                   (select count(*)::int from recording_sessions) as sessions`;
          assert.deepEqual([...after], [...before]);

          // Paged listing (2 a page) gives the same answer.
          fake.listLimit = 2;
          const lists = () =>
            fake.requests.filter((x) =>
              x.path === "/v1/recordings/list" && x.method === "GET"
            ).length;
          const n0 = lists();
          const paged = await h.reconcile();
          assert.deepEqual(cameraIn(paged, NODE, A), a);
          assert.ok(lists() - n0 > 6, `listed in ${lists() - n0} pages`);
          fake.listLimit = 5000;

          const later = segPath(A, "2026-03-01T10:40:00Z", "0badc0de");
          put(later, 77, Date.parse("2026-03-01T10:41:00Z"));
          const r2 = await h.reconcile();
          const a2 = cameraIn(r2, NODE, A)!;
          assert.equal(a2.adopted, 1);
          assert.equal(a2.sessions.length, 1);
          assert.equal(a2.sessions[0].created, false);
          assert.ok(a2.sessions[0].id.startsWith("0badc0de"));
          const grown = await h.json(`/api/recordings/${a2.sessions[0].id}`);
          assert.equal(grown.ended_at, "2026-03-01T10:41:00.000Z");
          assert.equal(grown.status, "interrupted");
        },
      );

      await t.step(
        "thousands of missing rows go in batches; an expired session gets footage back",
        async () => {
          const E = await h.camera("Echo");
          const SE = await h.session(E);
          await sql`
            insert into recording_segments (session_id, camera_id, node_name, path, start_at, end_at,
                                            duration_ms, size_bytes, video_codec)
            select ${SE}::uuid, ${E}::uuid, ${NODE}::text,
                   ${E}::text || '/2026-03-02/' || to_char(t at time zone 'UTC', 'YYYYMMDD"T"HH24MISS"Z"')
                     || '_' || ${tagOf(SE)}::text || '.mp4',
                   t, t + interval '1 minute', 60000, 10, 'h264'
            from generate_series(timestamptz '2026-03-02 00:00:00+00', timestamptz '2026-03-02 00:00:00+00' + interval '2499 minutes', interval '1 minute') t`;
          assert.equal(await segmentsOf(SE), 2500);
          const started = performance.now();
          const r = await h.reconcile();
          const e = cameraIn(r, NODE, E)!;
          assert.equal(e.missing, 2500);
          assert.equal(e.deleted_rows, 2500);
          assert.equal(e.missing_paths.length, 20, "examples are bounded");
          assert.deepEqual(e.expired_sessions, [SE]);
          assert.equal(await segmentsOf(SE), 0);
          assert.ok(
            performance.now() - started < 10_000,
            `took ${performance.now() - started} ms`,
          );
          // The file comes back (restored from a backup): the expired session
          // is completed again.
          const back = segPath(E, "2026-03-02T00:00:00Z", tagOf(SE));
          put(back, 10, Date.parse("2026-03-02T00:01:00Z"));
          const r2 = await h.reconcile();
          assert.equal(cameraIn(r2, NODE, E)!.adopted, 1);
          const se = await h.json(`/api/recordings/${SE}`);
          assert.equal(se.status, "completed");
          assert.equal(se.segment_count, 1);
        },
      );

      await t.step(
        "a node that lists nothing at all keeps its rows (a disk not mounted?)",
        async () => {
          await register(h, "empty-node", empty.url);
          const F = await h.camera("Foxtrot");
          const SF = await h.session(F);
          await h.events("empty-node", [
            segmentClosed({
              camera: F,
              session: SF,
              path: segPath(F, "2026-03-03T00:00:00Z", tagOf(SF)),
              start: "2026-03-03T00:00:00Z",
              end: "2026-03-03T00:01:00Z",
              size: 5,
            }),
          ]);
          const r = await h.reconcile();
          const n = r.nodes.find((x) => x.node === "empty-node")!;
          assert.equal(n.ok, true);
          assert.match(n.files!.deletes_withheld!, /no recordings at all/);
          assert.equal(n.files!.missing, 1);
          assert.equal(n.files!.deleted_rows, 0);
          assert.equal(await segmentsOf(SF), 1);
          await stack.controller.nodes.markOffline("empty-node", "test");
        },
      );

      // --- format=web ---
      const H = await h.camera("Hevc");
      const SH = await h.session(H);
      const hPaths = [0, 1].map((i) =>
        segPath(H, `2026-03-04T10:0${i}:00Z`, tagOf(SH))
      );
      const hData = hPaths.map((p, i) => {
        const b = bytes(300 + i, 40 + i);
        fake.put(p, b);
        return b;
      });
      await h.events(
        NODE,
        hPaths.map((p, i) =>
          segmentClosed({
            camera: H,
            session: SH,
            path: p,
            start: `2026-03-04T10:0${i}:00Z`,
            end: `2026-03-04T10:0${i + 1}:00Z`,
            size: 300 + i,
            codec: "hevc",
          })
        ),
      );
      const web = new Uint8Array([
        ...new TextEncoder().encode("WEB:"),
        ...hData[0],
        ...hData[1],
      ]);

      await t.step(
        "format=web of HEVC: 202 while the node converts, then the H.264 rendition with Range",
        async () => {
          fake.renditionPlan = { workingPolls: 2 };
          const url = `/api/recordings/${SH}/download?format=web`;
          for (const n of [1, 2]) {
            const res = await stack.api(url);
            const text = await res.text();
            assert.equal(res.status, 202, text);
            assert.equal(res.headers.get("retry-after"), "2");
            assert.equal(res.headers.get("cache-control"), "no-store");
            const body = JSON.parse(text);
            assert.equal(body.state, "working");
            assert.equal(body.progress, n / 3);
            assert.equal(body.retry_after_ms, 2000);
          }
          const ask = fake.requests.findLast((x) =>
            x.path === "/v1/renditions"
          );
          assert.deepEqual(ask?.body, { paths: hPaths, duration_ms: 120_000 });

          const ready = await stack.api(url);
          assert.equal(ready.status, 200);
          assert.equal(ready.headers.get("content-type"), "video/mp4");
          assert.equal(ready.headers.get("x-rendition"), "h264");
          assert.match(
            ready.headers.get("content-disposition") ?? "",
            /^attachment; filename="Hevc_/,
          );
          assert.equal(ready.headers.get("content-length"), String(web.length));
          assert.deepEqual(new Uint8Array(await ready.arrayBuffer()), web);
          const part = await stack.api(url, {
            headers: { range: "bytes=4-13" },
          });
          assert.equal(part.status, 206);
          assert.equal(
            part.headers.get("content-range"),
            `bytes 4-13/${web.length}`,
          );
          assert.deepEqual(
            new Uint8Array(await part.arrayBuffer()),
            web.slice(4, 14),
          );

          // Without format: the recorded codec, joined as usual.
          const orig = await stack.api(`/api/recordings/${SH}/download`);
          assert.equal(orig.status, 200);
          assert.equal(orig.headers.get("x-rendition"), null);
          assert.deepEqual(
            new Uint8Array(await orig.arrayBuffer()),
            new Uint8Array([...hData[0], ...hData[1]]),
          );

          // Playback of the same range with format=web: the same rendition.
          const play = await stack.api(
            `/api/cameras/${H}/playback?start=2026-03-04T10:00:00Z&end=2026-03-04T10:02:00Z&format=web`,
          );
          assert.equal(play.status, 200);
          assert.match(
            play.headers.get("content-disposition") ?? "",
            /^inline/,
          );
          assert.deepEqual(new Uint8Array(await play.arrayBuffer()), web);
        },
      );

      await t.step(
        "format=web of H.264 is the normal download; bad formats 400; failures 502; a busy node 429",
        async () => {
          const before = fake.requests.filter((x) =>
            x.path === "/v1/renditions"
          ).length;
          // SA is HEVC (its segments say so); C's session SC is H.264.
          await h.json(`/api/cameras/${C}/recording/stop`, { method: "POST" });
          const h264 = await stack.api(
            `/api/recordings/${SC}/download?format=web`,
          );
          assert.equal(h264.status, 200);
          assert.equal(h264.headers.get("x-rendition"), null);
          assert.deepEqual(
            new Uint8Array(await h264.arrayBuffer()),
            fake.files.get(cPaths[0]),
          );
          assert.equal(
            fake.requests.filter((x) => x.path === "/v1/renditions").length,
            before,
            "no rendition asked for H.264",
          );
          for (
            const path of [
              `/api/recordings/${SH}/download?format=mkv`,
              `/api/cameras/${H}/playback?start=2026-03-04T10:00:00Z&end=2026-03-04T10:01:00Z&format=WEB`,
            ]
          ) {
            const res = await stack.api(path);
            const body = await res.json();
            assert.equal(res.status, 400, path);
            assert.equal(body.error.field, "format");
          }

          // A failed conversion: 502 with the node's (redacted) reason.
          fake.renditionPlan = {
            workingPolls: 0,
            error: "transcoding failed (exit 1): Invalid data found",
          };
          const failed = await stack.api(
            `/api/cameras/${H}/playback?start=2026-03-04T10:00:00Z&end=2026-03-04T10:01:00Z&format=web`,
          );
          const fb = await failed.json();
          assert.equal(failed.status, 502);
          assert.match(fb.error.message, /fk-node/);
          assert.match(fb.error.message, /Invalid data found/);

          fake.renditionPlan = { workingPolls: 0, busy: true };
          const busy = await stack.api(
            `/api/cameras/${H}/playback?start=2026-03-04T10:01:00Z&end=2026-03-04T10:02:00Z&format=web`,
          );
          const bb = await busy.json();
          assert.equal(busy.status, 429, JSON.stringify(bb));
          assert.equal(busy.headers.get("retry-after"), "7");
          assert.match(bb.error.message, /busy/);
          fake.renditionPlan = { workingPolls: 2 };
        },
      );

      await t.step(
        "timer passes list only the cameras whose counts differ",
        async () => {
          fake.files.delete(hPaths[1]); // H now differs by count
          const r = await stack.controller.reconciler.run({ full: false });
          const files = r.nodes.find((x) => x.node === NODE)!.files!;
          assert.equal(files.full, false);
          // C and E agree with their rows: not listed.
          assert.equal(files.skipped_cameras, 2, JSON.stringify(files));
          assert.deepEqual(
            files.cameras.map((c) => c.camera_id).sort(),
            [A, D, H].sort(),
          );
          assert.equal(cameraIn(r, NODE, H)!.deleted_rows, 1);
          assert.equal(await segmentsOf(SH), 1);
          // An on-demand pass lists everything.
          const all = await h.reconcile();
          const f2 = all.nodes.find((x) => x.node === NODE)!.files!;
          assert.equal(f2.full, true);
          assert.equal(f2.skipped_cameras, 0);

          // A node agent too old to list its files: counts only, nothing changed.
          fake.noListing = true;
          fake.files.delete(cPaths[0]);
          const older = await h.reconcile();
          const n = older.nodes.find((x) => x.node === NODE)!;
          assert.equal(n.ok, true, JSON.stringify(n));
          assert.equal(n.files, null);
          assert.ok(n.drift.some((d) => d.camera_id === C));
          assert.equal(await segmentsOf(SC), 1, "no row deleted from counts");
          fake.noListing = false;
        },
      );
    } finally {
      await fake.close();
      await empty.close();
      await stack.close();
    }
  },
});

/** Two 2-s libx265 + AAC fMP4 segments; null when this ffmpeg has no libx265. */
async function hevcClip(file: string, seconds = 2): Promise<boolean> {
  const r = await runTool("ffmpeg", [
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=320x240:rate=10",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440:sample_rate=16000",
    "-t",
    String(seconds),
    "-c:v",
    "libx265",
    "-x265-params",
    "log-level=error",
    "-g",
    "20",
    "-c:a",
    "aac",
    "-shortest",
    "-movflags",
    "+frag_keyframe+empty_moov+default_base_moof",
    "-f",
    "mp4",
    file,
  ], 60_000);
  if (!r.ok && /Unknown encoder|libx265/.test(r.stderr)) return false;
  assert.ok(r.ok, r.stderr);
  return true;
}

Deno.test({
  name:
    "reconcile and format=web against a real node agent file server (ffmpeg, libx265)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using pg = await startPostgres();
    const stack = await startStack({
      databaseUrl: await createDatabase(pg),
      nodeOfflineAfterMs: 600000,
    });
    const key = randomNodeKey();
    const h = harness(stack, key);
    const dir = await Deno.realPath(await Deno.makeTempDir());
    const root = `${dir}/recordings`;
    await Deno.mkdir(root);
    const outbox = new Outbox({
      dir: `${dir}/outbox`,
      controllerUrl: stack.url,
      nodeName: "real-node",
      // The node's own secret, once the test enrolled it (register below).
      token: () => {
        try {
          return nodeHeaders(stack, "real-node").authorization.slice(7);
        } catch {
          return null;
        }
      },
    });
    await outbox.init();
    const renditions = new RenditionManager({
      cacheDir: `${dir}/cache/joined`,
      ffmpegPath: "ffmpeg",
      redactPaths: [root],
    });
    const app = createNodeApp({
      token: key,
      relays: new RelayManager(),
      status: () => Promise.reject(new Error("unused")),
      probe: () => Promise.reject(new Error("unused")),
      files: {
        root,
        cacheDir: `${dir}/cache/joined`,
        outbox,
        ffmpegPath: "ffmpeg",
        renditions,
      },
    });
    const ac = new AbortController();
    const server = Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      signal: ac.signal,
      onListen: () => {},
    }, app.fetch);
    try {
      await register(h, "real-node", `http://127.0.0.1:${server.addr.port}`);
      const R = await h.camera("Real");
      const SR = await h.session(R);
      const paths = [0, 1].map((i) =>
        segPath(R, `2026-03-05T10:00:0${2 * i}Z`, tagOf(SR))
      );
      await Deno.mkdir(`${root}/${R}/2026-03-05`, { recursive: true });
      let hevc = true;
      for (const p of paths) hevc &&= await hevcClip(`${root}/${p}`);
      if (!hevc) {
        for (const p of paths) {
          await Deno.writeFile(`${root}/${p}`, bytes(99, 1));
        }
        console.warn(
          "SKIPPED: this ffmpeg has no libx265 encoder; HEVC footage is faked with H.264 bytes and only reconcile is tested here",
        );
      }
      await h.events(
        "real-node",
        await Promise.all(paths.map(async (p, i) =>
          segmentClosed({
            camera: R,
            session: SR,
            path: p,
            start: `2026-03-05T10:00:0${2 * i}Z`,
            end: `2026-03-05T10:00:0${2 * i + 2}Z`,
            size: (await Deno.stat(`${root}/${p}`).catch(() => ({ size: 0 })))
              .size,
            codec: "hevc",
          })
        )),
      );

      if (hevc) {
        await t.step(
          "an HEVC recording downloads as H.264 through the controller",
          async () => {
            const url = `/api/recordings/${SR}/download?format=web`;
            let res = await stack.api(url);
            const states: string[] = [];
            const end = Date.now() + 60_000;
            while (res.status === 202 && Date.now() < end) {
              const body = await res.json();
              states.push(body.state);
              assert.equal(body.retry_after_ms, 2000);
              await new Promise((r) => setTimeout(r, 100));
              res = await stack.api(url);
            }
            assert.equal(res.status, 200, await res.clone().text());
            assert.ok(states.length >= 1, "answered 202 while converting");
            assert.equal(res.headers.get("x-rendition"), "h264");
            const body = new Uint8Array(await res.arrayBuffer());
            const file = `${dir}/got.mp4`;
            await Deno.writeFile(file, body);
            const probe = await runTool("ffprobe", [
              "-v",
              "error",
              "-show_entries",
              "stream=codec_name",
              "-of",
              "csv=p=0",
              file,
            ], 15_000);
            assert.deepEqual(probe.stdout.trim().split("\n").sort(), [
              "aac",
              "h264",
            ]);
            const part = await stack.api(url, {
              headers: { range: "bytes=0-99" },
            });
            assert.equal(part.status, 206);
            assert.deepEqual(
              new Uint8Array(await part.arrayBuffer()),
              body.slice(0, 100),
            );
          },
        );
      }

      await t.step(
        "reconcile against the real disk: a file deleted by hand, a file without a row",
        async () => {
          // Deleted by hand (no event): its row must go.
          await Deno.remove(`${root}/${paths[1]}`);
          // A file whose event never came, closed long ago.
          const extra = segPath(R, "2026-03-05T10:00:04Z", tagOf(SR));
          await Deno.writeFile(`${root}/${extra}`, bytes(64, 3));
          const when = new Date("2026-03-05T10:00:06Z");
          await Deno.utime(`${root}/${extra}`, when, when);
          // Incoming files are never listed, whatever their age.
          await Deno.mkdir(`${root}/${R}/.incoming`);
          await Deno.writeFile(
            `${root}/${R}/.incoming/${SR}.r1.1772700000.mp4`,
            bytes(10, 1),
          );
          const r = await h.reconcile();
          const c = cameraIn(r, "real-node", R)!;
          assert.equal(c.node_files, 2);
          assert.equal(c.known_segments, 2);
          assert.deepEqual(c.missing_paths, [paths[1]]);
          assert.equal(c.deleted_rows, 1);
          assert.deepEqual(c.untracked_paths, [extra]);
          assert.equal(c.adopted, 1);
          assert.deepEqual(c.sessions, [{
            id: SR,
            created: false,
            segments: 1,
          }]);
          const rec = await h.json(`/api/recordings/${SR}`);
          assert.deepEqual(
            rec.segments.map((s: { path: string }) => s.path),
            [paths[0], extra],
          );
          const adopted = rec.segments[1];
          assert.equal(adopted.duration_ms, 2000, "mtime − start");
          assert.equal(adopted.size_bytes, 64);
          assert.equal(adopted.video_codec, "hevc");
          // Idempotent.
          const again = cameraIn(await h.reconcile(), "real-node", R);
          assert.equal(again, undefined, "no difference left");
        },
      );
    } finally {
      await renditions.close();
      ac.abort();
      await server.finished.catch(() => {});
      await stack.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
