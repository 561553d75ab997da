/**
 * TurnService: the agent process's side of chat (lib/agent_protocol.ts).
 * The process long-polls for the next turn (`claimNext`), posts its events
 * in batches (`appendEvents`) and ends the turn with `final` or `error`.
 *
 * - Claiming is one UPDATE guarded by the unique partial index on running
 *   turns (db/chat.ts `claimTurn`): one turn per session, one claimer.
 * - A claim is a lease: every batch extends it; `expireLeases` (a job) and
 *   `interruptRunning` (the agent stopped) take turns back as `interrupted`
 *   with a note in the session, and nothing else from them is stored.
 * - Events are idempotent by `seq`: a batch posted twice (a retry after a
 *   lost answer) stores and fans out nothing twice.
 * - `final` stores the turn's messages and marks it done in one
 *   transaction; `error` marks it failed and stores no assistant message.
 *
 * The caller's credential is checked at the HTTP edge (the agent principal
 * names the agent and the generation of its credential); these methods
 * take the agent id and generation it proved.
 */
import { Buffer } from "node:buffer";
import type {
  ContextMessage,
  EventAck,
  TurnEvent,
  TurnJob,
} from "../../lib/agent_protocol.ts";
import type { ChatSseEvent, TurnError } from "../../lib/api/chat.ts";
import type { ToolInfo } from "../../lib/api/tools.ts";
import { UUID } from "../../lib/api/common.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type { Sql, TxSql } from "../db/client.ts";
import * as db from "../db/chat.ts";
import { fitContext, type HistoryMessage } from "./context.ts";
import type { ChatHub } from "./hub.ts";
import { contextWindowOf } from "./models.ts";
import type { TurnNotifier } from "./notifier.ts";
import { estimatorFor } from "./tokens.ts";
import { messageJson, turnJson } from "./view.ts";

const log = logger("chat");

/** What the note of an interrupted turn says. */
export const INTERRUPTED_NOTE =
  "The agent stopped during this turn and was restarted; nothing was stored from it. Send the message again to retry.";

/** The agent's settings a turn runs with: lib/agent_protocol.ts turnAgentSchema plus its context window. */
export interface TurnAgentConfig {
  id: string;
  slug: string;
  name: string;
  wire: "openai" | "anthropic";
  model: string;
  temperature: number;
  max_tokens: number;
  step_limit: number;
  system_prompt: string;
  llm_timeout_s: number;
  tool_timeout_s: number;
  /** null: the known window of the model, else 32k. */
  context_window: number | null;
}

export interface TurnServiceDeps {
  sql: Sql;
  hub: ChatHub;
  notifier: TurnNotifier;
  clock?: Clock;
  /** The agent's settings as of now; null for an unknown agent. */
  agentConfig: (agentId: string) => Promise<TurnAgentConfig | null>;
  /** The tools granted to the agent, as the model sees them. */
  toolsFor: (agentId: string) => Promise<ToolInfo[]> | ToolInfo[];
  /** Called on every request of the agent's process (liveness for the supervisor). */
  touch: (agentId: string) => void;
  /** Seconds a claim lasts without an event. @default 30 */
  leaseS?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

type Publish = [sessionId: string, event: ChatSseEvent][];

export class TurnService {
  #d: TurnServiceDeps;
  #clock: Clock;
  readonly leaseS: number;

  constructor(d: TurnServiceDeps) {
    this.#d = d;
    this.#clock = d.clock ?? realClock;
    this.leaseS = d.leaseS ?? 30;
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }

  #leaseUntil(): Date {
    return new Date(this.#clock.now() + this.leaseS * 1000);
  }

  #publish(out: Publish): void {
    for (const [session, ev] of out) this.#d.hub.publish(session, ev);
  }

