/**
 * The protocols ffmpeg may open for each kind of input (`-protocol_whitelist`).
 *
 * ffmpeg opens nested URLs on a camera's say: an HTTP "camera" can answer
 * with an HLS or ffconcat playlist naming `file:` paths, `udp:` or other
 * protocols. Some ffmpeg builds pass a default whitelist to nested opens,
 * others do not; this list makes the rule ours and the same everywhere
 * (issue 11 #7). An input option: it goes before the `-i` it guards.
 *
 * - rtsp: the RTSP control connection (tcp), RTP over UDP (rtp, udp);
 *   rtsps adds tls.
 * - http(s): http, https (redirects between them), tcp, tls.
 * - the recorder's frame socket: unix. Local files we wrote (remux, concat
 *   lists, renditions, file probes), a V4L2 device, the lavfi test pattern:
 *   file only — nothing a playlist could reach out with.
 */
export type InputKind = "rtsp" | "rtsps" | "http" | "https" | "unix" | "file";

export const PROTOCOL_WHITELIST: Record<InputKind, string> = {
  rtsp: "rtsp,rtp,udp,tcp",
  rtsps: "rtsp,rtsps,rtp,udp,tcp,tls",
  http: "http,https,tcp,tls",
  https: "http,https,tcp,tls",
  unix: "unix",
  file: "file",
};

/** `-protocol_whitelist LIST` for an input of `kind`. */
export function whitelist(kind: InputKind): string[] {
  return ["-protocol_whitelist", PROTOCOL_WHITELIST[kind]];
}

/**
 * The whitelist for a network source URL, by its scheme. A scheme without a
 * list gets `file`'s, which opens no network at all; the argv builders check
 * schemes before this.
 */
export function whitelistForUrl(url: string): string[] {
  const scheme = url.slice(0, Math.max(0, url.indexOf(":"))).toLowerCase();
  const kind = scheme in PROTOCOL_WHITELIST && scheme !== "file" &&
      scheme !== "unix"
    ? scheme as InputKind
    : "file";
  return whitelist(kind);
}
