/**
 * Pure helpers of the Agents page (islands/AgentsAdmin.tsx): an agent ↔ the
 * form's values, the POST/PATCH bodies (`lib/api/agents.ts`), status words.
 * The API validates every field and names it in its error; the checks here
 * only catch what an input cannot send (text that is no number, a key to
 * set that is empty). Types only from lib/api: its zod schemas stay out of
 * the browser bundle.
 */
import type {
  Agent,
  AgentLimits,
  AgentState,
  Provider,
} from "../../lib/api/agents.ts";
import type { AgentEvent } from "../../lib/api/events.ts";
import type { ToolInfo } from "../../lib/api/tools.ts";

export type { Agent, Provider, ToolInfo };

/** Same as lib/api/agents.ts PROVIDERS (agent_form_test.ts checks they agree). */
export const PROVIDER_CHOICES: { value: Provider; label: string }[] = [
  { value: "openai", label: "OpenAI" },
  { value: "anthropic", label: "Anthropic" },
  {
    value: "openai_compatible",
    label: "OpenAI-compatible (Ollama, LM Studio, vLLM, llama.cpp)",
  },
];

/** Same as lib/api/agents.ts DEFAULT_LIMITS. */
export const LIMIT_DEFAULTS: AgentLimits = {
  tokens_per_day: 200_000,
  tool_timeout_s: 60,
  llm_timeout_s: 120,
};

/** Data of the SSE event `agent` on `/api/events` (admins; lib/api/events.ts). */
export type { AgentEvent };

/**
 * The list after one `agent` event. An agent not listed yet is added at the
 * end; a change keeps the usage already known (the event's is not read).
 */
export function applyAgentEvent(list: Agent[], e: AgentEvent): Agent[] {
  if (e.type === "deleted") return list.filter((a) => a.id !== e.id);
  if (e.type === "status") {
    return list.map((a) => a.id === e.id ? { ...a, status: e.status } : a);
  }
  const i = list.findIndex((a) => a.id === e.agent.id);
  if (i < 0) return [...list, e.agent];
  const next = [...list];
  next[i] = { ...e.agent, usage_today: list[i].usage_today };
  return next;
}

/** What the key field does on Save. */
export type KeyMode = "keep" | "set" | "clear";

export interface AgentFormValues {
  name: string;
  slug: string;
  provider: Provider;
  model: string;
  base_url: string;
  key_mode: KeyMode;
  api_key: string;
  system_prompt: string;
  temperature: string;
  max_tokens: string;
  step_limit: string;
  context_window: string;
  tokens_per_day: string;
  tool_timeout_s: string;
  llm_timeout_s: string;
  tools: string[];
  /** Every camera (`camera_ids: null`) or only `camera_ids`. */
  all_cameras: boolean;
  camera_ids: string[];
}

export type AgentField = keyof AgentFormValues;

const NUMBER_FIELDS = [
  "temperature",
  "max_tokens",
  "step_limit",
  "context_window",
  "tokens_per_day",
  "tool_timeout_s",
  "llm_timeout_s",
] as const;
type NumberField = typeof NUMBER_FIELDS[number];
const LIMIT_FIELDS = [
  "tokens_per_day",
  "tool_timeout_s",
  "llm_timeout_s",
] as const;

/** Words for each number field's errors. */
const NUMBER_TITLES: Record<NumberField, string> = {
  temperature: "Temperature",
  max_tokens: "Max tokens",
  step_limit: "Step limit",
  context_window: "Context window",
  tokens_per_day: "Tokens per day",
  tool_timeout_s: "Tool timeout",
  llm_timeout_s: "Model call timeout",
};

/** A new agent's form: the tools ticked by default are the read-only ones. */
export function newAgentValues(tools: ToolInfo[] = []): AgentFormValues {
  return {
    name: "",
    slug: "",
    provider: "openai",
    model: "",
    base_url: "",
    key_mode: "keep",
    api_key: "",
    system_prompt: "",
    temperature: "",
    max_tokens: "",
    step_limit: "",
    context_window: "",
    tokens_per_day: "",
    tool_timeout_s: "",
    llm_timeout_s: "",
    tools: tools.filter((t) => !t.writes).map((t) => t.name),
    all_cameras: true,
    camera_ids: [],
  };
}

/** The form for an existing agent. The key is never shown: it is kept unless replaced or cleared. */
export function agentValues(a: Agent): AgentFormValues {
  return {
    name: a.name,
    slug: a.slug,
    provider: a.provider,
    model: a.model,
    base_url: a.base_url ?? "",
    key_mode: "keep",
    api_key: "",
    system_prompt: a.system_prompt,
    temperature: String(a.temperature),
    max_tokens: String(a.max_tokens),
    step_limit: String(a.step_limit),
    context_window: a.context_window == null ? "" : String(a.context_window),
    tokens_per_day: String(a.limits.tokens_per_day),
    tool_timeout_s: String(a.limits.tool_timeout_s),
    llm_timeout_s: String(a.limits.llm_timeout_s),
    tools: [...a.tools],
    all_cameras: a.camera_ids === null,
    camera_ids: a.camera_ids ? [...a.camera_ids] : [],
  };
}

/** A slug from a name: "Front desk bot" → "front-desk-bot". */
export function slugFrom(name: string): string {
  // Accents come apart under NFKD and their marks are dropped, not turned into dashes.
  return name.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 48).replace(/-+$/, "");
}

export type BodyResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; field: AgentField; message: string };

function numberOf(
  v: AgentFormValues,
  f: NumberField,
): { n: number | null } | { error: string } {
  const t = v[f].trim();
  if (t === "") return { n: null };
  const n = Number(t);
  return Number.isFinite(n)
    ? { n }
    : { error: `${NUMBER_TITLES[f]} must be a number.` };
}

