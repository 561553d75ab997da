/**
 * WS-Discovery of ONVIF devices on the node's networks: one multicast Probe
 * to 239.255.255.250:3702 per device type (NetworkVideoTransmitter, Device),
 * ProbeMatches collected until `timeoutMs`, one result per device. Bounded in
 * time, answers and size; no device is contacted afterwards (no resolve).
 *
 * Run it by hand on a node to see what it finds:
 *   deno run -A node-agent/onvif/discovery.ts 3000
 */
import dgram from "node:dgram";
import { XMLParser } from "fast-xml-parser";
import type { DiscoveredOnvif } from "../../lib/protocol/mod.ts";

export type { DiscoveredOnvif } from "../../lib/protocol/mod.ts";

export interface DiscoverOptions {
  /** How long to listen for answers. */
  timeoutMs: number;
  /** Ends the listening early; what arrived so far is returned. */
  signal?: AbortSignal;
}

export const WSD_ADDRESS = "239.255.255.250";
export const WSD_PORT = 3702;
/** More devices than this in one answer set are ignored. */
const MAX_DEVICES = 512;
/** A ProbeMatches larger than this is not parsed. */
const MAX_MESSAGE_BYTES = 64 * 1024;

const TYPES = [
  ["dn", "http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter"],
  ["tds", "http://www.onvif.org/ver10/device/wsdl", "Device"],
] as const;

/**
 * Probes for ONVIF devices and resolves with what answered within
 * `timeoutMs`, sorted by address. Never rejects for network trouble (a node
 * without multicast finds nothing); rejects only for a bad `timeoutMs`.
 */
export function discoverOnvif(
  opts: DiscoverOptions,
): Promise<DiscoveredOnvif[]> {
  if (!(opts.timeoutMs > 0 && opts.timeoutMs <= 60_000)) {
    return Promise.reject(
      new RangeError("timeoutMs must be between 1 and 60000"),
    );
  }
  return new Promise((resolve) => {
    const found = new Map<string, DiscoveredOnvif>();
    const ids = new Set<string>();
    const socket = dgram.createSocket({ type: "udp4" });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", finish);
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(
        [...found.values()].sort((a, b) =>
          a.address.localeCompare(b.address, "en", { numeric: true }) ||
          a.urn.localeCompare(b.urn)
        ),
      );
    };
    const timer = setTimeout(finish, opts.timeoutMs);
    if (opts.signal?.aborted) return finish();
    opts.signal?.addEventListener("abort", finish, { once: true });
    socket.on("error", finish);
    socket.on("message", (msg: Uint8Array, rinfo: { address: string }) => {
      if (msg.length > MAX_MESSAGE_BYTES || found.size >= MAX_DEVICES) return;
      const text = new TextDecoder().decode(msg);
      for (const d of parseProbeMatches(text, ids, rinfo.address)) {
        const key = d.urn || `${d.address}:${d.port}`;
        if (!found.has(key)) found.set(key, d);
      }
    });
    socket.bind(0, () => {
      for (const [prefix, ns, type] of TYPES) {
        const id = `uuid:${crypto.randomUUID()}`;
        ids.add(id);
        socket.send(probeMessage(id, prefix, ns, type), WSD_PORT, WSD_ADDRESS);
      }
    });
  });
}

/** A WS-Discovery Probe for one device type. */
export function probeMessage(
  messageId: string,
  prefix: string,
  ns: string,
  type: string,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:${prefix}="${ns}">` +
    `<s:Header><a:MessageID>${messageId}</a:MessageID>` +
    `<a:To s:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>` +
    `<a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action></s:Header>` +
    `<s:Body><d:Probe><d:Types>${prefix}:${type}</d:Types></d:Probe></s:Body></s:Envelope>`;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === "ProbeMatch",
});

/**
 * The devices in one ProbeMatches message. Answers to probes we did not send
 * (RelatesTo not in `ids`, when `ids` is given) and malformed XML give [].
 */
export function parseProbeMatches(
  xml: string,
  ids: Set<string> | null,
  sender: string,
): DiscoveredOnvif[] {
  let env: Record<string, unknown>;
  try {
    env = (parser.parse(xml) as { Envelope?: Record<string, unknown> })
      .Envelope ?? {};
  } catch {
    return [];
  }
  const header = (env.Header ?? {}) as Record<string, unknown>;
  const relates = text(header.RelatesTo);
  if (ids && !ids.has(relates)) return [];
  const matches = ((env.Body as Record<string, unknown>)?.ProbeMatches as {
    ProbeMatch?: Record<string, unknown>[];
  })?.ProbeMatch ?? [];
  const out: DiscoveredOnvif[] = [];
  for (const m of matches) {
    const urn = text(
      (m.EndpointReference as Record<string, unknown>)?.Address,
    );
    const xaddrs = words(text(m.XAddrs)).filter((x) => /^https?:\/\//i.test(x));
    const scopes = words(text(m.Scopes));
    let address = sender;
    let port = 80;
    if (xaddrs.length) {
      try {
        const u = new URL(xaddrs[0]);
        address = u.hostname.replace(/^\[|\]$/g, "");
        port = u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
      } catch {
        // keep the sender's address
      }
    }
    out.push({
      address,
      port,
      xaddrs,
      urn,
      scopes,
      name: scope(scopes, "name"),
      hardware: scope(scopes, "hardware"),
      location: scope(scopes, "location"),
    });
  }
  return out;
}

/** The decoded value of `onvif://www.onvif.org/<key>/<value>`, or null. */
function scope(scopes: string[], key: string): string | null {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const s = scopes.find((x) => x.toLowerCase().startsWith(prefix));
  if (!s) return null;
  const raw = s.slice(prefix.length);
  try {
    return decodeURIComponent(raw.replace(/\+/g, " ")) || null;
  } catch {
    return raw || null;
  }
}

function text(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "object") {
    return text((v as Record<string, unknown>)["#text"]);
  }
  return String(v).trim();
}

function words(s: string): string[] {
  return s.split(/\s+/).filter(Boolean).slice(0, 64);
}

if (import.meta.main) {
  const timeoutMs = Number(Deno.args[0] ?? 3000);
  console.log(JSON.stringify(await discoverOnvif({ timeoutMs }), null, 2));
}
