/**
 * `/agents/{id}/chat` (admins): chat with one agent. Sessions on the side
 * (newest first) with New session; the conversation of the chosen one from
 * `GET /api/chat/{agent_id}/history`, kept live by the session's event
 * stream: the answer streams in token by token, tool calls show as they run
 * (name, arguments, result summary, duration, error), the stored answer
 * replaces the stream. Model output is markdown rendered safely
 * (`client/markdown.ts`); media of messages show inline; each answer says
 * its tokens. A failed turn shows its error as an error, an interrupted one
 * the system's note. Send waits while a turn of the session runs.
 *
 * This island is the only one that bundles the markdown parser; it loads on
 * this page alone.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatMessage, ChatSession, Turn } from "../lib/api/chat.ts";
import type { ToolMedia } from "../lib/api/tools.ts";
import { apiRequest } from "./client/api.ts";
import { TextArea } from "./parts/TextArea.tsx";
import type { Agent } from "./client/agent_form.ts";
import { STATE_LOOK } from "./client/agent_form.ts";
import {
  applyChatEvent,
  argsLabel,
  chatEntries,
  type ChatEntry,
  type ChatState,
  describeTurnError,
  EMPTY_CHAT,
  type HistoryPage,
  isBusy,
  mergeHistory,
  tokenLabel,
} from "./client/chat_stream.ts";
import { openSessionStream } from "./client/chat_events.ts";
import { formatUtc, utcClock } from "./client/format.ts";
import { isOwnMedia, renderMarkdown } from "./client/markdown.ts";

export interface AgentChatProps {
  agentId: string;
  /** A question to put in the message box (`?ask=`, from "Ask about this camera"). */
  ask: string | null;
  /** The session to open (`?session=`); else the newest. */
  sessionId: string | null;
}

const HISTORY_LIMIT = 50;
/** How long Send waits for the session's stream to connect, so no token is missed. */
const STREAM_WAIT_MS = 5_000;

function chatPath(agentId: string, rest: string): string {
  return `/api/chat/${encodeURIComponent(agentId)}/${rest}`;
}

