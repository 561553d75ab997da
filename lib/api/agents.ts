/**
 * Agents (`/api/agents`) and AI providers (`/api/providers`): an agent is a
 * LangGraph ReAct agent running in a process of its own (docs/design/
 * agents.md). Keys are write-only: a view says whether one is set, never
 * what it is.
 */
import { z } from "zod";
import { isoTimeSchema, UUID } from "./common.ts";

/** Which wire protocol an agent's model speaks. `openai_compatible`: Ollama, LM Studio, vLLM, llama.cpp server … by base URL. */
export const PROVIDERS = ["openai", "anthropic", "openai_compatible"] as const;
export const providerSchema = z.enum(PROVIDERS, {
  error: "provider must be openai, anthropic or openai_compatible",
});
export type Provider = z.infer<typeof providerSchema>;

export const AGENT_SLUG = /^[a-z0-9][a-z0-9-]{0,47}$/;

const httpUrl = (field: string) =>
  z.string().trim().max(500, `${field} must be at most 500 characters`)
    .regex(/^https?:\/\/[^\s]+$/i, `${field} must be an http(s) URL`);

const int = (field: string, min: number, max: number) => {
  const msg = `${field} must be a whole number from ${min} to ${max}`;
  return z.number({ error: msg }).int(msg).min(min, msg).max(max, msg);
};

/** Where an agent's process is (the supervisor's view). */
export const AGENT_STATES = [
  "stopped",
  "starting",
  "running",
  "restarting",
  "failed",
] as const;
export const agentStateSchema = z.enum(AGENT_STATES);
export type AgentState = z.infer<typeof agentStateSchema>;

export const agentExitSchema = z.object({
  code: z.number().nullable(),
  signal: z.string().nullable(),
  at: isoTimeSchema,
  /** The last lines the process wrote to stderr (redacted). */
  stderr_tail: z.string(),
});

export const agentStatusSchema = z.object({
  state: agentStateSchema,
  restarts: z.number(),
  started_at: isoTimeSchema.nullable(),
  last_exit: agentExitSchema.nullable(),
  /** Why it is failed or restarting, in words. */
  message: z.string().nullable(),
});
export type AgentStatus = z.infer<typeof agentStatusSchema>;

/** Per-agent limits; each, when hit, ends the turn with a message saying which. */
export const agentLimitsSchema = z.object({
  tokens_per_day: int("limits.tokens_per_day", 1000, 100_000_000),
  tool_timeout_s: int("limits.tool_timeout_s", 1, 600),
  llm_timeout_s: int("limits.llm_timeout_s", 5, 600),
});
export type AgentLimits = z.infer<typeof agentLimitsSchema>;

export const DEFAULT_LIMITS: AgentLimits = {
  tokens_per_day: 200_000,
  tool_timeout_s: 60,
  llm_timeout_s: 120,
};

/** An agent as the API shows it. */
export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  provider: providerSchema,
  model: z.string(),
  /** null: the provider's default (or the shared base URL from Settings → AI providers). */
  base_url: z.string().nullable(),
  /** An own key is set (else the shared key of the provider is used). */
  has_api_key: z.boolean(),
  system_prompt: z.string(),
  temperature: z.number(),
  max_tokens: z.number(),
  /** Model calls + tool calls per turn. */
  step_limit: z.number(),
  /** Tokens the model accepts; null: known for the model, else 32k. */
  context_window: z.number().nullable(),
  limits: agentLimitsSchema,
  tools: z.array(z.string()),
  /** Cameras the agent may see and act on; null: every camera. */
  camera_ids: z.array(z.string()).nullable(),
  /** The agent created on first run; it can be edited but not deleted. */
  is_main: z.boolean(),
  /** What the user asked for; `status.state` is where it is. */
  desired: z.enum(["running", "stopped"]),
  status: agentStatusSchema,
  usage_today: z.object({
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
  }),
  created_at: isoTimeSchema,
  updated_at: isoTimeSchema,
});
export type Agent = z.infer<typeof agentSchema>;

export const agentListSchema = z.object({
  agents: z.array(agentSchema),
  total: z.number(),
});

