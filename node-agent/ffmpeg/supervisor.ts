/**
 * Runs one child process (an ffmpeg) forever: restart after every unplanned
 * exit with exponential backoff, kill it when it stops making progress, stop it
 * on request (SIGTERM, then SIGKILL), and keep a redacted tail of its stderr so
 * every exit can be explained to a person.
 *
 * Why a class with a loop rather than "spawn and hope": cameras drop, reboot
 * and hang. A relay that gives up after one failure leaves a black tile until
 * someone restarts the node; one that restarts in a tight loop hammers the
 * camera and the CPU. The shape follows MediaMTX's `externalcmd` (run, pause,
 * report) and Moonfire's "run once throws, run forever loops" split.
 *
 * Children are spawned in their own process group (`detached`), and every
 * signal goes to the group, so a wrapper script (e.g. FALCON_FFMPEG pointing
 * at a shell script) cannot leave grandchildren behind.
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
import { type Clock, realClock, type TimerId } from "../../lib/time/clock.ts";

export type { SupervisorState };

export interface SupervisorOptions {
  /** Shown in logs, e.g. the camera id. */
  name: string;
  /** Executable to run, e.g. the ffmpeg path. */
  command: string;
  /**
   * Arguments, rebuilt at every start so a changed camera takes effect. May
   * be async (an ONVIF camera's RTSP URI is asked for first); a throw or
   * rejection counts as a failed start, with its message as the error.
   */
  args: () => string[] | Promise<string[]>;
  /** Every stdout chunk of the current child. Throwing kills the child (a failure). */
  onStdout: (chunk: Uint8Array) => void;
  /** Every state transition, after the getters reflect it. */
  onState?: (state: SupervisorState) => void;
  /** Delays between restarts after consecutive failures. */
  backoff?: BackoffOptions;
  /**
   * A run that made progress and lasted at least this long resets the backoff.
   * Requiring both keeps a source that sends one frame and dies backing off.
   * @default HEALTHY_AFTER_MS (1500)
   */
  healthyAfterMs?: number;
  /** No `progress()` for this long kills the child (counted as a failure). @default 10000 */
  stallTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL. @default 3000 */
  stopTimeoutMs?: number;
  /** stderr lines kept for `stderrTail()` and error messages. @default 20 */
  stderrTailLines?: number;
  /** Values masked in stderr (e.g. a camera password ffmpeg echoes back). */
  secrets?: string[];
  /** Clock and timers; tests may inject their own. */
  timers?: Clock;
}

/** stderr lines quoted in `lastError`; the full tail is in `stderrTail()`. */
const ERROR_TAIL_LINES = 3;
/** A stored stderr line is cut to this many characters (after redaction). */
const MAX_LINE_CHARS = 500;
/** A stderr line longer than this (no newline) is dropped, not stored. */
const MAX_PENDING_CHARS = 64 * 1024;
/** After the child exits, how long its pipes may stay open before we cancel them. */
const PIPE_DRAIN_MS = 1000;

interface Run {
  child: Deno.ChildProcess;
  watch: RunWatch;
  /** Set once we decided to kill it; output is ignored from then on. */
  terminating: boolean;
  /** The child has exited; its pid may be reused, so it must not be signalled. */
  exited: boolean;
  /** Why we killed it (stall, bad output); null when it exited on its own or on stop. */
  reason: string | null;
  killTimer: TimerId | null;
  readers: ReadableStreamDefaultReader<unknown>[];
}

export class Supervisor {
  #opts: SupervisorOptions;
  #timers: Clock;
  #log;
  #secrets: string[];
  #run: Run | null = null;
  #loop: RestartLoop;
  #tail: string[] = [];

