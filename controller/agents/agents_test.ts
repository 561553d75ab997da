/**
 * Agents end to end on one stack (embedded database): the main agent made
 * once from a key in a file and never reset, its process started with a
 * stand-in agent command; /api/agents CRUD with field-naming 400s and 409s;
 * shared providers and their check against a small upstream; keys never in
 * an answer, an audit entry or a log line; credentials rotating on restart;
 * the provider gateway (forwarding, model refusal, usage, tokens_per_day,
 * timeout, errors passed through); `agent` SSE events; nothing left running
 * after the controller closed.
 */
import assert from "node:assert/strict";
import type { ToolInfo } from "../../lib/api/tools.ts";
import { configureLog } from "../../lib/log.ts";
import { eventually, startStack } from "../../tests/support/stack.ts";
import { MAIN_AGENT_TOOLS } from "./service.ts";
import { startUpstream } from "./testdata/upstream.ts";

const STAND_IN = new URL("./testdata/stand_in_agent.ts", import.meta.url)
  .pathname;
const OPENAI_KEY = "sk-test-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef";
const OWN_KEY = "sk-own-agent-key-9876543210";

const TOOLS: ToolInfo[] = [...MAIN_AGENT_TOOLS, "send_recording"].map((
  name,
) => ({
  name,
  description: `the ${name} tool`,
  category: "cameras",
  parameters: { type: "object" },
  writes: name.includes("recording") && !name.startsWith("list"),
}));
const catalog = {
  infos: (names?: string[]) =>
    names ? TOOLS.filter((t) => names.includes(t.name)) : TOOLS,
  has: (n: string) => TOOLS.some((t) => t.name === n),
};

interface Started {
  pid: number;
  credential: { agent_id: string; secret: string; generation: number };
}
const starts = (file: string): Started[] => {
  try {
    return Deno.readTextFileSync(file).trim().split("\n").filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
};
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
};

