/**
 * Queries on `chat_sessions`, `chat_messages`, `chat_message_images`,
 * `chat_turns` and `chat_tool_trace` (migration 0009). The claim of a turn
 * is one UPDATE guarded by the unique partial index `chat_turns_one_running`,
 * so one turn runs per session whatever number of controllers claim.
 */
import type { Sql, TxSql } from "./client.ts";

type Q = Sql | TxSql;
type Json = Parameters<Sql["json"]>[0];

export interface SessionRow {
  id: string;
  agent_id: string;
  title: string | null;
  summary: string | null;
  summary_upto_turn_seq: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface MessageRow {
  id: string;
  session_id: string;
  seq: string;
  turn_id: string | null;
  role: "user" | "assistant" | "tool" | "note";
  content: string;
  tool_calls: { id: string; name: string; args: Record<string, unknown> }[];
  tool_call_id: string | null;
  tool_name: string | null;
  tool_summary: string | null;
  source: string;
  source_user: string | null;
  automated: boolean;
  media: { kind: string; url: string; mime: string; caption: string | null }[];
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: Date;
}

export interface TurnRow {
  id: string;
  session_id: string;
  agent_id: string;
  queue_seq: string;
  status:
    | "queued"
    | "running"
    | "done"
    | "failed"
    | "interrupted"
    | "cancelled";
  error:
    | { kind: string; message: string; retry_after_s?: number | null }
    | null;
  lease_until: Date | null;
  claimed_generation: number | null;
  last_seq: number;
  prompt_tokens: number;
  completion_tokens: number;
  steps: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface TraceRow {
  turn_id: string;
  call_id: string;
  ord: number;
  name: string;
  args: Record<string, unknown>;
  summary: string | null;
  ms: number | null;
  error: string | null;
}

export interface ImageRow {
  message_id: string;
  idx: number;
  mime: "image/jpeg" | "image/png";
  data: Uint8Array;
}

export async function agentExists(sql: Q, agentId: string): Promise<boolean> {
  const rows = await sql`select 1 from agents where id = ${agentId}`;
  return rows.length > 0;
}

export async function insertSession(
  sql: Q,
  agentId: string,
  now: Date,
): Promise<SessionRow> {
  const [row] = await sql<SessionRow[]>`insert into chat_sessions
    (agent_id, created_at, updated_at) values (${agentId}, ${now}, ${now})
    returning *`;
  return row;
}

export async function findSession(
  sql: Q,
  agentId: string,
  sessionId: string,
  opts: { lock?: boolean } = {},
): Promise<SessionRow | null> {
  const rows = await sql<SessionRow[]>`select * from chat_sessions
    where id = ${sessionId} and agent_id = ${agentId}
    ${opts.lock ? sql`for update` : sql``}`;
  return rows[0] ?? null;
}

export async function latestSession(
  sql: Q,
  agentId: string,
): Promise<SessionRow | null> {
  const rows = await sql<SessionRow[]>`select * from chat_sessions
    where agent_id = ${agentId} order by updated_at desc, created_at desc limit 1`;
  return rows[0] ?? null;
}

export interface SessionListRow {
  id: string;
  title: string | null;
  created_at: Date;
  last_message_at: Date | null;
  message_count: number;
  busy: boolean;
}

export async function listSessions(
  sql: Q,
  agentId: string,
  limit = 200,
): Promise<SessionListRow[]> {
  return await sql<SessionListRow[]>`select s.id, s.title, s.created_at,
      (select max(m.created_at) from chat_messages m where m.session_id = s.id) as last_message_at,
      (select count(*)::int from chat_messages m where m.session_id = s.id) as message_count,
      exists (select 1 from chat_turns t where t.session_id = s.id
        and t.status in ('queued', 'running')) as busy
    from chat_sessions s where s.agent_id = ${agentId}
    order by s.updated_at desc, s.created_at desc limit ${limit}`;
}

export async function touchSession(
  sql: Q,
  sessionId: string,
  now: Date,
  title?: string,
): Promise<void> {
  await sql`update chat_sessions set updated_at = ${now},
    title = coalesce(title, ${title ?? null}) where id = ${sessionId}`;
}

export async function setSummary(
  sql: Q,
  sessionId: string,
  summary: string,
  uptoSeq: string,
): Promise<void> {
  await sql`update chat_sessions set summary = ${summary},
    summary_upto_turn_seq = ${uptoSeq} where id = ${sessionId}`;
}

/** Turns of a session that are queued or running, per status. */
export async function activeTurnCounts(
  sql: Q,
  sessionId: string,
): Promise<{ queued: number; running: number }> {
  const [row] = await sql<{ queued: number; running: number }[]>`select
      count(*) filter (where status = 'queued')::int as queued,
      count(*) filter (where status = 'running')::int as running
    from chat_turns where session_id = ${sessionId}`;
  return row;
}

export type NewMessage = {
  session_id: string;
  turn_id: string | null;
  role: MessageRow["role"];
  content: string;
  tool_calls?: MessageRow["tool_calls"];
  tool_call_id?: string | null;
  tool_name?: string | null;
  tool_summary?: string | null;
  source: string;
  source_user?: string | null;
  automated?: boolean;
  media?: MessageRow["media"];
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  created_at: Date;
};

export async function insertMessage(
  sql: Q,
  m: NewMessage,
): Promise<MessageRow> {
  const [row] = await sql<MessageRow[]>`insert into chat_messages
    (session_id, turn_id, role, content, tool_calls, tool_call_id, tool_name,
     tool_summary, source, source_user, automated, media, prompt_tokens,
     completion_tokens, created_at)
    values (${m.session_id}, ${m.turn_id}, ${m.role}, ${m.content},
      ${sql.json((m.tool_calls ?? []) as Json)}, ${m.tool_call_id ?? null},
      ${m.tool_name ?? null}, ${m.tool_summary ?? null}, ${m.source},
      ${m.source_user ?? null}, ${m.automated ?? false},
      ${sql.json((m.media ?? []) as Json)}, ${m.prompt_tokens ?? null},
      ${m.completion_tokens ?? null}, ${m.created_at})
    returning *`;
  return row;
}

export async function setMessageTurn(
  sql: Q,
  messageId: string,
  turnId: string,
): Promise<void> {
  await sql`update chat_messages set turn_id = ${turnId} where id = ${messageId}`;
}

export async function insertImages(
  sql: Q,
  messageId: string,
  images: { mime: string; data: Uint8Array }[],
): Promise<void> {
  for (const [idx, img] of images.entries()) {
    await sql`insert into chat_message_images (message_id, idx, mime, data)
      values (${messageId}, ${idx}, ${img.mime}, ${img.data})`;
  }
}

export async function imagesOf(
  sql: Q,
  messageIds: string[],
): Promise<ImageRow[]> {
  if (!messageIds.length) return [];
  return await sql<ImageRow[]>`select * from chat_message_images
    where message_id in ${sql(messageIds)} order by message_id, idx`;
}

/** The newest `limit` messages of a session (before message `before`), oldest first. */
export async function pageMessages(
  sql: Q,
  sessionId: string,
  limit: number,
  beforeSeq: string | null,
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  const rows = await sql<MessageRow[]>`select * from chat_messages
    where session_id = ${sessionId}
      ${beforeSeq === null ? sql`` : sql`and seq < ${beforeSeq}`}
    order by seq desc limit ${limit + 1}`;
  const hasMore = rows.length > limit;
  return { rows: rows.slice(0, limit).reverse(), hasMore };
}

export async function messageSeq(
  sql: Q,
  sessionId: string,
  messageId: string,
): Promise<string | null> {
  const rows = await sql<{ seq: string }[]>`select seq from chat_messages
    where id = ${messageId} and session_id = ${sessionId}`;
  return rows[0]?.seq ?? null;
}

/**
 * Messages a model may see (no notes) of the session's turns after
 * `afterTurnSeq` up to `uptoTurnSeq` (inclusive), in turn order (a user
 * message queued behind a running turn was stored before that turn's
 * answer, but comes after it), with how many images each has.
 */
export async function contextMessages(
  sql: Q,
  sessionId: string,
  afterTurnSeq: string | null,
  uptoTurnSeq: string,
): Promise<(MessageRow & { image_count: number; turn_seq: string })[]> {
  return await sql<(MessageRow & { image_count: number; turn_seq: string })[]>`
    select m.*, t.queue_seq as turn_seq,
      (select count(*)::int from chat_message_images i where i.message_id = m.id) as image_count
    from chat_messages m join chat_turns t on t.id = m.turn_id
    where m.session_id = ${sessionId} and m.role <> 'note'
      and t.queue_seq <= ${uptoTurnSeq}
      ${afterTurnSeq === null ? sql`` : sql`and t.queue_seq > ${afterTurnSeq}`}
    order by t.queue_seq, m.seq`;
}

export async function insertTurn(
  sql: Q,
  t: { session_id: string; agent_id: string; created_at: Date },
): Promise<TurnRow> {
  const [row] = await sql<TurnRow[]>`insert into chat_turns
    (session_id, agent_id, created_at)
    values (${t.session_id}, ${t.agent_id}, ${t.created_at}) returning *`;
  return row;
}

export async function findTurn(
  sql: Q,
  agentId: string,
  turnId: string,
  opts: { lock?: boolean } = {},
): Promise<TurnRow | null> {
  const rows = await sql<TurnRow[]>`select * from chat_turns
    where id = ${turnId} and agent_id = ${agentId}
    ${opts.lock ? sql`for update` : sql``}`;
  return rows[0] ?? null;
}

export async function turnsByIds(sql: Q, ids: string[]): Promise<TurnRow[]> {
  if (!ids.length) return [];
  return await sql<TurnRow[]>`select * from chat_turns where id in ${sql(ids)}
    order by queue_seq`;
}

export async function activeTurns(
  sql: Q,
  sessionId: string,
): Promise<TurnRow[]> {
  return await sql<
    TurnRow[]
  >`select * from chat_turns where session_id = ${sessionId}
    and status in ('queued', 'running') order by queue_seq`;
}

/**
 * Claims the agent's oldest queued turn whose session has no running turn
 * and no older queued one: one UPDATE … RETURNING. Two claimers never both
 * win: the row lock (SKIP LOCKED) keeps them off the same turn, and the
 * unique partial index refuses a second running turn of one session (the
 * caller treats that error as "nothing claimed").
 */
export async function claimTurn(
  sql: Q,
  agentId: string,
  generation: number,
  now: Date,
  leaseUntil: Date,
): Promise<TurnRow | null> {
  const rows = await sql<TurnRow[]>`update chat_turns t
    set status = 'running', claimed_generation = ${generation},
      lease_until = ${leaseUntil}, started_at = ${now}
    where t.id = (
      select q.id from chat_turns q
      where q.agent_id = ${agentId} and q.status = 'queued'
        and not exists (select 1 from chat_turns r
          where r.session_id = q.session_id and r.status = 'running')
        and not exists (select 1 from chat_turns o
          where o.session_id = q.session_id and o.status = 'queued'
            and o.queue_seq < q.queue_seq)
      order by q.queue_seq
      limit 1
      for update skip locked
    ) and t.status = 'queued'
    returning *`;
  return rows[0] ?? null;
}

/** The user message a turn answers (the first of the turn). */
export async function userMessageOf(
  sql: Q,
  turnId: string,
): Promise<MessageRow | null> {
  const rows = await sql<MessageRow[]>`select * from chat_messages
    where turn_id = ${turnId} and role = 'user' order by seq limit 1`;
  return rows[0] ?? null;
}

export async function extendLease(
  sql: Q,
  turnId: string,
  leaseUntil: Date,
  lastSeq: number,
  addSteps: number,
): Promise<void> {
  await sql`update chat_turns set lease_until = ${leaseUntil},
    last_seq = greatest(last_seq, ${lastSeq}), steps = steps + ${addSteps}
    where id = ${turnId}`;
}

export async function finishTurn(
  sql: Q,
  turnId: string,
  status: "done" | "failed" | "interrupted" | "cancelled",
  now: Date,
  error: TurnRow["error"] = null,
): Promise<TurnRow> {
  const [row] = await sql<TurnRow[]>`update chat_turns set status = ${status},
    error = ${error === null ? null : sql.json(error as Json)},
    finished_at = ${now}, lease_until = null
    where id = ${turnId} returning *`;
  return row;
}

export async function addTurnUsage(
  sql: Q,
  turnId: string,
  prompt: number,
  completion: number,
): Promise<TurnRow | null> {
  const rows = await sql<TurnRow[]>`update chat_turns set
    prompt_tokens = prompt_tokens + ${prompt},
    completion_tokens = completion_tokens + ${completion}
    where id = ${turnId} returning *`;
  return rows[0] ?? null;
}

export async function runningTurnsOf(
  sql: Q,
  agentId: string,
): Promise<TurnRow[]> {
  return await sql<TurnRow[]>`select * from chat_turns
    where agent_id = ${agentId} and status = 'running'`;
}

export async function expiredTurns(sql: Q, now: Date): Promise<TurnRow[]> {
  return await sql<TurnRow[]>`select * from chat_turns
    where status = 'running' and lease_until < ${now} limit 100`;
}

export async function upsertTraceStart(
  sql: Q,
  t: {
    turn_id: string;
    call_id: string;
    name: string;
    args: unknown;
    now: Date;
  },
): Promise<void> {
  await sql`insert into chat_tool_trace (turn_id, call_id, ord, name, args, started_at)
    values (${t.turn_id}, ${t.call_id},
      (select count(*)::int from chat_tool_trace where turn_id = ${t.turn_id}),
      ${t.name}, ${sql.json(t.args as Json)}, ${t.now})
    on conflict (turn_id, call_id) do nothing`;
}

export async function upsertTraceEnd(
  sql: Q,
  t: {
    turn_id: string;
    call_id: string;
    name: string;
    summary: string | null;
    ms: number;
    error: string | null;
    now: Date;
  },
): Promise<void> {
  await sql`insert into chat_tool_trace (turn_id, call_id, ord, name, summary, ms, error, started_at)
    values (${t.turn_id}, ${t.call_id},
      (select count(*)::int from chat_tool_trace where turn_id = ${t.turn_id}),
      ${t.name}, ${t.summary}, ${t.ms}, ${t.error}, ${t.now})
    on conflict (turn_id, call_id) do update set summary = excluded.summary,
      ms = excluded.ms, error = excluded.error`;
}

export async function traceOf(sql: Q, turnIds: string[]): Promise<TraceRow[]> {
  if (!turnIds.length) return [];
  return await sql<
    TraceRow[]
  >`select turn_id, call_id, ord, name, args, summary, ms, error
    from chat_tool_trace where turn_id in ${
    sql(turnIds)
  } order by turn_id, ord`;
}

/** The token counts of a done turn's answer (its last assistant message). */
export async function setAnswerUsage(
  sql: Q,
  turnId: string,
  prompt: number,
  completion: number,
): Promise<void> {
  await sql`update chat_messages set prompt_tokens = ${prompt},
    completion_tokens = ${completion}
    where id = (select id from chat_messages where turn_id = ${turnId}
      and role = 'assistant' order by seq desc limit 1)`;
}
