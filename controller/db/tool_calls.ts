/** Queries on the `tool_calls` table (migration 0010): the tool hub's idempotency record. */
import type { Sql } from "./client.ts";

export interface ToolCallRow {
  turn_id: string;
  call_id: string;
  agent_id: string;
  tool: string;
  arguments: Record<string, unknown>;
  status: "running" | "done" | "failed";
  result: Record<string, unknown> | null;
  error: { code: string; message: string; field?: string } | null;
  ms: number | null;
  started_at: Date;
  finished_at: Date | null;
}

type Json = Parameters<Sql["json"]>[0];

/**
 * Claims (turn_id, call_id) for a run: the new row, or null when the pair
 * was claimed before (then `getToolCall` says how that call went).
 */
export async function claimToolCall(
  sql: Sql,
  c: {
    turnId: string;
    callId: string;
    agentId: string;
    tool: string;
    arguments: Record<string, unknown>;
  },
): Promise<ToolCallRow | null> {
  const [row] = await sql<ToolCallRow[]>`
    insert into tool_calls (turn_id, call_id, agent_id, tool, arguments)
    values (${c.turnId}, ${c.callId}, ${c.agentId}, ${c.tool},
            ${sql.json(c.arguments as Json)})
    on conflict (turn_id, call_id) do nothing
    returning *`;
  return row ?? null;
}

export async function getToolCall(
  sql: Sql,
  turnId: string,
  callId: string,
): Promise<ToolCallRow | null> {
  const [row] = await sql<ToolCallRow[]>`
    select * from tool_calls where turn_id = ${turnId} and call_id = ${callId}`;
  return row ?? null;
}

/** Records the outcome of a claimed call. */
export async function finishToolCall(
  sql: Sql,
  turnId: string,
  callId: string,
  outcome:
    | { status: "done"; result: Record<string, unknown>; ms: number }
    | {
      status: "failed";
      error: { code: string; message: string; field?: string };
      ms: number;
    },
): Promise<void> {
  await sql`
    update tool_calls set
      status = ${outcome.status},
      result = ${
    outcome.status === "done" ? sql.json(outcome.result as Json) : null
  },
      error = ${
    outcome.status === "failed" ? sql.json(outcome.error as Json) : null
  },
      ms = ${Math.round(outcome.ms)}, finished_at = now()
    where turn_id = ${turnId} and call_id = ${callId} and status = 'running'`;
}

const UUID_RE =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The agent's tool-call timeout (migration 0008 `agents.tool_timeout_s`); null for no such agent. */
export async function agentToolTimeoutS(
  sql: Sql,
  agentId: string,
): Promise<number | null> {
  if (!UUID_RE.test(agentId)) return null;
  const [row] = await sql<{ tool_timeout_s: number }[]>`
    select tool_timeout_s from agents where id = ${agentId}`;
  return row?.tool_timeout_s ?? null;
}
