/**
 * HTTP authentication challenges (RFC 7235) and Digest responses (RFC 7616:
 * MD5, SHA-256 and their -sess forms, qop=auth, plus the RFC 2069 form without
 * qop that old cameras still send). Pure apart from the random cnonce, which
 * callers may pass in, so the RFC's example vectors are tests.
 *
 * Hand-written rather than a dependency: it is ~150 lines, nothing in the
 * import map does it, and cameras are the main users of Digest today.
 */
import { createHash } from "node:crypto";

/** One challenge of a `WWW-Authenticate` header. */
export interface Challenge {
  /** Lower-case scheme, e.g. "digest", "basic". */
  scheme: string;
  /** Parameters with lower-case names and unquoted values. */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` value into its challenges. A header may hold
 * several (`Digest …, Basic realm="x"`), and `Headers.get()` joins repeated
 * headers with ", ", so a new challenge starts at a token not followed by "=".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [c] = parseChallenges('Digest realm="cam", nonce="abc", qop="auth"');
 * assert.equal(c.scheme, "digest");
 * assert.equal(c.params.nonce, "abc");
 * ```
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skip = (chars: string) => {
    while (i < n && chars.includes(header[i])) i++;
  };
  const token = () => {
    const start = i;
    while (i < n && !' \t,="'.includes(header[i])) i++;
    return header.slice(start, i);
  };
  let current: Challenge | null = null;
  while (i < n) {
    skip(" \t,");
    if (i >= n) break;
    const name = token();
    if (!name) {
      i++; // stray character: skip it rather than loop forever
      continue;
    }
    skip(" \t");
    if (header[i] !== "=") {
      current = { scheme: name.toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    i++; // "="
    skip(" \t");
    let value: string;
    if (header[i] === '"') {
      i++;
      value = "";
      while (i < n && header[i] !== '"') {
        if (header[i] === "\\" && i + 1 < n) i++;
        value += header[i++];
      }
      i++; // closing quote
    } else {
      value = token();
      // token68 (e.g. "Negotiate abc==") ends in "=" signs
      while (header[i] === "=") value += header[i++];
    }
    if (current) current.params[name.toLowerCase()] = value;
  }
  return out;
}

/** Digest algorithms this client answers, best first. */
const ALGORITHMS = ["SHA-256", "SHA-256-SESS", "MD5", "MD5-SESS"];

/** True when we can answer this Digest challenge (algorithm and qop). */
export function canAnswer(c: Challenge): boolean {
  if (c.scheme !== "digest" || !c.params.nonce) return false;
  const alg = (c.params.algorithm ?? "MD5").toUpperCase();
  if (!ALGORITHMS.includes(alg)) return false;
  const qop = c.params.qop;
  return qop === undefined || qopList(qop).includes("auth");
}

/**
 * The challenge to answer among several: Digest with the strongest
 * algorithm we support, else Basic; null when none is usable.
 */
export function pickChallenge(challenges: Challenge[]): Challenge | null {
  const digests = challenges.filter(canAnswer).sort((a, b) =>
    ALGORITHMS.indexOf((a.params.algorithm ?? "MD5").toUpperCase()) -
    ALGORITHMS.indexOf((b.params.algorithm ?? "MD5").toUpperCase())
  );
  return digests[0] ?? challenges.find((c) => c.scheme === "basic") ?? null;
}

export interface DigestInput {
  challenge: Challenge;
  username: string;
  password: string;
  method: string;
  /** Request target as sent: path and query, e.g. `/snap.jpg?ch=1`. */
  uri: string;
  /** Nonce count: 1 for the first request with this nonce. */
  nc: number;
  /** Client nonce; random when omitted. */
  cnonce?: string;
}

/**
 * The `Authorization` header value answering a Digest challenge.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const [challenge] = parseChallenges(
 *   'Digest realm="testrealm@host.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
 * );
 * const h = digestAuthorization({
 *   challenge, username: "Mufasa", password: "Circle Of Life", method: "GET",
 *   uri: "/dir/index.html", nc: 1, cnonce: "0a4f113b",
 * });
 * assert.match(h, /response="6629fae49393a05397450978507c4ef1"/);
 * ```
 */
export function digestAuthorization(input: DigestInput): string {
  const { challenge, username, password, method, uri, nc } = input;
  const p = challenge.params;
  const realm = p.realm ?? "";
  const nonce = p.nonce ?? "";
  const algorithm = p.algorithm ?? "MD5";
  const alg = algorithm.toUpperCase();
  const hash = alg.startsWith("SHA-256") ? "sha256" : "md5";
  const H = (s: string) => createHash(hash).update(s, "utf8").digest("hex");
  const qop = p.qop === undefined ? null : "auth";
  const cnonce = input.cnonce ?? randomCnonce();
  const ncHex = nc.toString(16).padStart(8, "0");
  let ha1 = H(`${username}:${realm}:${password}`);
  if (alg.endsWith("-SESS")) ha1 = H(`${ha1}:${nonce}:${cnonce}`);
  const ha2 = H(`${method}:${uri}`);
  const response = qop
    ? H(`${ha1}:${nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`)
    : H(`${ha1}:${nonce}:${ha2}`);
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(uri)}`,
    // Echo the server's spelling: some cameras compare it case-sensitively.
    ...(p.algorithm !== undefined ? [`algorithm=${algorithm}`] : []),
    `response=${quote(response)}`,
    ...(p.opaque !== undefined ? [`opaque=${quote(p.opaque)}`] : []),
    ...(qop ? [`qop=${qop}`, `nc=${ncHex}`, `cnonce=${quote(cnonce)}`] : []),
  ];
  return `Digest ${parts.join(", ")}`;
}

/** `Authorization` value for Basic (RFC 7617), UTF-8 credentials. */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

function qopList(qop: string): string[] {
  return qop.split(",").map((q) => q.trim().toLowerCase());
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, "\\$1")}"`;
}

function randomCnonce(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}
