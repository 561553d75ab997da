/**
 * ChatService: the user's side of chat (`/api/chat/{agent_id}/…`). Every
 * method takes the caller's principal first and asks the policy
 * (`chat.read`, `chat.send`) before it looks anything up. Sending stores the
 * user message and a queued turn in one transaction, under the session's
 * row lock, so the busy and queue-length checks hold however many requests
 * race; the agent process picks the turn up (turns.ts).
 */
import { Buffer } from "node:buffer";
import { AppError } from "../../lib/errors.ts";
import {
  type CHAT_SOURCES,
  type ChatMessage,
  type ChatSend,
  chatSendSchema,
  type ChatSession,
  type ChatSseEvent,
  historyQuery,
  type Turn,
} from "../../lib/api/chat.ts";
import { UUID } from "../../lib/api/common.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import { invalidInput } from "../../lib/validation.ts";
import { authorize, precheck } from "../access/policy.ts";
import { personOf, type Principal } from "../access/principal.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/chat.ts";
import type { Subscription } from "../events/bus.ts";
import type { ChatHub } from "./hub.ts";
import type { TurnNotifier } from "./notifier.ts";
import { messageJson, turnJson } from "./view.ts";

type ChatSource = (typeof CHAT_SOURCES)[number];

/** Queued turns one session may hold (docs/design/agents.md § Limits). */
export const MAX_QUEUED_PER_SESSION = 5;
const TITLE_CHARS = 80;

export interface ChatServiceDeps {
  sql: Sql;
  hub: ChatHub;
  notifier: TurnNotifier;
  clock?: Clock;
  maxQueuedPerSession?: number;
}

export interface ChatSent {
  session_id: string;
  turn: Turn;
  message: ChatMessage;
  events_url: string;
}

/** How the controller's own channels send (Telegram, webhooks, result delivery). */
export interface SendOptions {
  source?: ChatSource;
  sourceUser?: string | null;
  automated?: boolean;
}

export function eventsUrl(agentId: string, sessionId: string): string {
  return `/api/chat/${agentId}/sessions/${sessionId}/events`;
}

const MAGIC: Record<string, number[]> = {
  "image/jpeg": [0xff, 0xd8, 0xff],
  "image/png": [0x89, 0x50, 0x4e, 0x47],
};

/** Decodes the images of a send; each must be the image its mime says. */
function decodeImages(
  images: ChatSend["images"],
): { mime: string; data: Uint8Array }[] {
  return (images ?? []).map((img, i) => {
    const data = new Uint8Array(Buffer.from(img.base64, "base64"));
    const magic = MAGIC[img.mime];
    if (!magic.every((b, k) => data[k] === b)) {
      throw new AppError(
        "invalid_input",
        `images.${i}.base64 is not a ${img.mime} image`,
        { field: `images.${i}.base64` },
      );
    }
    return { mime: img.mime, data };
  });
}

export class ChatService {
  #sql: Sql;
  #hub: ChatHub;
  #notifier: TurnNotifier;
  #clock: Clock;
  #maxQueued: number;

  constructor(d: ChatServiceDeps) {
    this.#sql = d.sql;
    this.#hub = d.hub;
    this.#notifier = d.notifier;
    this.#clock = d.clock ?? realClock;
    this.#maxQueued = d.maxQueuedPerSession ?? MAX_QUEUED_PER_SESSION;
  }

