/**
 * The quick start as a new user runs it: `falcon up` from a clean data dir
 * shows the demo camera live within 15 s, and Ctrl-C (SIGINT) leaves no
 * process behind.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { freePort } from "../support/ports.ts";
import { descendantPids } from "../support/processes.ts";
import { eventually, readFrames, setupAdmin } from "../support/stack.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function startUp(port: number, dataDir: string) {
  return new Deno.Command(Deno.execPath(), {
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
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

Deno.test({
  name: "falcon up: demo camera live within 15 s; Ctrl-C stops every process",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "falcon-up-" });
    const port = await freePort();
    const started = Date.now();
    const up = startUp(port, dataDir);
    let token = "";
    let output = "";
    const reading = up.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (s) => void (output += s) }),
    );
    try {
      await eventually(
        () => output.includes(`http://127.0.0.1:${port}`),
        15000,
        "the URL to be printed",
      );
      const base = `http://127.0.0.1:${port}`;
      // First run: no default password; the dashboard leads to setup, the console shows the one-time link.
      const first = await fetch(base, { redirect: "manual" });
      await first.body?.cancel();
      assert.equal(first.status, 303);
      assert.equal(first.headers.get("location"), "/setup");
      const anonymous = await fetch(`${base}/api/cameras`);
      await anonymous.body?.cancel();
      assert.equal(anonymous.status, 401);
      await eventually(
        () => /\/setup\?token=\S+/.test(output),
        5000,
        "the setup link",
      );
      const setupUrl = /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)![1];
      token = await setupAdmin(base, setupUrl);
      const auth = { authorization: `Bearer ${token}` };
      let cameras: { id: string; name: string; protocol: string }[] = [];
      await eventually(
        async () => {
          cameras =
            (await (await fetch(`${base}/api/cameras`, { headers: auth }))
              .json()).cameras;
          return cameras.length === 1 &&
            (cameras[0] as { status?: string }).status === "online";
        },
        15000,
        "the demo camera",
      );
      assert.equal(cameras[0].protocol, "demo");
      const frames = await readFrames(
        `${base}/api/cameras/${cameras[0].id}/stream`,
        { count: 3, timeoutMs: 10000, headers: auth },
      );
      assert.ok(
        frames.length === 3 && frames.every(isJpeg),
        "live frames from the demo camera",
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 15000, `demo camera live after ${elapsed} ms`);
      // With zero configuration the local node enrolled itself: its own
      // credential, readable by this user only, and enrolled on the Nodes list.
      const credential = await Deno.stat(
        `${dataDir}/node/${Deno.hostname()}/credential.json`,
      );
      assert.equal(credential.mode! & 0o777, 0o600);
      const nodes = (await (await fetch(`${base}/api/nodes`, { headers: auth }))
        .json()).nodes;
      assert.ok(
        nodes.length === 1 && nodes[0].enrolled_at,
        JSON.stringify(nodes),
      );

      const family = descendantPids(up.pid);
      assert.ok(
        family.length >= 3,
        `up, node agent and ffmpeg run (${family.length} processes)`,
      );
      up.kill("SIGINT");
      const status = await up.status;
      assert.equal(
        status.success,
        true,
        `falcon up exited cleanly (code ${status.code})`,
      );
      await eventually(
        () => family.every((pid) => !alive(pid)),
        10000,
        "every child process to exit",
      );
    } finally {
      try {
        up.kill("SIGKILL");
      } catch { /* already exited */ }
      await up.status;
      await reading.catch(() => {});
    }

    // A second start keeps the user's choices: no second demo camera.
    const up2 = startUp(port, dataDir);
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(
        async () => {
          try {
            return (await fetch(`${base}/healthz`)).ok;
          } catch {
            return false;
          }
        },
        15000,
        "the second start",
      );
      const { total } = await (await fetch(`${base}/api/cameras`, {
        headers: { authorization: `Bearer ${token}` },
      })).json();
      assert.equal(total, 1);
    } finally {
      up2.kill("SIGINT");
      await up2.status;
      await up2.stdout.cancel();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
