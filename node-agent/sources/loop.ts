/**
 * The Supervisor's rules for sources that are not a child process (HTTP
 * MJPEG passthrough, JPEG polling): run one attempt, and after every unplanned
 * end wait out an exponential, capped backoff and try again; a stall watchdog
 * fed by `progress()` ends a run that stopped delivering; `stop()` aborts the
 * run and waits for it. Same states, same `restarts` and `lastError`
 * semantics as `ffmpeg/supervisor.ts`, so a relay cannot tell them apart.
 *
 * An attempt is an async function that must settle soon after its signal
 * aborts (fetch and the MJPEG reader both do). It ends in one of two ways:
 * it throws or returns "ended" (a failure: the source went away), or it returns
 * "handoff" (this source is not ours to read: the loop goes idle, not failed,
 * and `onHandoff` tells the owner to use something else, i.e. ffmpeg).
 */
import { redactSecrets } from "../../lib/redact.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import {
  backoffDelayMs,
  type BackoffOptions,
  HEALTHY_AFTER_MS,
} from "../ffmpeg/backoff.ts";
import type { SupervisorState } from "../ffmpeg/supervisor.ts";
import { realTimers, type TimerId, type Timers } from "../ffmpeg/timers.ts";

/** How one attempt ended when it did not throw. */
export type RunEnd = "ended" | "handoff";

/** What an attempt gets: its abort signal and the watchdog's feed. */
export interface RunContext {
  readonly signal: AbortSignal;
  /** A frame arrived: feeds the stall watchdog, "starting" → "running". */
  progress(): void;
}

export interface SourceLoopOptions {
  /** Shown in logs, e.g. the camera id. */
  name: string;
  /** One attempt; see the module comment for how it must end. */
  runOnce: (ctx: RunContext) => Promise<RunEnd>;
  /** Every state transition, after the getters reflect it. */
  onState?: (state: SupervisorState) => void;
  /** An attempt returned "handoff"; called before the loop reports idle. */
  onHandoff?: () => void;
  backoff?: BackoffOptions;
  /** A run that made progress and lasted this long resets the backoff. @default HEALTHY_AFTER_MS (1500) */
  healthyAfterMs?: number;
  /** No `progress()` for this long aborts the run (a failure). @default 10000 */
  stallTimeoutMs?: number;
  /** Values masked in error messages. */
  secrets?: string[];
  timers?: Timers;
}

interface Run {
  abort: AbortController;
  startedAt: number;
  lastProgressAt: number;
  progressed: boolean;
  /** Why we aborted it (stall); null when stopped or restarted. */
  reason: string | null;
  stallTimer: TimerId | null;
}

export class SourceLoop {
  #opts: SourceLoopOptions;
  #timers: Timers;
  #log;
  #state: SupervisorState = "idle";
  #secrets: string[];
  #run: Run | null = null;
  #loop: Promise<void> | null = null;
  #stopRequested = false;
  #pendingStart = false;
  #restartRequested = false;
  #wake: (() => void) | null = null;
  #failures = 0;
  #restarts = 0;
  #lastError: string | null = null;

  constructor(options: SourceLoopOptions) {
    this.#opts = options;
    this.#timers = options.timers ?? realTimers;
    this.#secrets = [...(options.secrets ?? [])];
    this.#log = logger(`source.${options.name}`);
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  setSecrets(secrets: string[]): void {
    this.#secrets = [...secrets];
  }

  /** Starts the loop; a no-op when it runs. During a `stop()` it starts again afterwards. */
  start(): void {
    if (this.#loop) {
      if (this.#stopRequested) this.#pendingStart = true;
      return;
    }
    this.#stopRequested = false;
    this.#restartRequested = false;
    this.#failures = 0;
    this.#loop = this.#supervise().then((handoff) => {
      this.#loop = null;
      this.#stopRequested = false;
      if (handoff) this.#notifyHandoff();
      this.#setState("idle");
      if (this.#pendingStart) {
        this.#pendingStart = false;
        this.start();
      }
    });
  }

