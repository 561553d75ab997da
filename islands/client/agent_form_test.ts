import assert from "node:assert/strict";
import type { Agent } from "../../lib/api/agents.ts";
import { createAgentSchema, updateAgentSchema } from "../../lib/api/agents.ts";
import {
  agentBody,
  agentValues,
  applyAgentEvent,
  exitLabel,
  formField,
  newAgentValues,
  slugFrom,
  toolGroups,
  usageLabel,
} from "./agent_form.ts";
import {
  checkBody,
  describeCheck,
  providerPatch,
  providerRows,
} from "./providers_form.ts";
import {
  providerCheckSchema,
  updateProviderSchema,
} from "../../lib/api/agents.ts";

const AGENT: Agent = {
  id: "a1",
  name: "Main",
  slug: "main",
  provider: "openai",
  model: "gpt-4o-mini",
  base_url: null,
  has_api_key: true,
  system_prompt: "Watch.",
  temperature: 0.2,
  max_tokens: 1024,
  step_limit: 12,
  context_window: null,
  limits: { tokens_per_day: 200_000, tool_timeout_s: 60, llm_timeout_s: 120 },
  tools: ["list_cameras", "analyze_camera"],
  camera_ids: null,
  is_main: true,
  desired: "stopped",
  status: {
    state: "stopped",
    restarts: 0,
    started_at: null,
    last_exit: null,
    message: null,
  },
  usage_today: { prompt_tokens: 10, completion_tokens: 5 },
  created_at: "2026-12-01T00:00:00.000Z",
  updated_at: "2026-12-01T00:00:00.000Z",
};

const TOOLS = [
  {
    name: "list_cameras",
    description: "d",
    category: "cameras" as const,
    parameters: {},
    writes: false,
  },
  {
    name: "start_recording",
    description: "d",
    category: "recordings" as const,
    parameters: {},
    writes: true,
  },
  {
    name: "camera_status",
    description: "d",
    category: "cameras" as const,
    parameters: {},
    writes: false,
  },
];

Deno.test("a new agent's body: what was filled in, the API's schema accepts it", () => {
  const v = {
    ...newAgentValues(TOOLS),
    name: "Yard watcher",
    slug: slugFrom("Yard watcher"),
    provider: "openai_compatible" as const,
    model: "llava",
    base_url: " http://127.0.0.1:11434/v1 ",
    key_mode: "set" as const,
    api_key: " sk-1 ",
    step_limit: "8",
    tokens_per_day: "50000",
    all_cameras: false,
    camera_ids: ["22222222-2222-4222-8222-222222222222"],
  };
  const r = agentBody(v, null);
  assert.ok(r.ok);
  assert.deepEqual(r.body, {
    slug: "yard-watcher",
    api_key: "sk-1",
    name: "Yard watcher",
    provider: "openai_compatible",
    model: "llava",
    base_url: "http://127.0.0.1:11434/v1",
    step_limit: 8,
    tools: ["camera_status", "list_cameras"],
    camera_ids: ["22222222-2222-4222-8222-222222222222"],
    limits: { tokens_per_day: 50000 },
  });
  assert.ok(createAgentSchema.safeParse(r.body).success);
  // All cameras is sent as null, a shared key as no key at all.
  const all = agentBody({ ...v, all_cameras: true, key_mode: "keep" }, null);
  assert.ok(all.ok);
  assert.equal(all.body.camera_ids, null);
  assert.ok(!("api_key" in all.body));
  assert.ok(createAgentSchema.safeParse(all.body).success);
});

Deno.test("an edit sends only what changed; the key is kept, replaced or cleared", () => {
  const same = agentBody(agentValues(AGENT), AGENT);
  assert.deepEqual(same, { ok: true, body: {} });
  const v = {
    ...agentValues(AGENT),
    temperature: "0.7",
    tools: ["list_cameras"],
    llm_timeout_s: "30",
    key_mode: "clear" as const,
  };
  const r = agentBody(v, AGENT);
  assert.deepEqual(r, {
    ok: true,
    body: {
      api_key: null,
      temperature: 0.7,
      tools: ["list_cameras"],
      limits: { llm_timeout_s: 30 },
    },
  });
  assert.ok(r.ok && updateAgentSchema.safeParse(r.body).success);
  // Tools in another order are no change.
  assert.deepEqual(
    agentBody({
      ...agentValues(AGENT),
      tools: ["analyze_camera", "list_cameras"],
    }, AGENT),
    { ok: true, body: {} },
  );
  assert.deepEqual(
    agentBody(
      { ...agentValues(AGENT), key_mode: "set", api_key: "new" },
      AGENT,
    ),
    { ok: true, body: { api_key: "new" } },
  );
  assert.deepEqual(
    agentBody({ ...agentValues(AGENT), context_window: "" }, AGENT),
    { ok: true, body: {} },
  );
  assert.deepEqual(
    agentBody(
      { ...agentValues(AGENT), context_window: "8192", base_url: "" },
      AGENT,
    ),
    { ok: true, body: { context_window: 8192 } },
  );
});

