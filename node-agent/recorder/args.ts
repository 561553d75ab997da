/**
 * The ffmpeg command lines of the recorder (docs/design/recording.md
 * § Writing). Pure and golden-tested: a wrong flag here shows up weeks later
 * as a segment nobody can play, or as footage lost in a crash.
 *
 * - every recording: `segment` muxer, cuts at wall-clock multiples of
 *   `segment_seconds`, each segment a fragmented MP4 with 1-s fragments that
 *   are flushed to the file as they complete (`flush_packets=1`: without it a
 *   `kill -9` leaves a 28-byte file at low bitrates), a CSV segment list (how
 *   closed segments are detected) and `-progress pipe:1` (stall watchdog and
 *   time anchor).
 * - rtsp: the camera's recording URL (its main stream when it has one),
 *   over its RTSP transport (tcp by default, or udp); video stream-copied
 *   (H.264/H.265; anything else is encoded), audio copied when already AAC,
 *   else transcoded to AAC, and optional (`0:a:0?`).
 * - frames-in (http, usb, demo): JPEG frames from the relay arrive on a unix
 *   socket, time-stamped on arrival, encoded to H.264.
 */
import type { RtspTransport } from "../../lib/protocol/mod.ts";
import { SOCKET_TIMEOUT_US } from "../ffmpeg/relay_args.ts";
import { whitelist, whitelistForUrl } from "../ffmpeg/protocols.ts";

/** Shortest and longest segment the recorder accepts, seconds. */
export const MIN_SEGMENT_SECONDS = 2;
export const MAX_SEGMENT_SECONDS = 3600;
/** Segment length when the controller does not say. */
export const DEFAULT_SEGMENT_SECONDS = 60;
/** Longest fragment, µs: the crash loss bound (docs/design/recording.md § RPO). */
export const FRAGMENT_US = 1_000_000;
/** Bitrate of transcoded audio. */
export const AUDIO_BITRATE = "64k";
/** How often ffmpeg reports progress, seconds. */
export const PROGRESS_PERIOD_S = 0.5;

/** The codecs MP4 holds that the recorder copies as they are. */
const COPY_VIDEO = new Set(["h264", "hevc"]);

/** What to do with a source's audio. */
export type AudioPlan = "copy" | "aac" | "none";

/** Where one ffmpeg run writes. */
export interface SegmentOutput {
  /** Absolute `{root}/{camera}/.incoming` folder. */
  incomingDir: string;
  sessionId: string;
  /** Id of this ffmpeg run (lowercase letters and digits). */
  run: string;
  segmentSeconds: number;
}

export type RecordSource =
  | {
    kind: "rtsp";
    url: string;
    /** RTSP lower transport. @default "tcp" */
    transport?: RtspTransport;
    /** Codec of the source's video from a probe; null when unknown. */
    videoCodec: string | null;
    audio: AudioPlan;
    /** Frame rate for the keyframe interval when video must be encoded. */
    fps: number;
  }
  | {
    kind: "frames";
    /** Unix socket the recorder serves JPEG frames on. */
    socketPath: string;
    fps: number;
  };

const COMMON = ["-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"];

/** ffmpeg argv (without the binary) of one recorder run. */
export function recordArgs(
  source: RecordSource,
  out: SegmentOutput,
): string[] {
  const input = source.kind === "rtsp"
    ? [
      ...whitelistForUrl(source.url),
      "-rtsp_transport",
      source.transport ?? "tcp",
      "-timeout",
      String(SOCKET_TIMEOUT_US),
      "-i",
      source.url,
    ]
    : [
      ...whitelist("unix"),
      "-f",
      "mjpeg",
      "-use_wallclock_as_timestamps",
      "1",
      "-i",
      `unix:${source.socketPath}`,
    ];
  return [
    ...COMMON,
    "-progress",
    "pipe:1",
    "-stats_period",
    String(PROGRESS_PERIOD_S),
    ...input,
    ...(source.kind === "rtsp" ? rtspCodecs(source) : framesCodecs(source.fps)),
    ...segmentOutput(out),
  ];
}

function rtspCodecs(
  source: Extract<RecordSource, { kind: "rtsp" }>,
): string[] {
  const codec = source.videoCodec;
  const video = codec === null || COPY_VIDEO.has(codec)
    ? ["-c:v", "copy", ...(codec === "hevc" ? ["-tag:v", "hvc1"] : [])]
    : h264Encode(source.fps);
  const audio = source.audio === "none"
    ? ["-an"]
    : source.audio === "copy"
    ? ["-c:a", "copy"]
    : ["-c:a", "aac", "-b:a", AUDIO_BITRATE];
  return [
    "-map",
    "0:v:0",
    ...(source.audio === "none" ? [] : ["-map", "0:a:0?"]),
    ...video,
    ...audio,
  ];
}

