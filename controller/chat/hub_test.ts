import assert from "node:assert/strict";
import { FakeClock } from "../../lib/time/fake_clock.ts";
import { ChatHub } from "./hub.ts";
import { TurnNotifier } from "./notifier.ts";

const token = (text: string) => ({
  event: "token" as const,
  data: { turn_id: "t", text },
});

Deno.test("ChatHub: events reach only their session; empty sessions are dropped", async () => {
  const hub = new ChatHub();
  const a = hub.subscribe("s1");
  const b = hub.subscribe("s2");
  assert.equal(hub.sessions, 2);
  hub.publish("s1", token("x"));
  hub.publish("s3", token("nobody listens"));
  assert.deepEqual(await a.next(), token("x"));
  const ac = new AbortController();
  ac.abort();
  assert.equal(await b.next(ac.signal), null, "nothing for s2");
  a.close();
  b.close();
  assert.equal(hub.sessions, 0);
});

Deno.test("ChatHub: a subscriber that falls behind is cut off, others go on", async () => {
  const hub = new ChatHub();
  const slow = hub.subscribe("s", 3);
  const fast = hub.subscribe("s", 100);
  for (let i = 0; i < 5; i++) hub.publish("s", token(String(i)));
  assert.equal(await slow.next(), null);
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(await fast.next(), token(String(i)));
  }
  fast.close();
  assert.equal(hub.sessions, 0);
});

Deno.test("TurnNotifier: a wake before the wait is not lost; timeouts on the clock", async () => {
  const clock = new FakeClock(0);
  const n = new TurnNotifier(clock);
  const early = n.arm("a");
  n.wake("a");
  await early.wait(60_000); // resolves at once: the wake came first
  const late = n.arm("a");
  let done = false;
  const p = late.wait(5_000).then(() => done = true);
  n.wake("b");
  await Promise.resolve();
  assert.equal(done, false, "another agent's wake");
  clock.advance(5_000);
  await p;
  assert.equal(n.waiting, 0);
  assert.equal(clock.pending(), 0);
});
