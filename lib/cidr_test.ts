import assert from "node:assert/strict";
import { AppError } from "./errors.ts";
import {
  formatIpv4,
  hostsOf,
  isHostOf,
  parseIpv4,
  parseSubnet,
} from "./cidr.ts";

/** The AppError parseSubnet throws for `text`. */
function refusal(text: unknown): AppError {
  try {
    parseSubnet(text);
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.field, "subnet");
    return e;
  }
  assert.fail(`parseSubnet(${JSON.stringify(text)}) accepted it`);
}

Deno.test("parseIpv4() reads dotted quads and nothing else", () => {
  assert.equal(parseIpv4("0.0.0.0"), 0);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
  assert.equal(parseIpv4("10.1.2.3"), 0x0a010203);
  for (
    const bad of [
      "10.1.2",
      "10.1.2.3.4",
      "10.1.2.256",
      "10.01.2.3",
      "10.1.2.-3",
      "a.b.c.d",
      "::1",
      "10.1.2.3 ",
      "",
    ]
  ) {
    assert.equal(parseIpv4(bad), null, bad);
  }
  assert.equal(formatIpv4(0xc0a80001), "192.168.0.1");
});

Deno.test("parseSubnet() accepts local ranges of /22 to /32", () => {
  const s = parseSubnet("192.168.1.0/24");
  assert.deepEqual(s, {
    cidr: "192.168.1.0/24",
    network: 0xc0a80100,
    prefix: 24,
    size: 256,
  });
  assert.equal(parseSubnet(" 10.20.0.0/22 ").size, 1024);
  assert.equal(parseSubnet("172.31.255.255/32").size, 1);
  assert.equal(parseSubnet("127.0.0.0/30").size, 4);
  assert.equal(parseSubnet("100.64.4.0/24").cidr, "100.64.4.0/24");
  assert.equal(parseSubnet("169.254.3.0/24").cidr, "169.254.3.0/24");
});

Deno.test("parseSubnet() refuses more than 1024 addresses, naming subnet", () => {
  assert.match(refusal("10.0.0.0/21").message, /2048 addresses.*at most 1024/);
  assert.match(refusal("10.0.0.0/8").message, /at most 1024/);
  assert.match(refusal("0.0.0.0/0").message, /at most 1024/);
});

Deno.test("parseSubnet() refuses malformed input", () => {
  for (
    const bad of [
      "",
      "   ",
      null,
      42,
      "192.168.1.0",
      "192.168.1.0/",
      "192.168.1.0/33",
      "192.168.1.0/024",
      "192.168.001.0/24",
      "192.168.1.0/24/1",
      "192.168.1.0-192.168.1.255",
      "fe80::/64",
      "camera.local/24",
    ]
  ) {
    refusal(bad);
  }
});

Deno.test("parseSubnet() refuses host bits and says what was meant", () => {
  const e = refusal("192.168.1.7/24");
  assert.match(e.message, /host bits/);
  assert.match(e.message, /192\.168\.1\.0\/24/);
  assert.match(e.message, /192\.168\.1\.7\/32/);
});

Deno.test("parseSubnet() refuses public, multicast and reserved ranges", () => {
  for (
    const bad of [
      "8.8.8.0/24",
      "172.32.0.0/24", // just past 172.16/12
      "192.169.0.0/24",
      "224.0.0.0/24",
      "239.255.255.0/24",
      "240.0.0.0/24",
      "255.255.255.255/32",
      "0.0.0.0/24",
    ]
  ) {
    assert.match(refusal(bad).message, /not a local network/, bad);
  }
});

Deno.test("hostsOf() skips the network and broadcast addresses", () => {
  assert.deepEqual(hostsOf(parseSubnet("127.0.0.0/30")), [
    "127.0.0.1",
    "127.0.0.2",
  ]);
  assert.deepEqual(hostsOf(parseSubnet("10.0.0.4/31")), [
    "10.0.0.4",
    "10.0.0.5",
  ]);
  assert.deepEqual(hostsOf(parseSubnet("10.0.0.9/32")), ["10.0.0.9"]);
  const big = hostsOf(parseSubnet("10.0.4.0/22"));
  assert.equal(big.length, 1022);
  assert.equal(big[0], "10.0.4.1");
  assert.equal(big.at(-1), "10.0.7.254");
});

Deno.test("isHostOf() agrees with hostsOf()", () => {
  const s = parseSubnet("192.168.5.0/29");
  const hosts = new Set(hostsOf(s));
  for (let i = 0; i < 256; i++) {
    for (const a of [`192.168.5.${i}`, `192.168.4.${i}`]) {
      assert.equal(isHostOf(s, a), hosts.has(a), a);
    }
  }
  assert.equal(isHostOf(s, "not an address"), false);
});
