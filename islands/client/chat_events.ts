/**
 * Browser: the event stream of one chat session
 * (`GET /api/chat/{agent_id}/sessions/{session_id}/events`, CHAT_SSE_EVENTS).
 * EventSource reconnects by itself after a dropped connection; when the
 * browser gives up (an HTTP error answer) this reopens it with backoff.
 * `onOpen` runs on every (re)connection: events may have been missed, and
 * the chat page reads the history once then (no polling).
 */
import type { ChatSseEvent } from "../../lib/api/chat.ts";

const KINDS = ["turn", "token", "tool_start", "tool_end", "message"] as const;
const MAX_REOPEN_MS = 30_000;

export interface SessionStreamHandlers {
  onEvent: (e: ChatSseEvent) => void;
  onOpen: () => void;
  /** The stream is down (`true`) or up again (`false`). */
  onDown: (down: boolean) => void;
}

/** The URL of a session's events. */
export function sessionEventsUrl(agentId: string, sessionId: string): string {
  return `/api/chat/${encodeURIComponent(agentId)}/sessions/${
    encodeURIComponent(sessionId)
  }/events`;
}

/** Opens the session's stream; the returned function closes it for good. */
export function openSessionStream(
  agentId: string,
  sessionId: string,
  h: SessionStreamHandlers,
): () => void {
  let es: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;
  let closed = false;

  const open = () => {
    const src = new EventSource(sessionEventsUrl(agentId, sessionId));
    es = src;
    for (const kind of KINDS) {
      src.addEventListener(kind, (e) => {
        let data: unknown;
        try {
          data = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          console.warn(
            `Ignoring a chat "${kind}" event whose data is not JSON`,
          );
          return;
        }
        h.onEvent({ event: kind, data } as ChatSseEvent);
      });
    }
    src.onopen = () => {
      attempts = 0;
      h.onDown(false);
      h.onOpen();
    };
    src.onerror = () => {
      h.onDown(true);
      if (src.readyState !== EventSource.CLOSED) return; // retries by itself
      src.close();
      es = null;
      if (closed) return;
      const delay = Math.min(MAX_REOPEN_MS, 1000 * 2 ** attempts++) *
        (0.75 + Math.random() / 2);
      timer = setTimeout(open, delay);
    };
  };
  open();
  return () => {
    closed = true;
    clearTimeout(timer);
    es?.close();
    es = null;
  };
}