Deno.test({
  name: "agents: main agent, CRUD, providers, keys, credentials, gateway",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir();
    const out = `${dir}/starts.jsonl`;
    const keyFile = `${dir}/openai.key`;
    await Deno.writeTextFile(keyFile, OPENAI_KEY + "\n");
    const upstream = startUpstream({
      openaiKeys: [OPENAI_KEY, OWN_KEY],
      anthropicKey: ANTHROPIC_KEY,
      slowMs: 7000,
    });
    const usage: [string | null, string, number, number][] = [];
    const stack = await startStack({
      controllerFlags: { "openai-api-key-file": keyFile },
      controllerOptions: {
        agentCommand: [
          Deno.execPath(),
          "run",
          "-A",
          "--no-lock",
          STAND_IN,
          `--out=${out}`,
        ],
        agentTools: {
          catalog,
          actionsOf: (names) =>
            new Set(names.includes("list_cameras") ? ["camera.list"] : []),
        },
      },
    });
    const lines: string[] = [];
    configureLog({ level: "debug", sink: (l) => lines.push(l) });
    const hook = () => {
      stack.controller.agentHooks.onUsage = (turn, agent, u) => {
        usage.push([turn, agent, u.prompt_tokens, u.completion_tokens]);
      };
    };
    hook();
    const answers: string[] = [];
    const api = async (
      path: string,
      init: RequestInit & { json?: unknown } = {},
    ) => {
      const res = await stack.api(path, init);
      const text = await res.text();
      answers.push(text);
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const events = await stack.events();
    try {
      let main: { id: string } & Record<string, unknown>;
      await t.step("the main agent was made at start and runs", async () => {
        const { body } = await api("/api/agents");
        assert.equal(body.total, 1);
        main = body.agents[0];
        assert.equal(main.slug, "main");
        assert.equal(main.is_main, true);
        assert.equal(main.provider, "openai");
        assert.equal(main.model, "gpt-4o-mini");
        assert.equal(main.desired, "running");
        assert.equal(main.has_api_key, false, "it uses the shared key");
        assert.deepEqual(main.tools, MAIN_AGENT_TOOLS);
        assert.match(String(main.system_prompt), /Falcon-Eye/);
        await eventually(() => starts(out).length === 1, 20000, "main starts");
        assert.equal(starts(out)[0].credential.agent_id, main.id);
        const { body: again } = await api(`/api/agents/${main.id}`);
        // No long poll came (a stand-in), so the process is still starting.
        assert.equal(again.status.state, "starting");
      });

      await t.step(
        "providers: the shared openai key is set, never shown",
        async () => {
          const { body } = await api("/api/providers");
          const openai = body.providers.find((p: { provider: string }) =>
            p.provider === "openai"
          );
          assert.deepEqual(
            { ...openai, updated_at: null },
            {
              provider: "openai",
              base_url: null,
              has_api_key: true,
              updated_at: null,
            },
          );
          const compat = await api("/api/providers/openai_compatible", {
            method: "PATCH",
            json: { api_key: "x-key" },
          });
          assert.equal(compat.status, 400);
          assert.equal(compat.body.error.field, "base_url");
          const set = await api("/api/providers/openai", {
            method: "PATCH",
            json: { base_url: `${upstream.url}/v1/` },
          });
          assert.equal(set.status, 200);
          assert.equal(set.body.base_url, `${upstream.url}/v1`);
          const unknown = await api("/api/providers/cohere", {
            method: "PATCH",
            json: {},
          });
          assert.equal(unknown.status, 400);
        },
      );

      await t.step(
        "providers: check lists models, and says what failed",
        async () => {
          const ok = await api("/api/providers/check", {
            method: "POST",
            json: { provider: "openai" },
          });
          assert.equal(ok.status, 200, JSON.stringify(ok.body));
          assert.deepEqual(ok.body.models, ["gpt-other", "gpt-test"]);
          const anth = await api("/api/providers/check", {
            method: "POST",
            json: {
              provider: "anthropic",
              base_url: `${upstream.url}/anth`,
              api_key: ANTHROPIC_KEY,
            },
          });
          assert.deepEqual(anth.body.models, ["claude-test"]);
          const refused = await api("/api/providers/check", {
            method: "POST",
            json: { provider: "openai", api_key: "sk-wrong-key-000" },
          });
          assert.equal(refused.status, 400);
          assert.equal(refused.body.error.field, "api_key");
          assert.match(
            refused.body.error.message,
            /the provider refused the key/i,
          );
          const gone = await api("/api/providers/check", {
            method: "POST",
            json: {
              provider: "openai_compatible",
              base_url: "http://user:hunter2pass@127.0.0.1:9/v1",
            },
          });
          assert.equal(gone.status, 502);
          assert.match(gone.body.error.message, /127\.0\.0\.1:9\/v1\/models/);
          assert.ok(!gone.body.error.message.includes("hunter2pass"));
          const noUrl = await api("/api/providers/check", {
            method: "POST",
            json: { provider: "openai_compatible" },
          });
          assert.equal(noUrl.status, 400);
          assert.equal(noUrl.body.error.field, "base_url");
        },
      );

      let scout: { id: string } & Record<string, unknown>;
      await t.step(
        "create: 400s name the field, 409 for a taken slug",
        async () => {
          const base = {
            name: "Scout",
            slug: "scout",
            provider: "openai",
            model: "gpt-test",
          };
          const bad: [Record<string, unknown>, string][] = [
            [{ ...base, temperature: 5 }, "temperature"],
            [{ ...base, slug: "Not A Slug" }, "slug"],
            [{ ...base, colour: "red" }, "colour"],
            [{ ...base, tools: ["list_cameras", "launch_rockets"] }, "tools"],
            [{ ...base, camera_ids: [crypto.randomUUID()] }, "camera_ids"],
            [{ ...base, provider: "openai_compatible" }, "base_url"],
            [
              { ...base, limits: { tokens_per_day: 5 } },
              "limits.tokens_per_day",
            ],
            [{ ...base, name: "" }, "name"],
          ];
          for (const [json, field] of bad) {
            const r = await api("/api/agents", { method: "POST", json });
            assert.equal(r.status, 400, `${field}: ${JSON.stringify(r.body)}`);
            assert.equal(r.body.error.field, field);
          }
          const r = await api("/api/agents", {
            method: "POST",
            json: {
              ...base,
              api_key: OWN_KEY,
              tools: ["list_cameras", "list_cameras", "system_info"],
              limits: { tokens_per_day: 1000 },
            },
          });
          assert.equal(r.status, 201, JSON.stringify(r.body));
          scout = r.body;
          assert.equal(scout.has_api_key, true);
          assert.ok(!("api_key" in scout));
          assert.deepEqual(scout.tools, ["list_cameras", "system_info"]);
          assert.deepEqual(scout.limits, {
            tokens_per_day: 1000,
            tool_timeout_s: 60,
            llm_timeout_s: 120,
          });
          assert.equal(scout.desired, "stopped");
          const dup = await api("/api/agents", { method: "POST", json: base });
          assert.equal(dup.status, 409);
          assert.equal(dup.body.error.field, "slug");
        },
      );

      await t.step("update, tools, delete; the main agent stays", async () => {
        const r = await api(`/api/agents/${scout.id}`, {
          method: "PATCH",
          json: { system_prompt: "Be brief.", context_window: 8192 },
        });
        assert.equal(r.status, 200);
        assert.equal(r.body.system_prompt, "Be brief.");
        assert.equal(r.body.has_api_key, true);
        const slug = await api(`/api/agents/${scout.id}`, {
          method: "PATCH",
          json: { slug: "other" },
        });
        assert.equal(slug.status, 400);
        assert.equal(slug.body.error.field, "slug");
        const tools = await api(`/api/agents/${scout.id}/tools`);
        assert.deepEqual(
          tools.body.tools.map((x: ToolInfo) => x.name),
          ["list_cameras", "system_info"],
        );
        const put = await api(`/api/agents/${scout.id}/tools`, {
          method: "PUT",
          json: { tools: ["list_cameras"] },
        });
        assert.deepEqual(put.body.tools.map((x: ToolInfo) => x.name), [
          "list_cameras",
        ]);
        const badPut = await api(`/api/agents/${scout.id}/tools`, {
          method: "PUT",
          json: { tools: ["nope"] },
        });
        assert.equal(badPut.status, 400);
        assert.match(badPut.body.error.message, /"nope"/);
        const delMain = await api(`/api/agents/${main.id}`, {
          method: "DELETE",
        });
        assert.equal(delMain.status, 409);
        assert.match(delMain.body.error.message, /main agent/);
        const temp = await api("/api/agents", {
          method: "POST",
          json: { name: "Temp", slug: "temp", provider: "openai", model: "m" },
        });
        const del = await api(`/api/agents/${temp.body.id}`, {
          method: "DELETE",
        });
        assert.equal(del.status, 200);
        assert.equal((await api(`/api/agents/${temp.body.id}`)).status, 404);
        await events.waitFor((e) =>
          e.event === "agent" && e.data.type === "deleted"
        );
      });

      let cred: Started["credential"];
      await t.step(
        "start: a process with its own credential; events",
        async () => {
          const r = await api(`/api/agents/${scout.id}/start`, {
            method: "POST",
          });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.desired, "running");
          await eventually(
            () => starts(out).some((s) => s.credential.agent_id === scout.id),
            20000,
            "scout started",
          );
          cred = starts(out).find((s) => s.credential.agent_id === scout.id)!
            .credential;
          assert.equal(cred.generation, 1);
          await events.waitFor((e) =>
            e.event === "agent" && e.data.type === "status" &&
            e.data.id === scout.id
          );
        },
      );

      const gw = (agentId: string, wire = "openai") =>
        `${stack.url}/internal/v1/agents/${agentId}/llm/${wire}`;
      const call = (url: string, secret: string, body: unknown, headers = {}) =>
        fetch(url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${secret}`,
            "content-type": "application/json",
            ...headers,
          },
          body: JSON.stringify(body),
        });

      await t.step(
        "gateway: forwards with the real key, refuses other models",
        async () => {
          const turn = crypto.randomUUID();
          const res = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            cred.secret,
            {
              model: "gpt-test",
              messages: [{ role: "user", content: "hi" }],
              stream: true,
            },
            { "x-falcon-turn": turn },
          );
          assert.equal(res.status, 200);
          const text = await res.text();
          assert.match(text, /Hello/);
          assert.match(text, /"usage"/, "usage asked for on the stream");
          assert.match(text, /\[DONE\]/);
          const seen = upstream.seen.at(-1)!;
          assert.equal(seen.path, "/v1/chat/completions");
          assert.equal(seen.headers.authorization, `Bearer ${OWN_KEY}`);
          assert.ok(!JSON.stringify(seen.headers).includes(cred.secret));
          assert.ok(!("x-falcon-turn" in seen.headers));
          assert.deepEqual(seen.body!.stream_options, { include_usage: true });
          await eventually(() => usage.length === 1, 3000, "usage reported");
          assert.deepEqual(usage[0], [turn, scout.id, 600, 500]);
          const { body } = await api(`/api/agents/${scout.id}`);
          assert.deepEqual(body.usage_today, {
            prompt_tokens: 600,
            completion_tokens: 500,
          });

          const other = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            cred.secret,
            { model: "gpt-4o", messages: [] },
          );
          assert.equal(other.status, 400);
          assert.equal((await other.json()).error.field, "model");
          const path = await call(
            `${gw(scout.id)}/v1/files`,
            cred.secret,
            { model: "gpt-test" },
          );
          assert.equal(path.status, 404);
          await path.body?.cancel();
          const wire = await call(
            `${gw(scout.id, "anthropic")}/v1/messages`,
            cred.secret,
            { model: "gpt-test" },
          );
          assert.equal(wire.status, 400);
          await wire.body?.cancel();
        },
      );

      await t.step(
        "gateway: over today's tokens → 429 tokens_per_day",
        async () => {
          // 1100 of 1000 used by the call above.
          const res = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            cred.secret,
            { model: "gpt-test", messages: [{ role: "user", content: "hi" }] },
          );
          assert.equal(res.status, 429);
          assert.equal((await res.json()).error.code, "tokens_per_day");
          assert.ok(Number(res.headers.get("retry-after")) > 0);
          await api(`/api/agents/${scout.id}`, {
            method: "PATCH",
            json: { limits: { tokens_per_day: 1_000_000, llm_timeout_s: 5 } },
          });
        },
      );

      await t.step(
        "gateway: errors pass through; a slow provider → 504",
        async () => {
          const busy = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            cred.secret,
            {
              model: "gpt-test",
              messages: [{ role: "user", content: "busy" }],
            },
          );
          assert.equal(busy.status, 429);
          assert.equal(busy.headers.get("retry-after"), "7");
          assert.equal((await busy.json()).error.message, "Rate limited");
          const t0 = Date.now();
          const slow = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            cred.secret,
            {
              model: "gpt-test",
              messages: [{ role: "user", content: "slow" }],
            },
          );
          assert.equal(slow.status, 504);
          assert.equal((await slow.json()).error.code, "timeout");
          assert.ok(Date.now() - t0 < 6900, "cut at llm_timeout_s");
          const big = await fetch(
            `${gw(scout.id)}/v1/chat/completions`,
            {
              method: "POST",
              headers: {
                authorization: `Bearer ${cred.secret}`,
                "content-type": "application/json",
              },
              body: JSON.stringify({
                model: "gpt-test",
                pad: "x".repeat(21 * 1024 * 1024),
              }),
            },
          );
          assert.equal(big.status, 413);
          await big.body?.cancel();
        },
      );

      await t.step(
        "gateway: Anthropic wire with x-api-key; usage from the stream",
        async () => {
          const r = await api("/api/agents", {
            method: "POST",
            json: {
              name: "Claude",
              slug: "claude",
              provider: "anthropic",
              model: "claude-test",
              base_url: `${upstream.url}/anth`,
              api_key: ANTHROPIC_KEY,
            },
          });
          const id = r.body.id;
          const minted = await stack.controller.agentCredentials.mint(id);
          const before = usage.length;
          const res = await fetch(`${gw(id, "anthropic")}/v1/messages`, {
            method: "POST",
            headers: {
              "x-api-key": minted.secret,
              "anthropic-version": "2023-06-01",
              "content-type": "application/json",
            },
            body: JSON.stringify({
              model: "claude-test",
              max_tokens: 10,
              stream: true,
              messages: [{ role: "user", content: "hi" }],
            }),
          });
          assert.equal(res.status, 200);
          assert.match(await res.text(), /message_delta/);
          const seen = upstream.seen.at(-1)!;
          assert.equal(seen.path, "/anth/v1/messages");
          assert.equal(seen.headers["x-api-key"], ANTHROPIC_KEY);
          assert.equal(seen.headers["anthropic-version"], "2023-06-01");
          await eventually(() => usage.length === before + 1, 3000, "usage");
          assert.deepEqual(usage.at(-1), [null, id, 30, 20]);
          await stack.controller.agentCredentials.revoke(id);
        },
      );

      await t.step(
        "credentials: another agent's → 403, none → 401, the old generation refused after a restart",
        async () => {
          const mainCred = starts(out).filter((s) =>
            s.credential.agent_id === main.id
          ).at(-1)!.credential;
          const foreign = await call(
            `${gw(scout.id)}/v1/chat/completions`,
            mainCred.secret,
            { model: "gpt-test", messages: [] },
          );
          assert.equal(foreign.status, 403);
          await foreign.body?.cancel();
          const none = await fetch(`${gw(scout.id)}/v1/models`);
          assert.equal(none.status, 401);
          await none.body?.cancel();
          const nodeWay = await fetch(`${gw(scout.id)}/v1/models`, {
            headers: { authorization: `Bearer ${stack.controller.joinToken}` },
          });
          assert.equal(nodeWay.status, 401);
          await nodeWay.body?.cancel();
          const r = await api(`/api/agents/${scout.id}/restart`, {
            method: "POST",
          });
          assert.equal(r.status, 200);
          await eventually(
            () =>
              starts(out).filter((s) => s.credential.agent_id === scout.id)
                .length === 2,
            20000,
            "scout restarted",
          );
          const fresh = starts(out).filter((s) =>
            s.credential.agent_id === scout.id
          )[1].credential;
          assert.equal(fresh.generation, 2);
          const old = await fetch(`${gw(scout.id)}/v1/models`, {
            headers: { authorization: `Bearer ${cred.secret}` },
          });
          assert.equal(old.status, 401);
          await old.body?.cancel();
          const ok = await fetch(`${gw(scout.id)}/v1/models/gpt-test`, {
            headers: { authorization: `Bearer ${fresh.secret}` },
          });
          // The upstream has no /models/{id}: its 404 passes through.
          assert.equal(ok.status, 404);
          await ok.body?.cancel();
          const api403 = await fetch(`${stack.url}/api/agents`, {
            headers: { authorization: `Bearer ${fresh.secret}` },
          });
          assert.equal(
            api403.status,
            401,
            "an agent credential is no user token",
          );
          await api403.body?.cancel();
        },
      );

      await t.step(
        "stop: the process ends and its credential dies",
        async () => {
          const pid = starts(out).filter((s) =>
            s.credential.agent_id === scout.id
          )[1].pid;
          const fresh = starts(out).filter((s) =>
            s.credential.agent_id === scout.id
          )[1].credential;
          const r = await api(`/api/agents/${scout.id}/stop`, {
            method: "POST",
          });
          assert.equal(r.body.desired, "stopped");
          assert.equal(r.body.status.state, "stopped");
          assert.equal(alive(pid), false);
          const dead = await fetch(`${gw(scout.id)}/v1/models`, {
            headers: { authorization: `Bearer ${fresh.secret}` },
          });
          assert.equal(dead.status, 401);
          await dead.body?.cancel();
        },
      );

      await t.step(
        "keys are in no answer, audit entry or log line",
        async () => {
          const audit = await api("/api/audit?limit=100");
          const actions = audit.body.entries.map((e: { action: string }) =>
            e.action
          );
          for (
            const a of [
              "agent.create",
              "agent.update",
              "agent.start",
              "provider.update",
            ]
          ) {
            assert.ok(actions.includes(a), `audited: ${a}`);
          }
          const create = audit.body.entries.find((
            e: { action: string; target: string },
          ) => e.action === "agent.create" && e.target === scout.id);
          assert.equal(create.details.api_key, "set");
          const all = [...answers, ...lines].join("\n");
          assert.ok(lines.length > 0, "log lines were captured");
          for (const key of [OPENAI_KEY, OWN_KEY, ANTHROPIC_KEY]) {
            assert.ok(!all.includes(key), `a key leaked: ${key.slice(0, 8)}…`);
          }
          const row = await stack.controller.db.sql`
          select api_key_sealed from agents where id = ${scout.id}`;
          assert.match(row[0].api_key_sealed, /^v1:/);
          assert.ok(!row[0].api_key_sealed.includes(OWN_KEY));
        },
      );

      await t.step("the main agent is made once and never reset", async () => {
        await api(`/api/agents/${main.id}`, {
          method: "PATCH",
          json: {
            system_prompt: "Edited by the user.",
            tools: ["list_cameras"],
          },
        });
        const mainPid = starts(out).filter((s) =>
          s.credential.agent_id === main.id
        ).at(-1)!.pid;
        await stack.restartController();
        hook();
        assert.equal(
          alive(mainPid),
          false,
          "the old controller stopped its children",
        );
        const { body } = await api("/api/agents");
        const mains = body.agents.filter((a: { is_main: boolean }) =>
          a.is_main
        );
        assert.equal(mains.length, 1);
        assert.equal(mains[0].id, main.id);
        assert.equal(mains[0].system_prompt, "Edited by the user.");
        assert.deepEqual(mains[0].tools, ["list_cameras"]);
        // Running again under the new controller.
        await eventually(
          () =>
            starts(out).filter((s) => s.credential.agent_id === main.id)
              .length === 2,
          20000,
          "main restarted by the new controller",
        );
      });
    } finally {
      const pids = starts(out).map((s) => s.pid);
      await stack.close();
      configureLog({ level: "error", sink: (l) => console.error(l) });
      await upstream.close();
      for (const pid of pids) {
        assert.equal(alive(pid), false, `pid ${pid} left behind`);
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});
