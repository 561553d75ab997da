import assert from "node:assert/strict";
import { FrameThrottle } from "./throttle.ts";

/** How many of the frames arriving at `times` pass a throttle of `fps`. */
function passed(fps: number, times: number[]): number {
  const t = new FrameThrottle(fps);
  return times.filter((ms) => t.accept(ms)).length;
}

const every = (gapMs: number, seconds: number) =>
  Array.from(
    { length: Math.floor(seconds * 1000 / gapMs) },
    (_, i) => i * gapMs,
  );

Deno.test("FrameThrottle drops a faster source down to the rate", () => {
  const half = passed(15, every(1000 / 30, 10)); // 30 fps → 15 fps
  assert.ok(half >= 150 && half <= 152, `${half}`);
  const fifth = passed(5, every(40, 10)); // 25 fps → 5 fps
  assert.ok(fifth >= 50 && fifth <= 52, `${fifth}`);
  const n = passed(15, every(1000 / 16, 10)); // barely faster
  assert.ok(n >= 150 && n <= 152, `${n}`);
});

Deno.test("FrameThrottle keeps every frame of a source at or below the rate, jitter included", () => {
  assert.equal(passed(15, every(1000 / 15, 10)), 150);
  assert.equal(passed(15, every(200, 10)), 50); // 5 fps stays 5 fps
  let t = 0;
  const jittery = Array.from(
    { length: 150 },
    (_, i) => (t += i % 2 ? 60 : 73.3),
  );
  assert.equal(passed(15, jittery), 150, "±7 ms around 66.7 ms costs nothing");
});

Deno.test("FrameThrottle gives no credit for a pause: a burst after it is limited", () => {
  const t = new FrameThrottle(10);
  assert.ok(t.accept(0));
  // 5 s of silence, then 10 frames within 10 ms.
  const burst = Array.from({ length: 10 }, (_, i) => 5000 + i);
  assert.equal(burst.filter((ms) => t.accept(ms)).length, 2);
});

Deno.test("FrameThrottle without a usable rate passes everything", () => {
  assert.equal(passed(0, every(1, 1)), 1000);
  assert.equal(passed(NaN, every(1, 1)), 1000);
});
