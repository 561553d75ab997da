/**
 * The local launcher with a stand-in agent command (testdata/
 * stand_in_agent.ts): the credential arrives on stdin and nowhere else, a
 * kill -9 is followed by a restart with backoff and a new credential, stop
 * takes the whole process group (SIGKILL after the grace when SIGTERM is
 * ignored), and close() leaves no process behind.
 */
import assert from "node:assert/strict";
import type { AgentCredential } from "../../lib/agent_protocol.ts";
import { LocalLauncher } from "./local_launcher.ts";

const STAND_IN = new URL("./testdata/stand_in_agent.ts", import.meta.url)
  .pathname;
const AGENT = "11111111-2222-4333-8444-555555555555";

interface Start {
  pid: number;
  credential: AgentCredential;
  extra_stdin: string;
  stdin_closed: boolean;
  args: string[];
  env: Record<string, string>;
  grandchild: number | null;
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // A zombie is dead; it only waits for its parent to reap it.
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function until(ok: () => boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function starts(file: string): Start[] {
  try {
    return Deno.readTextFileSync(file).trim().split("\n").filter(Boolean).map(
      (l) => JSON.parse(l),
    );
  } catch {
    return [];
  }
}

function launcher(mode: string, out: string, extra = {}) {
  let generation = 0;
  const secrets: string[] = [];
  const exits: string[] = [];
  const l = new LocalLauncher({
    command: [Deno.execPath(), "run", "-A", "--no-lock", STAND_IN, "agent"],
    env: { STAND_IN_MODE: mode, STAND_IN_OUT: out },
    backoff: { initialMs: 300, maxMs: 1000 },
    echoStderr: false,
    onExit: (id) => exits.push(id),
    ...extra,
  });
  const spec = {
    agentId: AGENT,
    name: "stand-in",
    credential: () => {
      generation++;
      const secret = crypto.randomUUID() + crypto.randomUUID();
      secrets.push(secret);
      return Promise.resolve({
        agent_id: AGENT,
        controller_url: "http://127.0.0.1:1",
        secret,
        generation,
      });
    },
  };
  return { l, spec, secrets, exits };
}

Deno.test("local launcher: credential on stdin only; kill -9 restarts with a new one; stop leaves nothing", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/starts.jsonl`;
  Deno.env.set("FALCON_TEST_CONTROLLER_KEY", "sk-of-the-controller");
  const { l, spec, secrets, exits } = launcher("family", out);
  try {
    l.start(spec);
    await until(() => starts(out).length === 1, 20000, "first start");
    const first = starts(out)[0];
    assert.equal(first.credential.secret, secrets[0]);
    assert.equal(first.credential.generation, 1);
    assert.equal(first.stdin_closed, true, "stdin is closed after the line");
    assert.equal(first.extra_stdin, "");
    // Never on the command line or in the environment.
    assert.ok(!JSON.stringify(first.args).includes(secrets[0]));
    assert.ok(!JSON.stringify(first.env).includes(secrets[0]));
    // Nor the controller's own environment (its provider keys).
    assert.equal(first.env.FALCON_TEST_CONTROLLER_KEY, undefined);
    assert.equal(first.env.STAND_IN_MODE, "family");
    assert.equal(first.env.FALCON_PARENT_PID, String(Deno.pid));
    const cmdline = Deno.readTextFileSync(`/proc/${first.pid}/cmdline`);
    assert.ok(!cmdline.includes(secrets[0]));
    await until(() => l.status(AGENT)?.state === "running", 5000, "running");
    assert.deepEqual(l.list(), [AGENT]);

    // kill -9: restarted after the backoff, with a new credential.
    const killedAt = Date.now();
    Deno.kill(first.pid, "SIGKILL");
    await until(() => starts(out).length === 2, 20000, "restart");
    const second = starts(out)[1];
    assert.ok(Date.now() - killedAt >= 300, "waited for the backoff");
    assert.equal(second.credential.generation, 2);
    assert.notEqual(second.credential.secret, first.credential.secret);
    assert.notEqual(second.pid, first.pid);
    const s = l.status(AGENT)!;
    assert.equal(s.restarts, 1);
    assert.equal(s.last_exit?.signal, "SIGKILL");
    assert.equal(exits.length, 1);

    // stop: the agent and its own child are gone.
    assert.ok(alive(second.pid) && alive(second.grandchild!));
    await l.stop(AGENT, { graceMs: 2000 });
    assert.equal(alive(second.pid), false);
    await until(() => !alive(second.grandchild!), 3000, "grandchild gone");
    assert.equal(l.status(AGENT)?.state, "stopped");
    assert.deepEqual(l.list(), []);
    // The first start's own child went with its group after the kill -9.
    assert.equal(alive(first.grandchild!), false);
  } finally {
    Deno.env.delete("FALCON_TEST_CONTROLLER_KEY");
    await l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local launcher: SIGKILL after the grace when SIGTERM is ignored; close() leaves no process", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/starts.jsonl`;
  const { l, spec } = launcher("stubborn", out);
  const other = launcher("sleep", `${dir}/other.jsonl`);
  try {
    l.start(spec);
    other.l.start({ ...other.spec });
    await until(
      () => starts(out).length === 1 && starts(`${dir}/other.jsonl`).length > 0,
      20000,
      "both started",
    );
    const pid = starts(out)[0].pid;
    const otherPid = starts(`${dir}/other.jsonl`)[0].pid;
    const t0 = Date.now();
    await l.close({ graceMs: 700 });
    assert.ok(Date.now() - t0 >= 650, "it waited for the grace");
    assert.equal(alive(pid), false);
    assert.equal(l.status(AGENT)?.last_exit?.signal, "SIGKILL");
    await other.l.close();
    assert.equal(alive(otherPid), false);
  } finally {
    await l.close();
    await other.l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local launcher: a crashing agent backs off; its stderr tail is kept, redacted", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/starts.jsonl`;
  const { l, spec } = launcher("crash", out);
  try {
    l.start(spec);
    await until(() => starts(out).length >= 2, 20000, "two attempts");
    await until(() => l.status(AGENT)?.last_exit !== null, 5000, "an exit");
    const s = l.status(AGENT)!;
    assert.equal(s.last_exit?.code, 3);
    assert.match(s.last_exit!.stderr_tail, /giving up/);
    assert.ok(!s.last_exit!.stderr_tail.includes("hunter2"), "redacted");
    assert.ok(s.restarts >= 1);
    assert.ok(["restarting", "starting", "running"].includes(s.state));
  } finally {
    await l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("local launcher: a command that cannot start is failed, with the reason", async () => {
  const l = new LocalLauncher({
    command: ["/nonexistent/falcon-agent"],
    backoff: { initialMs: 5000 },
    echoStderr: false,
  });
  try {
    l.start({
      agentId: AGENT,
      name: "x",
      credential: () =>
        Promise.resolve({
          agent_id: AGENT,
          controller_url: "http://127.0.0.1:1",
          secret: "s".repeat(40),
          generation: 1,
        }),
    });
    await until(() => l.status(AGENT)?.state === "failed", 5000, "failed");
    assert.match(l.status(AGENT)!.message!, /could not start/);
  } finally {
    await l.close();
  }
});