  /** Aborts the run and ends the loop; resolves once the run has settled. */
  stop(): Promise<void> {
    this.#pendingStart = false;
    const loop = this.#loop;
    if (!loop) return Promise.resolve();
    if (!this.#stopRequested) {
      this.#stopRequested = true;
      this.#setState("stopping");
      this.#wake?.();
      this.#run?.abort.abort();
    }
    return loop;
  }

  /** A new attempt at once (the source changed): not a failure, no backoff. */
  restart(): void {
    if (!this.#loop || this.#stopRequested) return;
    this.#restartRequested = true;
    if (this.#run) this.#run.abort.abort();
    else this.#wake?.();
  }

  /** Resolves true when the loop ended by a handoff. */
  async #supervise(): Promise<boolean> {
    while (!this.#stopRequested) {
      const outcome = await this.#runOnce();
      if (this.#stopRequested) break;
      if (this.#restartRequested) {
        this.#restartRequested = false;
        this.#failures = 0;
        continue;
      }
      if (outcome.handoff) return true;
      this.#failures = outcome.healthy ? 1 : this.#failures + 1;
      this.#restarts++;
      this.#lastError = outcome.failure;
      const delayMs = backoffDelayMs(this.#failures, this.#opts.backoff);
      this.#log.warn("source failed; retrying after backoff", {
        error: outcome.failure,
        restart_in_ms: delayMs,
        restarts: this.#restarts,
      });
      this.#setState("backoff");
      await this.#sleep(delayMs);
      this.#restartRequested = false;
    }
    return false;
  }

  async #runOnce(): Promise<
    { failure: string; healthy: boolean; handoff: boolean }
  > {
    this.#setState("starting");
    const now = this.#timers.now();
    const run: Run = {
      abort: new AbortController(),
      startedAt: now,
      lastProgressAt: now,
      progressed: false,
      reason: null,
      stallTimer: null,
    };
    this.#run = run;
    this.#armStall(run, this.#stallTimeoutMs());
    const ctx: RunContext = {
      signal: run.abort.signal,
      progress: () => this.#progress(run),
    };
    let failure: string;
    let handoff = false;
    try {
      const end = await this.#opts.runOnce(ctx);
      handoff = end === "handoff";
      failure = "the source ended the stream";
    } catch (e) {
      failure = errorMessage(e);
    }
    if (run.stallTimer !== null) this.#timers.clearTimeout(run.stallTimer);
    this.#run = null;
    const lasted = this.#timers.now() - run.startedAt;
    return {
      failure: redactSecrets(run.reason ?? failure, this.#secrets),
      healthy: run.progressed &&
        lasted >= (this.#opts.healthyAfterMs ?? HEALTHY_AFTER_MS),
      handoff: handoff && run.reason === null,
    };
  }

  #progress(run: Run): void {
    if (run !== this.#run || run.abort.signal.aborted) return;
    run.lastProgressAt = this.#timers.now();
    if (run.progressed) return;
    run.progressed = true;
    this.#lastError = null;
    this.#setState("running");
  }

  #stallTimeoutMs(): number {
    return this.#opts.stallTimeoutMs ?? 10_000;
  }

  /** One timer per run, re-armed for the remaining time (as the Supervisor does). */
  #armStall(run: Run, ms: number): void {
    run.stallTimer = this.#timers.setTimeout(() => {
      run.stallTimer = null;
      if (run.abort.signal.aborted) return;
      const limit = this.#stallTimeoutMs();
      const quietFor = this.#timers.now() - run.lastProgressAt;
      if (quietFor < limit) return this.#armStall(run, limit - quietFor);
      run.reason = `stalled: no frame for ${limit} ms`;
      run.abort.abort();
    }, ms);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const id = this.#timers.setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        this.#timers.clearTimeout(id);
        this.#wake = null;
        resolve();
      };
    });
  }

  #notifyHandoff(): void {
    try {
      this.#opts.onHandoff?.();
    } catch (e) {
      this.#log.error("onHandoff listener threw", { error: errorMessage(e) });
    }
  }

  #setState(state: SupervisorState): void {
    if (state === this.#state) return;
    this.#state = state;
    try {
      this.#opts.onState?.(state);
    } catch (e) {
      this.#log.error("onState listener threw", { error: errorMessage(e) });
    }
  }
}
