/**
 * Reconciles what the user asked for (`agents.desired`) with what the
 * launcher runs, on the jobs runner: a wanted agent without a process is
 * started (at most `maxRunning` at once), a process nobody wants is stopped.
 * Liveness: the agent's long poll (and every event it posts) calls
 * `touch(agentId)`; a running process not heard from for `livenessMs` is
 * restarted with a new credential. Every start mints the credential
 * (credentials.ts); a stop revokes it.
 */
import type { AgentStatus } from "../../lib/api/agents.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, type Logger, logger } from "../../lib/log.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";
import type { AgentCredentials } from "./credentials.ts";
import type { Launcher } from "./launcher.ts";

export const MAX_RUNNING_AGENTS = 16;
export const LIVENESS_MS = 30_000;

export interface AgentSupervisorDeps {
  sql: Sql;
  launcher: Launcher;
  credentials: AgentCredentials;
  /** The controller's own URL as agent processes reach it (known once it listens). */
  controllerUrl: () => string;
  clock?: Clock;
  log?: Logger;
  /** @default 16 */
  maxRunning?: number;
  /** @default 30000 */
  livenessMs?: number;
  /** The agent's process stopped or died: its running turn is over (chat marks it interrupted). */
  onStopped?: (agentId: string) => void | Promise<void>;
  /** Its status changed here (the first sign of life: starting → running). */
  onStatus?: (agentId: string) => void;
}

const STOPPED: AgentStatus = {
  state: "stopped",
  restarts: 0,
  started_at: null,
  last_exit: null,
  message: null,
};

export class AgentSupervisor {
  #deps: AgentSupervisorDeps;
  #clock: Clock;
  #log: Logger;
  /** Clock time each running process was last heard from (or started). */
  #seen = new Map<string, number>();
  /** Agents the liveness check restarted and that have not been heard from since. */
  #touched = new Set<string>();
  #closed = false;

  constructor(deps: AgentSupervisorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? realClock;
    this.#log = deps.log ?? logger("agents.supervisor");
  }

  get maxRunning(): number {
    return this.#deps.maxRunning ?? MAX_RUNNING_AGENTS;
  }

  /**
   * Where an agent's process is. A process that has not polled yet since it
   * started shows as `starting`.
   */
  status(agentId: string): AgentStatus {
    const s = this.#deps.launcher.status(agentId);
    if (!s) return STOPPED;
    if (s.state === "running" && !this.#touched.has(agentId)) {
      return { ...s, state: "starting" };
    }
    return s;
  }

  /** The agent process was heard from (long poll, events, tool or model call). */
  touch(agentId: string): void {
    if (!this.#deps.launcher.handle(agentId)) return;
    this.#seen.set(agentId, this.#clock.now());
    if (this.#touched.has(agentId)) return;
    this.#touched.add(agentId);
    try {
      this.#deps.onStatus?.(agentId);
    } catch (e) {
      this.#log.error("onStatus failed", { error: errorMessage(e) });
    }
  }

  /** A process ended (the launcher's onExit): its liveness is forgotten, its turn is over. */
  processEnded(agentId: string): void {
    this.#seen.delete(agentId);
    this.#touched.delete(agentId);
    this.#notifyStopped(agentId);
  }

  /** Starts the agent's process now (desired was set to running). */
  async start(agentId: string): Promise<void> {
    const row = await db.getAgent(this.#deps.sql, agentId);
    if (!row) return;
    const running = this.#deps.launcher.list();
    if (!running.includes(agentId) && running.length >= this.maxRunning) {
      throw new AppError(
        "conflict",
        `At most ${this.maxRunning} agents may run at once; stop one first`,
      );
    }
    this.#launch(row);
  }

  /** Stops the agent's process and revokes its credential. */
  async stop(agentId: string): Promise<void> {
    await this.#deps.launcher.stop(agentId);
    this.#seen.delete(agentId);
    this.#touched.delete(agentId);
    await this.#deps.credentials.revoke(agentId).catch(() => {});
  }

  /** A new process (a new credential) at once. */
  restart(agentId: string): void {
    this.#touched.delete(agentId);
    this.#seen.set(agentId, this.#clock.now());
    this.#deps.launcher.restart(agentId);
  }

  /** One reconcile pass (the jobs runner's `agents.reconcile`). */
  async tick(): Promise<void> {
    if (this.#closed) return;
    const wanted = await db.runningAgents(this.#deps.sql);
    const wantedIds = new Set(wanted.map((a) => a.id));
    for (const id of this.#deps.launcher.list()) {
      if (!wantedIds.has(id)) {
        this.#log.info("stopping an agent nobody wants running", {
          agent: id,
        });
        await this.stop(id);
      }
    }
    let running = this.#deps.launcher.list().length;
    for (const row of wanted) {
      if (this.#deps.launcher.handle(row.id)) continue;
      if (running >= this.maxRunning) {
        this.#log.warn("agent not started: too many agents running", {
          agent: row.slug,
          max: this.maxRunning,
        });
        continue;
      }
      this.#launch(row);
      running++;
    }
    const now = this.#clock.now();
    const livenessMs = this.#deps.livenessMs ?? LIVENESS_MS;
    for (const id of this.#deps.launcher.list()) {
      const s = this.#deps.launcher.status(id);
      if (s?.state !== "running") {
        // Backing off or starting: liveness counts from its next start.
        this.#seen.delete(id);
        continue;
      }
      const seen = this.#seen.get(id);
      if (seen === undefined) {
        this.#seen.set(id, now);
        continue;
      }
      if (now - seen >= livenessMs) {
        this.#log.warn("agent process silent; restarting it", {
          agent: id,
          silent_ms: now - seen,
        });
        this.restart(id);
      }
    }
  }

  /** Stops every process (controller shutdown); turns are left to their leases. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#deps.launcher.close();
  }

  #launch(row: db.AgentRow): void {
    this.#seen.set(row.id, this.#clock.now());
    this.#touched.delete(row.id);
    this.#deps.launcher.start({
      agentId: row.id,
      name: row.slug,
      credential: async () => {
        const c = await this.#deps.credentials.mint(row.id);
        this.#touched.delete(row.id);
        this.#seen.set(row.id, this.#clock.now());
        return {
          agent_id: row.id,
          controller_url: this.#deps.controllerUrl(),
          secret: c.secret,
          generation: c.generation,
        };
      },
    });
  }

  #notifyStopped(agentId: string): void {
    if (!this.#deps.onStopped) return;
    Promise.resolve().then(() => this.#deps.onStopped!(agentId)).catch((e) =>
      this.#log.error("onStopped failed", {
        agent: agentId,
        error: errorMessage(e),
      })
    );
  }
}
