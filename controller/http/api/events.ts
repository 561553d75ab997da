/**
 * /api/events: Server-Sent Events for live state (camera and node changes).
 * A comment line every 15 s keeps proxies from closing an idle stream.
 */
import { Hono } from "hono";
import type { EventBus } from "../../events/bus.ts";

const encoder = new TextEncoder();

export function eventsApi(bus: EventBus, keepAliveMs = 15000): Hono {
  const app = new Hono();
  app.get("/", (c) => {
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
        const ev = await sub.next(ac.signal);
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
