/**
 * Review finding #3 (docs/design/security.md § Review findings): password
 * hashing must not stall the controller. 200 parallel sign-ins from 200
 * addresses (each needs a real argon2 verification: no limiter refuses them)
 * while a viewer watches a live MJPEG stream: the stream keeps at least 90 %
 * of the frames it delivers when the controller is idle.
 */
import assert from "node:assert/strict";
import { readMjpeg } from "../../lib/mjpeg.ts";
import { createUser } from "./helpers.ts";
import { eventually, startStack } from "../support/stack.ts";

const FPS = 10;

/** Counts frames of a live stream with their arrival times until `signal`. */
function countFrames(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const at: number[] = [];
  const done = (async () => {
    const res = await fetch(url, { headers, signal: ac.signal });
    assert.equal(res.status, 200);
    try {
      for await (const _ of readMjpeg(res.body!)) at.push(performance.now());
    } catch { /* aborted */ }
  })();
  return {
    at,
    framesBetween: (t0: number, t1: number) =>
      at.filter((t) => t >= t0 && t < t1).length,
    async stop() {
      ac.abort();
      await done.catch(() => {});
    },
  };
}

Deno.test({
  name:
    "security review #3: 200 parallel logins do not stall a live stream (>= 90 % of frames)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({ flags: { "trust-proxy": "true" } });
    try {
      await stack.startNodeAgent("load-node");
      const res = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Load",
          protocol: "demo",
          resolution: "320x240",
          framerate: FPS,
        },
      });
      const cam = await res.json();
      assert.equal(res.status, 201, JSON.stringify(cam));
      await createUser(stack, "target", "secret-Pass-of-T1");
      const watch = countFrames(
        `${stack.url}/api/cameras/${cam.id}/stream`,
        stack.auth,
      );
      try {
        await eventually(() => watch.at.length >= 10, 20000, "stream running");
        // Baseline: frames per second while nothing else happens.
        const b0 = performance.now();
        await new Promise((r) => setTimeout(r, 4000));
        const b1 = performance.now();
        const baseline = watch.framesBetween(b0, b1) / ((b1 - b0) / 1000);

        const l0 = performance.now();
        const statuses = await Promise.all(
          Array.from(
            { length: 200 },
            (_, i) =>
              fetch(`${stack.url}/api/auth/login`, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  "x-forwarded-for": `10.20.${i >> 8}.${i & 255}`,
                },
                body: JSON.stringify({
                  username: i % 2 ? "target" : `nobody-${i}`,
                  password: `wrong-password-${i}`,
                }),
              }).then(async (r) => {
                await r.body?.cancel();
                return r.status;
              }),
          ),
        );
        // At least 4 s, so the rate is not read off a handful of frames.
        const l1 = Math.max(performance.now(), l0 + 4000);
        await new Promise((r) => setTimeout(r, l1 - performance.now() + 200));
        const during = watch.framesBetween(l0, l1) / ((l1 - l0) / 1000);
        console.log(
          `baseline ${baseline.toFixed(1)} fps; during 200 logins ${
            during.toFixed(1)
          } fps over ${((l1 - l0) / 1000).toFixed(1)} s; answers ${
            [...new Set(statuses)].map((s) =>
              `${s}×${statuses.filter((x) => x === s).length}`
            ).join(" ")
          }`,
        );
        assert.ok(
          statuses.every((s) => s === 401 || s === 429),
          statuses.join(","),
        );
        assert.ok(
          during >= baseline * 0.9,
          `stream at ${during.toFixed(1)} fps during the logins vs ${
            baseline.toFixed(1)
          } fps before`,
        );
      } finally {
        await watch.stop();
      }
    } finally {
      await stack.close();
    }
  },
});
