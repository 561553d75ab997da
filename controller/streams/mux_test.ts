import assert from "node:assert/strict";
import { FrameHub } from "../../lib/frame_hub.ts";
import { readMjpeg } from "../../lib/mjpeg.ts";
import { MuxParser } from "../../islands/client/multipart.ts";
import {
  MUX_CONTENT_TYPE,
  muxPart,
  muxPartOf,
  muxResponse,
  type MuxSource,
  muxStream,
} from "./mux.ts";

/** A FrameHub that counts its pending `next()` calls (= waiters in the hub). */
class CountingHub extends FrameHub {
  pending = 0;
  maxPending = 0;
  override next(afterSeq: number, signal?: AbortSignal) {
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    return super.next(afterSeq, signal).finally(() => this.pending--);
  }
}

/** A fake JPEG carrying `n`, so a test can tell frames apart. */
function jpeg(n: number): Uint8Array {
  return new Uint8Array([0xff, 0xd8, n >> 8, n & 0xff, 0xff, 0xd9]);
}
const numberOf = (j: Uint8Array) => (j[2] << 8) | j[3];

function source(id: string, hub: FrameHub): MuxSource {
  return { id, hub, leave: hub.subscribe() };
}

/** Reads one part at a time from a mux body, as the browser's parser does. */
function partReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const parser = new MuxParser();
  const ready: { id: string; n: number }[] = [];
  return {
    async read(): Promise<{ id: string; n: number } | null> {
      while (ready.length === 0) {
        const { value, done } = await reader.read();
        if (done) return null;
        for (const f of parser.push(value)) {
          ready.push({ id: f.id, n: numberOf(f.jpeg) });
        }
      }
      return ready.shift()!;
    },
    cancel: () => reader.cancel(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("muxPart() is one multipart part naming the camera", () => {
  const bytes = muxPart("cam-1", jpeg(7));
  const head =
    "--falconframe\r\nContent-Type: image/jpeg\r\nContent-Length: 6\r\nX-Camera-Id: cam-1\r\n\r\n";
  assert.equal(new TextDecoder().decode(bytes.subarray(0, head.length)), head);
  assert.deepEqual(
    bytes.subarray(head.length),
    new Uint8Array([...jpeg(7), 13, 10]),
  );
  assert.equal(
    MUX_CONTENT_TYPE,
    "multipart/x-mixed-replace; boundary=falconframe",
  );
  assert.throws(() => muxPart("a\r\nX-Evil: 1", jpeg(1)), /CR or LF/);
});

Deno.test("a frame's part is built once per camera and shared", () => {
  const hub = new FrameHub();
  const f = hub.publish(jpeg(1));
  assert.equal(muxPartOf("a", f), muxPartOf("a", f));
  assert.notEqual(muxPartOf("b", f), muxPartOf("a", f));
});

Deno.test("round robin: the newest unsent frame of the next camera that has one", async () => {
  const a = new CountingHub();
  const b = new CountingHub();
  a.publish(jpeg(1));
  b.publish(jpeg(1));
  const r = partReader(muxStream([source("a", a), source("b", b)]));
  assert.deepEqual(await r.read(), { id: "a", n: 1 });
  assert.deepEqual(await r.read(), { id: "b", n: 1 });
  await tick();
  assert.equal(a.pending, 1, "waiting on a");
  assert.equal(b.pending, 1, "waiting on b");

  // A burst: a's frame 2 is skipped, b is not starved by the busier camera.
  a.publish(jpeg(2));
  a.publish(jpeg(3));
  b.publish(jpeg(2));
  assert.deepEqual(await r.read(), { id: "a", n: 3 });
  assert.deepEqual(await r.read(), { id: "b", n: 2 });

  a.publish(jpeg(4));
  assert.deepEqual(await r.read(), { id: "a", n: 4 });
  await tick();
  assert.equal(a.pending, 1);
  assert.equal(
    b.pending,
    1,
    "the aborted wait on b was replaced, not added to",
  );
  b.publish(jpeg(3));
  assert.deepEqual(await r.read(), { id: "b", n: 3 });

  // Both always have a new frame: strict alternation.
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    a.publish(jpeg(10 + i));
    b.publish(jpeg(10 + i));
    seen.push((await r.read())!.id);
  }
  assert.deepEqual(seen, ["a", "b", "a", "b", "a", "b"]);

  await r.cancel();
  await tick();
  assert.equal(a.subscribers, 0);
  assert.equal(b.subscribers, 0);
  assert.equal(a.pending, 0, "no waiter left in a");
  assert.equal(b.pending, 0, "no waiter left in b");
  assert.ok(
    a.maxPending <= 1 && b.maxPending <= 1,
    "at most one waiter per hub",
  );
});

Deno.test("a slow reader gets the newest frames of a fast and a slow camera; no waiters pile up", async () => {
  const fast = new CountingHub();
  const slow = new CountingHub();
  let nFast = 0;
  let nSlow = 0;
  const tFast = setInterval(() => fast.publish(jpeg(++nFast)), 2);
  const tSlow = setInterval(() => slow.publish(jpeg(++nSlow)), 80);
  const r = partReader(
    muxStream([source("fast", fast), source("slow", slow)]),
  );
  const got: Record<string, number[]> = { fast: [], slow: [] };
  const lag: number[] = [];
  try {
    const until = Date.now() + 800;
    while (Date.now() < until) {
      const p = (await r.read())!;
      got[p.id].push(p.n);
      if (p.id === "fast") lag.push(nFast - p.n);
      await new Promise((res) => setTimeout(res, 25)); // the slow client
    }
  } finally {
    clearInterval(tFast);
    clearInterval(tSlow);
  }
  await r.cancel();
  await tick();

  assert.ok(got.slow.length >= 4, `slow camera: ${got.slow.length} frames`);
  assert.ok(got.fast.length >= 5, `fast camera: ${got.fast.length} frames`);
  for (const ns of Object.values(got)) {
    for (let i = 1; i < ns.length; i++) {
      assert.ok(ns[i] > ns[i - 1], "frames of a camera arrive in order");
    }
  }
  assert.ok(
    got.fast.length < nFast / 3,
    `the slow reader skipped fast frames (${got.fast.length} of ${nFast})`,
  );
  // Fair: the slow camera is not starved by the fast one; it gets (nearly)
  // every frame, or at least every other part when the reader is the bottleneck.
  const reads = got.fast.length + got.slow.length;
  assert.ok(
    got.slow.length >= Math.min(nSlow - 3, Math.floor(reads / 2) - 1),
    `slow: ${got.slow.length} of ${nSlow} frames in ${reads} reads`,
  );
  // Newest frames, not a backlog: at most one part waits in the stream.
  const maxLag = Math.max(...lag);
  assert.ok(maxLag < 60, `fast camera lag up to ${maxLag} frames`);
  assert.ok(fast.maxPending <= 1, `fast hub had ${fast.maxPending} waiters`);
  assert.ok(slow.maxPending <= 1, `slow hub had ${slow.maxPending} waiters`);
  assert.equal(fast.pending + slow.pending, 0);
  assert.equal(fast.subscribers + slow.subscribers, 0);
});

Deno.test("leaves every camera once when the request signal aborts mid-wait", async () => {
  const hubs = [new CountingHub(), new CountingHub(), new CountingHub()];
  let left = 0;
  const ac = new AbortController();
  const body = muxStream(
    hubs.map((hub, i) => {
      const leave = hub.subscribe();
      return {
        id: `c${i}`,
        hub,
        leave: () => {
          left++;
          leave();
        },
      };
    }),
    ac.signal,
  );
  const reader = body.getReader();
  const read = reader.read();
  await tick();
  assert.deepEqual(hubs.map((h) => h.pending), [1, 1, 1]);
  ac.abort();
  assert.deepEqual(await read, { done: true, value: undefined });
  await reader.cancel();
  await tick();
  assert.equal(left, 3, "each camera left exactly once");
  assert.deepEqual(hubs.map((h) => h.subscribers), [0, 0, 0]);
  assert.deepEqual(hubs.map((h) => h.pending), [0, 0, 0]);
});

Deno.test("a closed hub (camera deleted) drops out; the stream ends when all have", async () => {
  const a = new CountingHub();
  const b = new CountingHub();
  const r = partReader(muxStream([source("a", a), source("b", b)]));
  a.publish(jpeg(1));
  assert.deepEqual(await r.read(), { id: "a", n: 1 });
  b.close();
  await tick();
  assert.equal(b.subscribers, 0, "left the closed hub");
  a.publish(jpeg(2));
  assert.deepEqual(await r.read(), { id: "a", n: 2 });
  a.close();
  assert.equal(await r.read(), null, "the stream ended");
  assert.equal(a.subscribers, 0);
  assert.equal(a.pending + b.pending, 0);
});

Deno.test("muxResponse(): headers, and readMjpeg() reads it as plain MJPEG", async () => {
  const a = new FrameHub();
  const b = new FrameHub();
  a.publish(jpeg(1));
  b.publish(jpeg(2));
  const res = muxResponse([source("a", a), source("b", b)]);
  assert.equal(res.headers.get("content-type"), MUX_CONTENT_TYPE);
  assert.match(res.headers.get("cache-control")!, /no-store/);
  const frames: number[] = [];
  for await (const f of readMjpeg(res.body!)) {
    frames.push(numberOf(f));
    if (frames.length === 2) break;
  }
  assert.deepEqual(frames, [1, 2]);
  await tick();
  assert.equal(a.subscribers + b.subscribers, 0);
});