export default function AgentChat({ agentId, ask, sessionId }: AgentChatProps) {
  const [agent, setAgent] = useState<Agent | null>(null);
  const [agentError, setAgentError] = useState<string | null>(null);
  const [sessions, setSessions] = useState<ChatSession[] | null>(null);
  const [current, setCurrent] = useState<string | null>(sessionId);
  const [chat, setChat] = useState<ChatState>(EMPTY_CHAT);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [down, setDown] = useState(false);
  const [draft, setDraft] = useState(ask ?? "");
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  /** Resolves when the current session's stream is connected. */
  const ready = useRef<{ id: string | null; wait: Promise<void> }>({
    id: null,
    wait: Promise.resolve(),
  });
  const input = useRef<HTMLTextAreaElement>(null);
  const end = useRef<HTMLLIElement>(null);

  async function loadSessions(): Promise<ChatSession[] | null> {
    const res = await apiRequest<{ sessions: ChatSession[] }>(
      "GET",
      chatPath(agentId, "sessions"),
    );
    if (!res.ok) {
      setHistoryError(res.error.message);
      return null;
    }
    setSessions(res.value.sessions);
    return res.value.sessions;
  }

  useEffect(() => {
    void apiRequest<Agent>("GET", `/api/agents/${encodeURIComponent(agentId)}`)
      .then((r) => {
        if (r.ok) {
          setAgent(r.value);
          document.title = `Chat with ${r.value.name} · Falcon-Eye`;
        } else setAgentError(r.error.message);
      });
    void loadSessions().then((list) => {
      if (list && !sessionId && list.length > 0) {
        setCurrent(list[0].session_id);
      }
    });
    if (ask) input.current?.focus();
  }, [agentId]);

  // The chosen session: its history, then live events.
  useEffect(() => {
    if (!current) {
      setChat(EMPTY_CHAT);
      return;
    }
    setChat({ ...EMPTY_CHAT, sessionId: current });
    setHistoryError(null);
    const url = new URL(location.href);
    url.searchParams.set("session", current);
    url.searchParams.delete("ask");
    history.replaceState(null, "", url);
    let resolve = () => {};
    ready.current = {
      id: current,
      wait: new Promise<void>((r) => resolve = r),
    };
    const readHistory = async () => {
      const res = await apiRequest<HistoryPage>(
        "GET",
        `${chatPath(agentId, "history")}?session_id=${
          encodeURIComponent(current)
        }&limit=${HISTORY_LIMIT}`,
      );
      if (res.ok) setChat((s) => mergeHistory(s, res.value));
      else setHistoryError(res.error.message);
    };
    return openSessionStream(agentId, current, {
      onEvent: (e) => {
        setChat((s) => applyChatEvent(s, e));
        if (
          e.event === "turn" &&
          !["queued", "running"].includes(e.data.status)
        ) void loadSessions();
      },
      onOpen: () => {
        resolve();
        void readHistory();
      },
      onDown: setDown,
    });
  }, [agentId, current]);

  const entries = chatEntries(chat);
  const busy = isBusy(chat);
  const lastKey = entries.length +
    (entries.at(-1)?.kind === "turn"
      ? (entries.at(-1) as { text: string }).text.length
      : 0);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "nearest" });
  }, [lastKey]);

  async function newSession(): Promise<string | null> {
    const res = await apiRequest<{ session_id: string }>(
      "POST",
      chatPath(agentId, "sessions/new"),
    );
    if (!res.ok) {
      setSendError(res.error.message);
      return null;
    }
    const id = res.value.session_id;
    setSessions((prev) => [
      {
        session_id: id,
        title: null,
        started_at: new Date().toISOString(),
        last_message_at: null,
        message_count: 0,
        busy: false,
      },
      ...(prev ?? []).filter((s) => s.session_id !== id),
    ]);
    setCurrent(id);
    return id;
  }

  async function send(e: Event) {
    e.preventDefault();
    const message = draft.trim();
    if (!message || busy || sending) return;
    setSending(true);
    setSendError(null);
    const session = current ?? await newSession();
    if (!session) return setSending(false);
    // Connected first, so the answer's first tokens are not missed.
    if (ready.current.id === session) {
      await Promise.race([
        ready.current.wait,
        new Promise((r) => setTimeout(r, STREAM_WAIT_MS)),
      ]);
    }
    const res = await apiRequest<
      { session_id: string; turn: Turn; message: ChatMessage }
    >("POST", chatPath(agentId, "send"), {
      message,
      session_id: session,
      source: "dashboard",
    });
    setSending(false);
    if (!res.ok) return setSendError(res.error.message);
    setDraft("");
    setChat((s) =>
      applyChatEvent(
        applyChatEvent(s, { event: "message", data: res.value.message }),
        {
          event: "turn",
          data: res.value.turn,
        },
      )
    );
    input.current?.focus();
  }

  async function loadOlder() {
    const first = chat.messages[0];
    if (!current || !first) return;
    setLoadingOlder(true);
    const res = await apiRequest<HistoryPage>(
      "GET",
      `${chatPath(agentId, "history")}?session_id=${
        encodeURIComponent(current)
      }&limit=${HISTORY_LIMIT}&before=${encodeURIComponent(first.id)}`,
    );
    setLoadingOlder(false);
    if (res.ok) setChat((s) => mergeHistory(s, res.value));
    else setHistoryError(res.error.message);
  }

  const name = agent?.name ?? "the agent";
  const look = agent && STATE_LOOK[agent.status.state];
  return (
    <div class="chat">
      <aside class="sessions" aria-labelledby="sessions-h">
        <div class="bar">
          <h2 id="sessions-h">Sessions</h2>
          <button type="button" onClick={() => void newSession()}>
            New session
          </button>
        </div>
        {!sessions && <p class="mut" role="status">Loading sessions…</p>}
        {sessions?.length === 0 && (
          <p class="hint">No session yet; your first message starts one.</p>
        )}
        {sessions && sessions.length > 0 && (
          <ul>
            {sessions.map((s) => (
              <li key={s.session_id}>
                <button
                  type="button"
                  class="session"
                  aria-current={s.session_id === current ? "true" : undefined}
                  onClick={() => setCurrent(s.session_id)}
                >
                  <span>{s.title || "Untitled session"}</span>
                  <small class="mut">
                    {formatUtc(s.last_message_at ?? s.started_at)} UTC ·{" "}
                    {s.message_count} messages{s.busy ? " · answering" : ""}
                  </small>
                </button>
              </li>
            ))}
          </ul>
        )}
      </aside>
      <section class="convo" aria-labelledby="chat-h">
        <div class="head">
          <h2 id="chat-h">Chat with {name}</h2>
          {look && <span class={`badge ${look.cls}`}>{look.label}</span>}
          <a href="/agents">All agents</a>
        </div>
        {agentError && (
          <p class="err" role="alert">Cannot load the agent: {agentError}</p>
        )}
        {agent && agent.desired !== "running" && (
          <p class="warn" role="status">
            {agent.name}{" "}
            is stopped: messages wait until it is started on the Agents page.
          </p>
        )}
        {down && current && (
          <p class="warn" role="status">
            Live answers disconnected · Reconnecting…
          </p>
        )}
        {historyError && (
          <p class="err" role="alert">Cannot load the chat: {historyError}</p>
        )}
        {chat.hasMore && (
          <button type="button" onClick={loadOlder} disabled={loadingOlder}>
            {loadingOlder ? "Loading…" : "Load earlier messages"}
          </button>
        )}
        <ol class="msgs" aria-label="Conversation" aria-live="polite">
          {entries.length === 0 && (
            <li class="hint">
              Ask {name} about your cameras, recordings or the system.
            </li>
          )}
          {entries.map((e) => (
            <ChatItem
              key={e.kind === "message" ? e.message.id : `turn-${e.turn.id}`}
              entry={e}
              agentName={name}
            />
          ))}
          <li ref={end} class="sr" aria-hidden="true" />
        </ol>
        <form class="composer" onSubmit={send}>
          <label for="chat-input">Message</label>
          <TextArea
            id="chat-input"
            inputRef={input}
            rows={3}
            value={draft}
            maxLength={16_384}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                void send(e);
              }
            }}
          />
          <div class="bar">
            <button
              type="submit"
              class="primary"
              disabled={busy || sending || !draft.trim()}
            >
              {sending ? "Sending…" : busy ? "Answering…" : "Send"}
            </button>
            <span class="hint">Enter sends, Shift+Enter adds a line.</span>
            {sendError && <p class="err" role="alert">{sendError}</p>}
          </div>
        </form>
      </section>
    </div>
  );
}

