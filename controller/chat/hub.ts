/**
 * Live events of chat sessions (lib/api/chat.ts CHAT_SSE_EVENTS): one
 * bounded Fanout of the event bus per session that has subscribers, so a
 * token of one session wakes only that session's streams and a slow
 * browser is cut off (it reconnects and reloads the history) rather than
 * growing a queue. In-process like the bus: one controller serves a
 * session's stream (docs/design/agents.md).
 */
import type { ChatSseEvent } from "../../lib/api/chat.ts";
import { Fanout, type Subscription } from "../events/bus.ts";

export class ChatHub {
  #sessions = new Map<string, Fanout<ChatSseEvent>>();

  /** Sessions with at least one subscriber. */
  get sessions(): number {
    return this.#sessions.size;
  }

  publish(sessionId: string, event: ChatSseEvent): void {
    this.#sessions.get(sessionId)?.publish(event);
  }

  /** Events of one session; tokens come in bursts, so the queue is larger than the bus's. */
  subscribe(sessionId: string, maxQueue = 2048): Subscription<ChatSseEvent> {
    let f = this.#sessions.get(sessionId);
    if (!f) {
      const created: Fanout<ChatSseEvent> = new Fanout(() => {
        if (this.#sessions.get(sessionId) === created) {
          this.#sessions.delete(sessionId);
        }
      });
      this.#sessions.set(sessionId, created);
      f = created;
    }
    return f.subscribe(maxQueue);
  }
}
