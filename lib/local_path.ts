/**
 * Where to go after signing in: only a path on this site. Browsers read
 * `/\evil.example` as `//evil.example` and drop tabs and newlines inside
 * URLs, so a prefix check on the raw text is not enough; the target is
 * resolved the way a browser resolves it and kept only when its origin is
 * ours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(localPath("/cameras/1?x=2", "http://h"), "/cameras/1?x=2");
 * assert.equal(localPath("/\\evil.example", "http://h"), "/");
 * ```
 */
export function localPath(
  next: string | null | undefined,
  origin: string,
): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  const path = url.pathname + url.search + url.hash;
  // Re-serialised by the URL parser: no backslashes, tabs or newlines left,
  // and a leading "//" (a scheme-relative URL) would leave the site.
  return path.startsWith("/") && !path.startsWith("//") ? path : "/";
}
