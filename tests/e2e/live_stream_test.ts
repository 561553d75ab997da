/**
 * End to end with real parts: PostgreSQL 15, the GStreamer RTSP server, the
 * node agent as a child process, ffmpeg. Covers the foundation's acceptance:
 * shared fan-out, source outage recovery, node loss and return over SSE.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { startPostgres } from "../support/postgres.ts";
import { countFfmpeg } from "../support/processes.ts";
import { startRtspServer } from "../support/rtsp_server.ts";
import { eventually, readFrames, startStack } from "../support/stack.ts";

Deno.test({
  name:
    "RTSP camera: 3 viewers share one ffmpeg; outage recovers; node loss goes offline and back",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await using pg = await startPostgres();
    await using rtsp = await startRtspServer({ size: "640x480", fps: 15 });
    const stack = await startStack({
      databaseUrl: pg.url,
      relayIdleGraceMs: 1000,
    });
    try {
      // Production heartbeat period: changes must arrive through the long poll, not the next beat.
      let agent = await stack.startNodeAgent("e2e-node", { heartbeatMs: 5000 });
      const events = await stack.events();
      const created = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Porch",
          protocol: "rtsp",
          source_url: rtsp.url,
          resolution: "640x480",
          framerate: 15,
        },
      });
      assert.equal(created.status, 201);
      const cam = await created.json();
      assert.equal(cam.assigned_node, "e2e-node");
      const streamUrl = `${stack.url}/api/cameras/${cam.id}/stream`;

      await t.step(
        "three concurrent viewers each get 20 valid JPEG frames within 5 s from one ffmpeg",
        async () => {
          let maxFfmpeg = 0;
          const sampler = setInterval(
            () => maxFfmpeg = Math.max(maxFfmpeg, countFfmpeg(rtsp.url)),
            100,
          );
          try {
            const started = Date.now();
            const results = await Promise.all(
              [0, 1, 2].map(() =>
                readFrames(streamUrl, {
                  count: 20,
                  timeoutMs: 5000,
                  headers: stack.auth,
                })
              ),
            );
            const elapsed = Date.now() - started;
            for (const frames of results) {
              assert.ok(
                frames.length >= 20,
                `a viewer got ${frames.length} frames in ${elapsed} ms`,
              );
              assert.ok(frames.every(isJpeg), "every frame is a complete JPEG");
            }
            assert.equal(
              countFfmpeg(rtsp.url),
              1,
              "exactly one ffmpeg for the camera while watched",
            );
            assert.equal(
              maxFfmpeg,
              1,
              "never more than one ffmpeg for the camera",
            );
            assert.equal(
              stack.controller.streams.upstreamCount,
              1,
              "one upstream connection from the controller",
            );
          } finally {
            clearInterval(sampler);
          }
        },
      );

      await t.step(
        "RTSP server down for 5 s: frames resume within 10 s on the same connection",
        async () => {
          const ac = new AbortController();
          const res = await fetch(streamUrl, {
            signal: ac.signal,
            headers: stack.auth,
          });
          const { readMjpeg } = await import("../../lib/mjpeg.ts");
          const times: number[] = [];
          const reading = (async () => {
            try {
              for await (const _ of readMjpeg(res.body!)) {
                times.push(Date.now());
              }
            } catch { /* aborted */ }
          })();
          await eventually(
            () => times.length > 5,
            5000,
            "frames before the outage",
          );
          await rtsp.stop();
          const downAt = Date.now();
          await new Promise((r) => setTimeout(r, 5000));
          await rtsp.restart();
          const upAt = Date.now();
          await eventually(
            () => times.some((t) => t > upAt),
            10000,
            "frames after the RTSP server returned",
          );
          const resumedAfter = times.find((t) => t > upAt)! - upAt;
          assert.ok(
            resumedAfter <= 10000,
            `resumed ${resumedAfter} ms after the server returned`,
          );
          const during = times.filter((t) =>
            t > downAt + 1500 && t < upAt
          ).length;
          assert.equal(during, 0, "no frames while the source was down");
          ac.abort();
          await reading;
        },
      );

      await t.step(
        "killing the node agent marks its cameras offline over SSE; they return with it",
        async () => {
          const mark = Date.now();
          await agent.kill("SIGKILL");
          await events.waitFor(
            (e) =>
              e.at >= mark && e.event === "node" && e.data.status === "offline",
            10000,
          );
          await events.waitFor(
            (e) =>
              e.at >= mark && e.event === "camera" &&
              e.data.camera?.id === cam.id &&
              e.data.camera.status === "offline",
            10000,
          );
          const back = Date.now();
          agent = await stack.startNodeAgent("e2e-node", { heartbeatMs: 5000 });
          await events.waitFor(
            (e) =>
              e.at >= back && e.event === "node" && e.data.status === "online",
            10000,
          );
          await events.waitFor(
            (e) =>
              e.at >= back && e.event === "camera" &&
              e.data.camera?.id === cam.id && e.data.camera.status === "online",
            10000,
          );
          const frames = await readFrames(streamUrl, {
            count: 5,
            timeoutMs: 10000,
            headers: stack.auth,
          });
          assert.ok(
            frames.length >= 5,
            "live view works again after the node returned",
          );
        },
      );

      await t.step(
        "no ffmpeg is left once viewers leave and the stack stops",
        async () => {
          await eventually(
            () => countFfmpeg(rtsp.url) === 0,
            15000,
            "relay ffmpeg to stop after its idle grace",
          );
        },
      );
    } finally {
      await stack.close();
    }
    assert.equal(countFfmpeg(rtsp.url), 0);
  },
});
