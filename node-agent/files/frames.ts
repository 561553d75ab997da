/**
 * Still frames of recorded segments for `POST /v1/recordings/frames` (the
 * agents' analyze_recording): one ffmpeg per frame, seeking in the segment
 * file (`-ss` before `-i`: a keyframe seek, then decoding to the exact time)
 * and writing one JPEG to stdout. Bounded like joins: at most `concurrency`
 * ffmpeg at once, at most `maxQueue` frames waiting (more → 429), each with a
 * time limit and killed when the asker hangs up.
 */
import PQueue from "p-queue";
import { AppError } from "../../lib/errors.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import { redactText } from "../../lib/redact.ts";

export interface FrameExtractorOptions {
  ffmpegPath: string;
  /** ffmpeg runs at once. @default 2 */
  concurrency?: number;
  /** Frames that may wait besides the running ones. @default 40 */
  maxQueue?: number;
  /** Time limit of one frame. @default 20000 */
  timeoutMs?: number;
  /** Longest JPEG accepted. @default 8 MiB */
  maxBytes?: number;
}

/** The ffmpeg arguments for one frame at `atMs` of `file`, at most `maxWidth` wide. */
export function frameArgs(
  file: string,
  atMs: number,
  maxWidth: number,
  fromEnd = false,
): string[] {
  const seek = fromEnd
    ? ["-sseof", "-1"]
    : ["-ss", (Math.max(0, atMs) / 1000).toFixed(3)];
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    ...seek,
    "-i",
    file,
    "-map",
    "0:v:0",
    "-frames:v",
    "1",
    "-an",
    "-vf",
    `scale='min(${maxWidth},iw)':-2`,
    "-q:v",
    "3",
    "-f",
    "image2pipe",
    "-c:v",
    "mjpeg",
    "pipe:1",
  ];
}

export class FrameExtractor {
  #o: Required<FrameExtractorOptions>;
  #queue: PQueue;

  constructor(o: FrameExtractorOptions) {
    this.#o = {
      concurrency: 2,
      maxQueue: 40,
      timeoutMs: 20_000,
      maxBytes: 8 * 1024 * 1024,
      ...o,
    };
    this.#queue = new PQueue({ concurrency: this.#o.concurrency });
  }

  /** Frames waiting and running now. */
  get busy(): number {
    return this.#queue.size + this.#queue.pending;
  }

  /**
   * One JPEG per request, in order. 429 when the queue cannot take them
   * all; a seek past the end of a file falls back to its last second.
   */
  async extract(
    items: { file: string; atMs: number; label: string }[],
    maxWidth: number,
    signal: AbortSignal,
  ): Promise<Uint8Array[]> {
    if (this.#queue.size + items.length > this.#o.maxQueue) {
      throw new AppError(
        "rate_limited",
        `Busy extracting frames (${this.busy} waiting or running)`,
        { retryAfterS: 5 },
      );
    }
    return await Promise.all(items.map((it) =>
      this.#queue.add(async () => {
        if (signal.aborted) throw new AppError("unavailable", "cancelled");
        const jpeg = await this.#one(it.file, it.atMs, maxWidth, false, signal);
        return jpeg ??
          await this.#one(it.file, it.atMs, maxWidth, true, signal) ??
          (() => {
            throw new AppError(
              "not_found",
              `No video frame at ${it.atMs} ms of ${it.label}`,
              { field: "frames" },
            );
          })();
      }, { signal }) as Promise<Uint8Array>
    )).catch((e) => {
      if (signal.aborted && !(e instanceof AppError)) {
        throw new AppError("unavailable", "cancelled", { cause: e });
      }
      throw e;
    });
  }

  /** One frame, or null when ffmpeg wrote none (a seek past the end). */
  async #one(
    file: string,
    atMs: number,
    maxWidth: number,
    fromEnd: boolean,
    signal: AbortSignal,
  ): Promise<Uint8Array | null> {
    const child = new Deno.Command(this.#o.ffmpegPath, {
      args: frameArgs(file, atMs, maxWidth, fromEnd),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let timedOut = false;
    const kill = () => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, this.#o.timeoutMs);
    signal.addEventListener("abort", kill, { once: true });
    try {
      const out = await child.output();
      if (timedOut) {
        throw new AppError(
          "timeout",
          `ffmpeg took over ${this.#o.timeoutMs} ms for one frame`,
        );
      }
      if (signal.aborted) throw new AppError("unavailable", "cancelled");
      if (!out.success) {
        const why = new TextDecoder().decode(out.stderr).trim().split("\n")
          .slice(-2).join("; ");
        throw new AppError(
          "upstream_failed",
          `ffmpeg could not extract a frame: ${
            redactText(why.replaceAll(file, "<segment>")).slice(0, 300)
          }`,
        );
      }
      const jpeg = out.stdout;
      if (jpeg.length === 0) return null;
      if (jpeg.length > this.#o.maxBytes || !isJpeg(jpeg)) {
        throw new AppError("upstream_failed", "ffmpeg wrote no usable JPEG");
      }
      return jpeg;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", kill);
    }
  }
}
