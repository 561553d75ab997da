/**
 * Prometheus metrics shared by the controller and the node agent, on
 * prom-client. Each process makes ONE registry with `createMetricsRegistry()`
 * (never prom-client's global default, so tests and two processes in one test
 * run do not share counters); every metric of the process registers there.
 * Server-only: browser code must not import this folder.
 */
import process from "node:process";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

export type { Registry };

/** Seconds; from a fast JSON answer to a slow scan or join. */
const LATENCY_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface MetricsRegistry {
  registry: Registry;
  /** Stops the event-loop sampler (the process is closing). */
  close(): void;
}

/**
 * A process's registry with its process metrics: resident memory, heap, CPU
 * seconds and event-loop lag. Lag is sampled by one timer every
 * `lagSampleMs` (how late it fires), which costs far less idle CPU than a
 * fine-grained `monitorEventLoopDelay`; a stall longer than the period is
 * always seen.
 */
export function createMetricsRegistry(
  opts: { lagSampleMs?: number } = {},
): MetricsRegistry {
  const registry = new Registry();
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().rss);
    },
  });
  new Gauge({
    name: "falcon_heap_used_bytes",
    help: "V8 heap in use, bytes.",
    registers: [registry],
    collect() {
      this.set(Deno.memoryUsage().heapUsed);
    },
  });
  new Gauge({
    name: "process_cpu_seconds_total",
    help: "User and system CPU time spent, seconds.",
    registers: [registry],
    collect() {
      const u = process.cpuUsage();
      this.set((u.user + u.system) / 1e6);
    },
  });
  const lag = new Histogram({
    name: "falcon_event_loop_lag_seconds",
    help: "How late a periodic timer fired: time the event loop was blocked.",
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  const everyMs = opts.lagSampleMs ?? 500;
  let expected = performance.now() + everyMs;
  const timer = setInterval(() => {
    const now = performance.now();
    lag.observe(Math.max(0, now - expected) / 1000);
    expected = now + everyMs;
  }, everyMs);
  // The sampler must not keep a finished process alive.
  Deno.unrefTimer(timer);
  return { registry, close: () => clearInterval(timer) };
}

/**
 * Records every request: latency to the response headers
 * (`falcon_http_request_duration_seconds`, by method, route pattern — never
 * the raw path, so ids do not explode the series — and status) and the bytes
 * of every response body as they are sent (`falcon_http_response_bytes_total`,
 * streams included).
 */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const duration = new Histogram({
    name: "falcon_http_request_duration_seconds",
    help: "HTTP request latency until the response headers, seconds.",
    labelNames: ["method", "route", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const bytes = new Counter({
    name: "falcon_http_response_bytes_total",
    help: "Bytes of HTTP response bodies sent (streams included).",
    labelNames: ["route"] as const,
    registers: [registry],
  });
  return async (c, next) => {
    const started = performance.now();
    await next();
    // After next(), the route index points at the handler that answered.
    const route = routePath(c) || "*";
    duration.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
    const body = c.res.body;
    if (body) {
      const counter = bytes.labels({ route });
      c.res = new Response(countBytes(body, (n) => counter.inc(n)), c.res);
    }
  };
}

/**
 * Passes `body` through, counting bytes. Pull-based with no buffer of its
 * own (highWaterMark 0), so a slow viewer still skips frames at the source.
 */
function countBytes(
  body: ReadableStream<Uint8Array>,
  add: (n: number) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        add(value.byteLength);
        controller.enqueue(value);
      } catch (e) {
        // The source failed (an upstream hung up): end this stream the same way.
        controller.error(e);
      }
    },
    async cancel(reason) {
      // The client went away: release the source; its own failure does not matter now.
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/** The exposition-format answer of a scrape. */
export async function metricsResponse(registry: Registry): Promise<Response> {
  return new Response(await registry.metrics(), {
    headers: {
      "content-type": registry.contentType,
      "cache-control": "no-store",
    },
  });
}
