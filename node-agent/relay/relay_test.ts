import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import { AppError } from "../../lib/errors.ts";
import { marker, pidAlive, pidsWith, waitFor } from "../ffmpeg/testing.ts";
import { CameraRelay, type CameraRelayOptions, secretsOf } from "./relay.ts";

/**
 * Each test's demo camera gets its own size, so `testsrc2=size=WxH` in /proc
 * identifies that test's ffmpeg even when other tests run at the same time.
 */
let nextWidth = 320 + 2 * (Math.floor(Math.random() * 500));
function demoSpec(over: Partial<CameraSpec> = {}): CameraSpec {
  const width = (nextWidth += 2);
  return {
    id: `cam-${marker()}`,
    name: "Demo",
    protocol: "demo",
    source_url: "demo://pattern",
    device_path: null,
    width,
    height: 240,
    framerate: 15,
    ...over,
  };
}

function ffmpegsOf(spec: CameraSpec): number[] {
  return pidsWith(`testsrc2=size=${spec.width}x${spec.height}`);
}

function relayFor(spec: CameraSpec, over: CameraRelayOptions = {}) {
  return new CameraRelay(spec, {
    ffmpegPath: "ffmpeg",
    idleGraceMs: 300,
    ...over,
  });
}

/** Width and height from a baseline JPEG's SOF0 segment. */
function jpegSize(jpeg: Uint8Array): [number, number] {
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && jpeg[i + 1] === 0xc0) {
      return [
        (jpeg[i + 7] << 8) | jpeg[i + 8],
        (jpeg[i + 5] << 8) | jpeg[i + 6],
      ];
    }
  }
  throw new Error("no SOF0 marker");
}

/** Reads `n` frames as one subscriber; returns their bytes. */
async function readFrames(
  relay: CameraRelay,
  n: number,
  timeoutMs = 3000,
): Promise<Uint8Array[]> {
  const leave = relay.hub.subscribe();
  const signal = AbortSignal.timeout(timeoutMs);
  const frames: Uint8Array[] = [];
  try {
    let seq = 0;
    while (frames.length < n) {
      const f = await relay.hub.next(seq, signal);
      if (!f) {
        throw new Error(
          `only ${frames.length} of ${n} frames within ${timeoutMs} ms`,
        );
      }
      seq = f.seq;
      frames.push(f.data);
    }
    return frames;
  } finally {
    leave();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

Deno.test("CameraRelay starts ffmpeg on the first subscriber and yields moving JPEG frames", async () => {
  const spec = demoSpec();
  let changes = 0;
  const relay = relayFor(spec, { onChange: () => changes++ });
  try {
    assert.equal(relay.runtime().state, "idle");
    assert.deepEqual(ffmpegsOf(spec), []);
    const t0 = performance.now();
    const frames = await readFrames(relay, 5, 3000);
    assert.ok(performance.now() - t0 < 3000);
    for (const f of frames) assert.ok(isJpeg(f));
    assert.deepEqual(jpegSize(frames[0]), [spec.width, 240]);
    assert.ok(!sameBytes(frames[0], frames[4]), "the pattern moves");
    const rt = relay.runtime();
    assert.equal(rt.state, "running");
    assert.equal(rt.error, null);
    assert.equal(rt.id, spec.id);
    assert.ok(
      rt.last_frame_at && Date.now() - Date.parse(rt.last_frame_at) < 1000,
    );
    assert.ok(changes >= 2, "starting and running were reported");
  } finally {
    await relay.close();
  }
  assert.deepEqual(ffmpegsOf(spec), []);
});

Deno.test("CameraRelay shares one ffmpeg between three subscribers and measures fps", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec);
  try {
    const all = await Promise.all([
      readFrames(relay, 20),
      readFrames(relay, 20),
      readFrames(relay, 20),
    ]);
    for (const frames of all) assert.equal(frames.length, 20);
    const leaves = [
      relay.hub.subscribe(),
      relay.hub.subscribe(),
      relay.hub.subscribe(),
    ];
    try {
      const pids = ffmpegsOf(spec);
      assert.equal(pids.length, 1, `ffmpeg pids: ${pids}`);
      assert.equal(pids[0], relay.pid);
      const rt = relay.runtime();
      assert.equal(rt.viewers, 3);
      assert.ok(rt.fps >= 8 && rt.fps <= 20, `fps ${rt.fps}`);
    } finally {
      for (const leave of leaves) leave();
    }
  } finally {
    await relay.close();
  }
});

Deno.test("CameraRelay stops ffmpeg after the grace period once everyone left", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec, { idleGraceMs: 300 });
  try {
    await readFrames(relay, 2);
    const pid = relay.pid!;
    assert.ok(pidAlive(pid));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(pidAlive(pid), "still running inside the grace period");
    await waitFor(() => relay.runtime().state === "idle", "idle", 2000);
    assert.equal(pidAlive(pid), false);
    assert.deepEqual(ffmpegsOf(spec), []);
    assert.equal(relay.hub.latest(), null, "no stale frame is kept");
    assert.equal(relay.runtime().fps, 0);
  } finally {
    await relay.close();
  }
});

Deno.test("CameraRelay keeps ffmpeg when someone subscribes again within the grace period", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec, { idleGraceMs: 300 });
  try {
    await readFrames(relay, 2);
    const pid = relay.pid;
    await new Promise((r) => setTimeout(r, 150));
    const frames = await readFrames(relay, 1);
    const leave = relay.hub.subscribe();
    await new Promise((r) => setTimeout(r, 400)); // past the first grace deadline
    assert.equal(relay.pid, pid);
    assert.equal(relay.runtime().state, "running");
    leave();
    assert.ok(isJpeg(frames[0]));
  } finally {
    await relay.close();
  }
  assert.deepEqual(ffmpegsOf(spec), []);
});

