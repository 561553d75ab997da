/**
 * A closed segment reaches the dashboard at once: the controller (PGlite)
 * publishes `recording` `updated` with the session's new totals when a node
 * reports `segment.closed`, also after the session ended (the last segment
 * closes a moment after a Stop), and not again for a repeated event.
 */
import assert from "node:assert/strict";
import { registerNode, startStack } from "../../tests/support/stack.ts";

const NODE = "seg-node";

Deno.test({
  name: "segment.closed publishes the recording's new totals over SSE",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ nodeOfflineAfterMs: 600000 });
    try {
      const { headers: node } = await registerNode(stack, NODE);
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: { name: "Seg", protocol: "demo" },
      })).json();
      const events = await stack.events();
      const start = await stack.api(`/api/cameras/${cam.id}/recording/start`, {
        method: "POST",
      });
      const session = (await start.json()).id;
      const closed = (i: number) => ({
        id: `seg-${i}`,
        type: "segment.closed",
        camera_id: cam.id,
        session_id: session,
        path: `${cam.id}/2026-02-26/12${i}000.mp4`,
        start_at: `2026-02-26T12:0${i}:00.000Z`,
        end_at: `2026-02-26T12:0${i + 1}:00.000Z`,
        duration_ms: 60000,
        size_bytes: 1000 * (i + 1),
        video_codec: "h264",
        audio_codec: null,
        recovered: false,
      });
      const send = async (ev: unknown) => {
        const res = await fetch(
          `${stack.url}/internal/v1/nodes/${NODE}/events`,
          {
            method: "POST",
            headers: node,
            body: JSON.stringify({ events: [ev] }),
          },
        );
        assert.equal(res.status, 200);
        await res.body?.cancel();
      };
      const updates = () =>
        events.events.filter((e) =>
          e.event === "recording" && e.data.type === "updated" &&
          e.data.recording.id === session
        );

      await send(closed(0));
      const first = await events.waitFor(
        (e) => e.event === "recording" && e.data.type === "updated",
        5000,
      );
      assert.equal(first.data.recording.id, session);
      assert.equal(first.data.recording.status, "recording");
      assert.equal(first.data.recording.segment_count, 1);
      assert.equal(first.data.recording.duration_ms, 60000);
      assert.equal(first.data.recording.size_bytes, 1000);

      // Stopped: `ended` carries no totals; the last segment's `updated` does.
      const stop = await stack.api(`/api/cameras/${cam.id}/recording/stop`, {
        method: "POST",
      });
      assert.equal(stop.status, 200);
      await stop.body?.cancel();
      await send(closed(1));
      const last = await events.waitFor(
        (e) =>
          e.event === "recording" && e.data.type === "updated" &&
          e.data.recording.segment_count === 2,
        5000,
      );
      assert.equal(last.data.recording.status, "completed");
      assert.equal(last.data.recording.size_bytes, 3000);
      const ended = events.events.find((e) =>
        e.event === "recording" && e.data.type === "ended"
      );
      assert.equal(ended?.data.recording.segment_count, undefined);

      // The node sends an event again (no ack seen): applied once, published once.
      await send(closed(1));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(updates().length, 2);
    } finally {
      await stack.close();
    }
  },
});
