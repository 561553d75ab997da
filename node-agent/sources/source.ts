/**
 * What a camera relay needs from its source, whatever reads the camera: an
 * ffmpeg under the Supervisor, or a plain HTTP reader under a `SourceLoop`.
 * Both keep the same states, restart with the same backoff, watch for stalls
 * and explain their last failure, so the relay (and the heartbeat) treat every
 * camera alike.
 */
import type {
  SupervisorOptions,
  SupervisorState,
} from "../ffmpeg/supervisor.ts";
import type { Clock } from "../../lib/time/clock.ts";
import type { UsbSourceDeps } from "./usb_source.ts";

export type SourceState = SupervisorState;

export interface FrameSource {
  /** idle → starting → running; backoff between attempts; stopping. */
  readonly state: SourceState;
  /** pid of the ffmpeg reading the camera; null when none runs (or none is used). */
  readonly pid: number | null;
  /** Unplanned ends that led to a new attempt. */
  readonly restarts: number;
  /** Redacted reason of the last failure; null once frames flow again. */
  readonly lastError: string | null;
  /** Starts reading (no-op when running). */
  start(): void;
  /** Stops reading; resolves once nothing of this source runs. */
  stop(): Promise<void>;
  /** Reads the (changed) source again at once; not a failure. */
  restart(): void;
  /** Values to mask in error messages (the camera's passwords). */
  setSecrets(secrets: string[]): void;
  /** Not an error, but worth showing (a usb device's nearest size); optional. */
  readonly note?: string | null;
}

/** Where a source delivers. */
export interface FrameSink {
  /** One complete JPEG, already checked (SOI…EOI). Never mutate it afterwards. */
  onFrame(jpeg: Uint8Array): void;
  /** Every state transition, after the getters reflect it. */
  onState(state: SourceState): void;
}

/** Restart, stall and stop tuning shared by every kind of source (tests shorten them). */
export type SourceTuning = Pick<
  SupervisorOptions,
  | "backoff"
  | "healthyAfterMs"
  | "stallTimeoutMs"
  | "stopTimeoutMs"
  | "stderrTailLines"
>;

/** What every source is built with. */
export interface SourceOptions {
  /** Camera id, for logs. */
  name: string;
  /** ffmpeg to run where one is needed. */
  ffmpegPath: string;
  secrets: string[];
  tuning?: SourceTuning;
  timers?: Clock;
  /** usb cameras: device listing and (tests) a stand-in input (sources/usb_source.ts). */
  usb?: UsbSourceDeps;
}
