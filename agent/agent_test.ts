/**
 * `falcon agent` end to end: the real `deno run -A main.ts agent` as a child
 * process, against a fake controller (tests/support/fake_agent_controller.ts,
 * which checks every request against lib/agent_protocol.ts and forwards
 * model calls to the fake LLMs like the real gateway), on both wires.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  AGENT_LAUNCH,
  type TurnEvent,
  type TurnJob,
} from "../lib/agent_protocol.ts";
import {
  type FakeAgentController,
  startFakeAgentController,
} from "../tests/support/fake_agent_controller.ts";
import {
  type FakeLlm,
  jpegInfo,
  probeImage,
  startFakeAnthropic,
  startFakeOpenAI,
} from "../tests/support/fake_llm/mod.ts";
import { makeJpegs } from "../tests/support/http_camera.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const JPEG = (await makeJpegs("160x120", 1))[0];
const WIRES = ["openai", "anthropic"] as const;
type Wire = typeof WIRES[number];

const ANALYZE = {
  name: "analyze_camera",
  description: "Looks at a camera and returns a frame.",
  category: "cameras" as const,
  parameters: {
    type: "object",
    properties: { camera: { type: "string", description: "camera name" } },
    required: ["camera"],
    additionalProperties: false,
  },
  writes: false,
};

interface AgentProc {
  child: Deno.ChildProcess;
  stderr: () => string;
  exited: Promise<Deno.CommandStatus>;
  stop(): Promise<void>;
}

/** Starts `falcon agent` with `credential` as its stdin line. */
function startAgent(
  credential: unknown,
  env: Record<string, string> = {},
  flags: string[] = [],
): AgentProc {
  const child = new Deno.Command(Deno.execPath(), {
    // Started as the launcher starts it (lib/agent_protocol.ts AGENT_LAUNCH).
    args: [
      "run",
      "-A",
      ...AGENT_LAUNCH.denoFlags,
      "main.ts",
      "agent",
      "--log-level",
      "debug",
      ...flags,
    ],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...AGENT_LAUNCH.env, ...env },
  }).spawn();
  const w = child.stdin.getWriter();
  const line = credential === null ? "" : JSON.stringify(credential) + "\n";
  w.write(new TextEncoder().encode(line)).then(() => w.close()).catch(() => {});
  let err = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>, keep: boolean) => {
    for await (const c of s) if (keep) err += dec.decode(c);
  };
  const io = Promise.all([
    drain(child.stderr, true),
    drain(child.stdout, false),
  ]);
  const exited = child.status.then(async (s) => (await io, s));
  return {
    child,
    stderr: () => err,
    exited,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await exited;
    },
  };
}

function credentialOf(ctrl: FakeAgentController, secret = ctrl.secret) {
  return {
    agent_id: ctrl.agentId,
    controller_url: ctrl.url,
    secret,
    generation: 1,
  };
}

function job(
  ctrl: FakeAgentController,
  wire: Wire,
  over: Partial<TurnJob["agent"]> & { lease_s?: number } = {},
): Omit<TurnJob, "turn_id" | "session_id"> {
  const { lease_s, ...agent } = over;
  return {
    lease_s: lease_s ?? 30,
    agent: {
      id: ctrl.agentId,
      slug: "watcher",
      name: "Watcher",
      wire,
      model: wire === "openai" ? "gpt-test" : "claude-test",
      temperature: 0.3,
      max_tokens: 300,
      step_limit: 6,
      system_prompt: "You watch cameras.",
      llm_timeout_s: 20,
      tool_timeout_s: 10,
      ...agent,
    },
    tools: [ANALYZE],
    summary: null,
    messages: [
      { role: "user", content: "Hello", images: [] },
      { role: "assistant", content: "Hi, how can I help?", tool_calls: [] },
      {
        role: "user",
        content: "What is on the front camera?",
        images: [],
      },
    ],
  };
}

