/**
 * Agent processes as local children of `falcon up` / `falcon controller`.
 * Each start gets a new credential, written as one JSON line on the child's
 * stdin, which is then closed — never argv or env, where `ps` and
 * /proc/PID/environ show it; the controller's own environment (keys,
 * database URL) is not inherited either. A child that exits is started again under the
 * shared restart loop (lib/supervise) with capped backoff; the tail of its
 * stderr (bounded, redacted) is kept for `status.last_exit`. Children run in
 * a process group of their own, so stop = SIGTERM to the group, SIGKILL of
 * the group after the grace; `close()` stops them all (nothing is left
 * behind after Ctrl-C).
 */
import type { AgentStatus } from "../../lib/api/agents.ts";
import { errorMessage, type Logger, logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";
import type { BackoffOptions } from "../../lib/supervise/backoff.ts";
import { RestartLoop } from "../../lib/supervise/restart_loop.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type {
  AgentHandle,
  Launcher,
  LauncherEvents,
  LaunchSpec,
} from "./launcher.ts";

export interface LocalLauncherOptions extends LauncherEvents {
  /** argv of `falcon agent` (agent/); the credential follows on stdin. */
  command: string[];
  /** Extra environment of every child (no secrets: log settings, parent pid). */
  env?: Record<string, string>;
  clock?: Clock;
  log?: Logger;
  backoff?: BackoffOptions;
  /** A child that lived this long resets the backoff. @default 30000 */
  healthyAfterMs?: number;
  /** Default grace between SIGTERM and SIGKILL. @default 5000 */
  graceMs?: number;
  /** Bytes of stderr kept per agent. @default 4096 */
  stderrTailBytes?: number;
  /** Copy the children's stderr lines (redacted) to this process's stderr. @default true */
  echoStderr?: boolean;
}

interface Entry {
  spec: LaunchSpec;
  loop: RestartLoop;
  child: Deno.ChildProcess | null;
  startedAt: number | null;
  lastExit: AgentStatus["last_exit"];
  message: string | null;
  failed: boolean;
  tail: string;
  graceMs: number;
  stopped: boolean;
}

const encoder = new TextEncoder();

/**
 * The only variables a child inherits from the controller's environment:
 * what Deno and the system need, never the controller's own settings
 * (`FALCON_OPENAI_API_KEY`, `DATABASE_URL`, `FALCON_SECRET_KEY` …).
 */
export const INHERITED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "XDG_CACHE_HOME",
  "NO_COLOR",
  "DENO_DIR",
  "DENO_NO_UPDATE_CHECK",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "DENO_USR2_MEMORY_TRIM",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const v = Deno.env.get(name);
    if (v !== undefined) env[name] = v;
  }
  return { ...env, ...extra, FALCON_PARENT_PID: String(Deno.pid) };
}

export class LocalLauncher implements Launcher {
  #opts: LocalLauncherOptions;
  #clock: Clock;
  #log: Logger;
  #entries = new Map<string, Entry>();

  constructor(opts: LocalLauncherOptions) {
    if (!opts.command.length) throw new Error("agent command is empty");
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.#log = opts.log ?? logger("agents.launcher");
  }

  start(spec: LaunchSpec): AgentHandle {
    const had = this.#entries.get(spec.agentId);
    if (had && !had.stopped) {
      had.spec = spec;
      return this.#handle(had);
    }
    const entry: Entry = {
      spec,
      child: null,
      startedAt: null,
      lastExit: had?.lastExit ?? null,
      message: null,
      failed: false,
      tail: "",
      graceMs: this.#opts.graceMs ?? 5000,
      stopped: false,
      loop: null as unknown as RestartLoop,
    };
    entry.loop = new RestartLoop({
      attempt: () => this.#attempt(entry),
      interrupt: () => this.#terminate(entry),
      onState: () => this.#emit(entry),
      backoff: this.#opts.backoff,
      clock: this.#clock,
      log: this.#log.child(spec.name),
      failureMessage: `agent "${spec.name}" exited; restarting after backoff`,
    });
    this.#entries.set(spec.agentId, entry);
    entry.loop.start();
    return this.#handle(entry);
  }

  async stop(agentId: string, opts: { graceMs?: number } = {}): Promise<void> {
    const entry = this.#entries.get(agentId);
    if (!entry || entry.stopped) return;
    entry.stopped = true;
    if (opts.graceMs !== undefined) entry.graceMs = opts.graceMs;
    await entry.loop.stop();
    entry.startedAt = null;
    this.#emit(entry);
  }

  restart(agentId: string): void {
    const entry = this.#entries.get(agentId);
    if (entry && !entry.stopped) entry.loop.restart();
  }

  status(agentId: string): AgentStatus | null {
    const e = this.#entries.get(agentId);
    return e ? this.#status(e) : null;
  }

  list(): string[] {
    return [...this.#entries.values()].filter((e) => !e.stopped).map((e) =>
      e.spec.agentId
    );
  }

  handle(agentId: string): AgentHandle | null {
    const e = this.#entries.get(agentId);
    return e && !e.stopped ? this.#handle(e) : null;
  }

  /** Forgets a stopped agent's last exit (it was deleted). */
  forget(agentId: string): void {
    const e = this.#entries.get(agentId);
    if (e?.stopped) this.#entries.delete(agentId);
  }