  constructor(options: SupervisorOptions) {
    this.#opts = options;
    this.#timers = options.timers ?? realClock;
    this.#secrets = [...(options.secrets ?? [])];
    this.#log = logger(`supervisor.${options.name}`);
    this.#loop = new RestartLoop({
      attempt: () => this.#runOnce(),
      interrupt: () => {
        if (this.#run) this.#terminate(this.#run, null);
      },
      onState: options.onState,
      backoff: options.backoff,
      clock: this.#timers,
      log: this.#log,
      failureMessage: "process failed; restarting after backoff",
    });
  }

  get state(): SupervisorState {
    return this.#loop.state;
  }

  /** pid of the running child, null between runs. */
  get pid(): number | null {
    return this.#run?.child.pid ?? null;
  }

  /** Unplanned exits that led to a restart (crash, stall, spawn failure). */
  get restarts(): number {
    return this.#loop.restarts;
  }

  /** Why the last run failed (redacted); null once a later run made progress. */
  get lastError(): string | null {
    return this.#loop.lastError;
  }

  /** The last stderr lines of the current (or last) run, redacted. */
  stderrTail(): string[] {
    return [...this.#tail];
  }

  /** Replaces the values masked in stderr, e.g. after the camera's password changed. */
  setSecrets(secrets: string[]): void {
    this.#secrets = [...secrets];
  }

  /**
   * Starts the restart loop; a no-op when it already runs. Called while a
   * `stop()` is still in progress, it starts again once the old child is gone.
   */
  start(): void {
    this.#loop.start();
  }

  /**
   * Stops the loop: SIGTERM to the child, SIGKILL after `stopTimeoutMs`.
   * Resolves once the child has exited and its pipes are closed. Safe to call
   * twice, while backing off, or when nothing runs.
   */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /**
   * Replaces the child at once (e.g. the camera's source changed), without
   * counting a failure or waiting out a backoff. A no-op when not started.
   */
  restart(): void {
    this.#loop.restart();
  }

  /**
   * The consumer saw output (a frame). Feeds the stall watchdog, moves
   * "starting" to "running" and clears `lastError`. Cheap enough to call for
   * every frame: it only stores a timestamp.
   */
  progress(): void {
    const run = this.#run;
    if (!run || run.terminating) return;
    if (run.watch.progress()) this.#loop.running();
  }

  /** One child from spawn to exit; never throws for process failures. */
  async #runOnce(): Promise<AttemptEnd> {
    this.#tail = [];
    this.#loop.setState("starting");
    const { command } = this.#opts;
    let args: string[];
    try {
      const built = this.#opts.args();
      // Sync arguments spawn at once, as callers of start() expect a pid.
      args = built instanceof Promise ? await built : built;
    } catch (e) {
      return { failure: errorMessage(e), healthy: false };
    }
    // stop() or restart() came while the arguments were built: spawn nothing.
    if (this.#loop.interrupted) {
      return { failure: "stopped before start", healthy: false };
    }
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command, {
        args,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        detached: true,
      }).spawn();
    } catch (e) {
      return { failure: spawnFailure(command, e), healthy: false };
    }
    const run: Run = {
      child,
      watch: new RunWatch(
        this.#timers,
        this.#opts.stallTimeoutMs ?? 10_000,
        (limit) => this.#terminate(run, `stalled: no output for ${limit} ms`),
      ),
      terminating: false,
      exited: false,
      reason: null,
      killTimer: null,
      readers: [],
    };
    this.#run = run;
    this.#log.debug("started", { pid: child.pid });
    const pumps = Promise.all([this.#pumpStdout(run), this.#pumpStderr(run)]);
    const status = await child.status;
    // The leader is gone; take anything it left in its group with it.
    signalGroup(child, "SIGKILL");
    run.exited = true;
    this.#clearTimers(run);
    await this.#drain(run, pumps);
    this.#run = null;
    return {
      failure: this.#describeExit(run, status),
      healthy: run.watch.healthy(this.#opts.healthyAfterMs),
    };
  }

  async #pumpStdout(run: Run): Promise<void> {
    const reader = run.child.stdout.getReader();
    run.readers.push(reader);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        if (run.terminating) continue;
        try {
          this.#opts.onStdout(value);
        } catch (e) {
          this.#terminate(run, `bad output: ${errorMessage(e)}`);
        }
      }
    } catch {
      // cancelled by #drain
    } finally {
      reader.releaseLock();
    }
  }

  async #pumpStderr(run: Run): Promise<void> {
    const reader = run.child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    run.readers.push(reader);
    let pending = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        pending += value;
        const lines = pending.split(/\r\n|\r|\n/);
        pending = lines.pop() ?? "";
        for (const line of lines) this.#keepLine(line);
        if (pending.length > MAX_PENDING_CHARS) {
          // Dropped rather than cut: a cut could split a secret past redaction.
          this.#keepLine("[stderr line too long, dropped]");
          pending = "";
        }
      }
      this.#keepLine(pending);
    } catch {
      // cancelled by #drain
    } finally {
      reader.releaseLock();
    }
  }

  #keepLine(raw: string): void {
    // "[tcp @ 0x55c9c0b1c900] …" → "[tcp] …": the address helps nobody and
    // would make every restart's error text differ.
    const line = raw.trim().replace(/\[([\w:-]+) @ 0x[0-9a-f]+\]/g, "[$1]");
    if (!line) return;
    const safe = redactSecrets(line, this.#secrets);
    this.#tail.push(
      safe.length > MAX_LINE_CHARS ? safe.slice(0, MAX_LINE_CHARS) + "…" : safe,
    );
    const max = this.#opts.stderrTailLines ?? 20;
    while (this.#tail.length > max) this.#tail.shift();
  }

  /** Waits for both pipes to close, cancelling them if something still holds them open. */
  async #drain(run: Run, pumps: Promise<unknown>): Promise<void> {
    let timer: TimerId | null = null;
    const late = new Promise<"late">((resolve) => {
      timer = this.#timers.setTimeout(() => resolve("late"), PIPE_DRAIN_MS);
    });
    const result = await Promise.race([pumps, late]);
    if (timer !== null) this.#timers.clearTimeout(timer);
    if (result === "late") {
      for (const r of run.readers) await r.cancel().catch(() => {});
      await pumps;
    }
  }

  #terminate(run: Run, reason: string | null): void {
    if (run.terminating) return;
    run.terminating = true;
    run.reason = reason;
    if (run.exited) return; // already gone; only draining its pipes
    run.watch.stop();
    signalGroup(run.child, "SIGTERM");
    run.killTimer = this.#timers.setTimeout(() => {
      run.killTimer = null;
      this.#log.warn("did not exit after SIGTERM; sending SIGKILL", {
        pid: run.child.pid,
      });
      signalGroup(run.child, "SIGKILL");
    }, this.#opts.stopTimeoutMs ?? 3000);
  }

  #clearTimers(run: Run): void {
    run.watch.stop();
    if (run.killTimer !== null) this.#timers.clearTimeout(run.killTimer);
    run.killTimer = null;
  }

  #describeExit(run: Run, status: Deno.CommandStatus): string {
    const program = baseName(this.#opts.command);
    const how = run.reason ??
      (status.signal ? `killed by ${status.signal}` : status.code === 0
        // ffmpeg ends cleanly when its input ends: for a camera that means
        // the source closed the stream (camera rebooting, server going away).
        ? "exited with code 0 (the source ended the stream)"
        : `exited with code ${status.code}`);
    const tail = this.#tail.slice(-ERROR_TAIL_LINES).join("; ");
    return tail ? `${program} ${how}: ${tail}` : `${program} ${how}`;
  }
}

/** Signals the child's whole process group, falling back to the child alone. */
function signalGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** A spawn error a person can act on; NotFound names the path and the fix. */
function spawnFailure(command: string, e: unknown): string {
  const program = baseName(command);
  if (e instanceof Deno.errors.NotFound) {
    const where = command.includes("/") ? `at ${command}` : "on PATH";
    return `${program} not found ${where} (install it, or set FALCON_FFMPEG to its full path)`;
  }
  if (e instanceof Deno.errors.PermissionDenied) {
    return `${program} at ${command} cannot be executed: permission denied`;
  }
  return `${program} could not be started: ${errorMessage(e)}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}
