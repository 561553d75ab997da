/**
 * Strict IPv4 CIDR parsing for the camera scan (docs/guide/scanning.md). The
 * controller checks a user's `subnet` with it before any node is asked, and
 * the node agent parses it again before it opens a single socket: a scan
 * must never touch an address outside the range the user gave.
 *
 * Rules, each refused with an `AppError("invalid_input")` naming the field:
 * - `a.b.c.d/p` only: four decimal octets without leading zeros (so "010" is
 *   not read as octal by one tool and decimal by another), a prefix length;
 * - at most 1024 addresses: prefixes shorter than /22 are refused;
 * - no host bits set (`192.168.1.7/24` is a typo for `192.168.1.0/24` or for
 *   one host; guessing which would scan the wrong thing);
 * - only ranges that stay on the user's own networks: private (10/8,
 *   172.16/12, 192.168/16), shared address space (100.64/10), link-local
 *   (169.254/16) and loopback (127/8). Public, multicast, "this network"
 *   (0/8) and reserved (240/4) ranges are refused, so the scanner cannot be
 *   pointed at someone else's machines.
 *
 * The network and broadcast addresses of a /22–/30 are not hosts and are
 * never probed; a /31 has two hosts (RFC 3021) and a /32 one.
 */
import { AppError } from "./errors.ts";

/** Shortest prefix accepted: /22 = 1024 addresses. */
export const MIN_PREFIX = 22;

/** A parsed, checked IPv4 range. */
export interface Subnet {
  /** Canonical text, e.g. "192.168.1.0/24". */
  cidr: string;
  /** Network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
  /** Addresses in the range, network and broadcast included. */
  size: number;
}

/** Ranges a scan may cover: [network, prefix, name]. */
const ALLOWED: [string, number, string][] = [
  ["10.0.0.0", 8, "private"],
  ["172.16.0.0", 12, "private"],
  ["192.168.0.0", 16, "private"],
  ["100.64.0.0", 10, "shared address space"],
  ["169.254.0.0", 16, "link-local"],
  ["127.0.0.0", 8, "loopback"],
];

const OCTET = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses `text` as an IPv4 address. Returns null for anything else (IPv6,
 * host names, leading zeros, octets over 255).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(parseIpv4("192.168.1.10"), 0xc0a8010a);
 * assert.equal(parseIpv4("192.168.01.10"), null);
 * ```
 */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!OCTET.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

/** Dotted-quad text of an unsigned 32-bit address. */
export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Whether `addr` lies in `network/prefix`. */
function within(addr: number, network: number, prefix: number): boolean {
  return ((addr & mask(prefix)) >>> 0) === network;
}

/**
 * Parses and checks a scan range; throws `AppError("invalid_input")` whose
 * field is `field` and whose message says what to type instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const s = parseSubnet("192.168.1.0/24");
 * assert.equal(s.size, 256);
 * assert.throws(() => parseSubnet("10.0.0.0/16"));
 * ```
 */
export function parseSubnet(text: unknown, field = "subnet"): Subnet {
  const bad = (message: string) =>
    new AppError("invalid_input", `${field}: ${message}`, { field });
  if (typeof text !== "string" || text.trim() === "") {
    throw bad("give a range like 192.168.1.0/24");
  }
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
  if (!m) {
    throw bad(
      `"${
        text.slice(0, 50)
      }" is not an IPv4 range; give one like 192.168.1.0/24`,
    );
  }
  const addr = parseIpv4(m[1]);
  if (addr === null) {
    throw bad(
      `"${m[1]}" is not an IPv4 address (four numbers 0-255, no leading zeros)`,
    );
  }
  const prefix = Number(m[2]);
  if ((m[2].length > 1 && m[2].startsWith("0")) || prefix > 32) {
    throw bad(`/${m[2]} is not a prefix length (0-32)`);
  }
  if (prefix < MIN_PREFIX) {
    throw bad(
      `/${prefix} has ${
        2 ** (32 - prefix)
      } addresses; scans cover at most 1024 (/${MIN_PREFIX} or longer, e.g. /24)`,
    );
  }
  const network = (addr & mask(prefix)) >>> 0;
  if (network !== addr) {
    throw bad(
      `${m[1]}/${prefix} has host bits set; the range is ${
        formatIpv4(network)
      }/${prefix} (or give one host as ${m[1]}/32)`,
    );
  }
  const size = 2 ** (32 - prefix);
  const last = network + size - 1;
  const home = ALLOWED.find(([net, p]) => {
    const n = parseIpv4(net)!;
    return within(network, n, p) && within(last, n, p);
  });
  if (!home) {
    throw bad(
      `${
        formatIpv4(network)
      }/${prefix} is not a local network; scans cover private (10/8, 172.16/12, 192.168/16), 100.64/10, link-local or loopback ranges only`,
    );
  }
  return { cidr: `${formatIpv4(network)}/${prefix}`, network, prefix, size };
}

/**
 * The addresses a scan may probe, in order: every address of a /31 or /32,
 * else all but the network and broadcast addresses.
 */
export function hostsOf(subnet: Subnet): string[] {
  const { network, size, prefix } = subnet;
  const first = prefix >= 31 ? network : network + 1;
  const last = prefix >= 31 ? network + size - 1 : network + size - 2;
  const out: string[] = [];
  for (let a = first; a <= last; a++) out.push(formatIpv4(a));
  return out;
}

/** Whether the dotted-quad `address` is one of `hostsOf(subnet)`. */
export function isHostOf(subnet: Subnet, address: string): boolean {
  const a = parseIpv4(address);
  if (a === null || !within(a, subnet.network, subnet.prefix)) return false;
  if (subnet.prefix >= 31) return true;
  return a !== subnet.network && a !== subnet.network + subnet.size - 1;
}
