/**
 * Camera targets the controller refuses before anything connects (issue 11
 * #8): loopback, link-local / cloud metadata, unspecified (lib/targets.ts),
 * and any registered node agent's own address. Refusing up front means a
 * probe of such a target never runs, so its answer says nothing about
 * whether a port there is open. `--allow-private-camera-targets` lifts it
 * (a camera really on the node's loopback, the test stack's fake cameras).
 */
import { deniedHost } from "../../lib/targets.ts";
import { parseOnvifUrl } from "../../lib/onvif_url.ts";
import type { FieldProblem } from "./schema.ts";

export interface TargetPolicy {
  /** The admin's override: every target allowed. */
  allowPrivate: boolean;
  /** host:port of every registered node agent (their own API). */
  agentAddresses(): Promise<string[]>;
}

const DEFAULT_PORTS: Record<string, number> = {
  "rtsp:": 554,
  "rtsps:": 322,
  "http:": 80,
  "https:": 443,
};

const OVERRIDE =
  "an admin can allow such targets with --allow-private-camera-targets (FALCON_ALLOW_PRIVATE_CAMERA_TARGETS=true)";

/** The problem with `url` as a camera target for `field`, or null. */
export async function checkTarget(
  protocol: string,
  url: string | null,
  field: string,
  policy: TargetPolicy | undefined,
): Promise<FieldProblem | null> {
  if (!url || !policy || policy.allowPrivate) return null;
  if (protocol === "demo" || protocol === "usb") return null;
  let host: string, port: number;
  try {
    if (protocol === "onvif") {
      const a = parseOnvifUrl(url);
      host = a.host;
      port = a.port;
    } else {
      const u = new URL(url);
      host = u.hostname.replace(/^\[|\]$/g, "");
      port = u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol] ?? 0;
    }
  } catch {
    return null; // not a URL: the source checks report it
  }
  const why = deniedHost(host);
  if (why) {
    return [
      field,
      `${field} points at ${why} (${host}); cameras are reached over the network — ${OVERRIDE}`,
    ];
  }
  for (const address of await policy.agentAddresses()) {
    try {
      const a = new URL(address);
      const aPort = a.port ? Number(a.port) : DEFAULT_PORTS[a.protocol] ?? 0;
      if (
        a.hostname.replace(/^\[|\]$/g, "").toLowerCase() ===
          host.toLowerCase() && aPort === port
      ) {
        return [
          field,
          `${field} points at a node agent's own API (${host}:${port}), not a camera — ${OVERRIDE}`,
        ];
      }
    } catch { /* a node without a usable address */ }
  }
  return null;
}
