/**
 * WS-Discovery. The parser is tested on recorded-shape messages; the real
 * multicast round trip runs only inside a network namespace this test makes
 * (loopback with multicast routed), with the fake responder from
 * tests/support/fake_wsd.ts — a probe must never leave for the machine's real
 * network. Needs root (CAP_NET_ADMIN) and `ip`; skipped with a message
 * otherwise.
 */
import assert from "node:assert/strict";
import { parseProbeMatches, probeMessage } from "./discovery.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("parseProbeMatches() reads address, xaddrs, urn and the scopes people care about", () => {
  const xml = `<?xml version="1.0"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">
<env:Header><wsa:RelatesTo>uuid:abc</wsa:RelatesTo></env:Header>
<env:Body><d:ProbeMatches>
<d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:cam-1</wsa:Address></wsa:EndpointReference>
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>
<d:Scopes MatchBy="x"> onvif://www.onvif.org/name/IPC%20Front onvif://www.onvif.org/hardware/DS-2CD2143G0-I
 onvif://www.onvif.org/location/city/Berlin onvif://www.onvif.org/type/video_encoder</d:Scopes>
<d:XAddrs>http://192.0.2.20:8000/onvif/device_service http://[2001:db8::20]/onvif/device_service</d:XAddrs>
<d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch>
<d:ProbeMatch><wsa:EndpointReference><wsa:Address>urn:uuid:cam-2</wsa:Address></wsa:EndpointReference>
<d:XAddrs>not-a-url</d:XAddrs></d:ProbeMatch>
</d:ProbeMatches></env:Body></env:Envelope>`;
  const [a, b] = parseProbeMatches(xml, new Set(["uuid:abc"]), "192.0.2.99");
  assert.deepEqual(a, {
    address: "192.0.2.20",
    port: 8000,
    xaddrs: [
      "http://192.0.2.20:8000/onvif/device_service",
      "http://[2001:db8::20]/onvif/device_service",
    ],
    urn: "urn:uuid:cam-1",
    scopes: [
      "onvif://www.onvif.org/name/IPC%20Front",
      "onvif://www.onvif.org/hardware/DS-2CD2143G0-I",
      "onvif://www.onvif.org/location/city/Berlin",
      "onvif://www.onvif.org/type/video_encoder",
    ],
    name: "IPC Front",
    hardware: "DS-2CD2143G0-I",
    location: "city/Berlin",
  });
  // No usable XAddr: the sender's address, port 80.
  assert.equal(b.address, "192.0.2.99");
  assert.equal(b.port, 80);
  assert.deepEqual(b.xaddrs, []);
  // Answers to someone else's probe, and garbage, are ignored.
  assert.deepEqual(parseProbeMatches(xml, new Set(["uuid:other"]), "x"), []);
  assert.deepEqual(parseProbeMatches("<not xml", null, "x"), []);
  assert.match(
    probeMessage(
      "uuid:1",
      "dn",
      "http://www.onvif.org/ver10/network/wsdl",
      "NetworkVideoTransmitter",
    ),
    /<d:Types>dn:NetworkVideoTransmitter<\/d:Types>/,
  );
});

/** Can this process make network namespaces? Tried once, cleaned up at once. */
function netnsAvailable(): string | null {
  const name = `fe-probe-${Deno.pid}`;
  try {
    const add = new Deno.Command("ip", { args: ["netns", "add", name] })
      .outputSync();
    if (!add.success) {
      return new TextDecoder().decode(add.stderr).trim() ||
        "ip netns add failed";
    }
    new Deno.Command("ip", { args: ["netns", "del", name] }).outputSync();
    return null;
  } catch (e) {
    return String(e);
  }
}

const whyNot = netnsAvailable();
if (whyNot) {
  console.warn(
    `SKIPPED: WS-Discovery in a network namespace needs root and iproute2 (${whyNot})`,
  );
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

Deno.test({
  name:
    "discoverOnvif() finds the fake camera by multicast inside a private network namespace",
  ignore: whyNot !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ns = `fe-wsd-${Deno.pid}`;
    await ip("netns", "add", ns);
    let responder: Deno.ChildProcess | null = null;
    try {
      await ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
      await ip(
        "netns",
        "exec",
        ns,
        "ip",
        "link",
        "set",
        "lo",
        "multicast",
        "on",
      );
      await ip(
        "netns",
        "exec",
        ns,
        "ip",
        "route",
        "add",
        "224.0.0.0/4",
        "dev",
        "lo",
      );
      responder = new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          Deno.execPath(),
          "run",
          "-A",
          `${ROOT}tests/support/fake_wsd.ts`,
          "--xaddr",
          "http://127.0.0.1:8899/onvif/device_service",
          "--urn",
          "urn:uuid:fake-cam-1",
          "--name",
          "Front Door",
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const lines = responder.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let seen = "";
      while (!seen.includes("READY")) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`responder exited: ${seen}`);
        seen += value;
      }

      const t0 = performance.now();
      const out = await new Deno.Command("ip", {
        args: [
          "netns",
          "exec",
          ns,
          Deno.execPath(),
          "run",
          "-A",
          `${ROOT}node-agent/onvif/discovery.ts`,
          "1500",
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const took = performance.now() - t0;
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const found = JSON.parse(text);
      assert.deepEqual(found, [{
        address: "127.0.0.1",
        port: 8899,
        xaddrs: ["http://127.0.0.1:8899/onvif/device_service"],
        urn: "urn:uuid:fake-cam-1",
        scopes: [
          "onvif://www.onvif.org/type/video_encoder",
          "onvif://www.onvif.org/Profile/Streaming",
          "onvif://www.onvif.org/name/Front%20Door",
          "onvif://www.onvif.org/hardware/FC-2000",
          "onvif://www.onvif.org/location/Garden",
        ],
        name: "Front Door",
        hardware: "FC-2000",
        location: "Garden",
      }], "one device, although it answered both probe types");
      // Bounded: the listen time plus a Deno start.
      assert.ok(took < 1500 + 5000, `discovery took ${took} ms`);
      await lines.cancel();
    } finally {
      if (responder) {
        try {
          responder.kill("SIGTERM");
        } catch {
          // already gone
        }
        await responder.status;
      }
      await ip("netns", "del", ns);
    }
  },
});
