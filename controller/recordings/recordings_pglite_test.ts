/**
 * Recordings on the embedded database (PGlite through pglite-socket, the
 * `falcon up` path): the migration applies, a start wakes the node's long
 * poll with `record`, node events apply once, and the list counts for real.
 */
import assert from "node:assert/strict";
import { registerNode, startStack } from "../../tests/support/stack.ts";

const NODE = "lite-node";

Deno.test({
  name: "recordings on the embedded database",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ nodeOfflineAfterMs: 600000 });
    try {
      const { headers: node, desired: first } = await registerNode(
        stack,
        NODE,
      );
      assert.deepEqual(first.storage?.keep_sessions, []);
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: { name: "Lite", protocol: "demo" },
      })).json();

      let sessionId = "";
      await t.step(
        "a start wakes the node's long poll with record",
        async () => {
          const desired = await (await fetch(
            `${stack.url}/internal/v1/nodes/${NODE}/desired?wait_ms=0`,
            { headers: node },
          )).json();
          assert.equal(
            desired.cameras.find((c: { id: string }) => c.id === cam.id).record,
            null,
          );
          const t0 = Date.now();
          const poll = fetch(
            `${stack.url}/internal/v1/nodes/${NODE}/desired?wait_ms=20000&etag=${desired.etag}`,
            { headers: node },
          );
          await new Promise((r) => setTimeout(r, 100));
          const start = await stack.api(
            `/api/cameras/${cam.id}/recording/start`,
            {
              method: "POST",
            },
          );
          assert.equal(start.status, 200);
          sessionId = (await start.json()).id;
          const next = await (await poll).json();
          assert.ok(Date.now() - t0 < 3000, `woke in ${Date.now() - t0} ms`);
          assert.notEqual(next.etag, desired.etag);
          assert.deepEqual(
            next.cameras.find((c: { id: string }) => c.id === cam.id).record,
            { session_id: sessionId, segment_seconds: 60 },
          );
        },
      );

      await t.step(
        "events apply once; unknown sessions become interrupted",
        async () => {
          const orphan = crypto.randomUUID();
          const events = [sessionId, sessionId, orphan].map((s, i) => ({
            id: `ev-${i}`,
            type: "segment.closed",
            camera_id: cam.id,
            session_id: s,
            path: `${cam.id}/2026-02-26/12${i}000.mp4`,
            start_at: `2026-02-26T12:${i}0:00.000Z`,
            end_at: `2026-02-26T12:${i}1:00.000Z`,
            duration_ms: 60000,
            size_bytes: 1000,
            video_codec: "h264",
            audio_codec: "aac",
            recovered: i === 2,
          }));
          for (let round = 0; round < 2; round++) {
            const res = await fetch(
              `${stack.url}/internal/v1/nodes/${NODE}/events`,
              {
                method: "POST",
                headers: node,
                body: JSON.stringify({ events }),
              },
            );
            assert.equal(res.status, 200);
            assert.deepEqual((await res.json()).acked, [
              "ev-0",
              "ev-1",
              "ev-2",
            ]);
          }
          const list = await (await stack.api(
            `/api/recordings?camera_id=${cam.id}&limit=1`,
          ))
            .json();
          assert.equal(list.total, 2);
          assert.equal(list.recordings.length, 1);
          const own = await (await stack.api(`/api/recordings/${sessionId}`))
            .json();
          assert.equal(own.segment_count, 2);
          const lost = await (await stack.api(`/api/recordings/${orphan}`))
            .json();
          assert.equal(lost.status, "interrupted");
          assert.equal(lost.segments[0].recovered, true);
          assert.equal(lost.segments[0].audio_codec, "aac");
        },
      );
    } finally {
      await stack.close();
    }
  },
});
