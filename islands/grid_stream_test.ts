/**
 * The grid's browser-side stream code, run in Deno: the multipart parser, the
 * one-connection stream with reconnect and backoff (with a fake fetch), and
 * the stream's camera list.
 */
import assert from "node:assert/strict";
import { muxPart } from "../controller/streams/mux.ts";
import {
  CLEAN_END_MIN_MS,
  MAX_PER_STREAM,
  openGridStream,
} from "./client/grid_stream.ts";
import { MuxParser } from "./client/multipart.ts";
import type { CameraView } from "../controller/web/types.ts";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import CameraGrid, { streamIds } from "./CameraGrid.tsx";

const jpeg = (n: number, size = 6) => {
  const b = new Uint8Array(size).fill(n);
  b.set([0xff, 0xd8], 0);
  b.set([0xff, 0xd9], size - 2);
  return b;
};

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

Deno.test("MuxParser reads camera ids and frames, however the bytes are split", () => {
  const wire = concat([
    muxPart("a", jpeg(1)),
    muxPart("b", jpeg(2, 300_000)), // larger than the initial buffer
    muxPart("a", jpeg(3)),
  ]);
  for (const size of [1, 7, 100, 4096, wire.byteLength]) {
    const parser = new MuxParser();
    const got: [string, number, number][] = [];
    for (let i = 0; i < wire.byteLength; i += size) {
      for (const f of parser.push(wire.subarray(i, i + size))) {
        got.push([f.id, f.jpeg[2], f.jpeg.byteLength]);
      }
    }
    assert.deepEqual(got, [["a", 1, 6], ["b", 2, 300_000], ["a", 3, 6]]);
  }
});

Deno.test("MuxParser: frames stay valid until the next push; bad parts throw", () => {
  const parser = new MuxParser();
  const [f] = parser.push(muxPart("cam", jpeg(9)));
  assert.deepEqual(f.jpeg, jpeg(9));
  const noLength = new TextEncoder().encode(
    "--falconframe\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8",
  );
  assert.throws(() => new MuxParser().push(noLength), /Content-Length/);
  assert.throws(
    () => new MuxParser(100).push(muxPart("cam", jpeg(1, 200))),
    /too large/,
  );
  assert.throws(
    () => new MuxParser().push(new Uint8Array(17 * 1024).fill(65)),
    /16 KiB/,
  );
});

Deno.test("openGridStream: one request, frames per camera, backoff after errors, retryNow", async () => {
  const realFetch = globalThis.fetch;
  const urls: string[] = [];
  const signals: AbortSignal[] = [];
  let calls = 0;
  let sendMore: ((b: Uint8Array) => void) | null = null;
  globalThis.fetch = (input, init) => {
    urls.push(String(input));
    signals.push(init!.signal!);
    calls++;
    if (calls === 1) {
      return Promise.resolve(new Response("no", { status: 503 }));
    }
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(concat([muxPart("a", jpeg(1)), muxPart("b", jpeg(2))]));
        sendMore = (b) => ctrl.enqueue(b);
        init!.signal!.addEventListener(
          "abort",
          () => ctrl.error(new Error("aborted")),
        );
      },
    });
    return Promise.resolve(new Response(body));
  };
  try {
    const frames: string[] = [];
    const states: number[] = [];
    const delays: number[] = [];
    const s = openGridStream(["a", "b"], {
      frame: (id, j) => frames.push(`${id}${j[2]}`),
      state: (f) => states.push(f),
      delayMs: (f) => {
        delays.push(f);
        return 60_000; // only retryNow() can wake it within the test
      },
    });
    await waitFor(() => states.length === 1);
    assert.deepEqual(states, [1], "the 503 counts as a failure");
    assert.deepEqual(delays, [1]);
    s.retryNow();
    await waitFor(() => frames.length === 2);
    assert.deepEqual(frames, ["a1", "b2"]);
    assert.deepEqual(states, [1, 0], "a frame resets the failures");
    sendMore!(muxPart("a", jpeg(3)));
    await waitFor(() => frames.length === 3);
    assert.equal(calls, 2, "one connection at a time");
    assert.deepEqual(urls, [
      "/api/streams/live?cameras=a,b",
      "/api/streams/live?cameras=a,b",
    ]);
    s.close();
    assert.ok(signals[1].aborted, "close() aborts the request");
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls, 2, "no reconnect after close()");
    assert.deepEqual(states, [1, 0]);
  } finally {
    globalThis.fetch = realFetch;
  }
});

Deno.test("openGridStream reopens at once, without a failure, when the server ends a long stream", async () => {
  const realFetch = globalThis.fetch;
  let calls = 0;
  const ends: (() => void)[] = [];
  globalThis.fetch = (_input, init) => {
    calls++;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(muxPart("a", jpeg(calls)));
        ends.push(() => ctrl.close());
        init!.signal!.addEventListener("abort", () => {
          try {
            ctrl.error(new Error("aborted"));
          } catch { /* closed */ }
        });
      },
    });
    return Promise.resolve(new Response(body));
  };
  try {
    const states: number[] = [];
    const frames: number[] = [];
    const s = openGridStream(["a"], {
      frame: (_id, j) => frames.push(j[2]),
      state: (f) => states.push(f),
      delayMs: () => 60_000,
    });
    await waitFor(() => frames.length === 1);
    // The server's maximum stream life: a clean end after frames.
    await new Promise((r) => setTimeout(r, CLEAN_END_MIN_MS + 50));
    ends[0]();
    await waitFor(() => frames.length === 2);
    assert.equal(calls, 2, "reopened at once");
    assert.deepEqual(states, [], "no failure shown");
    // A stream that ends at once is a failure: backoff, state shown.
    ends[1]();
    await waitFor(() => states.length === 1);
    assert.deepEqual(states, [1]);
    assert.equal(calls, 2, "waiting out the backoff");
    s.close();
  } finally {
    globalThis.fetch = realFetch;
  }
});