/**
 * The body of `POST /api/agents` (`agent` null) or of `PATCH
 * /api/agents/{id}` with only what changed. Empty number fields of a new
 * agent take the server's defaults; on an existing agent only the context
 * window may be emptied (= known for the model).
 */
export function agentBody(
  v: AgentFormValues,
  agent: Agent | null,
): BodyResult {
  const nums: Partial<Record<NumberField, number | null>> = {};
  for (const f of NUMBER_FIELDS) {
    const r = numberOf(v, f);
    if ("error" in r) return { ok: false, field: f, message: r.error };
    if (r.n === null && agent && f !== "context_window") {
      return {
        ok: false,
        field: f,
        message: `Enter a value for ${NUMBER_TITLES[f].toLowerCase()}.`,
      };
    }
    nums[f] = r.n;
  }
  if (v.key_mode === "set" && !v.api_key.trim()) {
    return {
      ok: false,
      field: "api_key",
      message: "Enter the key, or choose to keep the current one.",
    };
  }
  const camera_ids = v.all_cameras ? null : [...v.camera_ids].sort();
  const full: Record<string, unknown> = {
    name: v.name.trim(),
    provider: v.provider,
    model: v.model.trim(),
    base_url: v.base_url.trim() || null,
    system_prompt: v.system_prompt,
    temperature: nums.temperature,
    max_tokens: nums.max_tokens,
    step_limit: nums.step_limit,
    context_window: nums.context_window,
    tools: [...v.tools].sort(),
    camera_ids,
  };
  const limits: Partial<AgentLimits> = {};
  for (const f of LIMIT_FIELDS) {
    if (nums[f] != null) limits[f] = nums[f]!;
  }
  const key = v.key_mode === "set"
    ? { api_key: v.api_key.trim() }
    : v.key_mode === "clear"
    ? { api_key: null }
    : {};

  if (!agent) {
    const body: Record<string, unknown> = { slug: v.slug.trim(), ...key };
    for (const [k, val] of Object.entries(full)) {
      if (val !== null && val !== "") body[k] = val;
    }
    body.camera_ids = camera_ids;
    if (Object.keys(limits).length) body.limits = limits;
    return { ok: true, body };
  }

  const before: Record<string, unknown> = {
    name: agent.name,
    provider: agent.provider,
    model: agent.model,
    base_url: agent.base_url,
    system_prompt: agent.system_prompt,
    temperature: agent.temperature,
    max_tokens: agent.max_tokens,
    step_limit: agent.step_limit,
    context_window: agent.context_window,
    tools: [...agent.tools].sort(),
    camera_ids: agent.camera_ids ? [...agent.camera_ids].sort() : null,
  };
  const body: Record<string, unknown> = { ...key };
  for (const [k, val] of Object.entries(full)) {
    if (JSON.stringify(val) !== JSON.stringify(before[k])) body[k] = val;
  }
  const changedLimits = Object.fromEntries(
    LIMIT_FIELDS.filter((f) => limits[f] !== agent.limits[f]).map((
      f,
    ) => [f, limits[f]]),
  );
  if (Object.keys(changedLimits).length) body.limits = changedLimits;
  return { ok: true, body };
}

/** The API's error field (`limits.tokens_per_day`, `camera_ids.0`) as a field of the form. */
export function formField(apiField: string | undefined): AgentField | null {
  if (!apiField) return null;
  const [head, sub] = apiField.split(".");
  if (
    head === "limits" && sub &&
    (LIMIT_FIELDS as readonly string[]).includes(sub)
  ) {
    return sub as AgentField;
  }
  const known: AgentField[] = [
    "name",
    "slug",
    "provider",
    "model",
    "base_url",
    "api_key",
    "system_prompt",
    "temperature",
    "max_tokens",
    "step_limit",
    "context_window",
    "tools",
    "camera_ids",
  ];
  return (known as string[]).includes(head) ? head as AgentField : null;
}

/** Badge class and words of a process state. */
export const STATE_LOOK: Record<AgentState, { cls: string; label: string }> = {
  running: { cls: "s-online", label: "Running" },
  starting: { cls: "s-pending", label: "Starting" },
  restarting: { cls: "s-pending", label: "Restarting" },
  failed: { cls: "s-error", label: "Failed" },
  stopped: { cls: "s-offline", label: "Stopped" },
};

/** "code 1", "signal SIGKILL", "code 0 (clean)". */
export function exitLabel(
  e: { code: number | null; signal: string | null },
): string {
  if (e.signal) return `signal ${e.signal}`;
  if (e.code === 0) return "code 0 (clean)";
  return e.code === null ? "unknown" : `code ${e.code}`;
}

/** Today's tokens against the daily limit: "1,234 of 200,000 tokens today". */
export function usageLabel(a: Pick<Agent, "usage_today" | "limits">): string {
  const used = a.usage_today.prompt_tokens + a.usage_today.completion_tokens;
  const fmt = (n: number) => n.toLocaleString("en-US");
  return `${fmt(used)} of ${fmt(a.limits.tokens_per_day)} tokens today`;
}

/** Tools grouped by category, in the listing's order. */
export function toolGroups(
  tools: ToolInfo[],
): { category: string; tools: ToolInfo[] }[] {
  const out: { category: string; tools: ToolInfo[] }[] = [];
  for (const t of tools) {
    const g = out.find((x) => x.category === t.category);
    if (g) g.tools.push(t);
    else out.push({ category: t.category, tools: [t] });
  }
  return out;
}
