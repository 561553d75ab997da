/**
 * Credential redaction for URLs and free text (log lines, ffmpeg stderr).
 * `rtsp://user:secret@host/path` becomes `rtsp://user:***@host/path`.
 */

const MASK = "***";

/** Hides the password of a URL; returns the input unchanged when it has none. */
export function redactUrl(url: string): string {
  return redactText(url);
}

// scheme://user:password@ — the password may hold any character but '@' and whitespace.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@\s]*)@/gi;
// user-only userinfo is not secret; query parameters that often carry secrets are.
const SECRET_PARAMS =
  /([?&](?:password|passwd|pwd|pass|token|access_token|auth|key|api_key|apikey|secret)=)([^&\s"']*)/gi;

/** Redacts every credential-bearing URL inside a piece of text. */
export function redactText(text: string): string {
  return text
    .replace(USERINFO, (_m, scheme, user) => `${scheme}${user}:${MASK}@`)
    .replace(SECRET_PARAMS, (_m, key) => `${key}${MASK}`);
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

/** True when the URL carries a password that redaction would hide. */
export function hasPassword(url: string): boolean {
  USERINFO.lastIndex = 0;
  return USERINFO.test(url);
}
