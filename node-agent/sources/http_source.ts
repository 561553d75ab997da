/**
 * An HTTP camera, read without ffmpeg where the camera already speaks JPEG.
 * Every attempt GETs the URL and decides by the answer's Content-Type:
 *
 * - `multipart/x-mixed-replace` (MJPEG): the parts are published as they
 *   arrive, byte for byte — no decode, no encode. A camera faster than its
 *   configured frame rate has frames dropped (FrameThrottle), never delayed.
 * - `image/jpeg` (a snapshot URL): polled at the camera's frame rate, one
 *   request in flight at most, each bounded by a timeout; a slow camera is
 *   polled as fast as it answers, never faster than the rate.
 * - anything else (HLS, FLV, MP4, MPEG-TS over HTTP): handed to the ffmpeg
 *   path, which decodes and re-encodes as before.
 *
 * Both reader modes run under a `SourceLoop` (backoff, stall watchdog, error
 * text); ffmpeg under its Supervisor. The decision is made again at every
 * start and after a source change, so a camera whose firmware changed
 * between modes is picked up.
 */
import type { CameraSpec } from "../../lib/protocol/mod.ts";
import { isJpeg, readMjpeg } from "../../lib/mjpeg.ts";
import { redactText } from "../../lib/redact.ts";
import { logger } from "../../lib/log.ts";
import { relayArgs } from "../ffmpeg/relay_args.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import { FfmpegSource } from "./ffmpeg_source.ts";
import { HttpClient } from "./http_client.ts";
import { type RunContext, type RunEnd, SourceLoop } from "./loop.ts";
import type {
  FrameSink,
  FrameSource,
  SourceOptions,
  SourceState,
} from "./source.ts";
import { FrameThrottle } from "./throttle.ts";

/** How an HTTP answer is read. */
export type HttpSourceKind = "mjpeg" | "jpeg" | "ffmpeg";

/** Largest JPEG accepted, from a snapshot URL or an MJPEG part. */
export const MAX_JPEG_BYTES = 16 * 1024 * 1024;

/**
 * The reader for a Content-Type: MJPEG passthrough, JPEG polling, or ffmpeg.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(httpSourceKind("multipart/x-mixed-replace;boundary=--myboundary"), "mjpeg");
 * assert.equal(httpSourceKind("image/jpeg"), "jpeg");
 * assert.equal(httpSourceKind("application/vnd.apple.mpegurl"), "ffmpeg");
 * ```
 */
export function httpSourceKind(contentType: string | null): HttpSourceKind {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/x-mixed-replace") return "mjpeg";
  // image/jpg and image/pjpeg: spellings some camera firmwares use.
  if (type === "image/jpeg" || type === "image/jpg" || type === "image/pjpeg") {
    return "jpeg";
  }
  return "ffmpeg";
}

export interface HttpSourceOptions extends SourceOptions {
  /** Time allowed for a request's answer headers (and a whole JPEG). @default 5000 */
  requestTimeoutMs?: number;
}

export class HttpSource implements FrameSource {
  #spec: () => CameraSpec;
  #sink: FrameSink;
  #timers: Clock;
  #requestTimeoutMs: number;
  #loop: SourceLoop;
  #ffmpeg: FfmpegSource;
  #mode: "reader" | "ffmpeg" = "reader";
  /** Between start() and stop(): a late handoff or restart must not start anything after a stop. */
  #wanted = false;
  #log;
  /** The last mode logged, so a reconnect does not log it again. */
  #logged: HttpSourceKind | null = null;