Deno.test("openGridStream splits more than 64 cameras over several requests", async () => {
  const realFetch = globalThis.fetch;
  const urls: string[] = [];
  globalThis.fetch = (input, init) => {
    urls.push(String(input));
    return new Promise((_, reject) =>
      init!.signal!.addEventListener(
        "abort",
        () => reject(new Error("aborted")),
      )
    );
  };
  try {
    const ids = Array.from({ length: 130 }, (_, i) => `c${i}`);
    const s = openGridStream(ids, {
      frame() {},
      state() {},
      delayMs: () => 1000,
    });
    s.close();
    assert.equal(MAX_PER_STREAM, 64);
    assert.deepEqual(
      urls.map((u) =>
        new URL(u, "http://x").searchParams.get("cameras")!.split(",").length
      ),
      [64, 64, 2],
    );
    await new Promise((r) => setTimeout(r, 10));
  } finally {
    globalThis.fetch = realFetch;
  }
});

Deno.test("streamIds() is the sorted id list, so reordering opens no new stream", () => {
  const cam = (id: string) => ({ id }) as CameraView;
  assert.equal(streamIds([cam("b"), cam("a")]), "a,b");
  assert.equal(streamIds([cam("a"), cam("b")]), "a,b");
  assert.equal(streamIds([]), "");
});

Deno.test("server render: a canvas per tile; the MJPEG <img> only inside <noscript>", () => {
  const camera = {
    id: "cam-1",
    name: 'Yard "<b>" & co',
    protocol: "demo",
    location: null,
    source_url: null,
    device_path: null,
    node_name: null,
    assigned_node: null,
    resolution: "320x240",
    framerate: 10,
    status: "online",
    error_message: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  } satisfies CameraView;
  const html = renderToString(h(CameraGrid, { cameras: [camera] }));
  assert.match(html, /<canvas [^]*?width="320" height="240"><\/canvas>/);
  assert.doesNotMatch(html, /style=/, "the CSP refuses inline styles");
  const noscript = /<noscript>(.*?)<\/noscript>/.exec(html);
  assert.ok(noscript, html);
  assert.match(
    noscript[1],
    /^<img src="\/api\/cameras\/cam-1\/stream" alt="Live view of Yard &#34;&#60;b&#62;&#34; &#38; co">$/,
  );
  assert.doesNotMatch(
    html.replace(noscript[0], ""),
    /\ssrc=/,
    "no stream outside <noscript>",
  );
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("TileNote: the node's error first, then a lost stream, frames that stopped, no frame yet", async () => {
  const { TileNote, liveState } = await import("./CameraGrid.tsx");
  const cam = (over: Partial<CameraView>): CameraView => ({
    id: "c1",
    name: "Porch",
    protocol: "rtsp",
    status: "online",
    error_message: null,
    location: null,
    resolution: "640x480",
    framerate: 10,
    node_name: null,
    assigned_node: "n1",
    source_url: null,
    device_path: null,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    ...over,
  });
  const note = (
    camera: CameraView,
    failures: number,
    live: "unknown" | "waiting" | "live" | "stale",
  ) =>
    renderToString(
      h(TileNote, {
        camera,
        failures,
        live,
        lastFrameAt: Date.UTC(2026, 0, 1, 10, 2, 3),
      }),
    );
  const refused = "ffmpeg exited with code 1: Connection refused";
  const down = note(
    cam({ status: "error", error_message: refused }),
    1,
    "stale",
  );
  assert.match(down, /role="status"/);
  assert.ok(down.includes(refused), down);
  assert.match(down, /Retrying by itself/);
  assert.match(
    note(cam({ status: "offline" }), 0, "live"),
    /Its node is offline/,
  );
  assert.match(
    note(cam({}), 2, "live"),
    /Live view disconnected.*Reconnecting/,
  );
  assert.match(note(cam({}), 0, "stale"), /No picture since \d\d:\d\d:\d\d/);
  const waiting = note(cam({}), 0, "waiting");
  assert.match(waiting, /Connecting…/);
  assert.match(waiting, /aria-hidden="true"/, "not announced");
  assert.equal(note(cam({}), 0, "live"), "");
  assert.equal(note(cam({ status: "pending" }), 0, "waiting"), "");
  assert.equal(note(cam({}), 0, "unknown"), "", "nothing before hydration");

  const painted = new Set(["a", "b"]);
  const stale = new Set(["b"]);
  assert.equal(liveState("a", painted, stale), "live");
  assert.equal(liveState("b", painted, stale), "stale");
  assert.equal(liveState("c", painted, stale), "waiting");
});

Deno.test("frameMarks() marks the first frame and, once, the moment every tile had one", async () => {
  const { frameMarks, FIRST_FRAME_MARK, ALL_FRAMES_MARK } = await import(
    "./client/grid_stream.ts"
  );
  performance.clearMarks();
  const painted = frameMarks();
  const count = (name: string) => performance.getEntriesByName(name).length;
  painted("a", 3);
  painted("a", 3);
  assert.equal(count(FIRST_FRAME_MARK), 1);
  assert.equal(count(ALL_FRAMES_MARK), 0);
  painted("b", 3);
  assert.equal(count(ALL_FRAMES_MARK), 0, "one tile still has no frame");
  painted("c", 3);
  painted("d", 4);
  assert.equal(count(FIRST_FRAME_MARK), 1);
  assert.equal(count(ALL_FRAMES_MARK), 1, "set once");
  performance.clearMarks();
});
