/**
 * /api/events: Server-Sent Events for live state: `camera`, `node` (admins),
 * `agent` (admins) and `recording` changes. Viewers receive the camera and recording events of
 * the cameras granted to them.
 * A comment line every 15 s keeps proxies from closing an idle stream.
 * The stream ends when the caller's access shrinks (their camera set as of
 * connecting is no longer theirs, or the credentials are gone) and after the
 * guard's maximum life; EventSource reconnects by itself and the dashboard
 * resyncs (controller/web/client/live.ts).
 */
import { Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import { authorize, cameraScope, decide } from "../../access/policy.ts";
import type { EventBus, FalconEvent } from "../../events/bus.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import type { StreamGuard } from "../middleware/stream_guard.ts";
import { cameraFor } from "../../cameras/view.ts";

const encoder = new TextEncoder();

export interface EventsApiOptions {
  /** @default 15000 */
  keepAliveMs?: number;
  /** Ends the stream when access goes, and after its maximum life. */
  guard?: StreamGuard;
}

export function eventsApi(
  bus: EventBus,
  opts: EventsApiOptions = {},
): Hono<AuthEnv> {
  const keepAliveMs = opts.keepAliveMs ?? 15000;
  const app = new Hono<AuthEnv>();
  app.get("/", api(API.events.stream), (c) => {
    const principal = c.get("principal");
    const access = c.get("access");
    authorize(access, "events.subscribe");
    // Viewers get camera and recording events of their granted cameras only
    // (as of connecting), no node events: the policy's camera scope.
    const visible = cameraScope(access);
    const agentsVisible = decide(access, "agent.list").allow;
    const allowed = (ev: FalconEvent) => {
      // Agents are admin-managed: their events go to those who may list them.
      if (ev.kind === "agent") return agentsVisible;
      if (!visible) return true;
      if (ev.kind === "camera") {
        return visible.has(
          ev.data.type === "deleted" ? ev.data.id : ev.data.camera.id,
        );
      }
      if (ev.kind === "recording") {
        const id = "recording" in ev.data
          ? ev.data.recording.camera_id
          : ev.data.camera_id;
        return id !== null && visible.has(id);
      }
      return false;
    };
    const signal = opts.guard
      ? opts.guard.watch(c.req.raw, principal, (p, now) => {
        // Anything granted when connecting must still be: else end, and
        // the reconnect starts from the new set.
        if (p.role !== principal.role) return false;
        if (!visible) return now === null;
        return now !== null && [...visible].every((id) => now.has(id));
      })
      : c.req.raw.signal;
    // Camera events as the caller may see them: sources for admins only.
    const shown = (ev: FalconEvent): unknown =>
      ev.kind === "camera" && ev.data.type !== "deleted"
        ? { ...ev.data, camera: cameraFor(principal, ev.data.camera) }
        : ev.data;
    const sub = bus.subscribe();
    const ac = new AbortController();
    signal.addEventListener("abort", () => ac.abort(), { once: true });
    let keepAlive: ReturnType<typeof setInterval> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
        keepAlive = setInterval(() => {
          try {
            ctrl.enqueue(encoder.encode(": keep-alive\n\n"));
          } catch { /* closed */ }
        }, keepAliveMs);
      },
      async pull(ctrl) {
        let ev = await sub.next(ac.signal);
        while (ev && !allowed(ev)) ev = await sub.next(ac.signal);
        if (!ev) {
          clearInterval(keepAlive);
          sub.close();
          try {
            ctrl.close();
          } catch { /* closed */ }
          return;
        }
        ctrl.enqueue(
          encoder.encode(
            `event: ${ev.kind}\ndata: ${JSON.stringify(shown(ev))}\n\n`,
          ),
        );
      },
      cancel() {
        clearInterval(keepAlive);
        ac.abort();
        sub.close();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  });
  return app;
}
