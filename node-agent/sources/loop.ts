/**
 * The Supervisor's rules for sources that are not a child process (HTTP
 * MJPEG passthrough, JPEG polling): run one attempt, and after every unplanned
 * end wait out an exponential, capped backoff and try again; a stall watchdog
 * fed by `progress()` ends a run that stopped delivering; `stop()` aborts the
 * run and waits for it. The loop itself is `lib/supervise/restart_loop.ts`, the one
 * `ffmpeg/supervisor.ts` runs on, so a relay cannot tell them apart.
 *
 * An attempt is an async function that must settle soon after its signal
 * aborts (fetch and the MJPEG reader both do). It ends in one of two ways:
 * it throws or returns "ended" (a failure: the source went away), or it returns
 * "handoff" (this source is not ours to read: the loop goes idle, not failed,
 * and `onHandoff` tells the owner to use something else, i.e. ffmpeg).
 */
import { redactSecrets } from "../../lib/redact.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import type { BackoffOptions } from "../../lib/supervise/backoff.ts";
import {
  type AttemptEnd,
  RestartLoop,
  RunWatch,
  type SupervisorState,
} from "../../lib/supervise/restart_loop.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";

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
  timers?: Clock;
}

interface Run {
  abort: AbortController;
  watch: RunWatch;
  /** Why we aborted it (stall); null when stopped or restarted. */
  reason: string | null;
}

export class SourceLoop {
  #opts: SourceLoopOptions;
  #timers: Clock;
  #secrets: string[];
  #run: Run | null = null;
  #loop: RestartLoop;

  constructor(options: SourceLoopOptions) {
    this.#opts = options;
    this.#timers = options.timers ?? realClock;
    this.#secrets = [...(options.secrets ?? [])];
    this.#loop = new RestartLoop({
      attempt: () => this.#runOnce(),
      interrupt: () => this.#run?.abort.abort(),
      onState: options.onState,
      onHandoff: options.onHandoff,
      backoff: options.backoff,
      clock: this.#timers,
      log: logger(`source.${options.name}`),
      failureMessage: "source failed; retrying after backoff",
    });
  }

  get state(): SupervisorState {
    return this.#loop.state;
  }

  get restarts(): number {
    return this.#loop.restarts;
  }

  get lastError(): string | null {
    return this.#loop.lastError;
  }

  setSecrets(secrets: string[]): void {
    this.#secrets = [...secrets];
  }

  /** Starts the loop; a no-op when it runs. During a `stop()` it starts again afterwards. */
  start(): void {
    this.#loop.start();
  }

  /** Aborts the run and ends the loop; resolves once the run has settled. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** A new attempt at once (the source changed): not a failure, no backoff. */
  restart(): void {
    this.#loop.restart();
  }

  async #runOnce(): Promise<AttemptEnd> {
    this.#loop.setState("starting");
    const abort = new AbortController();
    const run: Run = {
      abort,
      watch: new RunWatch(
        this.#timers,
        this.#opts.stallTimeoutMs ?? 10_000,
        (limit) => {
          if (abort.signal.aborted) return;
          run.reason = `stalled: no frame for ${limit} ms`;
          abort.abort();
        },
      ),
      reason: null,
    };
    this.#run = run;
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
    run.watch.stop();
    this.#run = null;
    return {
      failure: redactSecrets(run.reason ?? failure, this.#secrets),
      healthy: run.watch.healthy(this.#opts.healthyAfterMs),
      handoff: handoff && run.reason === null,
    };
  }

  #progress(run: Run): void {
    if (run !== this.#run || run.abort.signal.aborted) return;
    if (run.watch.progress()) this.#loop.running();
  }
}
