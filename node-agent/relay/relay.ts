/**
 * One camera's relay: one ffmpeg decodes the source once and emits MJPEG; the
 * frames go into a FrameHub that every viewer, snapshot and recorder reads by
 * reference. No per-viewer processes, no per-viewer queues.
 *
 * The relay runs on demand: the hub's first subscriber starts ffmpeg, and
 * ffmpeg stops `idleGraceMs` after the last one leaves. The grace period keeps
 * a page reload or a quick snapshot-then-stream from paying ffmpeg's start-up
 * (and the camera's RTSP handshake) twice.
 */
import type { CameraRuntime, CameraSpec } from "../../lib/protocol.ts";
import { FrameHub } from "../../lib/frame_hub.ts";
import { isJpeg, MjpegParser } from "../../lib/mjpeg.ts";
import { AppError } from "../../lib/errors.ts";
import { registerSecret } from "../../lib/log.ts";
import { relayArgs } from "../ffmpeg/relay_args.ts";
import { defaultFfmpegPath } from "../ffmpeg/probe.ts";
import {
  Supervisor,
  type SupervisorOptions,
  type SupervisorState,
} from "../ffmpeg/supervisor.ts";
import { realTimers, type TimerId, type Timers } from "../ffmpeg/timers.ts";
import { FpsMeter } from "./fps.ts";

/** Supervisor settings a relay passes through unchanged (tests shorten them). */
export type RelayTuning = Pick<
  SupervisorOptions,
  | "backoff"
  | "healthyAfterMs"
  | "stallTimeoutMs"
  | "stopTimeoutMs"
  | "stderrTailLines"
>;

export interface CameraRelayOptions {
  /** ffmpeg to run. @default FALCON_FFMPEG, else `ffmpeg` on PATH */
  ffmpegPath?: string;
  /** How long ffmpeg keeps running after the last subscriber left. @default 10000 */
  idleGraceMs?: number;
  /** Called when `runtime()` state or error changed, to push a heartbeat at once. */
  onChange?: () => void;
  /** Restart, stall and stop tuning of the ffmpeg supervisor. */
  tuning?: RelayTuning;
  /** Clock and timers; tests may inject their own. */
  timers?: Timers;
}

/** A latest frame younger than this is served as a snapshot without waiting. */
const SNAPSHOT_FRESH_MS = 2000;

export class CameraRelay {
  /** Latest-frame hub; subscribe to it to keep ffmpeg running. */
  readonly hub: FrameHub;
  #spec: CameraSpec;
  #sup: Supervisor;
  #timers: Timers;
  #idleGraceMs: number;
  #onChange?: () => void;
  #parser = new MjpegParser();
  #fps = new FpsMeter();
  #grace: TimerId | null = null;
  #lastFrameAt: number | null = null;
  #lastReported = "";
  #closing: Promise<void> | null = null;