Deno.test("CameraRelay.snapshot() works without subscribers and leaves none behind", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec, { idleGraceMs: 300 });
  try {
    const jpeg = await relay.snapshot();
    assert.ok(isJpeg(jpeg));
    assert.equal(relay.hub.subscribers, 0);
    // Within 2 s the latest frame is served as is.
    const t0 = performance.now();
    const again = await relay.snapshot();
    assert.ok(performance.now() - t0 < 50);
    assert.ok(isJpeg(again));
    assert.equal(relay.hub.subscribers, 0);
    await waitFor(() => relay.pid === null, "ffmpeg stopped after grace", 2000);
    assert.deepEqual(ffmpegsOf(spec), []);
  } finally {
    await relay.close();
  }
});

Deno.test("CameraRelay backs off on a dead RTSP source with one ffmpeg at most", async () => {
  const path = `falcon-relay-test-${marker()}`;
  const spec = demoSpec({
    name: "Gate",
    protocol: "rtsp",
    source_url: `rtsp://admin:g4te-secret@127.0.0.1:1/${path}`,
  });
  const relay = relayFor(spec, {
    tuning: { backoff: { initialMs: 100, maxMs: 300 } },
  });
  const leave = relay.hub.subscribe();
  try {
    let maxProcs = 0;
    await waitFor(
      () => {
        maxProcs = Math.max(maxProcs, pidsWith(path).length);
        return relay.runtime().restarts >= 3;
      },
      "3 restarts",
      5000,
      5,
    );
    await waitFor(() => relay.runtime().state === "backoff", "backoff");
    const rt = relay.runtime();
    assert.ok(
      rt.error && rt.error.includes("Connection refused"),
      rt.error ?? "",
    );
    assert.ok(!rt.error.includes("g4te-secret"));
    assert.ok(rt.restarts > 0);
    assert.ok(maxProcs <= 1, `${maxProcs} ffmpeg processes at once`);
    await assert.rejects(relay.snapshot(300), (e) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.kind, "unavailable");
      assert.match(
        e.message,
        /^Camera "Gate" sent no frame within 0.3 s: ffmpeg exited with code 1: .*Connection refused/,
      );
      return true;
    });
  } finally {
    leave();
    await relay.close();
  }
  assert.deepEqual(pidsWith(path), []);
});

Deno.test("CameraRelay reports a missing ffmpeg as a clear error", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec, { ffmpegPath: "/nonexistent/ffmpeg" });
  const leave = relay.hub.subscribe();
  try {
    await waitFor(() => relay.runtime().state === "backoff", "backoff");
    assert.match(
      relay.runtime().error ?? "",
      /^ffmpeg not found at \/nonexistent\/ffmpeg/,
    );
  } finally {
    leave();
    await relay.close();
  }
});

Deno.test("CameraRelay.update() restarts a running ffmpeg with the new size", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec);
  const leave = relay.hub.subscribe();
  try {
    await relay.hub.next(0, AbortSignal.timeout(3000));
    const oldPid = relay.pid!;
    relay.update({ ...spec, name: "Renamed" });
    assert.equal(relay.pid, oldPid, "a rename keeps ffmpeg");
    const bigger = { ...spec, width: spec.width + 64, height: 256 };
    relay.update(bigger);
    assert.equal(relay.hub.latest(), null);
    const frame = await relay.hub.next(0, AbortSignal.timeout(3000));
    assert.ok(frame);
    assert.deepEqual(jpegSize(frame.data), [bigger.width, 256]);
    assert.notEqual(relay.pid, oldPid);
    assert.equal(pidAlive(oldPid), false);
    assert.equal(ffmpegsOf(bigger).length, 1);
    assert.equal(relay.runtime().restarts, 0, "an update is not a failure");
  } finally {
    leave();
    await relay.close();
  }
});

Deno.test("CameraRelay.close() stops ffmpeg, closes the hub and is idempotent", async () => {
  const spec = demoSpec();
  const relay = relayFor(spec, { idleGraceMs: 60_000 });
  const leave = relay.hub.subscribe();
  await relay.hub.next(0, AbortSignal.timeout(3000));
  const pid = relay.pid!;
  const waiting = relay.hub.next(Number.MAX_SAFE_INTEGER);
  await Promise.all([relay.close(), relay.close()]);
  assert.equal(await waiting, null);
  assert.equal(pidAlive(pid), false);
  assert.deepEqual(ffmpegsOf(spec), []);
  assert.equal(relay.runtime().state, "idle");
  leave();
  relay.hub.subscribe()(); // a late subscriber does not start ffmpeg again
  assert.equal(relay.pid, null);
  await assert.rejects(relay.snapshot(100), AppError);
});

Deno.test("secretsOf() returns the password raw and percent-decoded", () => {
  const spec = demoSpec({
    protocol: "rtsp",
    source_url: "rtsp://admin:p%40ss%3Aword@cam/x",
  });
  assert.deepEqual(secretsOf(spec), ["p%40ss%3Aword", "p@ss:word"]);
  assert.deepEqual(secretsOf(demoSpec()), []);
  assert.deepEqual(secretsOf(demoSpec({ source_url: "http://user@cam/" })), []);
});
