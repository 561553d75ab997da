/**
 * The chat page's state, pure: a session's stored messages and its turns,
 * updated by the session's events (lib/api/chat.ts CHAT_SSE_EVENTS) and by
 * history reads, and laid out as the list the page shows.
 *
 * An answer streams in as `token` events; the stored answer (`message`)
 * replaces the streamed text when it arrives. Tool calls show as they run
 * (`tool_start`, then `tool_end` with the summary, duration or error). A
 * failed turn stores no answer: its error is shown as an error, never as
 * the assistant's words. Everything is idempotent, so a history read after
 * a reconnect merges with what the stream already brought.
 */
import type {
  ChatMessage,
  ChatSseEvent,
  ToolTrace,
  Turn,
  TurnError,
  TurnErrorKind,
} from "../../lib/api/chat.ts";

/** A turn as the page knows it: the stored turn plus what streamed so far. */
export interface LiveTurn {
  turn: Turn;
  /** Answer text streamed by `token` events. */
  text: string;
  /** The tool trace in the order the calls started. */
  tools: ToolTrace[];
}

export interface ChatState {
  sessionId: string | null;
  /** Stored messages, oldest first, each once. */
  messages: ChatMessage[];
  turns: Record<string, LiveTurn>;
  /** Older messages exist (`GET …/history` said so). */
  hasMore: boolean;
}

/** `GET /api/chat/{agent_id}/history`'s answer (lib/api/chat.ts historySchema). */
export interface HistoryPage {
  session_id: string | null;
  messages: ChatMessage[];
  turns: Turn[];
  has_more: boolean;
}

export const EMPTY_CHAT: ChatState = {
  sessionId: null,
  messages: [],
  turns: {},
  hasMore: false,
};

/** The state a history page gives, on its own. */
export function fromHistory(page: HistoryPage): ChatState {
  return mergeHistory({ ...EMPTY_CHAT, sessionId: page.session_id }, page);
}

/**
 * Adds a history page to the state: messages are joined by id (a page of
 * older messages goes before, a re-read after a reconnect fills the gap) and
 * the stored turns update the known ones without losing streamed text.
 */
export function mergeHistory(state: ChatState, page: HistoryPage): ChatState {
  let next: ChatState = {
    ...state,
    sessionId: state.sessionId ?? page.session_id,
    messages: joinMessages(state.messages, page.messages),
    hasMore: state.messages.length === 0 || isOlderPage(state, page)
      ? page.has_more
      : state.hasMore,
  };
  for (const t of page.turns) next = upsertTurn(next, t);
  return next;
}

function isOlderPage(state: ChatState, page: HistoryPage): boolean {
  const first = state.messages[0];
  const last = page.messages.at(-1);
  return !!first && !!last && last.created_at <= first.created_at &&
    !state.messages.some((m) => m.id === last.id);
}

/** Applies one event of the session's stream. Events of other sessions are ignored. */
export function applyChatEvent(
  state: ChatState,
  ev: ChatSseEvent,
): ChatState {
  switch (ev.event) {
    case "turn":
      if (state.sessionId && ev.data.session_id !== state.sessionId) {
        return state;
      }
      return upsertTurn(state, ev.data);
    case "message":
      if (state.sessionId && ev.data.session_id !== state.sessionId) {
        return state;
      }
      return { ...state, messages: joinMessages(state.messages, [ev.data]) };
    case "token": {
      const live = liveTurn(state, ev.data.turn_id);
      return withTurn(state, { ...live, text: live.text + ev.data.text });
    }
    case "tool_start": {
      const live = liveTurn(state, ev.data.turn_id);
      return withTurn(state, {
        ...live,
        tools: mergeTools(live.tools, [{
          call_id: ev.data.call_id,
          name: ev.data.name,
          args: ev.data.args,
          summary: null,
          ms: null,
          error: null,
        }]),
      });
    }
    case "tool_end": {
      const live = liveTurn(state, ev.data.turn_id);
      return withTurn(state, {
        ...live,
        tools: mergeTools(live.tools, [{
          call_id: ev.data.call_id,
          name: ev.data.name,
          args: {},
          summary: ev.data.summary,
          ms: ev.data.ms,
          error: ev.data.error,
        }]),
      });
    }
  }
  return state;
}

/** True while a turn of the session is queued or running: Send waits. */
export function isBusy(state: ChatState): boolean {
  return Object.values(state.turns).some((t) =>
    (t.turn.status === "queued" || t.turn.status === "running") &&
    (!state.sessionId || t.turn.session_id === state.sessionId)
  );
}

/** One item of the conversation as the page lays it out. */
export type ChatEntry =
  | { kind: "message"; message: ChatMessage }
  /** What a turn adds after its messages: tool trace, streamed text, state, error. */
  | {
    kind: "turn";
    turn: Turn;
    tools: ToolTrace[];
    /** Streamed answer not yet stored. */
    text: string;
  };

/**
 * The conversation in order. A turn's tool trace and state go before its
 * first reply (the answer, a note) or, while there is none, after its last
 * message (the user's question); the streamed text shows until the stored
 * answer replaces it. Tool results and the empty assistant steps that only
 * call tools are in the trace, not repeated as messages (a tool message with
 * media still shows, for its media).
 */
