import assert from "node:assert/strict";
import { backoffDelayMs } from "./backoff.ts";

Deno.test("backoffDelayMs() retries every 2 s at first, then slows to 10 s by default", () => {
  const delays = Array.from({ length: 12 }, (_, i) => backoffDelayMs(i + 1));
  assert.deepEqual(
    delays,
    [500, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 4000, 8000, 10000, 10000],
  );
  assert.equal(backoffDelayMs(50), 10000);
  // The quick phase lasts ~13.5 s of an outage.
  assert.equal(delays.slice(0, 8).reduce((a, b) => a + b), 13500);
});

Deno.test("backoffDelayMs() without a quick phase doubles to the cap", () => {
  const opts = { quickRetries: 0 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, opts)),
    [500, 1000, 2000, 4000, 8000, 10000, 10000],
  );
});

Deno.test("backoffDelayMs() honours custom options", () => {
  const opts = { initialMs: 100, factor: 3, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(n, opts)), [
    100,
    300,
    900,
    1000,
  ]);
});

Deno.test("backoffDelayMs() is 0 before any failure", () => {
  assert.equal(backoffDelayMs(0), 0);
});
