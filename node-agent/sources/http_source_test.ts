/**
 * HTTP cameras through a real CameraRelay against the fake camera in
 * tests/support/http_camera.ts: MJPEG passthrough, JPEG polling, the ffmpeg
 * hand-over, Basic/Digest, and the supervision rules (backoff, stall, idle).
 */
import assert from "node:assert/strict";
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { countFfmpeg } from "../../tests/support/processes.ts";
import {
  type HttpCamera,
  makeTsClip,
  startHttpCamera,
} from "../../tests/support/http_camera.ts";
import { CameraRelay } from "../relay/relay.ts";
import { waitFor } from "../ffmpeg/testing.ts";
import { httpSourceKind } from "./http_source.ts";

function spec(url: string, over: Partial<CameraSpec> = {}): CameraSpec {
  return {
    id: `http-${crypto.randomUUID().slice(0, 8)}`,
    name: "Yard",
    protocol: "http",
    source_url: url,
    device_path: null,
    width: 320,
    height: 240,
    framerate: 10,
    ...over,
  };
}

function relayFor(s: CameraSpec): CameraRelay {
  return new CameraRelay(s, {
    ffmpegPath: "ffmpeg",
    idleGraceMs: 200,
    tuning: {
      backoff: { initialMs: 100, maxMs: 400 },
      stallTimeoutMs: 1500,
    },
  });
}

/** Frames published while subscribed for `ms` (every one, in order). */
async function collect(relay: CameraRelay, ms: number): Promise<Uint8Array[]> {
  const leave = relay.hub.subscribe();
  const signal = AbortSignal.timeout(ms);
  const out: Uint8Array[] = [];
  try {
    let seq = 0;
    while (true) {
      const f = await relay.hub.next(seq, signal);
      if (!f) return out;
      seq = f.seq;
      out.push(f.data);
    }
  } finally {
    leave();
  }
}

/** True when `frame` is byte for byte one of the camera's JPEGs. */
function sentByCamera(cam: HttpCamera, frame: Uint8Array): boolean {
  return cam.frames.some((f) =>
    f.length === frame.length && f.every((b, i) => b === frame[i])
  );
}

Deno.test("httpSourceKind() decides by Content-Type", () => {
  assert.equal(
    httpSourceKind("multipart/x-mixed-replace; boundary=x"),
    "mjpeg",
  );
  assert.equal(
    httpSourceKind("Multipart/X-Mixed-Replace;boundary=--b"),
    "mjpeg",
  );
  assert.equal(httpSourceKind("image/jpeg"), "jpeg");
  assert.equal(httpSourceKind("image/jpg;charset=binary"), "jpeg");
  assert.equal(httpSourceKind("video/mp2t"), "ffmpeg");
  assert.equal(httpSourceKind("application/vnd.apple.mpegurl"), "ffmpeg");
  assert.equal(httpSourceKind("video/x-flv"), "ffmpeg");
  assert.equal(httpSourceKind(null), "ffmpeg");
});

Deno.test("MJPEG camera: frames passed through byte for byte, no ffmpeg", async () => {
  await using cam = await startHttpCamera({ fps: 10 });
  const relay = relayFor(spec(cam.url("/mjpeg")));
  try {
    let maxFfmpeg = 0;
    const poll = setInterval(() => {
      maxFfmpeg = Math.max(maxFfmpeg, countFfmpeg(`127.0.0.1:${cam.port}`));
    }, 50);
    const frames = await collect(relay, 1500);
    clearInterval(poll);
    assert.ok(frames.length >= 8, `${frames.length} frames in 1.5 s`);
    for (const f of frames) assert.ok(sentByCamera(cam, f), "unchanged JPEG");
    assert.equal(maxFfmpeg, 0, "no ffmpeg ran");
    assert.equal(relay.pid, null);
    const rt = relay.runtime();
    assert.equal(rt.state, "running");
    assert.equal(rt.error, null);
    assert.equal(cam.stats.mjpegConnections, 1);
  } finally {
    await relay.close();
  }
});

Deno.test("MJPEG camera without Content-Length parts still passes through", async () => {
  await using cam = await startHttpCamera({ fps: 10, noContentLength: true });
  const relay = relayFor(spec(cam.url("/mjpeg")));
  try {
    const frames = await collect(relay, 1000);
    assert.ok(frames.length >= 5, `${frames.length}`);
    for (const f of frames) assert.ok(sentByCamera(cam, f));
  } finally {
    await relay.close();
  }
});

