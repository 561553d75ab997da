/**
 * One-off ffmpeg/ffprobe runs of the recorder: describe a segment file,
 * learn an RTSP source's codecs, remux a crashed segment, join segments. Each
 * is bounded in time and never leaves a process behind (killed on timeout).
 */
import type { RtspTransport } from "../../lib/protocol/mod.ts";
import { redactText } from "../../lib/redact.ts";
import { probeFileArgs, probeRtspArgs, remuxArgs } from "./args.ts";

/** What ffprobe says about a segment file. */
export interface FileProbe {
  /** Duration of the video stream (of the file when the stream has none), ms. */
  durationMs: number;
  videoCodec: string;
  audioCodec: string | null;
}

export interface RunResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  /** Redacted last lines of stderr. */
  stderr: string;
}

/** Runs a program to completion, killing it after `timeoutMs` or when `signal` aborts. */
export async function runTool(
  command: string,
  args: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<RunResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    return {
      ok: false,
      code: null,
      stdout: "",
      stderr: `${command} could not be started: ${
        e instanceof Error ? e.message : e
      }`,
    };
  }
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  signal?.addEventListener("abort", kill, { once: true });
  if (signal?.aborted) kill();
  try {
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n")
      .slice(-3).join("; ");
    return {
      ok: out.success,
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: redactText(
        out.signal === "SIGKILL"
          ? signal?.aborted ? "cancelled" : `timed out after ${timeoutMs} ms`
          : stderr,
      ),
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", kill);
  }
}

interface ProbeJson {
  streams?: { codec_type?: string; codec_name?: string; duration?: string }[];
  format?: { duration?: string };
}

/**
 * Describes a segment file; null when it holds no playable video (empty,
 * truncated before the first fragment, not an MP4).
 */
export async function probeFile(
  ffprobe: string,
  path: string,
  timeoutMs = 15_000,
): Promise<FileProbe | null> {
  const r = await runTool(ffprobe, probeFileArgs(path), timeoutMs);
  if (!r.ok) return null;
  return parseFileProbe(r.stdout);
}

/** Reads ffprobe's JSON for `probeFile` (pure). */
export function parseFileProbe(json: string): FileProbe | null {
  let data: ProbeJson;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const video = data.streams?.find((s) => s.codec_type === "video");
  const audio = data.streams?.find((s) => s.codec_type === "audio");
  if (!video?.codec_name) return null;
  const seconds = Number(video.duration ?? data.format?.duration);
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  return {
    durationMs: Math.round(seconds * 1000),
    videoCodec: video.codec_name,
    audioCodec: audio?.codec_name ?? null,
  };
}

/** Codecs of an RTSP source; null when it could not be opened. */
export async function probeRtspCodecs(
  ffprobe: string,
  url: string,
  timeoutMs = 6000,
  transport: RtspTransport = "tcp",
): Promise<{ video: string | null; audio: string | null } | null> {
  const r = await runTool(ffprobe, probeRtspArgs(url, transport), timeoutMs);
  if (!r.ok) return null;
  try {
    const data = JSON.parse(r.stdout) as ProbeJson;
    const video = data.streams?.find((s) => s.codec_type === "video");
    const audio = data.streams?.find((s) => s.codec_type === "audio");
    return {
      video: video?.codec_name ?? null,
      audio: audio?.codec_name ?? null,
    };
  } catch {
    return null;
  }
}

/** Remuxes `input` into a clean MP4 at `output`; throws with ffmpeg's reason. */
export async function remux(
  ffmpeg: string,
  input: string,
  output: string,
  timeoutMs = 120_000,
): Promise<void> {
  const r = await runTool(ffmpeg, remuxArgs(input, output), timeoutMs);
  if (!r.ok) {
    throw new Error(
      `remux of ${input} failed: ${r.stderr || `exit ${r.code}`}`,
    );
  }
}