  /**
   * The next turn of the agent, claimed for this generation of its
   * credential, or null when none was queued within `waitS` seconds.
   */
  async claimNext(
    agentId: string,
    generation: number,
    waitS: number,
    signal?: AbortSignal,
  ): Promise<TurnJob | null> {
    this.#d.touch(agentId);
    const agent = await this.#d.agentConfig(agentId);
    if (!agent) {
      throw new AppError("not_found", `No agent "${agentId}"`, {
        field: "id",
      });
    }
    const tools = await this.#d.toolsFor(agentId);
    const deadline = this.#clock.now() + Math.max(0, waitS) * 1000;
    while (true) {
      const armed = this.#d.notifier.arm(agentId);
      const turn = await this.#claim(agentId, generation);
      if (turn) {
        armed.cancel();
        try {
          return await this.#job(turn, agent, tools);
        } catch (e) {
          // The claim stands: its lease runs out and the turn is interrupted
          // with a note, as when a process dies holding it.
          log.error("building a turn failed", {
            turn: turn.id,
            error: errorMessage(e),
          });
          throw e;
        }
      }
      const left = deadline - this.#clock.now();
      if (left <= 0 || signal?.aborted) {
        armed.cancel();
        return null;
      }
      await armed.wait(left, signal);
      if (signal?.aborted) return null;
    }
  }

