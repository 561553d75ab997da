/**
 * One camera's relay: one reader (a supervised ffmpeg, or for MJPEG/JPEG HTTP
 * cameras a plain HTTP reader — node-agent/sources/) reads the source once;
 * the JPEG frames go into a FrameHub that every viewer, snapshot and recorder
 * reads by reference. No per-viewer processes, no per-viewer queues.
 *
 * The relay runs on demand: the hub's first subscriber starts the source, and
 * it stops `idleGraceMs` after the last one leaves. The grace period keeps a
 * page reload or a quick snapshot-then-stream from paying the start-up (and
 * the camera's RTSP handshake) twice.
 */
import type { CameraRuntime, CameraSpec } from "../../lib/protocol/mod.ts";
import { FrameHub } from "../../lib/frame_hub.ts";
import { AppError } from "../../lib/errors.ts";
import { registerSecret } from "../../lib/log.ts";
import { defaultFfmpegPath } from "../ffmpeg/probe.ts";
import { type Clock, realClock, type TimerId } from "../../lib/time/clock.ts";
import {
  createFrameSource,
  type FrameSource,
  type SourceState,
  type SourceTuning,
} from "../sources/mod.ts";
import { FpsMeter } from "./fps.ts";
import type { UsbSourceDeps } from "../sources/usb_source.ts";
import type { GateRelease, StartGate } from "./start_gate.ts";

/** Restart, stall and stop settings a relay passes to its source (tests shorten them). */
export type RelayTuning = SourceTuning;

export interface CameraRelayOptions {
  /** ffmpeg to run. @default FALCON_FFMPEG, else `ffmpeg` on PATH */
  ffmpegPath?: string;
  /** How long ffmpeg keeps running after the last subscriber left. @default 10000 */
  idleGraceMs?: number;
  /** Called when `runtime()` state or error changed, to push a heartbeat at once. */
  onChange?: () => void;
  /** Restart, stall and stop tuning of the source (ffmpeg or HTTP reader). */
  tuning?: RelayTuning;
  /** Clock and timers; tests may inject their own. */
  timers?: Clock;
  /** usb cameras: device listing and (tests) a stand-in for the device. */
  usb?: UsbSourceDeps;
  /** Shared limit on relays starting at once (node-agent/relay/start_gate.ts); none = start at once. */
  startGate?: StartGate;
}

/** A latest frame younger than this is served as a snapshot without waiting. */
const SNAPSHOT_FRESH_MS = 2000;

export class CameraRelay {
  /** Latest-frame hub; subscribe to it to keep the source running. */
  readonly hub: FrameHub;
  #spec: CameraSpec;
  #source: FrameSource;
  #options: CameraRelayOptions;
  #timers: Clock;
  #idleGraceMs: number;
  #onChange?: () => void;
  #fps = new FpsMeter();
  #grace: TimerId | null = null;
  #lastFrameAt: number | null = null;
  #lastReported = "";
  #closing: Promise<void> | null = null;
  /** Waiting for a start slot. */
  #gateWaiting = false;
  /** The start slot held until the first frame or a failure. */
  #gateRelease: GateRelease | null = null;

  constructor(spec: CameraSpec, options: CameraRelayOptions = {}) {
    this.#spec = spec;
    this.#options = options;
    this.#timers = options.timers ?? realClock;
    this.#idleGraceMs = options.idleGraceMs ?? 10_000;
    this.#onChange = options.onChange;
    this.hub = new FrameHub({
      onActive: () => this.#onActive(),
      onIdle: () => this.#onIdle(),
    });
    this.#source = this.#newSource();
    this.#lastReported = this.#reportKey();
  }

