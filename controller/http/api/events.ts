/**
 * /api/events: Server-Sent Events for live state: `camera`, `node` (admins)
 * and `recording` changes. Viewers receive the camera and recording events of
 * the cameras granted to them.
 * A comment line every 15 s keeps proxies from closing an idle stream.
 */
import { Hono } from "hono";
import { authorize, cameraScope } from "../../access/policy.ts";
import type { EventBus, FalconEvent } from "../../events/bus.ts";
import type { AuthEnv } from "../middleware/auth.ts";

const encoder = new TextEncoder();

export function eventsApi(
  bus: EventBus,
  keepAliveMs = 15000,
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/", (c) => {
    const principal = c.get("access");
    authorize(principal, "events.subscribe");
    // Viewers get camera and recording events of their granted cameras only
    // (as of connecting), no node events: the policy's camera scope.
    const visible = cameraScope(principal);
    const allowed = (ev: FalconEvent) => {
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
    const sub = bus.subscribe();
    const ac = new AbortController();
    c.req.raw.signal.addEventListener("abort", () => ac.abort(), {
      once: true,
    });
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
            `event: ${ev.kind}\ndata: ${JSON.stringify(ev.data)}\n\n`,
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
