/**
 * Chat with an agent (`/api/chat/{agent_id}/…`): sessions, messages and
 * turns. Sending answers at once with the queued turn; the answer streams
 * over the session's event stream (CHAT_SSE_EVENTS) token by token, with the
 * tool trace, and is stored when the turn ends.
 */
import { z } from "zod";
import { intQuery, isoTimeSchema, UUID } from "./common.ts";
import { toolMediaSchema } from "./tools.ts";

export const CHAT_SOURCES = [
  "dashboard",
  "api",
  "telegram",
  "webhook",
  "schedule",
  "agent",
  "system",
] as const;
export const chatSourceSchema = z.enum(CHAT_SOURCES);

export const MAX_MESSAGE_CHARS = 16_384;
export const MAX_MESSAGE_IMAGES = 10;

/** One image sent with a message (the dashboard's attach, a Telegram photo). */
export const chatImageInputSchema = z.strictObject({
  mime: z.enum(["image/jpeg", "image/png"], {
    error: "images[].mime must be image/jpeg or image/png",
  }),
  base64: z.string().max(
    8_000_000,
    "images[].base64 must be at most 6 MB of image",
  ),
});

/** `POST /api/chat/{agent_id}/send`. */
export const chatSendSchema = z.strictObject({
  message: z.string({ error: "message is required" }).trim().min(
    1,
    "message must not be empty",
  ).max(
    MAX_MESSAGE_CHARS,
    `message must be at most ${MAX_MESSAGE_CHARS} characters`,
  ),
  /** Omitted: the agent's latest session, or a new one. */
  session_id: z.string().regex(UUID, "session_id must be a session id")
    .optional(),
  images: z.array(chatImageInputSchema).max(
    MAX_MESSAGE_IMAGES,
    `images: at most ${MAX_MESSAGE_IMAGES}`,
  ).optional(),
  /** Who sent it, for the badge (`api` when a token sends, else `dashboard`). */
  source: z.enum(["dashboard", "api"]).optional(),
});
export type ChatSend = z.infer<typeof chatSendSchema>;

export const TURN_STATES = [
  "queued",
  "running",
  "done",
  "failed",
  "interrupted",
  "cancelled",
] as const;
export const turnStateSchema = z.enum(TURN_STATES);
export type TurnState = z.infer<typeof turnStateSchema>;

/** Why a turn failed, in one vocabulary (docs/design/agents.md). */
export const TURN_ERROR_KINDS = [
  "provider_auth", // 401/403 from the provider
  "provider_rate_limit", // 429 (after the retries)
  "provider_unavailable", // 5xx, connection refused
  "provider_bad_request", // 400/404 (unknown model …)
  "llm_timeout",
  "tool_timeout",
  "steps", // the step limit per turn
  "tokens_per_day",
  "agent_stopped", // the process died or was stopped mid-turn
  "internal",
] as const;
export const turnErrorKindSchema = z.enum(TURN_ERROR_KINDS);
export type TurnErrorKind = z.infer<typeof turnErrorKindSchema>;

export const turnErrorSchema = z.object({
  kind: turnErrorKindSchema,
  message: z.string(),
  /** Seconds the provider asked to wait (429). */
  retry_after_s: z.number().nullable().optional(),
});
export type TurnError = z.infer<typeof turnErrorSchema>;

export const toolCallSchema = z.object({
  id: z.string(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
});
export type ToolCall = z.infer<typeof toolCallSchema>;

/** One step of a turn's tool trace. */
export const toolTraceSchema = z.object({
  call_id: z.string(),
  name: z.string(),
  args: z.record(z.string(), z.unknown()),
  summary: z.string().nullable(),
  ms: z.number().nullable(),
  error: z.string().nullable(),
});
export type ToolTrace = z.infer<typeof toolTraceSchema>;

export const turnSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  agent_id: z.string(),
  status: turnStateSchema,
  error: turnErrorSchema.nullable(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  tools: z.array(toolTraceSchema),
  created_at: isoTimeSchema,
  started_at: isoTimeSchema.nullable(),
  finished_at: isoTimeSchema.nullable(),
});
export type Turn = z.infer<typeof turnSchema>;

/**
 * A stored message. `note`: something the system says in the session (the
 * agent stopped mid-turn, a limit was hit); never sent to the model as the
 * assistant's words.
 */
export const chatMessageSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  turn_id: z.string().nullable(),
  role: z.enum(["user", "assistant", "tool", "note"]),
  content: z.string(),
  tool_calls: z.array(toolCallSchema),
  tool_call_id: z.string().nullable(),
  tool_name: z.string().nullable(),
  source: chatSourceSchema,
  source_user: z.string().nullable(),
  /** An automated message (a task agent's result) rather than a person's. */
  automated: z.boolean(),
  media: z.array(toolMediaSchema),
  prompt_tokens: z.number().nullable(),
  completion_tokens: z.number().nullable(),
  created_at: isoTimeSchema,
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** The answer of `POST /send` (202). */
export const chatSentSchema = z.object({
  session_id: z.string(),
  turn: turnSchema,
  message: chatMessageSchema,
  /** The session's event stream. */
  events_url: z.string(),
});

export const agentIdParams = z.object({ agent_id: z.string().max(200) });
export const sessionParams = z.object({
  agent_id: z.string().max(200),
  session_id: z.string().max(200),
});
export const turnParams = z.object({
  agent_id: z.string().max(200),
  turn_id: z.string().max(200),
});

/** `GET /api/chat/{agent_id}/history`: newest `limit` messages before `before`, oldest first. */
export const historyQuery = z.object({
  session_id: z.string().regex(UUID, "session_id must be a session id")
    .optional(),
  limit: intQuery("limit", 1, 200).optional(),
  /** A message id: messages older than it. */
  before: z.string().regex(UUID, "before must be a message id").optional(),
});

export const historySchema = z.object({
  session_id: z.string().nullable(),
  messages: z.array(chatMessageSchema),
  /** Turns of these messages plus any still queued or running. */
  turns: z.array(turnSchema),
  has_more: z.boolean(),
});

export const chatSessionSchema = z.object({
  session_id: z.string(),
  title: z.string().nullable(),
  started_at: isoTimeSchema,
  last_message_at: isoTimeSchema.nullable(),
  message_count: z.number(),
  /** A turn queued or running in it. */
  busy: z.boolean(),
});
export type ChatSession = z.infer<typeof chatSessionSchema>;

export const sessionListSchema = z.object({
  sessions: z.array(chatSessionSchema),
});

export const newSessionSchema = z.object({ session_id: z.string() });

/** Events of `GET /api/chat/{agent_id}/sessions/{session_id}/events`. */
export const CHAT_SSE_EVENTS = {
  /** A turn changed state (queued → running → done | failed | interrupted). */
  turn: turnSchema,
  /** Text of the answer as the model writes it. */
  token: z.object({ turn_id: z.string(), text: z.string() }),
  tool_start: z.object({
    turn_id: z.string(),
    call_id: z.string(),
    name: z.string(),
    args: z.record(z.string(), z.unknown()),
  }),
  tool_end: z.object({
    turn_id: z.string(),
    call_id: z.string(),
    name: z.string(),
    summary: z.string().nullable(),
    ms: z.number(),
    error: z.string().nullable(),
  }),
  /** A message was stored (the user's, the answer, a note). */
  message: chatMessageSchema,
} as const;
export type ChatSseEvent = {
  [K in keyof typeof CHAT_SSE_EVENTS]: {
    event: K;
    data: z.infer<(typeof CHAT_SSE_EVENTS)[K]>;
  };
}[keyof typeof CHAT_SSE_EVENTS];