  constructor(spec: CameraSpec, options: CameraRelayOptions = {}) {
    this.#spec = spec;
    this.#timers = options.timers ?? realTimers;
    this.#idleGraceMs = options.idleGraceMs ?? 10_000;
    this.#onChange = options.onChange;
    this.hub = new FrameHub({
      onActive: () => this.#onActive(),
      onIdle: () => this.#onIdle(),
    });
    this.#sup = new Supervisor({
      ...options.tuning,
      name: spec.id,
      command: options.ffmpegPath ?? defaultFfmpegPath(),
      args: () => relayArgs(this.#spec),
      onStdout: (chunk) => this.#onStdout(chunk),
      onState: (state) => this.#onState(state),
      secrets: registerSecrets(spec),
      timers: this.#timers,
    });
    this.#lastReported = this.#reportKey();
  }

  get spec(): CameraSpec {
    return this.#spec;
  }

  /** pid of the running ffmpeg, null when none runs. */
  get pid(): number | null {
    return this.#sup.pid;
  }

  get idleGraceMs(): number {
    return this.#idleGraceMs;
  }

  /** Takes effect the next time the last subscriber leaves. */
  set idleGraceMs(ms: number) {
    this.#idleGraceMs = ms;
  }

  /** What the node agent reports about this camera in its heartbeat. */
  runtime(): CameraRuntime {
    const state = this.#sup.state;
    const now = this.#timers.now();
    return {
      id: this.#spec.id,
      state,
      viewers: this.hub.subscribers,
      fps: state === "running" ? this.#fps.fps(now) : 0,
      error: this.#sup.lastError,
      restarts: this.#sup.restarts,
      last_frame_at: this.#lastFrameAt === null
        ? null
        : new Date(this.#lastFrameAt).toISOString(),
    };
  }

  /**
   * One JPEG: the latest frame when it is fresh, else the next one (starting
   * ffmpeg for it if nobody watches). Throws AppError("unavailable") when no
   * frame arrives within `timeoutMs`, naming the camera and the last error.
   */
  async snapshot(timeoutMs = 5000): Promise<Uint8Array> {
    const { name } = this.#spec;
    if (this.#closing) {
      throw new AppError(
        "unavailable",
        `Camera "${name}" is not running on this node`,
      );
    }
    const latest = this.hub.latest();
    if (latest && this.#timers.now() - latest.atMs < SNAPSHOT_FRESH_MS) {
      return latest.data;
    }
    const leave = this.hub.subscribe();
    const abort = new AbortController();
    const timer = this.#timers.setTimeout(() => abort.abort(), timeoutMs);
    try {
      const frame = await this.hub.next(latest?.seq ?? 0, abort.signal);
      if (frame) return frame.data;
    } finally {
      this.#timers.clearTimeout(timer);
      leave();
    }
    const why = this.#sup.lastError;
    throw new AppError(
      "unavailable",
      `Camera "${name}" sent no frame within ${timeoutMs / 1000} s` +
        (why ? `: ${why}` : ""),
    );
  }

  /**
   * Applies a changed camera record. A new source, size or frame rate restarts
   * a running ffmpeg at once; a new name only renames.
   */
  update(spec: CameraSpec): void {
    const changed = sourceKey(spec) !== sourceKey(this.#spec);
    this.#spec = spec;
    this.#sup.setSecrets(registerSecrets(spec));
    if (!changed) return;
    const state = this.#sup.state;
    if (state === "idle" || state === "stopping") return; // next start uses the new spec
    this.hub.clear();
    this.#sup.restart();
  }

  /** Stops ffmpeg (waiting for it to exit) and closes the hub. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cancelGrace();
      await this.#sup.stop();
      this.hub.clear();
      this.hub.close();
    })();
    return this.#closing;
  }

  #onActive(): void {
    if (this.#closing) return;
    this.#cancelGrace();
    this.#sup.start();
  }

  #onIdle(): void {
    if (this.#closing) return;
    this.#cancelGrace();
    this.#grace = this.#timers.setTimeout(() => {
      this.#grace = null;
      if (this.hub.subscribers === 0) void this.#sup.stop();
    }, this.#idleGraceMs);
  }

  #cancelGrace(): void {
    if (this.#grace === null) return;
    this.#timers.clearTimeout(this.#grace);
    this.#grace = null;
  }

  #onStdout(chunk: Uint8Array): void {
    // A parse error propagates: the supervisor kills ffmpeg and restarts it.
    for (const frame of this.#parser.push(chunk)) {
      if (!isJpeg(frame)) continue;
      const now = this.#timers.now();
      this.hub.publish(frame, now);
      this.#lastFrameAt = now;
      this.#fps.record(now);
      this.#sup.progress();
    }
  }

  #onState(state: SupervisorState): void {
    if (state === "starting") {
      // A new ffmpeg starts a new multipart stream.
      this.#parser = new MjpegParser();
      this.#fps.reset(this.#timers.now());
    } else if (state === "backoff" || state === "idle") {
      // Nobody may be served a frame from a source that is gone.
      this.hub.clear();
    }
    const key = this.#reportKey();
    if (key === this.#lastReported) return;
    this.#lastReported = key;
    try {
      this.#onChange?.();
    } catch {
      // a listener's bug must not break the relay
    }
  }

  #reportKey(): string {
    return `${this.#sup.state}\n${this.#sup.lastError ?? ""}`;
  }
}

/** Fields whose change needs a new ffmpeg. */
function sourceKey(s: CameraSpec): string {
  return JSON.stringify([
    s.protocol,
    s.source_url,
    s.device_path,
    s.width,
    s.height,
    s.framerate,
  ]);
}

/** The spec's secrets, also registered with the logger so no log line shows them. */
function registerSecrets(spec: CameraSpec): string[] {
  const secrets = secretsOf(spec);
  for (const s of secrets) registerSecret(s);
  return secrets;
}

/**
 * The source password, as written in the URL and percent-decoded (ffmpeg may
 * echo either), to mask in ffmpeg's stderr and in every log line.
 */
export function secretsOf(spec: CameraSpec): string[] {
  if (!spec.source_url) return [];
  let password = "";
  try {
    password = new URL(spec.source_url).password;
  } catch {
    return [];
  }
  if (!password) return [];
  const values = new Set([password]);
  try {
    values.add(decodeURIComponent(password));
  } catch {
    // malformed escape: the raw form is all there is
  }
  return [...values];
}
