import assert from "node:assert/strict";
import { bearer, timingSafeEqual } from "./bearer.ts";

Deno.test("bearer() reads the token of a Bearer header only", () => {
  assert.equal(bearer("Bearer abc"), "abc");
  assert.equal(bearer("bearer  abc"), "abc");
  assert.equal(bearer("Basic abc"), null);
  assert.equal(bearer("Bearer a b"), null);
  assert.equal(bearer(undefined), null);
});

Deno.test("timingSafeEqual() compares whole strings", () => {
  assert.equal(timingSafeEqual("secret-1", "secret-1"), true);
  assert.equal(timingSafeEqual("secret-1", "secret-2"), false);
  assert.equal(timingSafeEqual("secret", "secret-1"), false);
  assert.equal(timingSafeEqual("", ""), true);
});
