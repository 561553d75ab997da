import assert from "node:assert/strict";
import { deniedHost, inetAton } from "./targets.ts";

Deno.test("deniedHost() refuses loopback, link-local, unspecified and metadata in every spelling", () => {
  for (
    const h of [
      "127.0.0.1",
      "127.1.2.3",
      "2130706433",
      "0x7f.1",
      "0177.0.0.1",
      "0x7f000001",
      "localhost",
      "LOCALHOST.",
      "cam.localhost",
      "[::1]",
      "::1",
      "0:0:0:0:0:0:0:1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::127.0.0.1",
      "169.254.169.254",
      "2852039166",
      "[fe80::1]",
      "fe80::1%eth0",
      "febf::1",
      "fd00:ec2::254",
      "0.0.0.0",
      "0",
      "::",
      "metadata.google.internal",
    ]
  ) assert.ok(deniedHost(h), h);
});

Deno.test("deniedHost() allows LAN, shared and public addresses and names", () => {
  for (
    const h of [
      "192.168.1.64",
      "10.0.0.5",
      "172.16.3.4",
      "100.64.0.9",
      "8.8.8.8",
      "cam.local",
      "camera-1",
      "fd12:3456::1",
      "2001:db8::1",
      "::ffff:192.168.1.2",
      "fec0::1",
      "128.0.0.1",
      "169.253.1.1",
    ]
  ) assert.equal(deniedHost(h), null, h);
});

Deno.test("inetAton() reads the forms the resolver reads", () => {
  assert.equal(inetAton("127.0.0.1"), 0x7f000001);
  assert.equal(inetAton("127.1"), 0x7f000001);
  assert.equal(inetAton("0x7f.0.0.1"), 0x7f000001);
  assert.equal(inetAton("017700000001"), 0x7f000001);
  assert.equal(inetAton("256.0.0.1"), null);
  assert.equal(inetAton("1.2.3.4.5"), null);
  assert.equal(inetAton("cam"), null);
});
