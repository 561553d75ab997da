import assert from "node:assert/strict";
import { isLoopbackHost, isPlainHttpOffLoopback } from "./transport.ts";

Deno.test("loopback hosts", () => {
  for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["10.0.0.1", "128.0.0.1", "example.com", "::2", "0.0.0.0"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
});

Deno.test("plain http off loopback", () => {
  assert.ok(isPlainHttpOffLoopback("http://10.0.0.5:30901"));
  assert.ok(
    isPlainHttpOffLoopback("http://falcon-controller.falcon-eye.svc:30900"),
  );
  assert.ok(!isPlainHttpOffLoopback("https://10.0.0.5:30901"));
  assert.ok(!isPlainHttpOffLoopback("http://127.0.0.1:30900"));
  assert.ok(!isPlainHttpOffLoopback("http://[::1]:30900"));
  assert.ok(!isPlainHttpOffLoopback("not a url"));
});