  /** The camera's reader, chosen by protocol (node-agent/sources/mod.ts). */
  #newSource(): FrameSource {
    return createFrameSource(() => this.#spec, {
      onFrame: (jpeg) => this.#onFrame(jpeg),
      onState: (state) => this.#onState(state),
    }, {
      name: this.#spec.id,
      ffmpegPath: this.#options.ffmpegPath ?? defaultFfmpegPath(),
      secrets: registerSecrets(this.#spec),
      tuning: this.#options.tuning,
      timers: this.#timers,
      usb: this.#options.usb,
    });
  }

  get spec(): CameraSpec {
    return this.#spec;
  }

  /** pid of the running ffmpeg, null when none runs (or the source needs none). */
  get pid(): number | null {
    return this.#source.pid;
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
    const state = this.#source.state;
    const now = this.#timers.now();
    return {
      id: this.#spec.id,
      state,
      viewers: this.hub.subscribers,
      fps: state === "running" ? this.#fps.fps(now) : 0,
      error: this.#source.lastError,
      restarts: this.#source.restarts,
      last_frame_at: this.#lastFrameAt === null
        ? null
        : new Date(this.#lastFrameAt).toISOString(),
      // e.g. a usb device capturing a nearby size; absent when there is none.
      ...(this.#source.note ? { note: this.#source.note } : {}),
    };
  }

  /**
   * One JPEG: the latest frame when it is fresh, else the next one (starting
   * the source for it if nobody watches). Throws AppError("unavailable") when no
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
    const why = this.#source.lastError;
    throw new AppError(
      "unavailable",
      `Camera "${name}" sent no frame within ${timeoutMs / 1000} s` +
        (why ? `: ${why}` : ""),
    );
  }

  /**
   * Applies a changed camera record. A new source, size or frame rate restarts
   * a running source at once; a new name only renames. A new protocol gets a
   * new kind of reader.
   */
  update(spec: CameraSpec): void {
    const changed = sourceKey(spec) !== sourceKey(this.#spec);
    const newKind = spec.protocol !== this.#spec.protocol;
    this.#spec = spec;
    this.#source.setSecrets(registerSecrets(spec));
    if (!changed) return;
    if (newKind && !this.#closing) {
      const old = this.#source;
      this.#source = this.#newSource();
      this.hub.clear();
      void old.stop();
      if (this.hub.subscribers > 0) this.#source.start();
      return;
    }
    const state = this.#source.state;
    if (state === "idle" || state === "stopping") return; // next start uses the new spec
    this.hub.clear();
    this.#source.restart();
  }

  /** Stops the source (waiting for its ffmpeg to exit) and closes the hub. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cancelGrace();
      this.#releaseGate();
      await this.#source.stop();
      this.hub.clear();
      this.hub.close();
    })();
    return this.#closing;
  }

  #onActive(): void {
    if (this.#closing) return;
    this.#cancelGrace();
    this.#startThroughGate();
  }

  /** Starts an idle source once the node's start gate has a slot. */
  #startThroughGate(): void {
    const gate = this.#options.startGate;
    if (!gate || this.#source.state !== "idle") {
      this.#source.start(); // no gate, or already running: start() is a no-op then
      return;
    }
    if (this.#gateWaiting) return;
    this.#gateWaiting = true;
    void gate.acquire().then((release) => {
      this.#gateWaiting = false;
      if (this.#closing || this.hub.subscribers === 0) return release();
      if (this.#source.state !== "idle") {
        release(); // started meanwhile (e.g. a new kind of source)
        return;
      }
      this.#gateRelease = release;
      this.#source.start();
    });
  }

  #releaseGate(): void {
    const release = this.#gateRelease;
    this.#gateRelease = null;
    release?.();
  }

  #onIdle(): void {
    if (this.#closing) return;
    this.#cancelGrace();
    this.#grace = this.#timers.setTimeout(() => {
      this.#grace = null;
      if (this.hub.subscribers === 0) void this.#source.stop();
    }, this.#idleGraceMs);
  }

  #cancelGrace(): void {
    if (this.#grace === null) return;
    this.#timers.clearTimeout(this.#grace);
    this.#grace = null;
  }

  #onFrame(jpeg: Uint8Array): void {
    if (this.#gateRelease) this.#releaseGate(); // started: let the next camera in
    const now = this.#timers.now();
    this.hub.publish(jpeg, now);
    this.#lastFrameAt = now;
    this.#fps.record(now);
  }

  #onState(state: SourceState): void {
    if (state === "starting") {
      this.#fps.reset(this.#timers.now());
    } else if (state === "backoff" || state === "idle") {
      // Nobody may be served a frame from a source that is gone.
      this.hub.clear();
      this.#releaseGate();
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
    return `${this.#source.state}\n${this.#source.lastError ?? ""}`;
  }
}

/** Fields whose change needs a new reader (ffmpeg or HTTP). */
function sourceKey(s: CameraSpec): string {
  return JSON.stringify([
    s.protocol,
    s.source_url,
    s.device_path,
    s.width,
    s.height,
    s.framerate,
    s.rtsp_transport ?? "tcp",
  ]);
}

/** The spec's secrets, also registered with the logger so no log line shows them. */
function registerSecrets(spec: CameraSpec): string[] {
  const secrets = secretsOf(spec);
  for (const s of secrets) registerSecret(s);
  return secrets;
}

/**
 * The passwords of the live and the recording URL, as written and
 * percent-decoded (ffmpeg may echo either), to mask in ffmpeg's stderr and in
 * every log line.
 */
export function secretsOf(spec: CameraSpec): string[] {
  const values = new Set<string>();
  for (const url of [spec.source_url, spec.record_source_url]) {
    if (!url) continue;
    let password = "";
    try {
      password = new URL(url).password;
    } catch {
      continue;
    }
    if (!password) continue;
    values.add(password);
    try {
      values.add(decodeURIComponent(password));
    } catch {
      // malformed escape: the raw form is all there is
    }
  }
  return [...values];
}