Deno.test("MJPEG camera faster than the camera's frame rate: frames dropped to the rate", async () => {
  await using cam = await startHttpCamera({ fps: 25 });
  const relay = relayFor(spec(cam.url("/mjpeg"), { framerate: 5 }));
  try {
    const sentBefore = cam.stats.mjpegFrames;
    const frames = await collect(relay, 2000);
    const sent = cam.stats.mjpegFrames - sentBefore;
    assert.ok(sent >= 35, `camera sent ${sent}`);
    // 5 fps over 2 s, plus the bucket's spare frame.
    assert.ok(
      frames.length >= 8 && frames.length <= 12,
      `${frames.length} published`,
    );
    assert.ok(relay.runtime().fps <= 6, `fps ${relay.runtime().fps}`);
  } finally {
    await relay.close();
  }
});

Deno.test("JPEG snapshot camera: polled at the frame rate, never two requests at once", async () => {
  await using cam = await startHttpCamera();
  const relay = relayFor(spec(cam.url("/snapshot.jpg"), { framerate: 5 }));
  try {
    const frames = await collect(relay, 3000);
    const times = cam.stats.snapshotTimes;
    // 5 fps for 3 s ≈ 15 requests (the first answers the "what is it" GET).
    assert.ok(
      times.length >= 13 && times.length <= 17,
      `${times.length} requests`,
    );
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(Math.min(...gaps) >= 170, `gaps ${gaps}`);
    assert.equal(cam.stats.maxConcurrentSnapshots, 1);
    assert.ok(frames.length >= 13, `${frames.length} frames`);
    for (const f of frames) assert.ok(sentByCamera(cam, f));
    assert.equal(countFfmpeg(`127.0.0.1:${cam.port}`), 0);
  } finally {
    await relay.close();
  }
});

Deno.test("JPEG snapshot camera slower than the rate: one request in flight, as fast as it answers", async () => {
  await using cam = await startHttpCamera({ snapshotDelayMs: 250 });
  const relay = relayFor(spec(cam.url("/snapshot.jpg"), { framerate: 20 }));
  try {
    await collect(relay, 2000);
    const n = cam.stats.snapshots;
    assert.equal(cam.stats.maxConcurrentSnapshots, 1);
    assert.ok(n >= 6 && n <= 9, `${n} requests at 250 ms each in 2 s`);
    assert.equal(relay.runtime().state, "running");
  } finally {
    await relay.close();
  }
});

Deno.test("Digest camera: MJPEG and polled JPEG authenticate; polling reuses the nonce", async () => {
  await using cam = await startHttpCamera({
    user: "admin",
    password: "p@ss word",
    digestAlgorithm: "SHA-256",
  });
  const mjpeg = relayFor(spec(cam.authUrl("/mjpeg")));
  try {
    const frames = await collect(mjpeg, 1000);
    assert.ok(frames.length >= 5, `${frames.length}`);
    assert.equal(cam.stats.unauthorized, 1, "one 401, then the answer");
  } finally {
    await mjpeg.close();
  }
  const jpeg = relayFor(spec(cam.authUrl("/snapshot.jpg"), { framerate: 10 }));
  try {
    const frames = await collect(jpeg, 1500);
    assert.ok(frames.length >= 10, `${frames.length}`);
    assert.equal(
      cam.stats.unauthorized,
      2,
      "one more 401 for the whole polling run",
    );
    assert.ok(cam.stats.snapshots >= 10);
  } finally {
    await jpeg.close();
  }
});

Deno.test("Basic camera works; a wrong password backs off with a clear, redacted error", async () => {
  await using cam = await startHttpCamera({
    user: "u",
    password: "right-pass",
    auth: "basic",
  });
  const good = relayFor(spec(cam.authUrl("/mjpeg")));
  try {
    assert.ok((await collect(good, 800)).length >= 3);
  } finally {
    await good.close();
  }
  const bad = relayFor(
    spec(
      cam.url("/snapshot.jpg?password=Wr0ngSecret").replace(
        "//",
        "//u:Wr0ngSecret@",
      ),
    ),
  );
  const leave = bad.hub.subscribe();
  try {
    await waitFor(() => bad.runtime().restarts >= 2, "2 restarts", 3000);
    const rt = bad.runtime();
    assert.match(
      rt.error ?? "",
      /HTTP 401 .*rejected the user name or password/,
    );
    assert.ok(!rt.error!.includes("Wr0ngSecret"), rt.error!);
    assert.ok(["backoff", "starting"].includes(rt.state));
  } finally {
    leave();
    await bad.close();
  }
});