Deno.test("agentBody: what an input cannot send is caught, naming the field", () => {
  assert.deepEqual(
    agentBody({ ...agentValues(AGENT), temperature: "warm" }, AGENT),
    {
      ok: false,
      field: "temperature",
      message: "Temperature must be a number.",
    },
  );
  assert.deepEqual(
    agentBody({ ...agentValues(AGENT), max_tokens: "" }, AGENT),
    {
      ok: false,
      field: "max_tokens",
      message: "Enter a value for max tokens.",
    },
  );
  const noKey = agentBody({ ...newAgentValues(), key_mode: "set" }, null);
  assert.equal(noKey.ok === false && noKey.field, "api_key");
});

Deno.test("formField, slugFrom, labels, tool groups and agent events", () => {
  assert.equal(formField("limits.tokens_per_day"), "tokens_per_day");
  assert.equal(formField("camera_ids.0"), "camera_ids");
  assert.equal(formField("api_key"), "api_key");
  assert.equal(formField("limits"), null);
  assert.equal(formField("id"), null);
  assert.equal(formField(undefined), null);
  assert.equal(slugFrom("  Front-Desk Bot №1! "), "front-desk-bot-no1");
  assert.equal(slugFrom("Ünïcode"), "unicode");
  assert.equal(slugFrom("x".repeat(60) + " y").length, 48);
  assert.equal(exitLabel({ code: 1, signal: null }), "code 1");
  assert.equal(exitLabel({ code: null, signal: "SIGKILL" }), "signal SIGKILL");
  assert.equal(exitLabel({ code: 0, signal: null }), "code 0 (clean)");
  assert.equal(usageLabel(AGENT), "15 of 200,000 tokens today");
  assert.deepEqual(
    toolGroups(TOOLS).map((g) => [g.category, g.tools.map((t) => t.name)]),
    [["cameras", ["list_cameras", "camera_status"]], ["recordings", [
      "start_recording",
    ]]],
  );
  assert.deepEqual(newAgentValues(TOOLS).tools, [
    "list_cameras",
    "camera_status",
  ]);

  const running = { ...AGENT.status, state: "running" as const, restarts: 1 };
  assert.deepEqual(
    applyAgentEvent([AGENT], { type: "status", id: "a1", status: running }),
    [{ ...AGENT, status: running }],
  );
  // A change keeps the usage the list knows (the event's is not read).
  const renamed = {
    ...AGENT,
    name: "Renamed",
    usage_today: { prompt_tokens: 0, completion_tokens: 0 },
  };
  assert.deepEqual(
    applyAgentEvent([AGENT], { type: "updated", agent: renamed }),
    [{ ...renamed, usage_today: AGENT.usage_today }],
  );
  const other = { ...AGENT, id: "a2" };
  assert.deepEqual(
    applyAgentEvent([AGENT], { type: "created", agent: other }),
    [AGENT, other],
  );
  assert.deepEqual(
    applyAgentEvent([AGENT, other], { type: "deleted", id: "a1" }),
    [other],
  );
  assert.deepEqual(
    applyAgentEvent([AGENT], { type: "status", id: "zz", status: running }),
    [AGENT],
  );
});

Deno.test("providers: PATCH of what changed, a check with what the form holds", () => {
  const rows = providerRows([{
    provider: "anthropic",
    base_url: null,
    has_api_key: true,
    updated_at: "2026-12-07T00:00:00.000Z",
  }]);
  assert.deepEqual(rows.map((r) => [r.provider, r.has_api_key]), [
    ["openai", false],
    ["anthropic", true],
    ["openai_compatible", false],
  ]);
  const saved = rows[2];
  const set = providerPatch(
    { base_url: "http://127.0.0.1:1234/v1", key_mode: "keep", api_key: "" },
    saved,
  );
  assert.deepEqual(set, {
    ok: true,
    body: { base_url: "http://127.0.0.1:1234/v1" },
  });
  assert.ok(set.ok && updateProviderSchema.safeParse(set.body).success);
  assert.deepEqual(
    providerPatch({ base_url: "", key_mode: "clear", api_key: "" }, {
      ...saved,
      base_url: "http://x",
    }),
    { ok: true, body: { base_url: null, api_key: null } },
  );
  assert.equal(
    providerPatch({ base_url: "", key_mode: "set", api_key: " " }, saved).ok,
    false,
  );
  const check = checkBody("openai_compatible", {
    base_url: "http://127.0.0.1:1234/v1",
    key_mode: "set",
    api_key: "k",
  });
  assert.deepEqual(check, {
    provider: "openai_compatible",
    base_url: "http://127.0.0.1:1234/v1",
    api_key: "k",
  });
  assert.ok(providerCheckSchema.safeParse(check).success);
  assert.deepEqual(
    checkBody("openai", { base_url: "", key_mode: "keep", api_key: "typed" }),
    { provider: "openai" },
    "a key not chosen to set is not sent",
  );
  assert.equal(
    describeCheck({ provider: "openai", models: ["a", "b", "c"], ms: 12 }, 2),
    "3 models in 12 ms: a, b … and 1 more",
  );
  assert.equal(
    describeCheck({ provider: "openai", models: [], ms: 3 }),
    "Connected in 3 ms, but it lists no models.",
  );
});
