/**
 * A WS-Discovery responder that answers ONVIF Probes like a camera does:
 * joins 239.255.255.250 on the loopback interface, listens on UDP 3702 and
 * replies to each Probe with a ProbeMatches naming one device. Multicast must
 * never reach the machine's real network, so run it only inside a network
 * namespace a test made (see node-agent/onvif/discovery_test.ts):
 *
 *   ip netns exec NS deno run -A tests/support/fake_wsd.ts \
 *     --xaddr http://127.0.0.1:8080/onvif/device_service --name "Front Door"
 *
 * Prints READY once it listens; each answered probe prints PROBE.
 * @module
 */
import dgram from "node:dgram";
import { XMLParser } from "fast-xml-parser";

const args = parseArgs(Deno.args);
const xaddr = args.xaddr ?? "http://127.0.0.1:8080/onvif/device_service";
const urn = args.urn ?? `urn:uuid:${crypto.randomUUID()}`;
const scopes = [
  "onvif://www.onvif.org/type/video_encoder",
  "onvif://www.onvif.org/Profile/Streaming",
  `onvif://www.onvif.org/name/${encodeURIComponent(args.name ?? "FakeCam")}`,
  `onvif://www.onvif.org/hardware/${
    encodeURIComponent(args.hardware ?? "FC-2000")
  }`,
  `onvif://www.onvif.org/location/${
    encodeURIComponent(args.location ?? "Garden")
  }`,
].join(" ");

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true });
const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
socket.on("message", (msg: Uint8Array, rinfo) => {
  let env: Record<string, Record<string, unknown>>;
  try {
    env = parser.parse(new TextDecoder().decode(msg)).Envelope;
  } catch {
    return;
  }
  if (!env?.Body || !("Probe" in env.Body)) return;
  const id = String(env.Header?.MessageID ?? "");
  const reply = `<?xml version="1.0" encoding="UTF-8"?>` +
    `<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">` +
    `<SOAP-ENV:Header><wsa:MessageID>uuid:${crypto.randomUUID()}</wsa:MessageID><wsa:RelatesTo>${id}</wsa:RelatesTo>` +
    `<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
    `<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>` +
    `<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><wsa:EndpointReference><wsa:Address>${urn}</wsa:Address></wsa:EndpointReference>` +
    `<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddr}</d:XAddrs>` +
    `<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
  // Deno reports the multicast sender as 0.0.0.0 on lo; the reply goes back locally all the same.
  socket.send(reply, rinfo.port, rinfo.address);
  console.log("PROBE");
});
socket.bind(3702, () => {
  socket.addMembership("239.255.255.250", "127.0.0.1");
  console.log("READY");
});

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    out[argv[i].replace(/^--/, "")] = argv[i + 1] ?? "";
  }
  return out;
}