const isEnd = (e: TurnEvent) => e.type === "final" || e.type === "error";
type ErrorEvent = Extract<TurnEvent, { type: "error" }>;
type FinalEvent = Extract<TurnEvent, { type: "final" }>;

async function turnEnd(ctrl: FakeAgentController, turn: string, ms = 30_000) {
  return await ctrl.waitFor(turn, isEnd, ms);
}

async function expectError(
  ctrl: FakeAgentController,
  turn: string,
  kind: string,
): Promise<ErrorEvent> {
  const end = await turnEnd(ctrl, turn);
  assert.equal(end.type, "error", JSON.stringify(end));
  const e = end as ErrorEvent;
  assert.equal(e.error.kind, kind, JSON.stringify(e));
  assert.ok(!ctrl.events(turn).some((x) => x.type === "final"), "no final");
  return e;
}

for (const wire of WIRES) {
  Deno.test(`falcon agent (${wire}): turns through the gateway and the tool hub`, async (t) => {
    const llm: FakeLlm = wire === "openai"
      ? startFakeOpenAI({ apiKey: "sk-real-provider-key" })
      : startFakeAnthropic({ apiKey: "sk-real-provider-key" });
    const ctrl = startFakeAgentController({ llm: { [wire]: llm }, jpeg: JPEG });
    const agent = startAgent(credentialOf(ctrl));
    try {
      await t.step(
        "a tool call round trip: the model gets the tool's JPEG, tokens stream, final holds the messages",
        async () => {
          llm.script(
            {
              toolCalls: [{
                name: "analyze_camera",
                args: { camera: "front" },
              }],
            },
            {
              text: "The front camera shows a test pattern.",
              chunkSize: 5,
              chunkDelayMs: 30,
            },
          );
          const turn = ctrl.enqueue(job(ctrl, wire));
          const end = await turnEnd(ctrl, turn, 60_000);
          assert.equal(end.type, "final", JSON.stringify(end));
          const final = end as FinalEvent;
          assert.equal(final.text, "The front camera shows a test pattern.");
          const events = ctrl.events(turn);
          assert.deepEqual(
            events.map((e) => e.seq),
            events.map((_, i) => i + 1),
          );
          const types = events.map((e) => e.type);
          const start = events.find((e) => e.type === "tool_start")!;
          const toolEnd = events.find((e) => e.type === "tool_end")!;
          assert.ok(start.type === "tool_start" && toolEnd.type === "tool_end");
          assert.deepEqual(start.args, { camera: "front" });
          assert.equal(start.name, "analyze_camera");
          assert.equal(toolEnd.call_id, start.call_id);
          assert.equal(toolEnd.error, null);
          assert.match(
            toolEnd.summary!,
            /^1 frame of front\nimage: \/api\/files\/read\/snapshots\/front\.jpg/,
          );
          // Tokens came as token events, more than one post, before the final.
          const tokens = events.filter((e) => e.type === "token");
          assert.equal(
            tokens.map((e) => e.type === "token" ? e.text : "").join(""),
            final.text,
          );
          assert.ok(types.lastIndexOf("token") < types.indexOf("final"));
          const postsWithTokens = ctrl.posts.filter((p) =>
            p.turnId === turn && p.events.some((e) => e.type === "token")
          );
          assert.ok(
            postsWithTokens.length >= 2,
            "tokens streamed in several batches",
          );
          // final.messages: the assistant's call, the tool's text, the answer.
          assert.deepEqual(final.messages.map((m) => m.role), [
            "assistant",
            "tool",
            "assistant",
          ]);
          const [call, result, answer] = final.messages;
          assert.ok(
            call.role === "assistant" && result.role === "tool" &&
              answer.role === "assistant",
          );
          assert.equal(call.tool_calls[0].name, "analyze_camera");
          assert.deepEqual(call.tool_calls[0].args, { camera: "front" });
          assert.equal(call.tool_calls[0].id, start.call_id);
          assert.equal(result.tool_call_id, start.call_id);
          assert.equal(result.content, "One frame of camera front, attached.");
          assert.equal(answer.content, final.text);
          // The tool hub call.
          const hub = ctrl.toolCalls.at(-1)!;
          assert.equal(hub.auth, `Bearer ${ctrl.secret}`);
          assert.deepEqual(hub.body, {
            tool: "analyze_camera",
            arguments: { camera: "front" },
            turn_id: turn,
            call_id: start.call_id,
          });
          // What the model received, through the gateway.
          const [first, second] = llm.requests.slice(-2);
          for (const r of [first, second]) {
            assert.equal(r.headers["x-falcon-turn"], turn);
            assert.equal(
              r.model,
              wire === "openai" ? "gpt-test" : "claude-test",
            );
            assert.equal(r.temperature, 0.3);
            assert.equal(r.maxTokens, 300);
            assert.equal(r.stream, true);
            assert.equal(r.system, "You watch cameras.");
            assert.deepEqual(
              r.tools.map((x) => [x.name, x.parameters.required]),
              [["analyze_camera", ["camera"]]],
            );
          }
          if (wire === "openai") assert.equal(first.includeUsage, true);
          assert.equal(first.lastUserText, "What is on the front camera?");
          assert.equal(first.images.length, 0);
          assert.equal(second.images.length, 1);
          const img = second.images[0];
          assert.equal(img.where, wire === "openai" ? "user" : "tool_result");
          assert.equal(img.mime, "image/jpeg");
          assert.deepEqual(jpegInfo(img.bytes), { width: 160, height: 120 });
          assert.deepEqual(await probeImage(img.bytes), {
            codec: "mjpeg",
            width: 160,
            height: 120,
          });
          assert.equal(second.toolResults.length, 1);
          assert.match(
            second.toolResults[0].text,
            /^One frame of camera front, attached\./,
          );
          if (wire === "anthropic") {
            // The caption is a text block beside the image inside the tool_result.
            assert.match(
              second.toolResults[0].text,
              /front 2026-12-07T10:00:00Z$/,
            );
          } else {
            // The image follows the tool result as a user message, with its caption.
            assert.match(second.lastUserText, /front 2026-12-07T10:00:00Z/);
            assert.equal(second.lastRole, "user");
          }
        },
      );

      await t.step(
        "a failing tool: the model reads the error and answers",
        async () => {
          ctrl.toolPlan = {
            error: {
              status: 404,
              code: "not_found",
              message: "camera backyard: no such camera",
            },
          };
          llm.script(
            {
              toolCalls: [{
                name: "analyze_camera",
                args: { camera: "backyard" },
              }],
            },
            { text: "There is no backyard camera." },
          );
          const turn = ctrl.enqueue(job(ctrl, wire));
          const end = await turnEnd(ctrl, turn);
          ctrl.toolPlan = {};
          assert.equal(end.type, "final", JSON.stringify(end));
          const te = ctrl.events(turn).find((e) => e.type === "tool_end");
          assert.ok(te?.type === "tool_end");
          assert.equal(te.error, "camera backyard: no such camera");
          assert.equal(te.summary, null);
          assert.match(
            llm.requests.at(-1)!.toolResults[0].text,
            /camera backyard: no such camera/,
          );
        },
      );

      await t.step("the step limit ends the turn with kind steps", async () => {
        llm.respond = () => ({
          toolCalls: [{ name: "analyze_camera", args: { camera: "front" } }],
        });
        const before = llm.requests.length;
        const turn = ctrl.enqueue(job(ctrl, wire, { step_limit: 2 }));
        const e = await expectError(ctrl, turn, "steps");
        llm.respond = undefined;
        assert.match(e.error.message, /stopped after 2 steps/);
        assert.equal(llm.requests.length - before, 2, "two model calls");
      });

      await t.step(
        "provider 401: provider_auth, no retry, no final",
        async () => {
          llm.script({ error: { status: 401 } });
          const before = llm.requests.length;
          const turn = ctrl.enqueue(job(ctrl, wire));
          const e = await expectError(ctrl, turn, "provider_auth");
          assert.match(e.error.message, /401/);
          assert.equal(llm.requests.length - before, 1);
        },
      );

      await t.step("provider 400: provider_bad_request", async () => {
        llm.script({
          error: { status: 400, message: "max_tokens is too large" },
        });
        const turn = ctrl.enqueue(job(ctrl, wire));
        const e = await expectError(ctrl, turn, "provider_bad_request");
        assert.match(e.error.message, /max_tokens is too large/);
      });

      await t.step(
        "429 with retry-after: waited for, then answered",
        async () => {
          llm.script({ error: { status: 429, retryAfterS: 1 } }, {
            text: "Back.",
          });
          const before = llm.requests.length;
          const turn = ctrl.enqueue(job(ctrl, wire));
          const end = await turnEnd(ctrl, turn);
          assert.equal(end.type, "final", JSON.stringify(end));
          const [a, b] = llm.requests.slice(before);
          assert.ok(b.at - a.at >= 950, `retried after ${b.at - a.at} ms`);
        },
      );

      await t.step(
        "429 three times: provider_rate_limit with retry_after_s, after two retries",
        async () => {
          llm.script(
            { error: { status: 429, retryAfterS: 0 } },
            { error: { status: 429, retryAfterS: 0 } },
            { error: { status: 429, retryAfterS: 0 } },
          );
          const before = llm.requests.length;
          const turn = ctrl.enqueue(job(ctrl, wire));
          const e = await expectError(ctrl, turn, "provider_rate_limit");
          assert.equal(e.error.retry_after_s, 0);
          assert.equal(llm.requests.length - before, 3);
        },
      );

      await t.step(
        "a 429 retry-after over 30 s is not waited for",
        async () => {
          llm.script({ error: { status: 429, retryAfterS: 120 } });
          const turn = ctrl.enqueue(job(ctrl, wire));
          const e = await expectError(ctrl, turn, "provider_rate_limit");
          assert.equal(e.error.retry_after_s, 120);
        },
      );

      await t.step(
        "the gateway's tokens_per_day 429: kind tokens_per_day, no retry",
        async () => {
          ctrl.gatewayReply = new Response(
            JSON.stringify({
              error: {
                code: "tokens_per_day",
                message: "200000 tokens used today",
              },
            }),
            {
              status: 429,
              headers: {
                "content-type": "application/json",
                "retry-after": "3600",
              },
            },
          );
          const before = llm.requests.length;
          const turn = ctrl.enqueue(job(ctrl, wire));
          const e = await expectError(ctrl, turn, "tokens_per_day");
          assert.match(e.error.message, /200000 tokens used today/);
          assert.equal(llm.requests.length, before);
          assert.equal(ctrl.gatewayReply, null);
        },
      );

      await t.step(
        "the LLM timeout ends the turn with llm_timeout",
        async () => {
          llm.script({ text: "too late", firstTokenDelayMs: 4000 });
          const turn = ctrl.enqueue(job(ctrl, wire, { llm_timeout_s: 1 }));
          const e = await expectError(ctrl, turn, "llm_timeout");
          assert.match(e.error.message, /within 1 s/);
        },
      );

      await t.step(
        "empty batches keep the lease during a slow tool",
        async () => {
          ctrl.toolPlan = { delayMs: 2200 };
          llm.script(
            {
              toolCalls: [{
                name: "analyze_camera",
                args: { camera: "front" },
              }],
            },
            { text: "Done." },
          );
          const turn = ctrl.enqueue(job(ctrl, wire, { lease_s: 1.5 }));
          const end = await turnEnd(ctrl, turn);
          ctrl.toolPlan = {};
          assert.equal(end.type, "final", JSON.stringify(end));
          const call = ctrl.toolCalls.at(-1)!;
          const during = ctrl.posts.filter((p) =>
            p.turnId === turn && p.at > call.at + 100 && p.at < call.at + 2200
          );
          assert.ok(
            during.length >= 3,
            `${during.length} posts during the tool`,
          );
          assert.ok(during.every((p) => p.events.length === 0));
          const gaps = ctrl.posts.filter((p) => p.turnId === turn).map((p) =>
            p.at
          )
            .map((at, i, all) => i ? at - all[i - 1] : 0);
          // At least every lease_s / 3 (500 ms), with slack for a loaded machine.
          assert.ok(
            Math.max(...gaps) <= 600,
            `longest gap ${Math.max(...gaps)} ms`,
          );
        },
      );

      await t.step(
        "a tool that does not answer within the tool timeout: tool_timeout",
        async () => {
          ctrl.toolPlan = { delayMs: 2500 };
          llm.script({
            toolCalls: [{ name: "analyze_camera", args: { camera: "front" } }],
          });
          const turn = ctrl.enqueue(job(ctrl, wire, { tool_timeout_s: 1 }));
          const e = await expectError(ctrl, turn, "tool_timeout");
          ctrl.toolPlan = {};
          assert.match(
            e.error.message,
            /analyze_camera did not answer within 1 s/,
          );
          const te = ctrl.events(turn).find((x) => x.type === "tool_end");
          assert.ok(te?.type === "tool_end" && te.error);
          await new Promise((r) => setTimeout(r, 1600)); // the slow tool call ends
        },
      );

      await t.step(
        "a cancelled ack aborts the turn; the next turn runs",
        async () => {
          llm.script({
            text: "word ".repeat(200),
            chunkSize: 5,
            chunkDelayMs: 40,
          });
          const turn = ctrl.enqueue(job(ctrl, wire));
          await ctrl.waitFor(turn, (e) => e.type === "token");
          ctrl.cancel(turn);
          const n = llm.requests.length;
          llm.script({ text: "Next answer." });
          const next = ctrl.enqueue(job(ctrl, wire));
          const end = await turnEnd(ctrl, next);
          assert.equal(end.type, "final");
          assert.equal(llm.requests.length, n + 1);
          const events = ctrl.events(turn);
          assert.ok(
            !events.some(isEnd),
            "the cancelled turn posts no final or error",
          );
          const tokens = events.filter((e) => e.type === "token")
            .map((e) => e.type === "token" ? e.text : "").join("");
          assert.ok(
            tokens.length < 1000,
            `stopped streaming (${tokens.length} chars)`,
          );
        },
      );

      assert.deepEqual(ctrl.violations, []);
      // LangChain never reached for the network itself (tiktoken ranks, tracing).
      assert.doesNotMatch(
        agent.stderr(),
        /tiktoken|Failed to calculate|langsmith/i,
      );
    } finally {
      await agent.stop();
      await ctrl.close();
      await llm.close();
    }
  });
}

