/**
 * The recording wiring of the whole node agent (node-agent/mod.ts) against a
 * fake controller that speaks the real internal protocol: desired state with
 * `record`, events through the outbox, the file API, and close() leaving no
 * ffmpeg behind.
 */
import assert from "node:assert/strict";
import type {
  DesiredState,
  NodeEvent,
  SegmentClosedEvent,
} from "../../lib/protocol/mod.ts";
import { countFfmpeg } from "../../tests/support/processes.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { startNodeAgent } from "../mod.ts";

/** The join token; the fake hands out SECRET for it, as a controller does. */
const TOKEN = "agent-test-token-0123456789";
const SECRET = "agent-test-secret-".padEnd(43, "s");

function fakeController(state: () => DesiredState) {
  const events: NodeEvent[] = [];
  const enrolments: { address: string; api_key: string }[] = [];
  const ac = new AbortController();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname.endsWith("/enroll")) {
      if (req.headers.get("authorization") !== `Bearer ${TOKEN}`) {
        return new Response("no", { status: 401 });
      }
      const body = await req.json();
      enrolments.push(body);
      return Response.json({
        node: "rec-node",
        secret: SECRET,
        address: body.address,
      }, { status: 201 });
    }
    if (req.headers.get("authorization") !== `Bearer ${SECRET}`) {
      return new Response("no", { status: 401 });
    }
    if (url.pathname.endsWith("/heartbeat")) {
      await req.body?.cancel();
      return Response.json(state());
    }
    if (url.pathname.endsWith("/desired")) {
      if (url.searchParams.get("etag") === state().etag) {
        await new Promise((r) => setTimeout(r, 300));
      }
      return Response.json(state());
    }
    if (url.pathname.endsWith("/events")) {
      const body = await req.json() as { events: NodeEvent[] };
      events.push(...body.events);
      return Response.json({ acked: body.events.map((e) => e.id) });
    }
    return new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    events,
    enrolments,
    segments: () =>
      events.filter((e): e is SegmentClosedEvent =>
        e.type === "segment.closed"
      ),
    async close() {
      ac.abort();
      await server.finished.catch(() => {});
    },
  };
}

Deno.test({
  name:
    "node agent: records a camera of its desired state, reports segments, serves them, stops every ffmpeg",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "falcon-agent-rec-" });
    const width = 300 + 2 * Math.floor(Math.random() * 100);
    const camera = {
      id: "cam-agent-1",
      name: "Demo",
      protocol: "demo" as const,
      source_url: "demo://pattern",
      device_path: null,
      width,
      height: 200,
      framerate: 10,
      record: { session_id: "sess-agent-1", segment_seconds: 2 },
      retention_days: 30,
    };
    const desired: DesiredState = {
      node: "rec-node",
      etag: "e1",
      cameras: [camera],
      relay_idle_grace_ms: 500,
      storage: { min_free_ratio: 0, min_free_bytes: 0, keep_sessions: [] },
    };
    const ctl = fakeController(() => desired);
    const cfg = {
      nodeName: "rec-node",
      controllerUrl: ctl.url,
      nodeToken: TOKEN,
      controllerCaFile: undefined,
      tlsCert: undefined,
      tlsKey: undefined,
      port: 0,
      host: "127.0.0.1",
      advertiseUrl: undefined,
      dataDir,
      ffmpeg: "ffmpeg",
      heartbeatMs: 1000,
      maxJoins: 2,
      maxJoinQueue: 8,
      cacheMaxBytes: undefined,
      logLevel: "error" as const,
      logFormat: "text" as const,
    };
    try {
      const agent = await startNodeAgent(cfg);
      try {
        await waitFor(
          () => ctl.segments().length >= 2,
          "two segments reported",
          30_000,
        );
        const seg = ctl.segments()[0];
        assert.equal(seg.camera_id, camera.id);
        assert.equal(seg.session_id, "sess-agent-1");
        assert.equal(seg.video_codec, "h264");
        // Enrolled once; the controller calls it with the key it chose, and
        // the join token opens nothing on the node.
        assert.equal(ctl.enrolments.length, 1);
        assert.equal(ctl.enrolments[0].address, agent.url);
        const credential = `${dataDir}/node/rec-node/credential.json`;
        assert.equal((await Deno.stat(credential)).mode! & 0o777, 0o600);
        assert.equal(
          JSON.parse(await Deno.readTextFile(credential)).secret,
          SECRET,
        );
        const auth = {
          authorization: `Bearer ${ctl.enrolments[0].api_key}`,
        };
        const byJoin = await fetch(`${agent.url}/v1/storage`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await byJoin.body?.cancel();
        assert.equal(byJoin.status, 401);
        const file = await fetch(`${agent.url}/v1/files/${seg.path}`, {
          headers: auth,
        });
        assert.equal(file.status, 200);
        assert.equal(
          Number(file.headers.get("content-length")),
          seg.size_bytes,
        );
        await file.body?.cancel();
        const storage =
          await (await fetch(`${agent.url}/v1/storage`, { headers: auth }))
            .json();
        assert.equal(storage.cameras[0].camera_id, camera.id);
        assert.ok(storage.cameras[0].bytes > 0);
        assert.equal((await fetch(`${agent.url}/v1/storage`)).status, 401);
      } finally {
        await agent.close();
      }
      assert.equal(countFfmpeg(dataDir), 0, "no recorder ffmpeg left");
      assert.equal(
        countFfmpeg(`testsrc2=size=${width}x200`),
        0,
        "no relay ffmpeg left",
      );
      const reportedBefore = ctl.segments().length;
      const onDisk = [...walk(`${dataDir}/recordings/${camera.id}`)].filter((
        p,
      ) => p.endsWith(".mp4"));
      // The last segment was closed at stop; its event waits in the outbox if the
      // sender was already stopped, and goes out at the next start.
      desired.cameras = [{ ...camera, record: null }];
      desired.etag = "e2";
      const again = await startNodeAgent(cfg);
      try {
        await waitFor(
          () =>
            ctl.segments().length >=
              onDisk.filter((p) => !p.includes("/.incoming/")).length,
          "every segment on disk reported",
          10_000,
        );
        // Restarted on another port: it moves with the stored secret and key
        // (a DaemonSet pod with a new IP does the same).
        await waitFor(() => ctl.enrolments.length >= 2, "a move", 10_000);
        assert.equal(ctl.enrolments.length, 2);
        assert.equal(ctl.enrolments[1].address, again.url);
        assert.equal(
          (ctl.enrolments[1] as { secret?: string }).secret,
          SECRET,
        );
        assert.equal(ctl.enrolments[1].api_key, ctl.enrolments[0].api_key);
      } finally {
        await again.close();
      }
      const paths = ctl.segments().map((s) => s.path);
      assert.equal(
        new Set(paths).size,
        paths.length,
        "no segment reported twice",
      );
      assert.ok(paths.length >= reportedBefore);
    } finally {
      await ctl.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else yield p;
  }
}
