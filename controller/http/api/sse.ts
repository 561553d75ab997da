/**
 * A Server-Sent Events response fed from a bounded subscription
 * (events/bus.ts): a comment line every `keepAliveMs` keeps proxies from
 * closing an idle stream, and the stream ends when `signal` aborts (the
 * request ended, the StreamGuard saw access go) or the subscription is cut
 * off for falling behind; EventSource reconnects by itself.
 */
import type { Subscription } from "../../events/bus.ts";

const encoder = new TextEncoder();

export interface SseOptions<T> {
  signal: AbortSignal;
  /** `event:` name and data of an event; null skips it. */
  format: (ev: T) => { event: string; data: unknown } | null;
  /** @default 15000 */
  keepAliveMs?: number;
}

export function sseResponse<T>(
  sub: Subscription<T>,
  o: SseOptions<T>,
): Response {
  const ac = new AbortController();
  o.signal.addEventListener("abort", () => ac.abort(), { once: true });
  if (o.signal.aborted) ac.abort();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(ctrl) {
      ctrl.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
      keepAlive = setInterval(() => {
        try {
          ctrl.enqueue(encoder.encode(": keep-alive\n\n"));
        } catch { /* closed */ }
      }, o.keepAliveMs ?? 15000);
    },
    async pull(ctrl) {
      while (true) {
        const ev = await sub.next(ac.signal);
        if (ev === null) {
          clearInterval(keepAlive);
          sub.close();
          try {
            ctrl.close();
          } catch { /* closed */ }
          return;
        }
        const out = o.format(ev);
        if (!out) continue;
        ctrl.enqueue(
          encoder.encode(
            `event: ${out.event}\ndata: ${JSON.stringify(out.data)}\n\n`,
          ),
        );
        return;
      }
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
}
