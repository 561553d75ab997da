/**
 * The `onvif://user:pass@host[:port][?profile=TOKEN]` source URL of an ONVIF
 * camera, and the URL surgery around the RTSP/snapshot URIs a camera hands
 * back: many cameras return them without credentials (so ffmpeg would get a
 * 401), and a URI shown to a person must never carry them.
 */
import { AppError } from "./errors.ts";
import { redactText } from "./redact.ts";
import type { OnvifTarget } from "./protocol/onvif.ts";

/** A parsed onvif:// URL. */
export interface OnvifAddress {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Media profile token; null = the device's first profile. */
  profile: string | null;
}

/** Port of the ONVIF device service when the URL names none. */
export const DEFAULT_ONVIF_PORT = 80;
/** ONVIF ReferenceToken is at most 64 characters. */
const MAX_TOKEN = 64;

/**
 * Parses an onvif:// URL. Throws AppError("invalid_input") naming
 * `source_url` with what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const a = parseOnvifUrl("onvif://admin:s%40cret@10.0.0.5:8000?profile=sub");
 * assert.equal(a.password, "s@cret");
 * assert.equal(a.port, 8000);
 * assert.equal(a.profile, "sub");
 * ```
 */
export function parseOnvifUrl(url: string): OnvifAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad(
      "source_url is not a valid URL (expected onvif://user:pass@host)",
    );
  }
  if (u.protocol !== "onvif:") {
    throw bad("source_url must start with onvif://");
  }
  if (!u.hostname) throw bad("source_url must name the camera's host");
  if (u.pathname && u.pathname !== "/") {
    throw bad(
      "source_url must not have a path: onvif://user:pass@host[:port]?profile=TOKEN",
    );
  }
  for (const key of u.searchParams.keys()) {
    if (key !== "profile") {
      throw bad(`source_url has an unknown parameter "${key}" (only profile)`);
    }
  }
  const profile = u.searchParams.get("profile");
  if (profile !== null && (!profile || profile.length > MAX_TOKEN)) {
    throw bad(`profile must be 1 to ${MAX_TOKEN} characters`);
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : DEFAULT_ONVIF_PORT,
    username: decode(u.username),
    password: decode(u.password),
    profile,
  };
}

/** The onvif:// URL for an address (credentials and token percent-encoded). */
export function buildOnvifUrl(a: OnvifAddress): string {
  const auth = a.username || a.password
    ? `${encodeURIComponent(a.username)}:${encodeURIComponent(a.password)}@`
    : "";
  const host = a.host.includes(":") ? `[${a.host}]` : a.host;
  const port = a.port === DEFAULT_ONVIF_PORT ? "" : `:${a.port}`;
  const query = a.profile ? `?profile=${encodeURIComponent(a.profile)}` : "";
  return `onvif://${auth}${host}${port}${query}`;
}

/**
 * An address from either form of OnvifTarget: `url`, or host + port +
 * credentials. Errors name the field at fault.
 */
export function targetAddress(t: OnvifTarget): OnvifAddress {
  if (t.url) {
    const a = parseOnvifUrl(t.url);
    // The form may send credentials beside a URL without them.
    if (!a.username && t.username) a.username = t.username;
    if (!a.password && t.password) a.password = t.password;
    return a;
  }
  const host = (t.host ?? "").trim();
  if (!host) {
    throw new AppError("invalid_input", "host or url is required", {
      field: "host",
    });
  }
  if (!/^[A-Za-z0-9.\-:\[\]]{1,253}$/.test(host)) {
    throw new AppError(
      "invalid_input",
      "host must be an IP address or host name",
      { field: "host" },
    );
  }
  return {
    host: host.replace(/^\[|\]$/g, ""),
    port: t.port ?? DEFAULT_ONVIF_PORT,
    username: t.username ?? "",
    password: t.password ?? "",
    profile: null,
  };
}

/**
 * `uri` with the given credentials when it carries none (cameras often
 * return their RTSP URI bare and expect the client to add them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(
 *   withCredentials("rtsp://10.0.0.5:554/live", "admin", "p@ss"),
 *   "rtsp://admin:p%40ss@10.0.0.5:554/live",
 * );
 * ```
 */
export function withCredentials(
  uri: string,
  username: string,
  password: string,
): string {
  if (!username) return uri;
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return uri;
  }
  if (u.username) return uri; // the camera chose its own
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * True when `uri` is served by the device at `a` itself: the same host, and
 * — with `samePort` (an HTTP snapshot URI, served by the device's web
 * server) — the same port. The camera's credentials go only there: a device
 * (or whoever answers in its place) naming another host would collect them
 * (issue 11 #9). RTSP runs on its own port (554…), so a stream URI needs the
 * host only.
 */
export function onDevice(
  uri: string,
  a: Pick<OnvifAddress, "host" | "port">,
  { samePort = false } = {},
): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host !== a.host.toLowerCase()) return false;
  if (!samePort) return true;
  const port = u.port
    ? Number(u.port)
    : u.protocol === "https:"
    ? 443
    : u.protocol === "http:"
    ? 80
    : NaN;
  return port === a.port;
}

/**
 * `uri` as a person may see it: no user info at all, and secret-looking
 * query parameters masked (some cameras put `?password=` in URIs).
 */
export function publicUri(uri: string | null): string | null {
  if (!uri) return uri;
  try {
    const u = new URL(uri);
    u.username = "";
    u.password = "";
    return redactText(u.toString());
  } catch {
    return redactText(uri);
  }
}

/**
 * Escapes a value for the XML text the onvif package builds by string
 * concatenation (tokens come from users and cameras).
 */
export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function bad(message: string): AppError {
  return new AppError("invalid_input", message, { field: "source_url" });
}
