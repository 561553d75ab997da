import assert from "node:assert/strict";
import { EventBus, type FalconEvent } from "./bus.ts";

const ev = (name: string): FalconEvent => ({
  kind: "node",
  data: { name, status: "online", address: null, last_heartbeat_at: null },
});

Deno.test("EventBus delivers events in order to every subscriber", async () => {
  const bus = new EventBus();
  const a = bus.subscribe();
  const b = bus.subscribe();
  bus.publish(ev("1"));
  bus.publish(ev("2"));
  for (const s of [a, b]) {
    assert.equal((await s.next())?.kind, "node");
    assert.deepEqual(await s.next(), ev("2"));
  }
});

Deno.test("EventBus cuts off a subscriber that falls behind its queue bound", async () => {
  const bus = new EventBus();
  const slow = bus.subscribe(3);
  for (let i = 0; i < 10; i++) bus.publish(ev(String(i)));
  assert.equal(await slow.next(), null);
  assert.equal(bus.subscribers, 0);
});

Deno.test("Subscription.next() resolves null on abort", async () => {
  const bus = new EventBus();
  const s = bus.subscribe();
  const ac = new AbortController();
  const p = s.next(ac.signal);
  ac.abort();
  assert.equal(await p, null);
  s.close();
});
