/**
 * Generated credentials for redaction fuzzing (lib/redact_test.ts,
 * tests/security/fuzz_test.ts): passwords over all printable ASCII with the
 * characters that break naive redaction drawn often, the query-credential
 * conventions of cheap cameras, and every form a password may take in an
 * output. Pure; seeded, so a failure replays.
 */

/** A small seeded PRNG (mulberry32), so a failure can be replayed with its seed. */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters that break naive redaction, drawn more often than the rest.
export const NASTY = "@:/?#% &=;'\"\\[]";

/** 10–20 printable ASCII characters (0x20–0x7e), often holding NASTY ones and %XX escapes. */
export function generatedPassword(next: () => number): string {
  const n = 10 + Math.floor(next() * 11);
  let s = "";
  while (s.length < n) {
    const r = next();
    if (r < 0.3) s += NASTY[Math.floor(next() * NASTY.length)];
    else if (r < 0.4) {
      s += "%" + Math.floor(next() * 256).toString(16).padStart(2, "0");
    } else s += String.fromCharCode(0x20 + Math.floor(next() * 95));
  }
  return s;
}

/** Query-credential conventions of cheap cameras: [user key, password key]. */
export const QUERY_CREDENTIALS: [string, string][] = [
  ["user", "pwd"],
  ["username", "password"],
  ["usr", "pass"],
  ["loginuse", "loginpas"],
  ["account", "passwd"],
  ["user", "password"],
  ["name", "pw"],
  ["u", "p"],
  ["login", "token"],
  ["id", "auth"],
  ["client", "key"],
  ["app", "apikey"],
  ["app", "api_key"],
  ["x", "access_token"],
  ["x", "secret"],
  ["x", "sig"],
];

/** Every form a password may take in an output: raw, percent-encoded (both ways), as the URL parser keeps it. */
export function passwordForms(pw: string): string[] {
  const forms = new Set([pw, encodeURIComponent(pw)]);
  try {
    forms.add(new URL(`rtsp://u:${encodeURIComponent(pw)}@h/`).password);
    const u = new URL("rtsp://h/");
    u.password = pw;
    forms.add(u.password);
    u.searchParams.set("p", pw);
    forms.add(u.search.slice(3));
  } catch { /* forms above suffice */ }
  return [...forms].filter((f) => f.length >= 4);
}

/** The URLs an admin might type carrying `pw`: userinfo raw and encoded, every query convention. */
export function typedUrls(pw: string, next: () => number): string[] {
  const enc = encodeURIComponent(pw);
  const scheme = ["rtsp", "rtsps", "http", "https"][Math.floor(next() * 4)];
  const urls = [
    `${scheme}://admin:${pw}@10.0.0.5:554/stream1`,
    `${scheme}://admin:${enc}@10.0.0.5:554/stream1`,
    `${scheme}://${enc}@cam.local/mjpg`,
  ];
  const [uk, pk] =
    QUERY_CREDENTIALS[Math.floor(next() * QUERY_CREDENTIALS.length)];
  urls.push(`${scheme}://10.0.0.5/cgi?${uk}=admin&${pk}=${enc}&chan=1`);
  urls.push(`${scheme}://10.0.0.5/cgi?${pk}=${pw}`);
  return urls;
}
