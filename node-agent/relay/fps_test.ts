import assert from "node:assert/strict";
import { FpsMeter } from "./fps.ts";

function feed(meter: FpsMeter, fromMs: number, toMs: number, fps: number) {
  for (let t = fromMs; t < toMs; t += 1000 / fps) meter.record(t);
}

Deno.test("FpsMeter measures a steady rate over the window", () => {
  const m = new FpsMeter(5000);
  m.reset(0);
  feed(m, 0, 10_000, 15);
  assert.equal(m.fps(10_000), 15);
});

Deno.test("FpsMeter reads the right rate before the window is full", () => {
  const m = new FpsMeter(5000);
  m.reset(1000);
  feed(m, 1000, 3000, 10);
  assert.equal(m.fps(3000), 10);
});

Deno.test("FpsMeter falls to 0 once frames stop for a whole window", () => {
  const m = new FpsMeter(5000);
  m.reset(0);
  feed(m, 0, 5000, 20);
  assert.equal(m.fps(7499), 10); // half the window still holds frames
  assert.equal(m.fps(10_001), 0);
});

Deno.test("FpsMeter does not spike on the first frames", () => {
  const m = new FpsMeter();
  m.reset(0);
  m.record(10);
  m.record(20);
  assert.equal(m.fps(20), 2);
  assert.equal(new FpsMeter().fps(0), 0);
});
