/**
 * A runtime setting reaching a real node agent process: with the relay idle
 * grace at 30 s (the flag), a relay started by a snapshot keeps its ffmpeg
 * running; once `relay_idle_grace_seconds` is saved as 0.5, the relay's next
 * viewer leaving stops its ffmpeg within a second or two — no restart of
 * anything. (A grace period already running keeps its old length: the node
 * applies the new one from the next time the relay goes idle.)
 */
import assert from "node:assert/strict";
import { countFfmpeg } from "../support/processes.ts";
import { eventually, readFrames, startStack } from "../support/stack.ts";

// Unusual size and rate: the only ffmpeg on this machine with this input.
const PATTERN = "testsrc2=size=322x242:rate=7";

Deno.test({
  name: "relay_idle_grace_seconds takes effect on a running node agent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ relayIdleGraceMs: 30_000 });
    try {
      await stack.startNodeAgent("grace-node");
      const res = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Grace",
          protocol: "demo",
          resolution: "322x242",
          framerate: 7,
        },
      });
      const cam = await res.json();
      assert.equal(res.status, 201, JSON.stringify(cam));
      const snapshot = async () => {
        const r = await stack.api(`/api/cameras/${cam.id}/snapshot`);
        assert.equal(r.status, 200);
        const jpeg = new Uint8Array(await r.arrayBuffer());
        assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
      };

      await t.step(
        "with the flag's 30 s grace the relay keeps running",
        async () => {
          await eventually(
            async () => {
              try {
                await snapshot();
                return true;
              } catch {
                return false; // the node may not run the camera yet
              }
            },
            15_000,
            "a first snapshot",
          );
          await new Promise((r) => setTimeout(r, 1500));
          assert.equal(countFfmpeg(PATTERN), 1, "still running after 1.5 s");
        },
      );

      await t.step(
        "saved as 0.5 s, the next idle relay stops at once",
        async () => {
          const patch = await stack.api("/api/settings", {
            method: "PATCH",
            json: { relay_idle_grace_seconds: 0.5 },
          });
          assert.equal(patch.status, 200);
          await patch.body?.cancel();
          // The node picks the change up through its long poll.
          await new Promise((r) => setTimeout(r, 300));
          // A viewer straight on the node (the controller's own upstream
          // lingers 5 s): the relay is watched, then left.
          const node = (await stack.controller.nodes.target("grace-node"))!;
          const address = node.address;
          const frames = await readFrames(
            `${address}/v1/cameras/${cam.id}/stream`,
            {
              count: 2,
              timeoutMs: 5000,
              headers: {
                authorization: `Bearer ${node.token}`,
              },
            },
          );
          assert.equal(frames.length, 2);
          const t0 = Date.now();
          await eventually(
            () => Promise.resolve(countFfmpeg(PATTERN) === 0),
            5000,
            "the relay's ffmpeg to stop",
          );
          const ms = Date.now() - t0;
          console.log(`relay stopped ${ms} ms after its viewer left`);
          assert.ok(ms < 3000, `stopped after ${ms} ms`);
        },
      );
    } finally {
      await stack.close();
    }
    assert.equal(countFfmpeg(PATTERN), 0);
  },
});