  async close(opts: { graceMs?: number } = {}): Promise<void> {
    await Promise.all(this.list().map((id) => this.stop(id, opts)));
  }

  #handle(e: Entry): AgentHandle {
    return { agentId: e.spec.agentId, pid: e.child?.pid ?? null };
  }

  #status(e: Entry): AgentStatus {
    const s = e.loop.state;
    const state: AgentStatus["state"] = e.stopped || s === "idle"
      ? "stopped"
      : e.failed
      ? "failed"
      : s === "running"
      ? "running"
      : s === "backoff"
      ? "restarting"
      : s === "stopping"
      ? "stopped"
      : "starting";
    return {
      state,
      restarts: e.loop.restarts,
      started_at: e.startedAt === null
        ? null
        : new Date(e.startedAt).toISOString(),
      last_exit: e.lastExit,
      message: e.stopped ? null : e.message ?? e.loop.lastError,
    };
  }

  #emit(e: Entry): void {
    try {
      this.#opts.onStatus?.(e.spec.agentId, this.#status(e));
    } catch (err) {
      this.#log.error("onStatus listener threw", { error: errorMessage(err) });
    }
  }

  async #attempt(e: Entry) {
    e.loop.setState("starting");
    const started = this.#clock.now();
    let line: string;
    try {
      line = JSON.stringify(await e.spec.credential()) + "\n";
    } catch (err) {
      e.message = `could not issue a credential: ${errorMessage(err)}`;
      return { failure: e.message, healthy: false };
    }
    if (e.loop.interrupted) return { failure: "interrupted", healthy: false };
    const [cmd, ...args] = this.#opts.command;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(cmd, {
        args,
        stdin: "piped",
        stdout: "inherit",
        stderr: "piped",
        // setsid: the child leads a process group of its own, which stop() signals whole.
        detached: true,
        clearEnv: true,
        env: childEnv(this.#opts.env),
      }).spawn();
    } catch (err) {
      e.failed = true;
      e.message = `could not start ${cmd}: ${errorMessage(err)}`;
      return { failure: e.message, healthy: false };
    }
    e.failed = false;
    e.message = null;
    e.child = child;
    e.startedAt = this.#clock.now();
    e.tail = "";
    const tail = this.#readStderr(e, child.stderr);
    try {
      const w = child.stdin.getWriter();
      await w.write(encoder.encode(line));
      await w.close();
    } catch { /* it died at once: its exit says why */ }
    e.loop.running();
    const status = await child.status;
    // Whatever the agent started itself goes with it (its process group),
    // and nothing it left holds the stderr pipe open for long.
    killGroup(child.pid, "SIGKILL");
    await Promise.race([
      tail,
      new Promise<void>((r) => this.#clock.setTimeout(() => r(), 500)),
    ]);
    e.child = null;
    e.lastExit = {
      code: status.signal ? null : status.code,
      signal: status.signal ?? null,
      at: new Date(this.#clock.now()).toISOString(),
      stderr_tail: e.tail,
    };
    try {
      this.#opts.onExit?.(e.spec.agentId);
    } catch (err) {
      this.#log.error("onExit listener threw", { error: errorMessage(err) });
    }
    const ranMs = this.#clock.now() - started;
    const lastLine = e.tail.trim().split("\n").pop() ?? "";
    return {
      failure:
        (status.signal
          ? `killed by ${status.signal}`
          : `exited with code ${status.code}`) +
        (lastLine ? `: ${lastLine}` : ""),
      healthy: ranMs >= (this.#opts.healthyAfterMs ?? 30_000),
    };
  }

  /** Keeps the last bytes of stderr, redacted, and echoes whole lines. */
  async #readStderr(e: Entry, stream: ReadableStream<Uint8Array>) {
    const max = this.#opts.stderrTailBytes ?? 4096;
    const echo = this.#opts.echoStderr ?? true;
    let partial = "";
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        partial += text;
        const nl = partial.lastIndexOf("\n");
        if (nl < 0) {
          if (partial.length > max) partial = partial.slice(-max);
          continue;
        }
        const lines = redactText(partial.slice(0, nl + 1));
        partial = partial.slice(nl + 1);
        e.tail = (e.tail + lines).slice(-max);
        if (echo) {
          await Deno.stderr.write(encoder.encode(
            lines.split("\n").filter(Boolean).map((l) =>
              `[agent ${e.spec.name}] ${l}\n`
            ).join(""),
          ));
        }
      }
    } catch { /* the pipe closed */ }
    if (partial) e.tail = (e.tail + redactText(partial)).slice(-max);
  }

  #terminate(e: Entry): void {
    const child = e.child;
    if (!child) return;
    const group = (signal: Deno.Signal) => {
      try {
        Deno.kill(-child.pid, signal);
      } catch {
        try {
          child.kill(signal);
        } catch { /* gone */ }
      }
    };
    group("SIGTERM");
    const timer = this.#clock.setTimeout(() => group("SIGKILL"), e.graceMs);
    child.status.finally(() => this.#clock.clearTimeout(timer));
  }
}

function killGroup(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pid, signal);
  } catch { /* the group is empty */ }
}
