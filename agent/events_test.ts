/** EventSink: numbering, batching, merging, retries, keep-alive, cancel. */
import assert from "node:assert/strict";
import type { EventAck, TurnEvent } from "../lib/agent_protocol.ts";
import { type ControllerClient, CredentialRejected } from "./client.ts";
import { EventSink } from "./events.ts";

function fakeClient(
  answer: (events: TurnEvent[]) => Promise<EventAck> | EventAck,
) {
  const posts: { at: number; events: TurnEvent[] }[] = [];
  const client = {
    postEvents: async (_turn: string, events: TurnEvent[]) => {
      const ack = await answer(events);
      posts.push({ at: Date.now(), events: structuredClone(events) });
      return ack;
    },
  } as unknown as ControllerClient;
  return { client, posts };
}
const ok = () => ({ accepted: 1, cancelled: false });
const noop = () => {};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("events are numbered from 1; tokens after the first are batched and merged", async () => {
  const { client, posts } = fakeClient(ok);
  const sink = new EventSink(client, "t", {
    flushMs: 60,
    keepAliveMs: 60_000,
    onCancelled: noop,
    onRejected: noop,
  });
  sink.push({ type: "token", text: "a" }); // first token: at once
  await wait(20);
  for (const t of ["b", "c", "d"]) sink.push({ type: "token", text: t });
  assert.equal(posts.length, 1);
  await wait(120);
  sink.push({ type: "tool_start", call_id: "c1", name: "x", args: {} });
  sink.push({ type: "final", text: "abcd", messages: [] });
  await sink.close();
  const all = posts.flatMap((p) => p.events);
  assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual(all.map((e) => e.type === "token" ? e.text : e.type), [
    "a",
    "bcd",
    "tool_start",
    "final",
  ]);
  assert.deepEqual(
    posts[1].events.map((e) => e.seq),
    [2],
    "merged tokens in one batch",
  );
});

Deno.test("20 pending events post at once, without waiting for the timer", async () => {
  const { client, posts } = fakeClient(ok);
  const sink = new EventSink(client, "t", {
    flushMs: 10_000,
    keepAliveMs: 60_000,
    onCancelled: noop,
    onRejected: noop,
  });
  sink.push({ type: "token", text: "first" });
  await wait(20);
  for (let i = 0; i < 20; i++) {
    sink.push({
      type: "tool_end",
      call_id: `c${i}`,
      name: "x",
      summary: null,
      ms: 1,
      error: null,
    });
  }
  await wait(50);
  assert.equal(posts.flatMap((p) => p.events).length, 21);
  await sink.close();
});

Deno.test("a failed post is repeated with the same seqs; a cancelled ack calls onCancelled", async () => {
  let fail = 2;
  let cancelled = 0;
  const { client, posts } = fakeClient(() => {
    if (fail-- > 0) throw new TypeError("connection reset");
    return { accepted: 1, cancelled: posts.length >= 1 };
  });
  const sink = new EventSink(client, "t", {
    flushMs: 10,
    keepAliveMs: 60_000,
    onCancelled: () => cancelled++,
    onRejected: noop,
  });
  sink.push({ type: "token", text: "x" });
  await wait(2500);
  assert.deepEqual(posts.map((p) => p.events.map((e) => e.seq)), [[1]]);
  sink.push({ type: "token", text: "y" });
  await wait(100);
  assert.equal(cancelled, 1);
  assert.equal(sink.cancelled, true);
  sink.push({ type: "token", text: "z" }); // ignored once cancelled
  await sink.close();
  assert.equal(posts.length, 2);
});

Deno.test("empty batches keep the lease while nothing happens; a rejection stops the sink", async () => {
  let rejected: unknown = null;
  let n = 0;
  const { client, posts } = fakeClient(() => {
    if (++n === 4) throw new CredentialRejected(401, "turn events");
    return ok();
  });
  const sink = new EventSink(client, "t", {
    keepAliveMs: 150,
    onCancelled: noop,
    onRejected: (e) => (rejected = e),
  });
  await wait(700);
  assert.ok(posts.length >= 3, `${posts.length} keep-alives`);
  assert.ok(posts.every((p) => p.events.length === 0));
  assert.ok(rejected instanceof CredentialRejected);
  const count = posts.length;
  await wait(300);
  assert.equal(posts.length, count, "no posts after the rejection");
  await sink.close();
});