  constructor(
    spec: () => CameraSpec,
    sink: FrameSink,
    options: HttpSourceOptions,
  ) {
    this.#spec = spec;
    this.#sink = sink;
    this.#timers = options.timers ?? realClock;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.#log = logger(`source.${options.name}`);
    const { stopTimeoutMs: _s, stderrTailLines: _l, ...loopTuning } =
      options.tuning ?? {};
    this.#loop = new SourceLoop({
      ...loopTuning,
      name: options.name,
      runOnce: (ctx) => this.#runOnce(ctx),
      onState: (state) => {
        if (this.#mode === "reader") sink.onState(state);
      },
      onHandoff: () => this.#toFfmpeg(),
      secrets: options.secrets,
      timers: options.timers,
    });
    this.#ffmpeg = new FfmpegSource(() => relayArgs(this.#spec()), {
      onFrame: (jpeg) => sink.onFrame(jpeg),
      onState: (state) => {
        if (this.#mode === "ffmpeg") sink.onState(state);
      },
    }, options);
  }

  get state(): SourceState {
    return this.#active().state;
  }

  get pid(): number | null {
    return this.#mode === "ffmpeg" ? this.#ffmpeg.pid : null;
  }

  get restarts(): number {
    return this.#loop.restarts + this.#ffmpeg.restarts;
  }

  get lastError(): string | null {
    return this.#active().lastError;
  }

  /** The reader mode in use: null before the first answer decided it. */
  get kind(): HttpSourceKind | null {
    return this.#mode === "ffmpeg" ? "ffmpeg" : this.#logged;
  }

  start(): void {
    this.#wanted = true;
    this.#active().start();
  }

  /** Stops whichever reads; the next start asks the camera again. */
  async stop(): Promise<void> {
    this.#wanted = false;
    this.#mode = "reader";
    await Promise.all([this.#loop.stop(), this.#ffmpeg.stop()]);
  }

  restart(): void {
    if (!this.#wanted) return;
    if (this.#mode === "reader") return this.#loop.restart();
    // The new source may not need ffmpeg: ask the camera again.
    this.#mode = "reader";
    void this.#ffmpeg.stop().then(() => {
      if (this.#wanted && this.#mode === "reader") this.#loop.start();
    });
  }

  setSecrets(secrets: string[]): void {
    this.#loop.setSecrets(secrets);
    this.#ffmpeg.setSecrets(secrets);
  }

  #active(): FrameSource | SourceLoop {
    return this.#mode === "ffmpeg" ? this.#ffmpeg : this.#loop;
  }

  #toFfmpeg(): void {
    if (!this.#wanted) return;
    this.#mode = "ffmpeg";
    this.#ffmpeg.start();
  }

  async #runOnce(ctx: RunContext): Promise<RunEnd> {
    const spec = this.#spec();
    const client = new HttpClient(spec.source_url ?? "");
    const res = await this.#request(client, ctx.signal);
    const kind = httpSourceKind(res.headers.get("content-type"));
    this.#logMode(kind, res.headers.get("content-type"));
    if (kind === "ffmpeg") {
      await res.body?.cancel().catch(() => {});
      return "handoff";
    }
    if (kind === "mjpeg") {
      await this.#passthrough(res, ctx, spec.framerate);
      return "ended";
    }
    await this.#poll(client, res, ctx, spec.framerate);
    return "ended";
  }

  /** MJPEG: every part that is a JPEG, published unchanged (rate-limited by dropping). */
  async #passthrough(
    res: Response,
    ctx: RunContext,
    fps: number,
  ): Promise<void> {
    if (!res.body) throw new Error("the camera sent no body");
    const throttle = new FrameThrottle(fps);
    for await (
      const part of readMjpeg(res.body, {
        signal: ctx.signal,
        maxFrameBytes: MAX_JPEG_BYTES,
      })
    ) {
      if (!isJpeg(part)) continue;
      ctx.progress(); // the camera is alive even when the frame is dropped
      if (throttle.accept(this.#timers.now())) this.#sink.onFrame(part);
    }
  }

  /**
   * Snapshot URL: one JPEG per request, a request every 1/fps seconds at
   * most, the next only after the previous answered (or timed out).
   */
  async #poll(
    client: HttpClient,
    first: Response,
    ctx: RunContext,
    fps: number,
  ): Promise<void> {
    const intervalMs = 1000 / Math.max(0.01, fps);
    let startedAt = this.#timers.now();
    let res = first;
    while (!ctx.signal.aborted) {
      const jpeg = await this.#readJpeg(res, ctx.signal);
      if (ctx.signal.aborted) return;
      this.#sink.onFrame(jpeg);
      ctx.progress();
      const waitMs = startedAt + intervalMs - this.#timers.now();
      if (waitMs > 0) await this.#sleep(waitMs, ctx.signal);
      if (ctx.signal.aborted) return;
      startedAt = this.#timers.now();
      res = await this.#request(client, ctx.signal);
      const kind = httpSourceKind(res.headers.get("content-type"));
      if (kind !== "jpeg") {
        await res.body?.cancel().catch(() => {});
        throw new Error(
          `the snapshot URL answered ${
            res.headers.get("content-type") ?? "no Content-Type"
          } instead of image/jpeg`,
        );
      }
    }
  }

  /** GET with a timeout on the answer's headers; a non-2xx answer throws. */
  async #request(client: HttpClient, signal: AbortSignal): Promise<Response> {
    const timeout = new AbortController();
    const timer = this.#timers.setTimeout(
      () => timeout.abort(),
      this.#requestTimeoutMs,
    );
    const both = AbortSignal.any([signal, timeout.signal]);
    let res: Response;
    try {
      res = await client.get(both);
    } catch (e) {
      if (timeout.signal.aborted && !signal.aborted) {
        throw new Error(
          `no answer from ${redactText(client.url)} within ${
            this.#requestTimeoutMs / 1000
          } s`,
        );
      }
      throw e;
    } finally {
      this.#timers.clearTimeout(timer);
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => {});
    throw new Error(describeStatus(res, client));
  }

  /** The whole body of a snapshot answer, bounded in size and time. */
  async #readJpeg(res: Response, signal: AbortSignal): Promise<Uint8Array> {
    if (!res.body) throw new Error("the snapshot URL sent no body");
    const timeout = new AbortController();
    const timer = this.#timers.setTimeout(
      () => timeout.abort(),
      this.#requestTimeoutMs,
    );
    const reader = res.body.getReader();
    const cancel = () => void reader.cancel().catch(() => {});
    const both = AbortSignal.any([signal, timeout.signal]);
    both.addEventListener("abort", cancel, { once: true });
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > MAX_JPEG_BYTES) {
          throw new Error(`a snapshot larger than ${MAX_JPEG_BYTES} bytes`);
        }
        chunks.push(value);
      }
    } catch (e) {
      if (timeout.signal.aborted && !signal.aborted) {
        throw new Error(
          `the snapshot did not arrive within ${
            this.#requestTimeoutMs / 1000
          } s`,
        );
      }
      throw e;
    } finally {
      this.#timers.clearTimeout(timer);
      both.removeEventListener("abort", cancel);
      cancel();
      reader.releaseLock();
    }
    if (signal.aborted || timeout.signal.aborted) {
      if (!signal.aborted) {
        throw new Error(
          `the snapshot did not arrive within ${
            this.#requestTimeoutMs / 1000
          } s`,
        );
      }
      return new Uint8Array();
    }
    const jpeg = concat(chunks, size);
    if (!isJpeg(jpeg)) {
      throw new Error(
        `the snapshot URL sent ${size} bytes that are not a JPEG`,
      );
    }
    return jpeg;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#timers.clearTimeout(id);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const id = this.#timers.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  #logMode(kind: HttpSourceKind, contentType: string | null): void {
    if (kind === this.#logged) return;
    this.#logged = kind;
    this.#log.info(
      kind === "mjpeg"
        ? "MJPEG stream: frames passed through without ffmpeg"
        : kind === "jpeg"
        ? "snapshot URL: polled at the camera's frame rate"
        : "not MJPEG or JPEG: reading it with ffmpeg",
      { content_type: contentType ?? "" },
    );
  }
}

function describeStatus(res: Response, client: HttpClient): string {
  const where = redactText(client.url);
  if (res.status === 401) {
    return client.hasCredentials
      ? `HTTP 401 from ${where}: the camera rejected the user name or password`
      : `HTTP 401 from ${where}: the camera needs a user name and password (http://user:pass@host/…)`;
  }
  return `HTTP ${res.status}${
    res.statusText ? " " + res.statusText : ""
  } from ${where}`;
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
