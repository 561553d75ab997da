/**
 * `falcon up` with a provider key in the environment: the main agent is made
 * on first run and its `falcon agent` process started, with nothing secret on
 * its command line or in its environment; Ctrl-C (SIGINT) leaves no process
 * behind — not the agent, not the node agent, not ffmpeg.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/ports.ts";
import { descendantPids } from "../support/processes.ts";
import { eventually, setupAdmin } from "../support/stack.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const KEY = "sk-up-test-key-0123456789abcdef";

function cmdline(pid: number): string[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0")
      .filter(Boolean);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "falcon up: the main agent's process runs, holds no key, and Ctrl-C stops it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "falcon-up-agents-" });
    const port = await freePort();
    const up = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "up",
        "--port",
        String(port),
        "--data-dir",
        dataDir,
        "--log-level",
        "warn",
      ],
      env: { FALCON_OPENAI_API_KEY: KEY },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    const collect = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of s) {
        output += dec.decode(chunk, { stream: true });
      }
    };
    const reading = Promise.all([collect(up.stdout), collect(up.stderr)]);
    try {
      await eventually(
        () => /\/setup\?token=\S+/.test(output),
        20000,
        "the setup link",
      );
      const base = `http://127.0.0.1:${port}`;
      const token = await setupAdmin(
        base,
        /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)![1],
      );
      const { agents } = await (await fetch(`${base}/api/agents`, {
        headers: { authorization: `Bearer ${token}` },
      })).json();
      assert.equal(agents.length, 1);
      assert.equal(agents[0].slug, "main");
      assert.equal(agents[0].provider, "openai");

      let agentPid = 0;
      await eventually(
        () => {
          agentPid = descendantPids(up.pid).find((pid) => {
            const argv = cmdline(pid);
            return argv.at(-2)?.endsWith("main.ts") && argv.at(-1) === "agent";
          }) ?? 0;
          return agentPid > 0;
        },
        20000,
        "the falcon agent process",
      ).catch((e) => {
        throw new Error(
          `${e.message}; processes: ${
            JSON.stringify(descendantPids(up.pid).map(cmdline))
          }`,
        );
      });
      // Its credential came on stdin: neither its argv nor its environment
      // holds a secret, and the controller's key did not leak into it.
      const environ = Deno.readTextFileSync(`/proc/${agentPid}/environ`);
      assert.ok(!environ.includes(KEY), "the provider key is not inherited");
      assert.ok(!environ.includes("FALCON_OPENAI_API_KEY"));
      assert.ok(!cmdline(agentPid).join(" ").includes(KEY));
      const family = descendantPids(up.pid);
      assert.ok(family.includes(agentPid));
      // Nor does the node agent get it.
      for (const pid of family.filter((p) => p !== up.pid)) {
        let env = "";
        try {
          env = Deno.readTextFileSync(`/proc/${pid}/environ`);
        } catch { /* gone */ }
        assert.ok(
          !env.includes(KEY),
          `pid ${pid} holds the key in its environment`,
        );
      }

      up.kill("SIGINT");
      const status = await up.status;
      assert.equal(status.success, true, `exit code ${status.code}`);
      await eventually(
        () => family.every((pid) => !alive(pid)),
        10000,
        "every child process to exit",
      );
      assert.ok(!output.includes(KEY), "the key was never printed");
    } finally {
      try {
        up.kill("SIGKILL");
      } catch { /* exited */ }
      await up.status;
      await reading.catch(() => {});
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
