/**
 * The one normal form of a camera URL: what the controller stores, sends to
 * the node and redacts. Parsed once by the WHATWG URL parser and serialised
 * again, so the stored string is exactly what every later reader (ffmpeg,
 * fetch, lib/redact.ts) splits the same way; a password typed raw with `@`,
 * `:` or spaces comes out percent-encoded in the userinfo.
 */

/** The normalised URL, or the reason it cannot be stored (a sentence without the field name). */
export function normaliseUrl(
  raw: string,
): { url: string } | { problem: string } {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { problem: "is not a valid URL" };
  }
  // A raw `/ ? #` in a password ends the host early and leaves the rest of the
  // password in the path, query or fragment, where it would be shown.
  if ((u.pathname + u.search + u.hash).includes("@")) {
    return {
      problem:
        "has an @ after the host: percent-encode @ / ? # in the password (as %40 %2F %3F %23)",
    };
  }
  // An empty query or fragment ("…?", "…#") says nothing: dropped, so every
  // later round trip through URL components gives the same stored form.
  if (u.search === "") u.search = "";
  if (u.hash === "") u.hash = "";
  // Quotes end a URL inside ffmpeg's messages ('url'); encoded they cannot
  // cut a query value in two when stderr is redacted.
  const scheme = u.protocol.length;
  const href = u.href;
  return {
    url: href.slice(0, scheme) +
      href.slice(scheme).replaceAll("'", "%27").replaceAll("`", "%60"),
  };
}