function framesCodecs(fps: number): string[] {
  return [
    "-map",
    "0:v:0",
    // x264 with 4:2:0 needs even dimensions.
    "-vf",
    "scale=trunc(iw/2)*2:trunc(ih/2)*2",
    ...h264Encode(fps),
    "-fps_mode",
    "vfr",
    "-an",
  ];
}

function h264Encode(fps: number): string[] {
  const gop = Math.max(2, Math.round(2 * (fps > 0 ? fps : 15)));
  return [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "zerolatency",
    "-g",
    String(gop),
    "-pix_fmt",
    "yuv420p",
  ];
}

function segmentOutput(out: SegmentOutput): string[] {
  const seconds = clampSegmentSeconds(out.segmentSeconds);
  return [
    "-f",
    "segment",
    "-segment_time",
    String(seconds),
    "-segment_atclocktime",
    "1",
    "-reset_timestamps",
    "1",
    "-strftime",
    "1",
    "-segment_format",
    "mp4",
    "-segment_format_options",
    `movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=${FRAGMENT_US}:flush_packets=1`,
    "-segment_list",
    segmentListPath(out),
    "-segment_list_type",
    "csv",
    incomingPattern(out),
  ];
}

/** Segment length the recorder really uses for a requested one. */
export function clampSegmentSeconds(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return DEFAULT_SEGMENT_SECONDS;
  }
  return Math.min(
    MAX_SEGMENT_SECONDS,
    Math.max(MIN_SEGMENT_SECONDS, Math.round(seconds)),
  );
}

/**
 * The segment file template: `{incoming}/{session}.{run}.%s.mp4`, where `%s`
 * is the epoch second ffmpeg's strftime fills in (time-zone free). A `%` in
 * the folder is doubled, so strftime leaves it alone.
 */
export function incomingPattern(out: SegmentOutput): string {
  return `${
    out.incomingDir.replaceAll("%", "%%")
  }/${out.sessionId}.${out.run}.%s.mp4`;
}

/** The run's CSV segment list: `{incoming}/{session}.{run}.csv`. */
export function segmentListPath(out: SegmentOutput): string {
  return `${out.incomingDir}/${out.sessionId}.${out.run}.csv`;
}

/** The run's anchor file: `{incoming}/{session}.{run}.anchor`. */
export function anchorPath(out: Omit<SegmentOutput, "segmentSeconds">): string {
  return `${out.incomingDir}/${out.sessionId}.${out.run}.anchor`;
}

/**
 * Audio plan from a probe of the source: AAC is copied, any other codec is
 * transcoded to AAC (MP4 cannot hold G.711 and friends), no audio → none,
 * unknown (probe failed) → transcode if present.
 */
export function audioPlan(codec: string | null | undefined): AudioPlan {
  if (codec === undefined) return "aac";
  if (codec === null) return "none";
  return codec === "aac" ? "copy" : "aac";
}

/**
 * Remux of a crashed segment into a clean MP4: stream copy, `+faststart`.
 * The MP4 demuxer stops at the last complete fragment.
 */
export function remuxArgs(input: string, output: string): string[] {
  return [
    ...COMMON,
    "-y",
    ...whitelist("file"),
    "-i",
    input,
    "-map",
    "0",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    output,
  ];
}

/** One MP4 from a concat list of segments (stream copy, `+faststart`). */
export function concatArgs(listFile: string, output: string): string[] {
  return [
    ...COMMON,
    "-y",
    ...whitelist("file"),
    "-f",
    "concat",
    "-safe",
    "0",
    "-i",
    listFile,
    "-map",
    "0",
    "-c",
    "copy",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
    output,
  ];
}

/** ffprobe argv that describes a file's streams and format as JSON. */
export function probeFileArgs(path: string): string[] {
  return [
    "-v",
    "error",
    "-show_entries",
    "format=duration,size:stream=codec_type,codec_name,duration",
    "-of",
    "json",
    path,
  ];
}

/** ffprobe argv that lists an RTSP source's streams (codec decision). */
export function probeRtspArgs(
  url: string,
  transport: RtspTransport = "tcp",
): string[] {
  return [
    "-v",
    "error",
    ...whitelistForUrl(url),
    "-rtsp_transport",
    transport,
    "-timeout",
    String(SOCKET_TIMEOUT_US),
    // Codec names come from the RTSP SDP: no need to wait for packets (2 s → 0.2 s).
    "-analyzeduration",
    "0",
    "-probesize",
    "32",
    "-show_entries",
    "stream=codec_type,codec_name",
    "-of",
    "json",
    url,
  ];
}
