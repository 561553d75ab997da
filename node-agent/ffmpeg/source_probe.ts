/**
 * "Test connection": open a camera source once with ffprobe and report its
 * video and audio streams. Bounded in time; never throws; errors come back
 * redacted, as the user will read them.
 */
import { redactSecrets } from "../../lib/redact.ts";
import type { ProbeRequest, ProbeResult } from "../../lib/protocol/mod.ts";
import { whitelist, whitelistForUrl } from "./protocols.ts";

/** ffprobe next to the configured ffmpeg (`/usr/bin/ffmpeg` → `/usr/bin/ffprobe`). */
export function ffprobePathFor(ffmpeg: string): string {
  return Deno.env.get("FALCON_FFPROBE") ??
    ffmpeg.replace(/ffmpeg(\.exe)?$/, "ffprobe$1");
}

/** ffprobe argv for a source (pure, tested). */
export function probeArgs(req: ProbeRequest): string[] {
  const base = ["-v", "error", "-show_streams", "-of", "json"];
  switch (req.protocol) {
    case "rtsp":
      return [
        ...base,
        ...whitelistForUrl(req.source_url!),
        "-rtsp_transport",
        // The camera's own choice: a UDP-only camera fails a TCP probe.
        req.rtsp_transport ?? "tcp",
        "-timeout",
        "5000000",
        "-i",
        req.source_url!,
      ];
    case "http":
      return [
        ...base,
        ...whitelist("http"),
        "-rw_timeout",
        "5000000",
        "-i",
        req.source_url!,
      ];
    case "usb":
      return [
        ...base,
        ...whitelist("file"),
        "-f",
        "v4l2",
        "-i",
        req.device_path!,
      ];
    case "demo":
      return [
        ...base,
        ...whitelist("file"),
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=640x480:rate=15",
      ];
    case "onvif":
      // The node API resolves it to its RTSP URI first (onvif/routes.ts).
      throw new Error(
        "an onvif source is probed as the RTSP URI it resolves to",
      );
  }
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

/** Reads ffprobe's JSON into a ProbeResult body (pure, tested). */
export function parseProbe(json: string): Pick<ProbeResult, "video" | "audio"> {
  const streams = (JSON.parse(json) as { streams?: FfprobeStream[] }).streams ??
    [];
  const v = streams.find((s) => s.codec_type === "video");
  const a = streams.find((s) => s.codec_type === "audio");
  return {
    video: v
      ? {
        codec: v.codec_name ?? "unknown",
        width: v.width ?? 0,
        height: v.height ?? 0,
        fps: rate(v.avg_frame_rate) ?? rate(v.r_frame_rate),
      }
      : null,
    audio: a
      ? {
        codec: a.codec_name ?? "unknown",
        sample_rate: a.sample_rate ? Number(a.sample_rate) : null,
        channels: a.channels ?? null,
      }
      : null,
  };
}

function rate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d] = r.split("/").map(Number);
  if (!n || !d) return null;
  return Math.round((n / d) * 100) / 100;
}

export async function probeSource(
  req: ProbeRequest,
  opts: { ffprobe: string; node: string; timeoutMs?: number },
): Promise<ProbeResult> {
  const started = performance.now();
  const secrets = passwordsOf(req.source_url);
  const done = (r: Omit<ProbeResult, "node" | "elapsed_ms">): ProbeResult => ({
    ...r,
    node: opts.node,
    elapsed_ms: Math.round(performance.now() - started),
  });
  try {
    const out = await new Deno.Command(opts.ffprobe, {
      args: probeArgs(req),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(opts.timeoutMs ?? 12000),
    }).output();
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(
        -3,
      ).join("; ");
      const why = out.signal
        ? "timed out"
        : err || `ffprobe exited with code ${out.code}`;
      return done({
        ok: false,
        error: redactSecrets(why, secrets),
        video: null,
        audio: null,
      });
    }
    const parsed = parseProbe(new TextDecoder().decode(out.stdout));
    if (!parsed.video) {
      return done({
        ok: false,
        error: "the source has no video stream",
        ...parsed,
      });
    }
    return done({ ok: true, error: null, ...parsed });
  } catch (e) {
    const msg = e instanceof Deno.errors.NotFound
      ? `ffprobe not found at ${opts.ffprobe} (install ffmpeg, or set FALCON_FFPROBE)`
      : e instanceof Error
      ? e.message
      : String(e);
    return done({
      ok: false,
      error: redactSecrets(msg, secrets),
      video: null,
      audio: null,
    });
  }
}

function passwordsOf(url: string | null): string[] {
  if (!url) return [];
  try {
    const p = new URL(url).password;
    return p ? [p, decodeURIComponent(p)] : [];
  } catch {
    return [];
  }
}