  async #agent(agentId: string): Promise<void> {
    if (!UUID.test(agentId) || !(await db.agentExists(this.#sql, agentId))) {
      throw new AppError("not_found", `No agent "${agentId}"`, {
        field: "agent_id",
      });
    }
  }

  async #session(agentId: string, sessionId: string): Promise<db.SessionRow> {
    const s = UUID.test(sessionId)
      ? await db.findSession(this.#sql, agentId, sessionId)
      : null;
    if (!s) {
      throw new AppError(
        "not_found",
        `No session "${sessionId}" of this agent`,
        { field: "session_id" },
      );
    }
    return s;
  }

  /**
   * Stores the message and queues its turn (answered 202). Dashboard and
   * API sends are refused (409) while a turn of the session is queued or
   * running; other channels queue behind it, up to the limit (429).
   */
  async send(
    p: Principal,
    agentId: string,
    body: unknown,
    opts: SendOptions = {},
  ): Promise<ChatSent> {
    precheck(p, "chat.send");
    const parsed = chatSendSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const input = parsed.data;
    await this.#agent(agentId);
    authorize(p, "chat.send");
    const images = decodeImages(input.images);
    const source: ChatSource = opts.source ?? input.source ??
      (p.kind === "token" ? "api" : "dashboard");
    const refuseWhileBusy = source === "dashboard" || source === "api";
    const now = new Date(this.#clock.now());
    const { message, turn } = await this.#sql.begin(async (tx) => {
      let session: db.SessionRow | null;
      if (input.session_id) {
        session = await db.findSession(tx, agentId, input.session_id, {
          lock: true,
        });
        if (!session) {
          throw new AppError(
            "not_found",
            `No session "${input.session_id}" of this agent`,
            { field: "session_id" },
          );
        }
      } else {
        const latest = await db.latestSession(tx, agentId);
        session = latest
          ? await db.findSession(tx, agentId, latest.id, { lock: true })
          : await db.insertSession(tx, agentId, now);
      }
      const sessionId = session!.id;
      const active = await db.activeTurnCounts(tx, sessionId);
      if (refuseWhileBusy && active.queued + active.running > 0) {
        throw new AppError(
          "conflict",
          "The agent is still answering in this session: wait for the answer, then send",
          { field: "session_id" },
        );
      }
      if (active.queued >= this.#maxQueued) {
        throw new AppError(
          "rate_limited",
          `At most ${this.#maxQueued} messages may wait for an answer in one session`,
          { field: "session_id", retryAfterS: 10 },
        );
      }
      const turn = await db.insertTurn(tx, {
        session_id: sessionId,
        agent_id: agentId,
        created_at: now,
      });
      const message = await db.insertMessage(tx, {
        session_id: sessionId,
        turn_id: turn.id,
        role: "user",
        content: input.message,
        source,
        source_user: opts.sourceUser !== undefined
          ? opts.sourceUser
          : personOf(p)?.username ?? null,
        automated: opts.automated ?? false,
        created_at: now,
      });
      await db.insertImages(tx, message.id, images);
      await db.touchSession(
        tx,
        sessionId,
        now,
        input.message.replace(/\s+/g, " ").slice(0, TITLE_CHARS),
      );
      return { message, turn };
    });
    const sent: ChatSent = {
      session_id: turn.session_id,
      turn: turnJson(turn),
      message: messageJson(message),
      events_url: eventsUrl(agentId, turn.session_id),
    };
    this.#hub.publish(turn.session_id, {
      event: "message",
      data: sent.message,
    });
    this.#hub.publish(turn.session_id, { event: "turn", data: sent.turn });
    this.#notifier.wake(agentId);
    return sent;
  }

  /** The newest `limit` messages of a session (default: the latest), oldest first, with their turns. */
  async history(p: Principal, agentId: string, query: unknown = {}) {
    precheck(p, "chat.read");
    const parsed = historyQuery.safeParse(query ?? {});
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const q = parsed.data;
    await this.#agent(agentId);
    authorize(p, "chat.read");
    const session = q.session_id
      ? await this.#session(agentId, q.session_id)
      : await db.latestSession(this.#sql, agentId);
    if (!session) {
      return { session_id: null, messages: [], turns: [], has_more: false };
    }
    let beforeSeq: string | null = null;
    if (q.before) {
      beforeSeq = await db.messageSeq(this.#sql, session.id, q.before);
      if (beforeSeq === null) {
        throw new AppError("not_found", `No message "${q.before}" here`, {
          field: "before",
        });
      }
    }
    const limit = q.limit ? Number(q.limit) : 50;
    const page = await db.pageMessages(this.#sql, session.id, limit, beforeSeq);
    const ids = new Set(
      page.rows.map((m) => m.turn_id).filter((t): t is string => t !== null),
    );
    for (const t of await db.activeTurns(this.#sql, session.id)) ids.add(t.id);
    const turns = await db.turnsByIds(this.#sql, [...ids]);
    const trace = await db.traceOf(this.#sql, [...ids]);
    return {
      session_id: session.id,
      messages: page.rows.map(messageJson),
      turns: turns.map((t) => turnJson(t, trace)),
      has_more: page.hasMore,
    };
  }

  /** The agent's sessions, newest first. */
  async sessions(
    p: Principal,
    agentId: string,
  ): Promise<{ sessions: ChatSession[] }> {
    precheck(p, "chat.read");
    await this.#agent(agentId);
    authorize(p, "chat.read");
    const rows = await db.listSessions(this.#sql, agentId);
    return {
      sessions: rows.map((r) => ({
        session_id: r.id,
        title: r.title,
        started_at: new Date(r.created_at).toISOString(),
        last_message_at: r.last_message_at
          ? new Date(r.last_message_at).toISOString()
          : null,
        message_count: r.message_count,
        busy: r.busy,
      })),
    };
  }

  /** A new, empty session (stored: it is the latest until another is made or used). */
  async newSession(
    p: Principal,
    agentId: string,
  ): Promise<{ session_id: string }> {
    precheck(p, "chat.send");
    await this.#agent(agentId);
    authorize(p, "chat.send");
    const s = await db.insertSession(
      this.#sql,
      agentId,
      new Date(this.#clock.now()),
    );
    return { session_id: s.id };
  }

  /** One turn of the agent, with its tool trace. */
  async turn(p: Principal, agentId: string, turnId: string): Promise<Turn> {
    precheck(p, "chat.read");
    await this.#agent(agentId);
    authorize(p, "chat.read");
    const t = UUID.test(turnId)
      ? await db.findTurn(this.#sql, agentId, turnId)
      : null;
    if (!t) {
      throw new AppError("not_found", `No turn "${turnId}" of this agent`, {
        field: "turn_id",
      });
    }
    return turnJson(t, await db.traceOf(this.#sql, [t.id]));
  }

  /** The live events of one session (the SSE stream). Close the subscription when done. */
  async subscribe(
    p: Principal,
    agentId: string,
    sessionId: string,
  ): Promise<Subscription<ChatSseEvent>> {
    precheck(p, "chat.read");
    await this.#agent(agentId);
    authorize(p, "chat.read");
    await this.#session(agentId, sessionId);
    return this.#hub.subscribe(sessionId);
  }
}
