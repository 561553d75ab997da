/**
 * HTTP cameras end to end (controller on PGlite, node agent as a process):
 * an MJPEG camera behind Digest is passed through to viewers byte for byte
 * with no ffmpeg reading it, and records (frames-in H.264); a JPEG snapshot
 * camera is polled at its frame rate; an outage shows as the camera's error
 * and heals by itself.
 */
import assert from "node:assert/strict";
import { countFfmpeg } from "../support/processes.ts";
import { type HttpCamera, startHttpCamera } from "../support/http_camera.ts";
import {
  createCamera,
  liveFrames,
  recordSegments,
  startSourceStack,
  stopRecording,
} from "../support/cameras.ts";
import { eventually } from "../support/stack.ts";

function sentBy(cam: HttpCamera, frame: Uint8Array): boolean {
  return cam.frames.some((f) =>
    f.length === frame.length && f.every((b, i) => b === frame[i])
  );
}

Deno.test({
  name:
    "HTTP cameras: MJPEG passthrough with Digest, JPEG polling, recording, outage",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using mjpeg = await startHttpCamera({
      fps: 10,
      user: "viewer",
      password: "Dg5t-pass",
    });
    await using snap = await startHttpCamera({
      auth: "basic",
      user: "u",
      password: "B4sic-pass",
    });
    const stack = await startSourceStack("http-node");
    try {
      const live = await createCamera(stack, {
        name: "Garage",
        protocol: "http",
        source_url: mjpeg.authUrl("/mjpeg"),
        resolution: "320x240",
        framerate: 10,
      });
      const still = await createCamera(stack, {
        name: "Shed",
        protocol: "http",
        source_url: snap.authUrl("/snapshot.jpg"),
        resolution: "320x240",
        framerate: 4,
      });

      await t.step(
        "MJPEG: viewers get the camera's own JPEGs, no ffmpeg reads it",
        async () => {
          let maxFfmpeg = 0;
          const sampler = setInterval(() => {
            maxFfmpeg = Math.max(
              maxFfmpeg,
              countFfmpeg(`127.0.0.1:${mjpeg.port}`),
            );
          }, 100);
          try {
            const frames = await liveFrames(stack, live.id, 10, 8000);
            assert.equal(frames.length, 10);
            for (const f of frames) {
              assert.ok(sentBy(mjpeg, f), "byte for byte");
            }
          } finally {
            clearInterval(sampler);
          }
          assert.equal(maxFfmpeg, 0);
          assert.ok(mjpeg.stats.authorized >= 1, "Digest was answered");
        },
      );

      await t.step(
        "JPEG snapshot camera: polled at 4 fps, one request at a time",
        async () => {
          const before = snap.stats.snapshots;
          const frames = await liveFrames(stack, still.id, 1000, 3000);
          const requests = snap.stats.snapshots - before;
          assert.ok(
            requests >= 8 && requests <= 14,
            `${requests} requests in ~3 s at 4 fps`,
          );
          assert.ok(frames.length >= 6, `${frames.length} frames`);
          for (const f of frames) assert.ok(sentBy(snap, f));
          assert.equal(snap.stats.maxConcurrentSnapshots, 1);
          const shot = await stack.api(`/api/cameras/${still.id}/snapshot`);
          assert.equal(shot.status, 200);
          assert.ok(sentBy(snap, new Uint8Array(await shot.arrayBuffer())));
        },
      );

      await t.step(
        "recording the MJPEG camera writes H.264 segments from the passed-through frames",
        async () => {
          const rec = await recordSegments(stack, live.id, 2, 20_000);
          assert.ok(rec.segments.every((s) => s.video_codec === "h264"));
          await stopRecording(stack, live.id);
          assert.equal(
            countFfmpeg(`127.0.0.1:${mjpeg.port}`),
            0,
            "the camera is still read without ffmpeg",
          );
        },
      );

      await t.step(
        "an outage shows as the camera's error and heals by itself",
        async () => {
          // A viewer keeps the relay running through the outage.
          const viewer = new AbortController();
          const res = await fetch(
            `${stack.url}/api/cameras/${live.id}/stream`,
            { headers: stack.auth, signal: viewer.signal },
          );
          const watching = (async () => {
            try {
              for await (const _ of res.body!) { /* drain */ }
            } catch { /* aborted */ }
          })();
          try {
            await eventually(
              async () =>
                (await (await stack.api(`/api/cameras/${live.id}`)).json())
                  .status === "online",
              10000,
              "online",
            );
            await mjpeg.stop();
            let cam: { status: string; error_message: string | null } = {
              status: "",
              error_message: null,
            };
            await eventually(
              async () => {
                cam = await (await stack.api(`/api/cameras/${live.id}`)).json();
                return cam.status === "error";
              },
              15000,
              "status error",
            );
            assert.ok(cam.error_message, "the reason is shown");
            assert.ok(!cam.error_message!.includes("Dg5t-pass"));
            await mjpeg.start();
            await eventually(
              async () => {
                cam = await (await stack.api(`/api/cameras/${live.id}`)).json();
                return cam.status === "online" && cam.error_message === null;
              },
              15000,
              "online again",
            );
          } finally {
            viewer.abort();
            await watching;
          }
        },
      );
    } finally {
      await stack.close();
    }
  },
});
