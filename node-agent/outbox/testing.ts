/**
 * A fake controller for outbox tests: speaks the real events endpoint
 * (`POST /internal/v1/nodes/{node}/events`, bearer token, `{ events }` →
 * `{ acked }`) on loopback and records what it received. Tests only.
 */
import type { NodeEvent } from "../../lib/protocol/mod.ts";

export interface FakeControllerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  token?: string;
  /** Which of a batch's ids to acknowledge. @default all */
  ack?: (events: NodeEvent[]) => string[];
}

export interface FakeController {
  url: string;
  port: number;
  /** Every event received, in arrival order (duplicates included). */
  events: NodeEvent[];
  /** Size of every batch received. */
  batches: number[];
  /** Requests rejected for a bad token. */
  unauthorized: number;
  close(): Promise<void>;
}

export function startFakeController(
  options: FakeControllerOptions = {},
): FakeController {
  const events: NodeEvent[] = [];
  const batches: number[] = [];
  const ac = new AbortController();
  const token = options.token ?? "test-node-token-0123456789";
  const state = { unauthorized: 0 };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    signal: ac.signal,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    if (
      req.method !== "POST" ||
      !/^\/internal\/v1\/nodes\/[^/]+\/events$/.test(url.pathname)
    ) {
      return new Response("not found", { status: 404 });
    }
    if (req.headers.get("authorization") !== `Bearer ${token}`) {
      state.unauthorized++;
      return new Response("unauthorized", { status: 401 });
    }
    const body = await req.json() as { events: NodeEvent[] };
    batches.push(body.events.length);
    events.push(...body.events);
    const acked = options.ack
      ? options.ack(body.events)
      : body.events.map((e) => e.id);
    return Response.json({ acked });
  });
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    events,
    batches,
    get unauthorized() {
      return state.unauthorized;
    },
    async close() {
      ac.abort();
      await server.finished.catch(() => {});
    },
  };
}
