import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { countFfmpeg } from "../../tests/support/processes.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { RelayManager } from "../relay/manager.ts";
import { RecorderManager } from "./manager.ts";
import { recEnv } from "./testing.ts";

Deno.test({
  name:
    "RecorderManager.reconcile(): starts on record, a new session restarts with its id, null record stops",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const relays = new RelayManager({ idleGraceMs: 200 });
    await using env = await recEnv({
      hubOf: (id) => relays.get(id)?.hub ?? null,
    });
    const recorders = new RecorderManager(env.deps);
    const base: CameraSpec = {
      id: `cam-m${Date.now().toString(36)}`,
      name: "Demo",
      protocol: "demo",
      source_url: "demo://pattern",
      device_path: null,
      width: 320,
      height: 240,
      framerate: 10,
      record: null,
    };
    const withSession = (session_id: string): CameraSpec => ({
      ...base,
      record: { session_id, segment_seconds: 2 },
    });
    const closedOf = async (session: string) =>
      (await env.segments()).filter((s) => s.session_id === session);
    try {
      await relays.reconcile([base]);
      await recorders.reconcile([base]);
      assert.deepEqual(recorders.ids(), [], "no record → no recorder");

      await relays.reconcile([withSession("sessA")]);
      await recorders.reconcile([withSession("sessA")]);
      assert.deepEqual(recorders.ids(), [base.id]);
      const first = recorders.get(base.id)!;
      await recorders.reconcile([{ ...withSession("sessA"), name: "Renamed" }]);
      assert.equal(
        recorders.get(base.id),
        first,
        "a rename keeps the recorder",
      );
      await waitFor(
        () => first.segments >= 1,
        "a segment of session A",
        20_000,
      );

      await recorders.reconcile([withSession("sessB")]);
      const second = recorders.get(base.id)!;
      assert.notEqual(second, first);
      assert.equal(second.sessionId, "sessB");
      assert.equal(first.state, "idle", "the old session was stopped first");
      await waitFor(
        () => second.segments >= 1,
        "a segment of session B",
        20_000,
      );

      await recorders.reconcile([base]);
      assert.deepEqual(recorders.ids(), []);
      assert.equal(countFfmpeg(env.root), 0, "no recorder ffmpeg left");

      const a = await closedOf("sessA");
      const b = await closedOf("sessB");
      assert.ok(a.length >= 1 && b.length >= 1);
      assert.ok(
        Date.parse(a.at(-1)!.end_at) <= Date.parse(b[0].start_at) + 100,
        "session B starts after session A ended",
      );
    } finally {
      await recorders.closeAll();
      await relays.closeAll();
    }
  },
});