export function chatEntries(state: ChatState): ChatEntry[] {
  const entries: ChatEntry[] = [];
  /** Where a turn's tail goes: before its first reply, else after its last message. */
  const slot = new Map<string, { at: number; reply: boolean }>();
  const answered = new Set<string>();
  for (const m of state.messages) {
    const t = m.turn_id;
    if (t && m.role === "assistant" && m.content.trim()) answered.add(t);
    if (!shownAsMessage(m)) continue;
    if (t && !slot.get(t)?.reply) {
      slot.set(
        t,
        m.role === "user"
          ? { at: entries.length + 1, reply: false }
          : { at: entries.length, reply: true },
      );
    }
    entries.push({ kind: "message", message: m });
  }
  const tails: { at: number; entry: ChatEntry; created: string }[] = [];
  for (const live of Object.values(state.turns)) {
    const { turn } = live;
    if (state.sessionId && turn.session_id !== state.sessionId) continue;
    const text = answered.has(turn.id) ? "" : live.text;
    if (turn.status === "done" && live.tools.length === 0 && !text) continue;
    tails.push({
      at: slot.get(turn.id)?.at ?? entries.length,
      entry: { kind: "turn", turn, tools: live.tools, text },
      created: turn.created_at,
    });
  }
  // Insert from the back so earlier positions stay valid; same spot: oldest first.
  tails.sort((a, b) => b.at - a.at || b.created.localeCompare(a.created));
  for (const t of tails) entries.splice(t.at, 0, t.entry);
  return entries;
}

function shownAsMessage(m: ChatMessage): boolean {
  if (m.role === "tool") return m.media.length > 0;
  if (m.role === "assistant") {
    return m.content.trim() !== "" || m.media.length > 0;
  }
  return true;
}

/** Plain words for each way a turn can fail (lib/api/chat.ts TURN_ERROR_KINDS). */
export const TURN_ERROR_TITLES: Record<TurnErrorKind, string> = {
  provider_auth: "The provider refused the key",
  provider_rate_limit: "The provider is rate limiting",
  provider_unavailable: "The provider is unavailable",
  provider_bad_request: "The provider rejected the request",
  llm_timeout: "The model took too long",
  tool_timeout: "A tool took too long",
  steps: "Step limit reached",
  tokens_per_day: "Daily token limit reached",
  agent_stopped: "The agent stopped",
  internal: "Something went wrong",
};

/** The error's title and its message with the wait a 429 asked for. */
export function describeTurnError(e: TurnError): {
  title: string;
  detail: string;
} {
  const title = TURN_ERROR_TITLES[e.kind] ?? "The turn failed";
  const wait = e.retry_after_s
    ? ` Try again in ${Math.ceil(e.retry_after_s)} s.`
    : "";
  return { title, detail: `${e.message}${wait}` };
}

/** "1,234 in · 56 out" for a message's token usage; null when it has none. */
export function tokenLabel(
  m: Pick<ChatMessage, "prompt_tokens" | "completion_tokens">,
): string | null {
  if (m.prompt_tokens == null && m.completion_tokens == null) return null;
  const n = (x: number | null) => (x ?? 0).toLocaleString("en-US");
  return `${n(m.prompt_tokens)} in · ${n(m.completion_tokens)} out tokens`;
}

/** A tool call's arguments on one line, for the trace. */
export function argsLabel(args: Record<string, unknown>): string {
  const s = JSON.stringify(args);
  return s === "{}" ? "" : s.length > 200 ? s.slice(0, 199) + "…" : s;
}

// --- helpers ---

function joinMessages(
  have: ChatMessage[],
  add: ChatMessage[],
): ChatMessage[] {
  if (add.length === 0) return have;
  const byId = new Map(have.map((m) => [m.id, m]));
  for (const m of add) byId.set(m.id, m);
  // Stable by time: the API's order for equal times is kept.
  return [...byId.values()].map((m, i) => ({ m, i })).sort((a, b) =>
    a.m.created_at.localeCompare(b.m.created_at) || a.i - b.i
  ).map((x) => x.m);
}

function upsertTurn(state: ChatState, turn: Turn): ChatState {
  const known = state.turns[turn.id];
  return withTurn(state, {
    turn,
    text: known?.text ?? "",
    tools: mergeTools(known?.tools ?? [], turn.tools),
  });
}

function withTurn(state: ChatState, live: LiveTurn): ChatState {
  return { ...state, turns: { ...state.turns, [live.turn.id]: live } };
}

/** A turn the stream speaks of before its `turn` event came: running, as far as the page knows. */
function liveTurn(state: ChatState, turnId: string): LiveTurn {
  return state.turns[turnId] ?? {
    turn: {
      id: turnId,
      session_id: state.sessionId ?? "",
      agent_id: "",
      status: "running",
      error: null,
      prompt_tokens: 0,
      completion_tokens: 0,
      tools: [],
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
    },
    text: "",
    tools: [],
  };
}

/** Joins tool steps by call id; a known field is never replaced by an unknown one. */
function mergeTools(have: ToolTrace[], add: ToolTrace[]): ToolTrace[] {
  if (add.length === 0) return have;
  const out = [...have];
  for (const t of add) {
    const i = out.findIndex((x) => x.call_id === t.call_id);
    if (i < 0) {
      out.push(t);
      continue;
    }
    const old = out[i];
    out[i] = {
      call_id: t.call_id,
      name: t.name || old.name,
      args: Object.keys(t.args).length ? t.args : old.args,
      summary: t.summary ?? old.summary,
      ms: t.ms ?? old.ms,
      error: t.error ?? old.error,
    };
  }
  return out;
}
