/**
 * Credential redaction for URLs and free text (log lines, ffmpeg stderr).
 *
 * Structural, not a pattern over what someone typed: a URL is cut into
 * userinfo, host, path, query and fragment, and every part that can carry a
 * secret is masked whole:
 * - userinfo, as the WHATWG URL parser splits it (a password may hold `@`,
 *   `:` and spaces); `user:pw@` shows `user:***@`, a user-only `token@`
 *   shows `***@` (many cameras take a key as the user);
 * - query: EVERY value (`?a=1&b` → `?a=***&***`; `&` separates), whatever its key, because
 *   cheap cameras use any name (`loginpas`, `pwd`, `usr`…); the exceptions
 *   are `profile` of our own `onvif://` scheme (lib/onvif_url.ts) and the
 *   socket options of ffmpeg's `tcp://` / `udp://` (`?timeout=5000000`);
 * - fragment: masked;
 * - path: `key=value` pairs with a credential key (`/user=admin&password=…`,
 *   `/user=admin_password=…_channel=1`, XMEye/Dahua styles).
 * Free text: each `scheme://…` in it is redacted like that, then credential
 * `key=value` pairs and `Authorization:` header values are masked.
 */

export const MASK = "***";

/** True for the mask as the API shows it, raw or percent-encoded. */
export function isMask(value: string): boolean {
  return value === MASK || value.toUpperCase() === "%2A%2A%2A";
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** Keys whose value is a credential, wherever they appear (path, free text). */
const CREDENTIAL_KEYS =
  "user|username|usr|uid|login|loginuse|account|password|passwd|passwort|pwd|pass|pw|psw|loginpas|token|access_token|auth|authorization|key|apikey|api_key|secret|sig|signature|credential|credentials|session|sessionid";

// In a path, a value ends at & ; / , or where the next `_key=` begins (Dahua style).
const PATH_CREDENTIAL = new RegExp(
  `(^|[/&;_,])(${CREDENTIAL_KEYS})=(.*?)(?=[&;/,]|_[A-Za-z]+=|$)`,
  "gi",
);

/**
 * Masks the credentials of one URL; text that is not a URL is redacted as
 * text. Exact for every URL `normaliseUrl` (lib/source_url.ts) accepts; for
 * one the URL parser cannot split with certainty — an `@` after the host
 * means a password holding `/ ? #` typed raw, or the parser fails while an
 * `@` is there — only the scheme is shown (`rtsp://***`).
 */
export function redactUrl(url: string): string {
  const m = SCHEME.exec(url);
  if (!m) return redactText(url);
  const scheme = m[1].toLowerCase();
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.includes("@") ? `${scheme}://${MASK}` : structural(url, m);
  }
  if ((u.pathname + u.search + u.hash).includes("@")) {
    return `${scheme}://${MASK}`;
  }
  const userinfo = u.password
    ? `${u.username}:${MASK}@`
    : u.username
    ? `${MASK}@`
    : "";
  return `${scheme}://${userinfo}${u.host}${redactPath(u.pathname)}` +
    (u.search ? "?" + redactQuery(u.search.slice(1), scheme) : "") +
    (u.hash ? `#${MASK}` : "");
}

/** A URL the parser refuses and that has no userinfo: its parts cut by hand. */
function structural(url: string, m: RegExpExecArray): string {
  let rest = url.slice(m[0].length);
  const hash = rest.indexOf("#");
  const fragment = hash >= 0 ? rest.slice(hash + 1) : null;
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  const query = q >= 0 ? rest.slice(q + 1) : null;
  if (q >= 0) rest = rest.slice(0, q);
  const slash = rest.indexOf("/");
  const host = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : "";
  return m[0] + host + redactPath(path) +
    (query === null ? "" : "?" + redactQuery(query, m[1].toLowerCase())) +
    (fragment === null ? "" : fragment ? `#${MASK}` : "#");
}

function redactPath(path: string): string {
  return path.replace(
    PATH_CREDENTIAL,
    (_m, sep, key, value) => `${sep}${key}=${value ? MASK : ""}`,
  );
}

const QUERY_KEY = /^[A-Za-z0-9_.\-\[\]]{1,40}$/;

function redactQuery(query: string, scheme: string): string {
  // `&` only: a `;` is more often inside a password than a separator.
  return query.split("&").map((part) => {
    if (part === "") return part;
    const eq = part.indexOf("=");
    const key = part.slice(0, eq);
    // Our own scheme's profile token names a stream, not a secret; ffmpeg's
    // own tcp:// and udp:// URLs carry only its socket options.
    if (scheme === "onvif" && key === "profile") return part;
    if (scheme === "tcp" || scheme === "udp") return part;
    // A bare word, an empty value or a key no camera would use is most
    // likely part of a password holding a raw `&`: masked whole.
    if (eq < 0 || eq === part.length - 1 || !QUERY_KEY.test(key)) return MASK;
    return `${key}=${MASK}`;
  }).join("&");
}

// A URL inside text: the userinfo may hold spaces or quotes (up to an `@`
// before the first / ? # of the line), the rest ends at whitespace or a quote.
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/(?:[^\r\n/?#]*@)?[^\s"'<>`]*/gi;
// Credential key=value pairs outside URLs (`user=admin&pwd=…`, `pass="…"`).
const TEXT_CREDENTIAL = new RegExp(
  `(^|[^A-Za-z0-9_])(${CREDENTIAL_KEYS})(\\s*=\\s*)("[^"]*"|'[^']*'|[^\\s&;,'"]+)`,
  "gi",
);
const AUTH_HEADER =
  /(authorization\s*:\s*(?:basic|bearer|digest|negotiate)?\s*)[^\r\n]+/gi;

/** Redacts every credential inside a piece of text. */
export function redactText(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => {
      // ffmpeg writes `url: error` and `'url',`: that punctuation is not the URL's.
      const tail = /[:,.)\]]$/.test(url) ? url.slice(-1) : "";
      return redactUrl(tail ? url.slice(0, -1) : url) + tail;
    })
    .replace(AUTH_HEADER, (_m, head) => `${head}${MASK}`)
    .replace(
      TEXT_CREDENTIAL,
      (m, pre, key, eq, value) =>
        value.startsWith(MASK) ? m : `${pre}${key}${eq}${MASK}`,
    );
}

/**
 * Replaces each URL in a text by its scheme (`rtsp://…`): for readers who may
 * know that a camera failed but not its address.
 */
export function stripUrls(text: string): string {
  return redactText(text).replace(
    URL_IN_TEXT,
    (url) => `${url.slice(0, url.indexOf("://"))}://…`,
  );
}

/**
 * Redacts known secret values wherever they appear (e.g. a password that ffmpeg
 * echoes back percent-decoded). Values shorter than 4 characters are ignored to
 * avoid masking ordinary words.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = redactText(text);
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join(MASK);
  }
  return out;
}

/** True when the URL carries a userinfo password (`user:pw@`). */
export function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
}
