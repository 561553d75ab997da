/**
 * The launcher interface (docs/design/agents.md § Processes and identities):
 * how agent processes are started and stopped, whatever runs them — a local
 * child process (local_launcher.ts) now, a Kubernetes Deployment or Job in
 * the Kubernetes issue. The supervisor (supervisor.ts) reconciles the rows'
 * `desired` against `list()`; a launcher keeps each started process alive by
 * itself (restart with backoff, a new credential each start) until stopped.
 */
import type { AgentStatus } from "../../lib/api/agents.ts";
import type { AgentCredential } from "../../lib/agent_protocol.ts";

export interface LaunchSpec {
  agentId: string;
  /** For logs and process names: the agent's slug. */
  name: string;
  /** The credential of the next process start: called for every start, each a new one. */
  credential(): Promise<AgentCredential>;
}

export interface AgentHandle {
  agentId: string;
  /** The OS process id of a local child while one runs. */
  pid: number | null;
}

export interface Launcher {
  /** Starts the agent's process and keeps it running; a no-op when it runs. */
  start(spec: LaunchSpec): AgentHandle;
  /** Ends it: SIGTERM (or the pod's grace), then kill after `graceMs`; resolves once it is gone. */
  stop(agentId: string, opts?: { graceMs?: number }): Promise<void>;
  /** A new process at once (a new credential), not counted as a failure. */
  restart(agentId: string): void;
  /** Where the process is; null for one this launcher never started. */
  status(agentId: string): AgentStatus | null;
  /** The agents whose processes it runs (started and not stopped). */
  list(): string[];
  /** The running process of an agent, if any. */
  handle(agentId: string): AgentHandle | null;
  /** Stops every process (controller shutdown). */
  close(opts?: { graceMs?: number }): Promise<void>;
}

/** What a launcher tells its owner. */
export interface LauncherEvents {
  /** The status of an agent's process changed. */
  onStatus?: (agentId: string, status: AgentStatus) => void;
  /** A process ended, whatever the reason (a turn it ran is over). */
  onExit?: (agentId: string) => void;
}
