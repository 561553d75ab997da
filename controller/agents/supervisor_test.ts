/**
 * The supervisor against a recording launcher and the injected clock: it
 * starts what is wanted (at most 16, with a clear error past that), stops
 * what is not (revoking the credential), shows `starting` until the first
 * sign of life, restarts a process silent for 30 s, and tells `onStopped`
 * when a process ended.
 */
import assert from "node:assert/strict";
import type { AgentStatus } from "../../lib/api/agents.ts";
import { AppError } from "../../lib/errors.ts";
import { FakeClock } from "../../lib/time/fake_clock.ts";
import { system } from "../access/principal.ts";
import { startStack } from "../../tests/support/stack.ts";
import type { AgentHandle, Launcher, LaunchSpec } from "./launcher.ts";

class RecordingLauncher implements Launcher {
  running = new Map<string, LaunchSpec>();
  calls: string[] = [];
  start(spec: LaunchSpec): AgentHandle {
    if (!this.running.has(spec.agentId)) {
      this.calls.push(`start ${spec.name}`);
      this.running.set(spec.agentId, spec);
      // A launcher mints a credential for every process start.
      spec.credential();
    }
    return { agentId: spec.agentId, pid: 1 };
  }
  stop(id: string): Promise<void> {
    const spec = this.running.get(id);
    if (spec) this.calls.push(`stop ${spec.name}`);
    this.running.delete(id);
    return Promise.resolve();
  }
  restart(id: string): void {
    const spec = this.running.get(id);
    if (spec) {
      this.calls.push(`restart ${spec.name}`);
      spec.credential();
    }
  }
  status(id: string): AgentStatus | null {
    return this.running.has(id)
      ? {
        state: "running",
        restarts: 0,
        started_at: null,
        last_exit: null,
        message: null,
      }
      : null;
  }
  list(): string[] {
    return [...this.running.keys()];
  }
  handle(id: string): AgentHandle | null {
    return this.running.has(id) ? { agentId: id, pid: 1 } : null;
  }
  close(): Promise<void> {
    this.running.clear();
    return Promise.resolve();
  }
}

Deno.test({
  name: "supervisor: at most 16, stop what is not wanted, liveness after 30 s",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const clock = new FakeClock(Date.parse("2026-12-07T10:00:00Z"));
    const launcher = new RecordingLauncher();
    const stack = await startStack({
      controllerOptions: { clock, agentLauncher: launcher },
    });
    const c = stack.controller;
    const sys = system("supervisor test");
    const stopped: string[] = [];
    c.agentHooks.onStopped = (id) => {
      stopped.push(id);
    };
    try {
      await c.providers.update(sys, "openai", { api_key: "sk-shared-key-1" });
      // The main agent was made when the key came: it wants to run.
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) {
        const a = await c.agents.create(sys, {
          name: `Agent ${i}`,
          slug: `a${i}`,
          provider: "openai",
          model: "gpt-test",
        });
        ids.push(a.id);
      }
      const { agents } = await c.agents.list(sys);
      const main = agents.find((a) => a.is_main)!;
      assert.equal(main.desired, "running");
      // The reconcile pass starts it.
      await c.agentSupervisor.tick();
      assert.deepEqual(launcher.calls, ["start main"]);

      await t.step("start: the 17th running agent is refused", async () => {
        for (const id of ids.slice(0, 15)) await c.agents.start(sys, id);
        assert.equal(launcher.running.size, 16); // main + 15
        await assert.rejects(
          () => c.agents.start(sys, ids[15]),
          (e) =>
            e instanceof AppError && e.kind === "conflict" &&
            /At most 16 agents/.test(e.message),
        );
        // Refused: it stays stopped.
        assert.equal((await c.agents.get(sys, ids[15])).desired, "stopped");
      });

      await t.step("starting until heard from, then running", async () => {
        assert.equal(c.agentSupervisor.status(ids[0]).state, "starting");
        const events = c.bus.subscribe();
        c.agentSupervisor.touch(ids[0]);
        c.agentSupervisor.touch(ids[0]);
        const ev = await events.next();
        assert.deepEqual(
          ev?.kind === "agent" && ev.data.type === "status"
            ? [ev.data.id, ev.data.status.state]
            : ev,
          [ids[0], "running"],
        );
        events.close();
        assert.equal(c.agentSupervisor.status(ids[0]).state, "running");
        assert.equal((await c.agents.get(sys, ids[0])).status.state, "running");
        assert.equal(c.agentSupervisor.status(ids[15]).state, "stopped");
      });

      await t.step("a process silent for 30 s is restarted", async () => {
        await c.agentSupervisor.tick();
        launcher.calls.length = 0;
        clock.advance(20_000);
        c.agentSupervisor.touch(ids[0]);
        clock.advance(11_000);
        await c.agentSupervisor.tick();
        const restarted = launcher.calls.filter((x) => x.startsWith("restart"));
        assert.equal(restarted.length, 15, launcher.calls.join(", "));
        assert.ok(!restarted.includes("restart a0"), "a0 was heard from");
        // A restart mints a new credential: the process shows starting again.
        assert.equal(c.agentSupervisor.status(ids[1]).state, "starting");
      });

      await t.step(
        "not wanted any more: stopped, credential revoked",
        async () => {
          const cred = await c.agentCredentials.mint(ids[2]);
          assert.equal(await c.agentCredentials.agentOf(cred.secret), ids[2]);
          await c.db.sql`update agents set desired = 'stopped' where id = ${
            ids[2]
          }`;
          launcher.calls.length = 0;
          await c.agentSupervisor.tick();
          assert.deepEqual(launcher.calls, ["stop a2"]);
          assert.equal(await c.agentCredentials.agentOf(cred.secret), null);
          // A gap under the limit: the tick starts nothing unwanted.
          assert.equal(launcher.running.has(ids[15]), false);
        },
      );

      await t.step("a process that ended is reported to onStopped", () => {
        c.agentSupervisor.processEnded(ids[3]);
        return new Promise<void>((r) => setTimeout(r, 10)).then(() =>
          assert.deepEqual(stopped, [ids[3]])
        );
      });

      await t.step(
        "credentials: a new generation replaces the old at once",
        async () => {
          const a = await c.agentCredentials.mint(ids[4]);
          const b = await c.agentCredentials.mint(ids[4]);
          assert.equal(b.generation, a.generation + 1);
          assert.equal(
            await c.agentCredentials.verify(ids[4], a.secret),
            false,
          );
          assert.equal(await c.agentCredentials.verify(ids[4], b.secret), true);
          assert.equal(
            await c.agentCredentials.verify(ids[5], b.secret),
            false,
          );
          assert.equal(await c.agentCredentials.agentOf(a.secret), null);
          assert.equal(await c.agentCredentials.agentOf(b.secret), ids[4]);
          assert.ok(b.secret.length >= 43, "256 bits");
          const [row] = await c.db.sql`
          select secret_sha256 from agent_credentials where agent_id = ${
            ids[4]
          }`;
          assert.match(row.secret_sha256, /^[0-9a-f]{64}$/);
          assert.notEqual(row.secret_sha256, b.secret);
        },
      );
    } finally {
      await stack.close();
    }
  },
});
