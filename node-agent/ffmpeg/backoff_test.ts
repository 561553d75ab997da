import assert from "node:assert/strict";
import { backoffDelayMs } from "./backoff.ts";

Deno.test("backoffDelayMs() doubles from 500 ms and caps at 10 s by default", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelayMs(n));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
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
