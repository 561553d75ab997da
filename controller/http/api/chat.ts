/**
 * /api/chat/{agent_id}/…: chat with an agent (lib/api/routes.ts group
 * `chat`). Sending answers 202 with the queued turn; the answer streams on
 * the session's events (SSE), which end when the caller's access goes.
 */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import type { ChatService } from "../../chat/service.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";
import type { StreamGuard } from "../middleware/stream_guard.ts";
import { sseResponse } from "./sse.ts";
import { api } from "./registry.ts";

export interface ChatApiOptions {
  /** Ends event streams when access goes, and after their maximum life. */
  guard?: StreamGuard;
  /** @default 15000 */
  keepAliveMs?: number;
}

export function chatApi(
  chat: ChatService,
  opts: ChatApiOptions = {},
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post("/:agent_id/send", api(API.chat.send), async (c) =>
    c.json(
      await chat.send(
        c.get("access"),
        c.req.param("agent_id"),
        await jsonBody(c),
      ),
      202,
    ));
  app.get("/:agent_id/history", api(API.chat.history), async (c) =>
    c.json(
      await chat.history(
        c.get("access"),
        c.req.param("agent_id"),
        Object.fromEntries(
          Object.entries(c.req.query()).filter(([, v]) => v !== ""),
        ),
      ),
    ));
  app.get(
    "/:agent_id/sessions",
    api(API.chat.sessions),
    async (c) =>
      c.json(await chat.sessions(c.get("access"), c.req.param("agent_id"))),
  );
  app.post(
    "/:agent_id/sessions/new",
    api(API.chat.newSession),
    async (c) =>
      c.json(
        await chat.newSession(c.get("access"), c.req.param("agent_id")),
        201,
      ),
  );
  app.get(
    "/:agent_id/sessions/:session_id/events",
    api(API.chat.events),
    async (c) => {
      const principal = c.get("principal");
      const sub = await chat.subscribe(
        c.get("access"),
        c.req.param("agent_id"),
        c.req.param("session_id"),
      );
      // Chat is for admins: the stream ends when the caller is no longer one.
      const signal = opts.guard
        ? opts.guard.watch(c.req.raw, principal, (p) => p.role === "admin")
        : c.req.raw.signal;
      return sseResponse(sub, {
        signal,
        keepAliveMs: opts.keepAliveMs,
        format: (ev) => ({ event: ev.event, data: ev.data }),
      });
    },
  );
  app.get("/:agent_id/turns/:turn_id", api(API.chat.turn), async (c) =>
    c.json(
      await chat.turn(
        c.get("access"),
        c.req.param("agent_id"),
        c.req.param("turn_id"),
      ),
    ));
  return app;
}
