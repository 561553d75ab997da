/**
 * Keeps one child process running under the shared restart loop
 * (lib/supervise): a child that exits is started again after the backoff, a
 * run of `healthyAfterMs` resets it, and `stop()` sends SIGTERM, then SIGKILL
 * after `killAfterMs`, and resolves once the child is gone. `falcon up` runs
 * its node agent this way.
 */
import { errorMessage, type Logger, logger } from "../lib/log.ts";
import { RestartLoop } from "../lib/supervise/restart_loop.ts";
import type { BackoffOptions } from "../lib/supervise/backoff.ts";
import { type Clock, realClock } from "../lib/time/clock.ts";

export interface ChildSupervisorOptions {
  /** Starts one child; called for every attempt. */
  spawn: () => Deno.ChildProcess;
  /** For logs: `node-agent`. */
  name: string;
  clock?: Clock;
  log?: Logger;
  backoff?: BackoffOptions;
  /** A child that lived this long counts as a recovery. @default 30000 */
  healthyAfterMs?: number;
  /** SIGKILL a child that ignored SIGTERM for this long. @default 8000 */
  killAfterMs?: number;
}

export class ChildSupervisor {
  #opts: ChildSupervisorOptions;
  #clock: Clock;
  #log: Logger;
  #child: Deno.ChildProcess | null = null;
  #loop: RestartLoop;

  constructor(options: ChildSupervisorOptions) {
    this.#opts = options;
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? logger(`child.${options.name}`);
    this.#loop = new RestartLoop({
      attempt: () => this.#attempt(),
      interrupt: () => this.#terminate(),
      backoff: options.backoff,
      clock: this.#clock,
      log: this.#log,
      failureMessage: `${options.name} exited; restarting after backoff`,
    });
  }

  /** Unplanned exits so far. */
  get restarts(): number {
    return this.#loop.restarts;
  }

  /** The running child's pid, if one runs. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #attempt() {
    const started = this.#clock.now();
    let child: Deno.ChildProcess;
    try {
      child = this.#opts.spawn();
    } catch (e) {
      return { failure: `could not start: ${errorMessage(e)}`, healthy: false };
    }
    this.#child = child;
    this.#loop.running();
    const status = await child.status;
    this.#child = null;
    const ranMs = this.#clock.now() - started;
    return {
      failure: status.signal
        ? `killed by ${status.signal}`
        : `exited with code ${status.code}`,
      healthy: ranMs >= (this.#opts.healthyAfterMs ?? 30_000),
    };
  }

  #terminate(): void {
    const child = this.#child;
    if (!child) return;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const timer = this.#clock.setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    }, this.#opts.killAfterMs ?? 8000);
    child.status.finally(() => this.#clock.clearTimeout(timer));
  }
}
