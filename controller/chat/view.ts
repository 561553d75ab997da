/** The API's view (lib/api/chat.ts) of chat rows. */
import type { ChatMessage, ToolTrace, Turn } from "../../lib/api/chat.ts";
import type { MessageRow, TraceRow, TurnRow } from "../db/chat.ts";

const iso = (d: Date | null) => d === null ? null : new Date(d).toISOString();

export function messageJson(m: MessageRow): ChatMessage {
  return {
    id: m.id,
    session_id: m.session_id,
    turn_id: m.turn_id,
    role: m.role,
    content: m.content,
    tool_calls: m.tool_calls,
    tool_call_id: m.tool_call_id,
    tool_name: m.tool_name,
    source: m.source as ChatMessage["source"],
    source_user: m.source_user,
    automated: m.automated,
    media: m.media as ChatMessage["media"],
    prompt_tokens: m.prompt_tokens,
    completion_tokens: m.completion_tokens,
    created_at: iso(m.created_at)!,
  };
}

export function traceJson(t: TraceRow): ToolTrace {
  return {
    call_id: t.call_id,
    name: t.name,
    args: t.args,
    summary: t.summary,
    ms: t.ms,
    error: t.error,
  };
}

export function turnJson(t: TurnRow, trace: TraceRow[] = []): Turn {
  return {
    id: t.id,
    session_id: t.session_id,
    agent_id: t.agent_id,
    status: t.status,
    error: t.error === null ? null : {
      kind: t.error.kind as NonNullable<Turn["error"]>["kind"],
      message: t.error.message,
      retry_after_s: t.error.retry_after_s ?? null,
    },
    prompt_tokens: t.prompt_tokens,
    completion_tokens: t.completion_tokens,
    tools: trace.filter((r) => r.turn_id === t.id).map(traceJson),
    created_at: iso(t.created_at)!,
    started_at: iso(t.started_at),
    finished_at: iso(t.finished_at),
  };
}
