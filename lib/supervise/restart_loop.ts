/**
 * The restart rules that the Supervisor (a child process) and the SourceLoop
 * (an in-process HTTP reader) share, so a relay cannot tell them apart: one
 * attempt at a time; after every unplanned end an exponential, capped backoff
 * (reset by a healthy run); `stop()` and `restart()` that cut short an attempt
 * or a backoff; the states a relay reports; and the stall watchdog of one
 * attempt. What an attempt is, and how one is ended early, stays with the
 * owner.
 */
import { errorMessage, type Logger } from "../log.ts";
import {
  backoffDelayMs,
  type BackoffOptions,
  HEALTHY_AFTER_MS,
} from "./backoff.ts";
import type { Clock, TimerId } from "../time/clock.ts";

export type SupervisorState =
  | "idle"
  | "starting"
  | "running"
  | "backoff"
  | "stopping";

/** How one attempt ended. */
export interface AttemptEnd {
  /** Why it ended (redacted); becomes `lastError` when it counts as a failure. */
  failure: string;
  /** It made progress and lasted long enough to reset the backoff. */
  healthy: boolean;
  /** The work belongs elsewhere: the loop ends, idle rather than failed. */
  handoff?: boolean;
}

export interface RestartLoopOptions {
  /** One attempt; a throw counts as a failure (a bug guard, not the plan). */
  attempt: () => Promise<AttemptEnd>;
  /** Ends the current attempt early (stop or restart); a no-op between attempts. */
  interrupt: () => void;
  /** Every state transition, after the getters reflect it. */
  onState?: (state: SupervisorState) => void;
  /** An attempt asked for a handoff; called before the loop reports idle. */
  onHandoff?: () => void;
  backoff?: BackoffOptions;
  clock: Clock;
  log: Logger;
  /** Logged (warn) with the error before each backoff. */
  failureMessage: string;
}

export class RestartLoop {
  #opts: RestartLoopOptions;
  #state: SupervisorState = "idle";
  #loop: Promise<void> | null = null;
  #stopRequested = false;
  #pendingStart = false;
  #restartRequested = false;
  #wake: (() => void) | null = null;
  #failures = 0;
  #restarts = 0;
  #lastError: string | null = null;

  constructor(options: RestartLoopOptions) {
    this.#opts = options;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** Unplanned ends that led to another attempt. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Why the last attempt failed; null once a later one made progress. */
  get lastError(): string | null {
    return this.#lastError;
  }

  /** A stop() or restart() is pending: an attempt still getting ready should not begin. */
  get interrupted(): boolean {
    return this.#stopRequested || this.#restartRequested;
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
      this.setState("idle");
      if (this.#pendingStart) {
        this.#pendingStart = false;
        this.start();
      }
    });
  }

  /** Ends the loop, interrupting the attempt or the backoff; resolves once the attempt ended. */
  stop(): Promise<void> {
    this.#pendingStart = false;
    const loop = this.#loop;
    if (!loop) return Promise.resolve();
    if (!this.#stopRequested) {
      this.#stopRequested = true;
      this.setState("stopping");
      this.#wake?.();
      this.#opts.interrupt();
    }
    return loop;
  }

  /** A new attempt at once: not a failure, no backoff. A no-op when not started. */
  restart(): void {
    if (!this.#loop || this.#stopRequested) return;
    this.#restartRequested = true;
    this.#opts.interrupt();
    this.#wake?.();
  }

  /** The attempt delivered for the first time: "running", and `lastError` cleared. */
  running(): void {
    this.#lastError = null;
    this.setState("running");
  }

  setState(state: SupervisorState): void {
    if (state === this.#state) return;
    this.#state = state;
    try {
      this.#opts.onState?.(state);
    } catch (e) {
      // A listener's bug must not stop the restart loop.
      this.#opts.log.error("onState listener threw", {
        error: errorMessage(e),
      });
    }
  }

  /** Resolves true when the loop ended by a handoff. */
  async #supervise(): Promise<boolean> {
    while (!this.#stopRequested) {
      let outcome: AttemptEnd;
      try {
        outcome = await this.#opts.attempt();
      } catch (e) {
        // Attempts handle their own failures; this keeps the loop (and its
        // backoff) alive rather than crashing the node.
        outcome = {
          failure: `supervisor error: ${errorMessage(e)}`,
          healthy: false,
        };
      }
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
      this.#opts.log.warn(this.#opts.failureMessage, {
        error: outcome.failure,
        restart_in_ms: delayMs,
        restarts: this.#restarts,
      });
      this.setState("backoff");
      await this.#sleep(delayMs);
      this.#restartRequested = false;
    }
    return false;
  }

  #sleep(ms: number): Promise<void> {
    const clock = this.#opts.clock;
    return new Promise((resolve) => {
      const id = clock.setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clock.clearTimeout(id);
        this.#wake = null;
        resolve();
      };
    });
  }

  #notifyHandoff(): void {
    try {
      this.#opts.onHandoff?.();
    } catch (e) {
      this.#opts.log.error("onHandoff listener threw", {
        error: errorMessage(e),
      });
    }
  }
}

/**
 * One attempt's progress and its stall watchdog: `onStall` runs once no
 * `progress()` came for `stallTimeoutMs`. One timer per attempt, re-armed for
 * the remaining time when it fires, instead of a clearTimeout/setTimeout pair
 * on every frame.
 */
export class RunWatch {
  readonly startedAt: number;
  #clock: Clock;
  #limitMs: number;
  #onStall: (limitMs: number) => void;
  #lastProgressAt: number;
  #progressed = false;
  #timer: TimerId | null = null;

  constructor(
    clock: Clock,
    stallTimeoutMs: number,
    onStall: (limitMs: number) => void,
  ) {
    this.#clock = clock;
    this.#limitMs = stallTimeoutMs;
    this.#onStall = onStall;
    this.startedAt = this.#lastProgressAt = clock.now();
    this.#arm(stallTimeoutMs);
  }

  get progressed(): boolean {
    return this.#progressed;
  }

  /** Output arrived; true the first time (the attempt now runs). */
  progress(): boolean {
    this.#lastProgressAt = this.#clock.now();
    if (this.#progressed) return false;
    return this.#progressed = true;
  }

  /** Made progress and lasted `healthyAfterMs`: a recovery that resets the backoff. */
  healthy(healthyAfterMs = HEALTHY_AFTER_MS): boolean {
    return this.#progressed &&
      this.#clock.now() - this.startedAt >= healthyAfterMs;
  }

  /** Disarms the watchdog (the attempt is ending). */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      const quietFor = this.#clock.now() - this.#lastProgressAt;
      if (quietFor < this.#limitMs) return this.#arm(this.#limitMs - quietFor);
      this.#onStall(this.#limitMs);
    }, ms);
  }
}