Deno.test("falcon agent: SIGTERM mid-turn posts agent_stopped and exits within 2 s", async () => {
  const llm = startFakeAnthropic();
  const ctrl = startFakeAgentController({
    llm: { anthropic: llm },
    jpeg: JPEG,
  });
  const agent = startAgent(credentialOf(ctrl));
  try {
    llm.script({ text: "word ".repeat(300), chunkSize: 5, chunkDelayMs: 40 });
    const turn = ctrl.enqueue(job(ctrl, "anthropic"));
    await ctrl.waitFor(turn, (e) => e.type === "token", 30_000);
    const t0 = Date.now();
    agent.child.kill("SIGTERM");
    const status = await agent.exited;
    const ms = Date.now() - t0;
    assert.ok(ms < 2000, `exited after ${ms} ms`);
    assert.equal(status.code, 0, agent.stderr());
    const end = ctrl.events(turn).find(isEnd);
    assert.equal(end?.type, "error");
    assert.equal((end as ErrorEvent).error.kind, "agent_stopped");
    assert.deepEqual(ctrl.violations, []);
  } finally {
    await agent.stop();
    await ctrl.close();
    await llm.close();
  }
});

Deno.test("falcon agent: a rejected or revoked credential exits non-zero with a clear message", async () => {
  const llm = startFakeOpenAI();
  const ctrl = startFakeAgentController({ llm: { openai: llm }, jpeg: JPEG });
  try {
    const wrong = startAgent(credentialOf(ctrl, "x".repeat(64)));
    const s1 = await wrong.exited;
    assert.notEqual(s1.code, 0);
    assert.match(
      wrong.stderr(),
      /rejected this agent's credential \(401 on turns\/next\)/,
    );
    assert.ok(
      !wrong.stderr().includes("x".repeat(64)),
      "the secret is not printed",
    );

    // From a file (a Kubernetes Secret), with nothing on stdin.
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/credential.json`,
      JSON.stringify(credentialOf(ctrl)),
    );
    const fromFile = startAgent(null, {}, [
      "--credential-file",
      `${dir}/credential.json`,
    ]);
    try {
      llm.script({ text: "From the file." });
      const turn = ctrl.enqueue(job(ctrl, "openai"));
      const end = await turnEnd(ctrl, turn);
      assert.equal(end.type, "final", JSON.stringify(end));
    } finally {
      await fromFile.stop();
      await Deno.remove(dir, { recursive: true });
    }

    const ok = startAgent(credentialOf(ctrl));
    const deadline = Date.now() + 20_000;
    while (ctrl.waiting() === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ctrl.waiting(), 1, "the agent is polling");
    ctrl.revoke();
    const s2 = await ok.exited;
    assert.notEqual(s2.code, 0);
    assert.match(ok.stderr(), /rejected this agent's credential/);
    assert.ok(!ok.stderr().includes(ctrl.secret), "the secret is not printed");

    const bad = startAgent({ ...credentialOf(ctrl), secret: "short" });
    const s3 = await bad.exited;
    assert.notEqual(s3.code, 0);
    assert.match(bad.stderr(), /credential from stdin is invalid: secret/);
  } finally {
    await ctrl.close();
    await llm.close();
  }
});

/** Resident set of a process, MB (VmRSS). */
function rssMb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
}

Deno.test("falcon agent: idle RSS before any turn and after one (lazy LangChain, trimmed when idle)", async () => {
  const llm = startFakeOpenAI();
  const ctrl = startFakeAgentController({ llm: { openai: llm }, jpeg: JPEG });
  const agent = startAgent(credentialOf(ctrl));
  const idle = () => new Promise((r) => setTimeout(r, 3800)); // past the 3 s trim
  try {
    const deadline = Date.now() + 20_000;
    while (ctrl.waiting() === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await idle();
    const before = rssMb(agent.child.pid);
    for (let i = 0; i < 2; i++) {
      llm.script(
        { toolCalls: [{ name: "analyze_camera", args: { camera: "front" } }] },
        { text: "A test pattern. ".repeat(30), chunkSize: 4 },
      );
      const turn = ctrl.enqueue(job(ctrl, "openai"));
      assert.equal((await turnEnd(ctrl, turn, 60_000)).type, "final");
      await idle();
    }
    const after = rssMb(agent.child.pid);
    console.log(
      `idle agent RSS: ${before} MB before any turn, ${after} MB after turns`,
    );
    // Regression guards (the target is 80 MB, agent/README.md has the figures).
    assert.ok(before <= 75, `${before} MB before any turn`);
    assert.ok(after <= 100, `${after} MB after turns`);
    assert.deepEqual(ctrl.violations, []);
  } finally {
    await agent.stop();
    await ctrl.close();
    await llm.close();
  }
});
