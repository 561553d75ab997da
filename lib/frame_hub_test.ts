import assert from "node:assert/strict";
import { FrameHub } from "./frame_hub.ts";

const bytes = (n: number) => new Uint8Array([n]);

Deno.test("FrameHub.next() waits for a frame and resolves with it", async () => {
  const hub = new FrameHub();
  const p = hub.next(0);
  hub.publish(bytes(1));
  const f = await p;
  assert.equal(f?.seq, 1);
  assert.deepEqual(f?.data, bytes(1));
});

Deno.test("FrameHub lets a slow subscriber skip to the newest frame", async () => {
  const hub = new FrameHub();
  for (let i = 1; i <= 100; i++) hub.publish(bytes(i));
  const f = await hub.next(1);
  assert.equal(f?.seq, 100);
});

Deno.test("FrameHub hands the same frame object to every subscriber", async () => {
  const hub = new FrameHub();
  const waits = [hub.next(0), hub.next(0), hub.next(0)];
  const frame = hub.publish(bytes(7));
  for (const f of await Promise.all(waits)) assert.equal(f, frame);
});

Deno.test("FrameHub.next() resolves null on abort and drops the waiter", async () => {
  const hub = new FrameHub();
  const ac = new AbortController();
  const p = hub.next(0, ac.signal);
  ac.abort();
  assert.equal(await p, null);
});

Deno.test("FrameHub reports active and idle transitions once", () => {
  const events: string[] = [];
  const hub = new FrameHub({
    onActive: () => events.push("active"),
    onIdle: () => events.push("idle"),
  });
  const a = hub.subscribe();
  const b = hub.subscribe();
  a();
  a();
  assert.deepEqual(events, ["active"]);
  b();
  assert.deepEqual(events, ["active", "idle"]);
  assert.equal(hub.subscribers, 0);
});

Deno.test("FrameHub.close() wakes waiters with null", async () => {
  const hub = new FrameHub();
  const p = hub.next(0);
  hub.close();
  assert.equal(await p, null);
  assert.equal(await hub.next(0), null);
});
