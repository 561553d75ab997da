/**
 * Finds out whether ffmpeg is usable on this node, for the heartbeat's
 * `ffmpeg` field. The controller shows a missing ffmpeg per node, so this must
 * answer (never throw) even when the binary is absent, broken or hangs.
 */
import type { FfmpegInfo } from "../../lib/protocol/mod.ts";

/** `ffmpeg -version` normally answers in milliseconds; a hung binary is "unavailable". */
const PROBE_TIMEOUT_MS = 5000;

/**
 * The ffmpeg to run: FALCON_FFMPEG when set, else `ffmpeg` on PATH. Falls back
 * to PATH when env access is not granted, rather than throwing.
 */
export function defaultFfmpegPath(): string {
  try {
    return Deno.env.get("FALCON_FFMPEG") || "ffmpeg";
  } catch {
    return "ffmpeg";
  }
}

/**
 * Runs `<path> -version` and reports whether it is ffmpeg and which version.
 * `path` defaults to `defaultFfmpegPath()`.
 */
export async function detectFfmpeg(
  path: string = defaultFfmpegPath(),
): Promise<FfmpegInfo> {
  try {
    const out = await new Deno.Command(path, {
      args: ["-version"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    }).output();
    const version = out.success
      ? parseFfmpegVersion(new TextDecoder().decode(out.stdout))
      : null;
    return { available: version !== null, version, path };
  } catch {
    return { available: false, version: null, path };
  }
}

/**
 * The version token of `ffmpeg -version` output: "5.1.9-0+deb12u1" from
 * "ffmpeg version 5.1.9-0+deb12u1 Copyright …", "N-113000-gabc" for git builds.
 * Null when the text is not ffmpeg's.
 */
export function parseFfmpegVersion(text: string): string | null {
  return /^ffmpeg version (\S+)/m.exec(text)?.[1] ?? null;
}
