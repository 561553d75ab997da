/**
 * The agent process ⇄ controller protocol (docs/design/agents.md). The agent
 * process (`falcon agent`) opens every connection; the controller never
 * connects to it. Every request carries `Authorization: Bearer <secret>`,
 * the credential minted for this start of this agent; the controller accepts
 * it for this agent's paths and the tool hub only.
 *
 *   POST {controller}/internal/v1/agents/{id}/turns/next        NextTurnRequest → 200 TurnJob | 204 (none within wait_s)
 *   POST {controller}/internal/v1/agents/{id}/turns/{turn}/events  EventBatch → EventAck
 *   POST {controller}/api/tools/execute                          (lib/api/tools.ts)
 *   ANY  {controller}/internal/v1/agents/{id}/llm/openai/…       the provider gateway (OpenAI wire: /v1/chat/completions, /v1/models)
 *   ANY  {controller}/internal/v1/agents/{id}/llm/anthropic/…    the provider gateway (Anthropic wire: /v1/messages)
 *
 * Model calls name their turn in the `x-falcon-turn` header so the gateway
 * counts the turn's tokens from the provider's own usage figures.
 */
import { z } from "zod";
import { toolCallSchema, turnErrorSchema } from "./api/chat.ts";
import { toolInfoSchema } from "./api/tools.ts";
import { UUID } from "./api/common.ts";

export const AGENT_PATHS = {
  next: (agentId: string) => `/internal/v1/agents/${agentId}/turns/next`,
  events: (agentId: string, turnId: string) =>
    `/internal/v1/agents/${agentId}/turns/${turnId}/events`,
  gateway: (agentId: string, wire: GatewayWire) =>
    `/internal/v1/agents/${agentId}/llm/${wire}`,
  tools: "/api/tools/execute",
} as const;

/** The header naming the turn a model call belongs to. */
export const TURN_HEADER = "x-falcon-turn";

/** Which wire protocol the gateway speaks to the agent's SDK client. */
export type GatewayWire = "openai" | "anthropic";

/**
 * What `falcon agent` reads as one JSON line on stdin (a local child) or
 * from `--credential-file` (a pod's Secret): never from argv or env.
 */
export const agentCredentialSchema = z.strictObject({
  agent_id: z.string().regex(UUID),
  /** Base URL of the controller, e.g. http://127.0.0.1:8080. */
  controller_url: z.string().url(),
  secret: z.string().min(32),
  generation: z.number().int().min(1),
});
export type AgentCredential = z.infer<typeof agentCredentialSchema>;

export const nextTurnRequestSchema = z.strictObject({
  /** How long to hold the request when no turn is queued (the long poll). */
  wait_s: z.number().min(0).max(30),
});

/** A message of the context the controller fitted for this turn. */
export const contextMessageSchema = z.discriminatedUnion("role", [
  z.object({
    role: z.literal("user"),
    content: z.string(),
    images: z.array(z.object({
      mime: z.enum(["image/jpeg", "image/png"]),
      base64: z.string(),
    })).default([]),
  }),
  z.object({
    role: z.literal("assistant"),
    content: z.string(),
    tool_calls: z.array(toolCallSchema).default([]),
  }),
  z.object({
    role: z.literal("tool"),
    tool_call_id: z.string(),
    name: z.string(),
    content: z.string(),
  }),
]);
export type ContextMessage = z.infer<typeof contextMessageSchema>;

/** What the agent runs with: its settings as of this turn. */
export const turnAgentSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  /** The wire its model speaks through the gateway. */
  wire: z.enum(["openai", "anthropic"]),
  model: z.string(),
  temperature: z.number(),
  max_tokens: z.number(),
  step_limit: z.number(),
  system_prompt: z.string(),
  llm_timeout_s: z.number(),
  tool_timeout_s: z.number(),
});

/** The answer of `turns/next`: a claimed turn, leased to this process. */
export const turnJobSchema = z.object({
  turn_id: z.string(),
  session_id: z.string(),
  /** Post an event (or an empty batch) at least this often or the turn is taken back. */
  lease_s: z.number(),
  agent: turnAgentSchema,
  tools: z.array(toolInfoSchema),
  /** A summary of older messages that no longer fit, sent before them; null when all fit. */
  summary: z.string().nullable(),
  /** The fitted history, oldest first, ending with the user message of this turn. */
  messages: z.array(contextMessageSchema),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** Events the process posts while it runs a turn; `seq` starts at 1 and makes posting idempotent. */
export const turnEventSchema = z.discriminatedUnion("type", [
  z.object({
    seq: z.number().int().min(1),
    type: z.literal("token"),
    text: z.string().max(65_536),
  }),
  z.object({
    seq: z.number().int().min(1),
    type: z.literal("tool_start"),
    call_id: z.string().max(200),
    name: z.string().max(100),
    args: z.record(z.string(), z.unknown()),
  }),
  z.object({
    seq: z.number().int().min(1),
    type: z.literal("tool_end"),
    call_id: z.string().max(200),
    name: z.string().max(100),
    summary: z.string().max(2000).nullable(),
    ms: z.number(),
    error: z.string().max(2000).nullable(),
  }),
  /** The turn's answer, with the messages it added (tool calls and results) for the history. */
  z.object({
    seq: z.number().int().min(1),
    type: z.literal("final"),
    text: z.string().max(200_000),
    messages: z.array(contextMessageSchema).max(200),
  }),
  z.object({
    seq: z.number().int().min(1),
    type: z.literal("error"),
    error: turnErrorSchema,
  }),
]);
export type TurnEvent = z.infer<typeof turnEventSchema>;

export const eventBatchSchema = z.strictObject({
  /** May be empty: extends the lease. */
  events: z.array(turnEventSchema).max(500),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

export const eventAckSchema = z.object({
  /** Events stored now (repeats of stored seqs are skipped). */
  accepted: z.number(),
  /** The turn is no longer this process's (cancelled, lease lost): stop working on it. */
  cancelled: z.boolean(),
});
export type EventAck = z.infer<typeof eventAckSchema>;

/**
 * How a launcher starts `falcon agent` lean: Deno flags that go before the
 * script (`deno run -A ${denoFlags} main.ts agent`) and environment to add.
 * No code cache and V8's lite mode (no optimizing compiler: an agent waits
 * on the network, not on its CPU) keep ~10 MB less resident; with
 * DENO_USR2_MEMORY_TRIM the process hands freed memory back when idle
 * (agent/mod.ts), another ~20 MB. Figures: agent/README.md.
 */
export const AGENT_LAUNCH = {
  denoFlags: [
    "--no-code-cache",
    "--v8-flags=--lite-mode,--max-semi-space-size=1",
  ],
  env: { DENO_USR2_MEMORY_TRIM: "1" },
} as const;