  async #claim(
    agentId: string,
    generation: number,
  ): Promise<db.TurnRow | null> {
    try {
      return await db.claimTurn(
        this.#d.sql,
        agentId,
        generation,
        this.#now(),
        this.#leaseUntil(),
      );
    } catch (e) {
      // Another claimer won this session's running slot first: nothing claimed now.
      if ((e as { code?: string }).code === "23505") return null;
      throw e;
    }
  }

  async #job(
    turn: db.TurnRow,
    agent: TurnAgentConfig,
    tools: ToolInfo[],
  ): Promise<TurnJob> {
    const sql = this.#d.sql;
    const session =
      (await db.findSession(sql, turn.agent_id, turn.session_id))!;
    const user = await db.userMessageOf(sql, turn.id);
    if (!user) throw new Error(`turn ${turn.id} has no user message`);
    const rows = await db.contextMessages(
      sql,
      session.id,
      session.summary_upto_turn_seq,
      turn.queue_seq,
    );
    const images = await db.imagesOf(sql, [user.id]);
    const history: HistoryMessage[] = rows.map((m) => ({
      turn_seq: Number(m.turn_seq),
      role: m.role as HistoryMessage["role"],
      content: m.content,
      tool_calls: m.tool_calls,
      tool_call_id: m.tool_call_id,
      tool_name: m.tool_name,
      tool_summary: m.tool_summary,
      images: m.id === user.id
        ? images.map((i) => ({
          mime: i.mime,
          base64: Buffer.from(i.data).toString("base64"),
        }))
        : [],
      image_count: m.image_count,
      created_at: new Date(m.created_at).toISOString(),
    }));
    const estimate = await estimatorFor(agent.model);
    const fit = fitContext({
      messages: history,
      summary: session.summary !== null &&
          session.summary_upto_turn_seq !== null
        ? {
          text: session.summary,
          uptoSeq: Number(session.summary_upto_turn_seq),
        }
        : null,
      contextWindow: contextWindowOf(agent.model, agent.context_window),
      maxTokens: agent.max_tokens,
      systemPrompt: agent.system_prompt,
      toolSchemas: JSON.stringify(tools.map((t) => t.parameters)),
      estimate,
    });
    if (fit.newSummary) {
      await db.setSummary(
        sql,
        session.id,
        fit.newSummary.text,
        String(fit.newSummary.uptoSeq),
      );
    }
    this.#publish([[turn.session_id, { event: "turn", data: turnJson(turn) }]]);
    const { context_window: _cw, ...agentFields } = agent;
    return {
      turn_id: turn.id,
      session_id: turn.session_id,
      lease_s: this.leaseS,
      agent: agentFields,
      tools,
      summary: fit.summary,
      messages: fit.messages,
    };
  }

  /**
   * Applies a batch of the turn's events. Answers `cancelled` when the turn
   * is no longer this claimer's (another generation, lease expired,
   * interrupted, or already ended and new events follow).
   */
  async appendEvents(
    agentId: string,
    generation: number,
    turnId: string,
    events: TurnEvent[],
  ): Promise<EventAck> {
    this.#d.touch(agentId);
    if (!UUID.test(turnId)) {
      throw new AppError("not_found", `No turn "${turnId}" of this agent`, {
        field: "turn",
      });
    }
    const out: Publish = [];
    let ended = false;
    const ack = await this.#d.sql.begin(async (tx): Promise<EventAck> => {
      const turn = await db.findTurn(tx, agentId, turnId, { lock: true });
      if (!turn) {
        throw new AppError("not_found", `No turn "${turnId}" of this agent`, {
          field: "turn",
        });
      }
      const fresh = [...events].sort((a, b) => a.seq - b.seq).filter((
        e,
        i,
        a,
      ) => e.seq > turn.last_seq && (i === 0 || a[i - 1].seq !== e.seq));
      if (turn.claimed_generation !== generation) {
        return { accepted: 0, cancelled: true };
      }
      if (turn.status === "done" || turn.status === "failed") {
        // A repeat of what ended it is fine; anything new comes too late.
        return { accepted: 0, cancelled: fresh.length > 0 };
      }
      if (turn.status !== "running") return { accepted: 0, cancelled: true };
      const now = this.#now();
      if (turn.lease_until && turn.lease_until.getTime() < now.getTime()) {
        out.push(...await this.#interrupt(tx, turn, now));
        ended = true;
        return { accepted: 0, cancelled: true };
      }
      let accepted = 0;
      let lastSeq = turn.last_seq;
      let steps = 0;
      for (const ev of fresh) {
        accepted++;
        lastSeq = ev.seq;
        if (ev.type === "token") {
          out.push([turn.session_id, {
            event: "token",
            data: { turn_id: turn.id, text: ev.text },
          }]);
        } else if (ev.type === "tool_start") {
          steps++;
          await db.upsertTraceStart(tx, {
            turn_id: turn.id,
            call_id: ev.call_id,
            name: ev.name,
            args: ev.args,
            now,
          });
          out.push([turn.session_id, {
            event: "tool_start",
            data: {
              turn_id: turn.id,
              call_id: ev.call_id,
              name: ev.name,
              args: ev.args,
            },
          }]);
        } else if (ev.type === "tool_end") {
          await db.upsertTraceEnd(tx, {
            turn_id: turn.id,
            call_id: ev.call_id,
            name: ev.name,
            summary: ev.summary,
            ms: ev.ms,
            error: ev.error,
            now,
          });
          out.push([turn.session_id, {
            event: "tool_end",
            data: {
              turn_id: turn.id,
              call_id: ev.call_id,
              name: ev.name,
              summary: ev.summary,
              ms: ev.ms,
              error: ev.error,
            },
          }]);
        } else if (ev.type === "final") {
          await db.extendLease(tx, turn.id, this.#leaseUntil(), lastSeq, steps);
          out.push(...await this.#final(tx, turn, ev, now));
          ended = true;
          break;
        } else {
          await db.extendLease(tx, turn.id, this.#leaseUntil(), lastSeq, steps);
          out.push(...await this.#failed(tx, turn, ev.error, now));
          ended = true;
          break;
        }
      }
      if (!ended) {
        await db.extendLease(tx, turn.id, this.#leaseUntil(), lastSeq, steps);
      }
      return { accepted, cancelled: false };
    });
    this.#publish(out);
    if (ended) this.#d.notifier.wake(agentId);
    return ack;
  }

  /** Stores the turn's messages and the answer, and marks it done (one transaction: the caller's). */
  async #final(
    tx: TxSql,
    turn: db.TurnRow,
    ev: Extract<TurnEvent, { type: "final" }>,
    now: Date,
  ): Promise<Publish> {
    const out: Publish = [];
    const trace = await db.traceOf(tx, [turn.id]);
    const summaryOf = new Map(trace.map((t) => [t.call_id, t.summary]));
    const base = {
      session_id: turn.session_id,
      turn_id: turn.id,
      source: "agent",
      created_at: now,
    };
    const added: ContextMessage[] = [...ev.messages];
    // The answer may close the list already; store it once.
    const last = added[added.length - 1];
    if (
      last?.role === "assistant" && !last.tool_calls.length &&
      last.content === ev.text
    ) added.pop();
    for (const m of added) {
      // User-role parts (images a tool showed the model) are the model's
      // input, not something the user said: not stored.
      if (m.role === "user") continue;
      const row = m.role === "assistant"
        ? await db.insertMessage(tx, {
          ...base,
          role: "assistant",
          content: m.content,
          tool_calls: m.tool_calls,
        })
        : await db.insertMessage(tx, {
          ...base,
          role: "tool",
          content: m.content,
          tool_call_id: m.tool_call_id,
          tool_name: m.name,
          tool_summary: summaryOf.get(m.tool_call_id) ?? null,
        });
      out.push([turn.session_id, { event: "message", data: messageJson(row) }]);
    }
    const done = await db.finishTurn(tx, turn.id, "done", now);
    const answer = await db.insertMessage(tx, {
      ...base,
      role: "assistant",
      content: ev.text,
      prompt_tokens: done.prompt_tokens,
      completion_tokens: done.completion_tokens,
    });
    out.push([turn.session_id, {
      event: "message",
      data: messageJson(answer),
    }]);
    out.push([turn.session_id, {
      event: "turn",
      data: turnJson(done, await db.traceOf(tx, [turn.id])),
    }]);
    return out;
  }

  async #failed(
    tx: TxSql,
    turn: db.TurnRow,
    error: TurnError,
    now: Date,
  ): Promise<Publish> {
    const row = await db.finishTurn(tx, turn.id, "failed", now, {
      kind: error.kind,
      message: error.message,
      retry_after_s: error.retry_after_s ?? null,
    });
    return [[turn.session_id, {
      event: "turn",
      data: turnJson(row, await db.traceOf(tx, [turn.id])),
    }]];
  }

  /** Marks a running turn interrupted and says so in its session. */
  async #interrupt(tx: TxSql, turn: db.TurnRow, now: Date): Promise<Publish> {
    const row = await db.finishTurn(tx, turn.id, "interrupted", now, {
      kind: "agent_stopped",
      message: INTERRUPTED_NOTE,
    });
    const note = await db.insertMessage(tx, {
      session_id: turn.session_id,
      turn_id: turn.id,
      role: "note",
      content: INTERRUPTED_NOTE,
      source: "system",
      created_at: now,
    });
    return [
      [turn.session_id, { event: "message", data: messageJson(note) }],
      [turn.session_id, {
        event: "turn",
        data: turnJson(row, await db.traceOf(tx, [turn.id])),
      }],
    ];
  }

  async #interruptWhere(
    turns: db.TurnRow[],
    stillDue: (t: db.TurnRow, now: Date) => boolean,
  ): Promise<number> {
    let n = 0;
    for (const t of turns) {
      const now = this.#now();
      const out = await this.#d.sql.begin(async (tx) => {
        const cur = await db.findTurn(tx, t.agent_id, t.id, { lock: true });
        if (!cur || cur.status !== "running" || !stillDue(cur, now)) return [];
        return await this.#interrupt(tx, cur, now);
      });
      if (out.length) {
        n++;
        this.#publish(out);
        this.#d.notifier.wake(t.agent_id);
      }
    }
    return n;
  }

  /** The agent's process was stopped or died: its running turns end as interrupted. */
  async interruptRunning(agentId: string): Promise<number> {
    if (!UUID.test(agentId)) return 0;
    return await this.#interruptWhere(
      await db.runningTurnsOf(this.#d.sql, agentId),
      () => true,
    );
  }

  /** The lease-expiry job's pass: running turns whose lease ran out end as interrupted. */
  async expireLeases(): Promise<number> {
    return await this.#interruptWhere(
      await db.expiredTurns(this.#d.sql, this.#now()),
      (t, now) => t.lease_until !== null && t.lease_until < now,
    );
  }

  /**
   * Adds the provider's token figures to a turn (the gateway calls it for
   * each model call). Figures arriving after the answer was stored update
   * the answer's counts too. False for an unknown turn.
   */
  async addUsage(turnId: string, usage: Usage): Promise<boolean> {
    if (!UUID.test(turnId)) return false;
    const p = Math.max(0, Math.round(usage.prompt_tokens));
    const c = Math.max(0, Math.round(usage.completion_tokens));
    return await this.#d.sql.begin(async (tx) => {
      const row = await db.addTurnUsage(tx, turnId, p, c);
      if (!row) return false;
      if (row.status === "done") {
        await db.setAnswerUsage(
          tx,
          turnId,
          row.prompt_tokens,
          row.completion_tokens,
        );
      }
      return true;
    });
  }
}
