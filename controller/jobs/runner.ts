/**
 * One runner for the controller's periodic loops (node liveness, recordings
 * reconcile, session sweep): each job is named, runs every `intervalMs` on the
 * injected clock, never overlaps itself (the next run is timed from the end of
 * the last one), and a failure is logged and counted but never stops the job
 * or the controller. `stop()` cancels what is waiting and awaits what runs,
 * so nothing touches the database after the controller closed it.
 */
import { errorMessage, type Logger, logger } from "../../lib/log.ts";
import { type Clock, realClock, type TimerId } from "../../lib/time/clock.ts";

export interface JobSpec {
  /** Unique, dotted (`nodes.liveness`); used in logs and metrics. */
  name: string;
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  /** One run. `signal` aborts when the runner stops. */
  run: (signal: AbortSignal) => Promise<unknown>;
  /** Run once at start() instead of after the first interval. @default false */
  immediate?: boolean;
}

export interface JobStats {
  name: string;
  intervalMs: number;
  running: boolean;
  runs: number;
  failures: number;
  lastError: string | null;
  /** Clock time the last run started and how long it took; null before the first. */
  lastStartedAt: number | null;
  lastDurationMs: number | null;
}

interface Job {
  spec: JobSpec;
  stats: JobStats;
  timer: TimerId | null;
  current: Promise<void> | null;
  /** trigger() came while a run was going: run again as soon as it ends. */
  again: boolean;
}

export interface JobRunnerOptions {
  clock?: Clock;
  log?: Logger;
  /** After every run, for metrics. */
  onRun?: (name: string, ok: boolean, durationMs: number) => void;
}

export class JobRunner {
  #jobs = new Map<string, Job>();
  #clock: Clock;
  #log: Logger;
  #onRun: JobRunnerOptions["onRun"];
  #started = false;
  #stopped = false;
  #ac = new AbortController();

  constructor(options: JobRunnerOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#log = options.log ?? logger("jobs");
    this.#onRun = options.onRun;
  }

  /** Registers a job; after start() it is scheduled at once. */
  add(spec: JobSpec): void {
    if (this.#jobs.has(spec.name)) {
      throw new Error(`job "${spec.name}" is already registered`);
    }
    if (!(spec.intervalMs > 0)) {
      throw new Error(`job "${spec.name}": intervalMs must be positive`);
    }
    const job: Job = {
      spec,
      stats: {
        name: spec.name,
        intervalMs: spec.intervalMs,
        running: false,
        runs: 0,
        failures: 0,
        lastError: null,
        lastStartedAt: null,
        lastDurationMs: null,
      },
      timer: null,
      current: null,
      again: false,
    };
    this.#jobs.set(spec.name, job);
    if (this.#started && !this.#stopped) this.#begin(job);
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const job of this.#jobs.values()) this.#begin(job);
  }

  /**
   * Runs a job now instead of at its next interval (a camera was deleted: look
   * for orphaned recordings). While it runs, one more run follows it.
   * Resolves when that run ended; a no-op before start() and after stop().
   */
  trigger(name: string): Promise<void> {
    const job = this.#jobs.get(name);
    if (!job) throw new Error(`no job "${name}"`);
    if (!this.#started || this.#stopped) return Promise.resolve();
    if (job.current) {
      job.again = true;
      return job.current.then(() => job.current ?? undefined);
    }
    return this.#run(job);
  }

  stats(): JobStats[] {
    return [...this.#jobs.values()].map((j) => ({ ...j.stats }));
  }

  /** Cancels waiting jobs, aborts and awaits the running ones. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ac.abort();
    for (const job of this.#jobs.values()) {
      if (job.timer !== null) this.#clock.clearTimeout(job.timer);
      job.timer = null;
      job.again = false;
    }
    await Promise.all(
      [...this.#jobs.values()].map((j) => j.current?.catch(() => {})),
    );
  }

  #begin(job: Job): void {
    if (job.spec.immediate) void this.#run(job);
    else this.#schedule(job);
  }

  #schedule(job: Job): void {
    if (this.#stopped) return;
    if (job.timer !== null) this.#clock.clearTimeout(job.timer);
    job.timer = this.#clock.setTimeout(() => {
      job.timer = null;
      void this.#run(job);
    }, job.spec.intervalMs);
  }

  #run(job: Job): Promise<void> {
    if (job.timer !== null) this.#clock.clearTimeout(job.timer);
    job.timer = null;
    const started = this.#clock.now();
    job.stats.running = true;
    job.stats.lastStartedAt = started;
    const current = (async () => {
      let ok = true;
      try {
        await job.spec.run(this.#ac.signal);
      } catch (e) {
        ok = false;
        job.stats.failures++;
        job.stats.lastError = errorMessage(e);
        if (!this.#stopped) {
          this.#log.warn("job failed", {
            job: job.spec.name,
            error: job.stats.lastError,
            failures: job.stats.failures,
          });
        }
      }
      const duration = this.#clock.now() - started;
      job.stats.runs++;
      job.stats.running = false;
      job.stats.lastDurationMs = duration;
      if (ok) job.stats.lastError = null;
      try {
        this.#onRun?.(job.spec.name, ok, duration);
      } catch (e) {
        this.#log.error("onRun listener threw", { error: errorMessage(e) });
      }
    })();
    job.current = current;
    // Resolves with this run; a follow-up run (trigger() during it) is not awaited.
    return current.then(() => {
      job.current = null;
      if (this.#stopped) return;
      if (job.again) {
        job.again = false;
        void this.#run(job);
      } else this.#schedule(job);
    });
  }
}
