/**
 * AgentSupervisor.touch: a process shows as `starting` until it is first
 * heard from, then `running` — and that change is announced once
 * (`onRunning`, which the controller turns into an SSE `agent` event), so
 * the Agents page does not stay on "Starting".
 */
import assert from "node:assert/strict";
import type { AgentStatus } from "../../lib/api/agents.ts";
import type { Sql } from "../db/client.ts";
import type { AgentCredentials } from "./credentials.ts";
import type { Launcher } from "./launcher.ts";
import { AgentSupervisor } from "./supervisor.ts";

const RUNNING: AgentStatus = {
  state: "running",
  restarts: 0,
  started_at: "2026-12-07T10:00:00.000Z",
  last_exit: null,
  message: null,
};

function launcher(running: Set<string>): Launcher {
  return {
    start: (spec) => ({ agentId: spec.agentId, pid: 1 }),
    stop: () => Promise.resolve(),
    restart: () => {},
    status: (id) => running.has(id) ? RUNNING : null,
    list: () => [...running],
    handle: (id) => running.has(id) ? { agentId: id, pid: 1 } : null,
    close: () => Promise.resolve(),
  };
}

Deno.test("touch: starting until first heard from, then running, announced once", () => {
  const running = new Set(["a1"]);
  const announced: string[] = [];
  const sup = new AgentSupervisor({
    sql: null as unknown as Sql, // touch and status read no table
    launcher: launcher(running),
    credentials: null as unknown as AgentCredentials,
    controllerUrl: () => "http://127.0.0.1:1",
    onRunning: (id) => announced.push(id),
  });
  assert.equal(sup.status("a1").state, "starting");
  sup.touch("a1");
  assert.equal(sup.status("a1").state, "running");
  sup.touch("a1");
  sup.touch("a1");
  assert.deepEqual(announced, ["a1"], "once, not on every poll");
  // An agent without a process is not announced.
  sup.touch("a2");
  assert.deepEqual(announced, ["a1"]);
  assert.equal(sup.status("a2").state, "stopped");
  // After its process ended, the next process is announced again.
  sup.processEnded("a1");
  assert.equal(sup.status("a1").state, "starting");
  sup.touch("a1");
  assert.deepEqual(announced, ["a1", "a1"]);
});