const agentFields = {
  name: z.string().trim().min(1, "name must not be empty").max(
    100,
    "name must be at most 100 characters",
  ),
  provider: providerSchema,
  model: z.string().trim().min(1, "model must not be empty").max(
    200,
    "model must be at most 200 characters",
  ),
  base_url: httpUrl("base_url").nullable(),
  /** Write-only. null clears the own key (the shared key is used). */
  api_key: z.string().trim().min(1, "api_key must not be empty").max(
    1000,
    "api_key must be at most 1000 characters",
  ).nullable(),
  system_prompt: z.string().max(
    32_000,
    "system_prompt must be at most 32000 characters",
  ),
  temperature: z.number({ error: "temperature must be a number from 0 to 2" })
    .min(0, "temperature must be a number from 0 to 2").max(
      2,
      "temperature must be a number from 0 to 2",
    ),
  max_tokens: int("max_tokens", 1, 200_000),
  step_limit: int("step_limit", 1, 50),
  context_window: int("context_window", 1024, 10_000_000).nullable(),
  limits: agentLimitsSchema.partial(),
  tools: z.array(z.string().max(100)).max(100, "at most 100 tools"),
  camera_ids: z.array(
    z.string().regex(UUID, "camera_ids must hold camera ids"),
  ).max(1000).nullable(),
};

/** `POST /api/agents`. */
export const createAgentSchema = z.strictObject({
  name: agentFields.name,
  slug: z.string({ error: "slug is required" }).regex(
    AGENT_SLUG,
    "slug must be 1-48 lowercase letters, digits or dashes, starting with a letter or digit",
  ),
  provider: agentFields.provider,
  model: agentFields.model,
  base_url: agentFields.base_url.optional(),
  api_key: agentFields.api_key.optional(),
  system_prompt: agentFields.system_prompt.optional(),
  temperature: agentFields.temperature.optional(),
  max_tokens: agentFields.max_tokens.optional(),
  step_limit: agentFields.step_limit.optional(),
  context_window: agentFields.context_window.optional(),
  limits: agentFields.limits.optional(),
  tools: agentFields.tools.optional(),
  camera_ids: agentFields.camera_ids.optional(),
});
export type CreateAgent = z.infer<typeof createAgentSchema>;

/** `PATCH /api/agents/{id}`: any field but the slug; a running agent picks changes up on its next turn. */
export const updateAgentSchema = z.strictObject({
  name: agentFields.name.optional(),
  provider: agentFields.provider.optional(),
  model: agentFields.model.optional(),
  base_url: agentFields.base_url.optional(),
  api_key: agentFields.api_key.optional(),
  system_prompt: agentFields.system_prompt.optional(),
  temperature: agentFields.temperature.optional(),
  max_tokens: agentFields.max_tokens.optional(),
  step_limit: agentFields.step_limit.optional(),
  context_window: agentFields.context_window.optional(),
  limits: agentFields.limits.optional(),
  tools: agentFields.tools.optional(),
  camera_ids: agentFields.camera_ids.optional(),
});
export type UpdateAgent = z.infer<typeof updateAgentSchema>;

/** `PUT /api/agents/{id}/tools`. Unknown names → 400 naming them. */
export const setAgentToolsSchema = z.strictObject({
  tools: agentFields.tools,
});

/** One shared provider (Settings → AI providers). */
export const providerConfigSchema = z.object({
  provider: providerSchema,
  /** null: the provider's public endpoint (openai, anthropic); required for openai_compatible. */
  base_url: z.string().nullable(),
  has_api_key: z.boolean(),
  updated_at: isoTimeSchema.nullable(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const providerListSchema = z.object({
  providers: z.array(providerConfigSchema),
});

export const providerParams = z.object({ provider: providerSchema });

/** `PATCH /api/providers/{provider}`: null clears. */
export const updateProviderSchema = z.strictObject({
  base_url: agentFields.base_url.optional(),
  api_key: agentFields.api_key.optional(),
});

/** `POST /api/providers/check`: omitted fields fall back to the stored shared ones. */
export const providerCheckSchema = z.strictObject({
  provider: providerSchema,
  base_url: agentFields.base_url.optional(),
  api_key: agentFields.api_key.optional(),
});

/** The answer of a check: the models the endpoint lists. */
export const providerCheckResultSchema = z.object({
  provider: providerSchema,
  models: z.array(z.string()),
  ms: z.number(),
});