Deno.test("MJPEG camera outage: backoff with the error, frames again after it returns", async () => {
  await using cam = await startHttpCamera({ fps: 10 });
  const relay = relayFor(spec(cam.url("/mjpeg")));
  const leave = relay.hub.subscribe();
  try {
    await relay.hub.next(0, AbortSignal.timeout(2000));
    await cam.stop();
    await waitFor(() => relay.runtime().state === "backoff", "backoff", 3000);
    await waitFor(() => relay.runtime().restarts >= 3, "3 restarts", 3000);
    assert.ok(relay.runtime().error, "the reason is shown");
    assert.equal(relay.hub.latest(), null, "no stale frame");
    await cam.start();
    const t0 = Date.now();
    const f = await relay.hub.next(0, AbortSignal.timeout(3000));
    assert.ok(f, "frames resume");
    assert.ok(
      Date.now() - t0 < 1500,
      "within the 400 ms backoff cap and a connect",
    );
    await waitFor(() => relay.runtime().error === null, "error cleared", 1000);
  } finally {
    leave();
    await relay.close();
  }
});

Deno.test("MJPEG camera that stops sending: the stall watchdog reconnects", async () => {
  await using cam = await startHttpCamera({ fps: 0.25 }); // a frame every 4 s
  const relay = relayFor(spec(cam.url("/mjpeg")));
  const leave = relay.hub.subscribe();
  try {
    await relay.hub.next(0, AbortSignal.timeout(2000));
    await waitFor(() => relay.runtime().restarts >= 1, "a stall", 3000);
    assert.match(relay.runtime().error ?? "", /stalled: no frame for 1500 ms/);
    await waitFor(
      () => cam.stats.mjpegConnections >= 2,
      "a new connection",
      2000,
    );
  } finally {
    leave();
    await relay.close();
  }
});

Deno.test("HTTP camera idle: the connection is closed after the grace and reopened on demand", async () => {
  await using cam = await startHttpCamera({ fps: 10 });
  const relay = relayFor(spec(cam.url("/mjpeg")));
  try {
    await collect(relay, 500);
    await waitFor(() => relay.runtime().state === "idle", "idle", 2000);
    const sent = cam.stats.mjpegFrames;
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(cam.stats.mjpegFrames - sent <= 1, "the camera stopped sending");
    const jpeg = await relay.snapshot();
    assert.ok(sentByCamera(cam, jpeg));
    assert.equal(cam.stats.mjpegConnections, 2);
  } finally {
    await relay.close();
  }
});

Deno.test("HTTP stream that is not MJPEG or JPEG goes through one supervised ffmpeg", async () => {
  const clip = await makeTsClip("320x240", 3);
  await using cam = await startHttpCamera({
    files: { "/live.ts": { contentType: "video/mp2t", body: clip } },
  });
  const s = spec(cam.url("/live.ts"), { width: 160, height: 120 });
  const relay = relayFor(s);
  try {
    // A 3-s clip is read faster than real time, ends and is read again:
    // watch the processes while frames flow.
    let maxFfmpeg = 0;
    let sawPid = false;
    const poll = setInterval(() => {
      maxFfmpeg = Math.max(
        maxFfmpeg,
        countFfmpeg(`127.0.0.1:${cam.port}/live.ts`),
      );
      sawPid ||= relay.pid !== null;
    }, 20);
    const frames = await collect(relay, 2000);
    clearInterval(poll);
    assert.ok(frames.length >= 5, `${frames.length} frames via ffmpeg`);
    assert.ok(!sentByCamera(cam, frames[0]), "re-encoded, not passed through");
    assert.ok(sawPid, "the relay reports the ffmpeg's pid");
    assert.equal(maxFfmpeg, 1);
  } finally {
    await relay.close();
  }
  assert.equal(countFfmpeg(`127.0.0.1:${cam.port}/live.ts`), 0);
});