/** One entry of the conversation. */
export function ChatItem(
  { entry, agentName }: { entry: ChatEntry; agentName: string },
) {
  if (entry.kind === "turn") return <TurnItem entry={entry} />;
  const m = entry.message;
  const when = (
    <time dateTime={m.created_at}>{utcClock(m.created_at, false)} UTC</time>
  );
  if (m.role === "note") {
    return (
      <li class="msg note" role="note">
        <p>{m.content}</p>
        {when}
      </li>
    );
  }
  if (m.role === "user") {
    return (
      <li class="msg user">
        <p class="who">
          {m.automated ? "Automated" : m.source_user ?? "You"}
          {m.source !== "dashboard" && <span class="mut">via {m.source}</span>}
          {when}
        </p>
        <p class="plain">{m.content}</p>
        <Media media={m.media} />
      </li>
    );
  }
  const tokens = tokenLabel(m);
  return (
    <li class={`msg ${m.role === "tool" ? "tool-media" : "bot"}`}>
      <p class="who">
        {m.role === "tool" ? m.tool_name ?? "tool" : agentName}
        {when}
      </p>
      {m.role === "assistant" && m.content.trim() && (
        <div
          class="md"
          // Safe: renderMarkdown escapes raw HTML and drops unsafe URLs (client/markdown.ts).
          dangerouslySetInnerHTML={{ __html: renderMarkdown(m.content) }}
        />
      )}
      <Media media={m.media} />
      {tokens && <p class="tokens">{tokens}</p>}
    </li>
  );
}

/** A turn's tool trace, streamed text and state. */
function TurnItem(
  { entry }: { entry: Extract<ChatEntry, { kind: "turn" }> },
) {
  const { turn, tools, text } = entry;
  const err = turn.error ? describeTurnError(turn.error) : null;
  return (
    <li class={`msg turn t-${turn.status}`}>
      {tools.length > 0 && (
        <ol class="trace" aria-label="Tool calls">
          {tools.map((t) => (
            <li key={t.call_id} class={t.error ? "t-err" : undefined}>
              <code>{t.name}</code>
              {argsLabel(t.args) && (
                <code class="args">{argsLabel(t.args)}</code>
              )}
              {t.ms == null ? <span class="mut">running…</span> : (
                <>
                  {t.error
                    ? <span class="err">failed: {t.error}</span>
                    : t.summary && <span>→ {t.summary}</span>}
                  <span class="mut">{t.ms} ms</span>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      {text && (
        <div
          class="md streaming"
          // Safe: see ChatItem.
          dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }}
        />
      )}
      {turn.status === "queued" && (
        <p class="mut" role="status">Waiting for the agent…</p>
      )}
      {turn.status === "running" && !text && (
        <p class="mut" role="status">
          {tools.length ? "Working…" : "Thinking…"}
        </p>
      )}
      {turn.status === "interrupted" && (
        <p class="warn">Interrupted: this answer was not finished.</p>
      )}
      {turn.status === "cancelled" && <p class="mut">Cancelled.</p>}
      {err && (
        <div class="turn-err" role="alert">
          <p>
            <strong>{err.title}.</strong> {err.detail}
          </p>
        </div>
      )}
    </li>
  );
}

/** Images, clips and files of a message, inline; only this dashboard's own URLs. */
export function Media({ media }: { media: ToolMedia[] }) {
  const own = media.filter((m) =>
    m.url.startsWith("/") && !m.url.startsWith("//")
  );
  if (own.length === 0) return null;
  return (
    <div class="media">
      {own.map((m) =>
        m.kind === "image" && (isOwnMedia(m.url) || m.mime.startsWith("image/"))
          ? (
            <figure key={m.url}>
              <img
                src={m.url}
                alt={m.caption ?? "Image from a tool"}
                loading="lazy"
              />
              {m.caption && <figcaption>{m.caption}</figcaption>}
            </figure>
          )
          : m.kind === "video"
          ? (
            <figure key={m.url}>
              <video src={m.url} controls preload="metadata" />
              {m.caption && <figcaption>{m.caption}</figcaption>}
            </figure>
          )
          : (
            <a key={m.url} href={m.url} download>
              {m.caption ?? m.url.split("/").pop()}
            </a>
          )
      )}
    </div>
  );
}
