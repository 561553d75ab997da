/**
 * A fake controller for `falcon agent` tests: the agent side of
 * lib/agent_protocol.ts on loopback, checking every request against the
 * protocol's schemas (a mismatch is recorded in `violations` and answered
 * 400).
 *
 *   POST /internal/v1/agents/{id}/turns/next         hands out queued jobs (long poll), else 204
 *   POST /internal/v1/agents/{id}/turns/{t}/events   records events by seq, acks `cancelled`
 *   POST /api/tools/execute                          `toolPlan`: a JPEG image result by default
 *   ANY  /internal/v1/agents/{id}/llm/{wire}/…       forwards to the fake LLM of that wire with
 *                                                    the real key, like the gateway
 *
 * Every path wants `Authorization: Bearer <secret>`; after `revoke()` (or
 * with a wrong secret) it answers 401.
 */
import {
  eventBatchSchema,
  nextTurnRequestSchema,
  type TurnEvent,
  type TurnJob,
  turnJobSchema,
} from "../../lib/agent_protocol.ts";
import { toolExecuteSchema, type ToolResult } from "../../lib/api/tools.ts";
import type { FakeLlm } from "./fake_llm/mod.ts";

export interface EventPost {
  turnId: string;
  at: number;
  events: TurnEvent[];
}

export interface ToolPlan {
  delayMs?: number;
  /** Answer this error instead of the result. */
  error?: { status: number; code: string; message: string };
  /** The result (default: one 160x120 JPEG of `jpeg`). */
  result?: (body: { tool: string; call_id?: string }) => ToolResult;
}

export interface FakeAgentController {
  url: string;
  agentId: string;
  secret: string;
  /** The provider key the gateway puts on forwarded calls. */
  providerKey: string;
  /** Every events post, in order. */
  posts: EventPost[];
  /** Tool hub calls: body and bearer. */
  toolCalls: { body: Record<string, unknown>; auth: string; at: number }[];
  /** Requests that broke the protocol. */
  violations: string[];
  toolPlan: ToolPlan;
  /** The next gateway call answers this instead of forwarding (e.g. 429 tokens_per_day). */
  gatewayReply: Response | null;
  /** Queues a job; `turn_id` is generated. Returns it. */
  enqueue(job: Omit<TurnJob, "turn_id" | "session_id">): string;
  /** Events of a turn by seq (repeats dropped), in seq order. */
  events(turnId: string): TurnEvent[];
  /** Resolves when the turn has an event matching `pred`. */
  waitFor(
    turnId: string,
    pred: (e: TurnEvent) => boolean,
    timeoutMs?: number,
  ): Promise<TurnEvent>;
  /** Acks of this turn answer `cancelled: true` from now on. */
  cancel(turnId: string): void;
  /** Every later request answers 401. */
  revoke(): void;
  /** How many long polls are waiting now. */
  waiting(): number;
  close(): Promise<void>;
}

export function startFakeAgentController(opts: {
  llm: Partial<Record<"openai" | "anthropic", FakeLlm>>;
  providerKey?: string;
  jpeg: Uint8Array;
}): FakeAgentController {
  const agentId = crypto.randomUUID();
  const secret = Array.from(
    crypto.getRandomValues(new Uint8Array(32)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const queue: TurnJob[] = [];
  const waiters = new Set<() => void>();
  const bySeq = new Map<string, Map<number, TurnEvent>>();
  const cancelled = new Set<string>();
  const listeners = new Set<() => void>();
  let revoked = false;
  const ac = new AbortController();
  const jpegB64 = btoa(
    Array.from(opts.jpeg, (b) => String.fromCharCode(b)).join(""),
  );

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  const err = (status: number, code: string, message: string) =>
    json({ error: { code, message } }, status);
  const violation = (msg: string) => {
    fake.violations.push(msg);
    return err(400, "bad_request", msg);
  };
  const issue = (e: { issues: { path: PropertyKey[]; message: string }[] }) =>
    `${e.issues[0].path.join(".")}: ${e.issues[0].message}`;

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: ac.signal,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    const path = url.pathname;
    const auth = req.headers.get("authorization") ?? "";
    const gw = path.match(
      new RegExp(
        `^/internal/v1/agents/${agentId}/llm/(openai|anthropic)(/.*)$`,
      ),
    );
    // The SDKs send the secret as their API key: bearer (OpenAI) or x-api-key (Anthropic).
    const presented = auth.replace(/^Bearer /, "") ||
      (gw ? req.headers.get("x-api-key") ?? "" : "");
    if (revoked || presented !== secret) {
      await req.body?.cancel();
      return err(401, "unauthorized", "invalid agent credential");
    }
    if (gw) return await gateway(req, gw[1] as "openai" | "anthropic", gw[2]);
    if (req.method !== "POST") return err(405, "method", "POST only");
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return violation(`${path}: body is not JSON`);
    }
    if (path === `/internal/v1/agents/${agentId}/turns/next`) {
      const p = nextTurnRequestSchema.safeParse(body);
      if (!p.success) return violation(`turns/next: ${issue(p.error)}`);
      const job = queue.shift() ?? await waitForJob(p.data.wait_s * 1000);
      return job ? json(job) : new Response(null, { status: 204 });
    }
    const ev = path.match(
      new RegExp(`^/internal/v1/agents/${agentId}/turns/([^/]+)/events$`),
    );
    if (ev) {
      const turnId = ev[1];
      const p = eventBatchSchema.safeParse(body);
      if (!p.success) return violation(`events: ${issue(p.error)}`);
      if (!bySeq.has(turnId)) return err(404, "not_found", "no such turn");
      const stored = bySeq.get(turnId)!;
      let accepted = 0;
      for (const e of p.data.events) {
        if (stored.has(e.seq)) continue;
        if (e.seq !== stored.size + 1) {
          fake.violations.push(
            `events: seq ${e.seq} after ${stored.size} in turn ${turnId}`,
          );
        }
        stored.set(e.seq, e);
        accepted++;
      }
      fake.posts.push({ turnId, at: Date.now(), events: p.data.events });
      for (const l of listeners) l();
      return json({ accepted, cancelled: cancelled.has(turnId) });
    }
    if (path === "/api/tools/execute") {
      const p = toolExecuteSchema.safeParse(body);
      if (!p.success) return violation(`tools/execute: ${issue(p.error)}`);
      fake.toolCalls.push({
        body: body as Record<string, unknown>,
        auth,
        at: Date.now(),
      });
      const plan = fake.toolPlan;
      if (plan.delayMs) {
        await new Promise((r) => setTimeout(r, plan.delayMs));
      }
      if (plan.error) {
        return err(plan.error.status, plan.error.code, plan.error.message);
      }
      const result = plan.result?.(p.data) ?? {
        tool: p.data.tool,
        call_id: p.data.call_id ?? null,
        text: "One frame of camera front, attached.",
        summary: "1 frame of front",
        images: [{
          mime: "image/jpeg" as const,
          base64: jpegB64,
          caption: "front 2026-12-07T10:00:00Z",
          path: "snapshots/front.jpg",
        }],
        media: [{
          kind: "image" as const,
          url: "/api/files/read/snapshots/front.jpg",
          mime: "image/jpeg",
          caption: "front",
        }],
        ms: 12,
      };
      return json(result);
    }
    return err(404, "not_found", `no route ${path}`);
  });

  async function gateway(
    req: Request,
    wire: "openai" | "anthropic",
    rest: string,
  ): Promise<Response> {
    if (fake.gatewayReply) {
      const r = fake.gatewayReply;
      fake.gatewayReply = null;
      await req.body?.cancel();
      return r;
    }
    const llm = opts.llm[wire];
    if (!llm) return err(404, "not_found", `no ${wire} provider`);
    const headers = new Headers(req.headers);
    headers.delete("host");
    headers.delete("content-length");
    if (wire === "openai") {
      headers.set("authorization", `Bearer ${fake.providerKey}`);
    } else {
      headers.delete("authorization");
      headers.set("x-api-key", fake.providerKey);
    }
    const upstream = await fetch(llm.origin + rest, {
      method: req.method,
      headers,
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
      signal: req.signal,
    });
    return new Response(upstream.body, {
      status: upstream.status,
      headers: upstream.headers,
    });
  }

  function waitForJob(ms: number): Promise<TurnJob | null> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        waiters.delete(done);
        resolve(queue.shift() ?? null);
      };
      const t = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  const fake: FakeAgentController = {
    url: `http://127.0.0.1:${server.addr.port}`,
    agentId,
    secret,
    providerKey: opts.providerKey ?? "sk-real-provider-key",
    posts: [],
    toolCalls: [],
    violations: [],
    toolPlan: {},
    gatewayReply: null,
    enqueue(partial) {
      const job = turnJobSchema.parse({
        ...partial,
        turn_id: crypto.randomUUID(),
        session_id: crypto.randomUUID(),
      });
      bySeq.set(job.turn_id, new Map());
      queue.push(job);
      for (const w of [...waiters]) w();
      return job.turn_id;
    },
    events(turnId) {
      return [...(bySeq.get(turnId)?.values() ?? [])].sort((a, b) =>
        a.seq - b.seq
      );
    },
    waitFor(turnId, pred, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = fake.events(turnId).find(pred);
          if (hit) {
            listeners.delete(check);
            clearTimeout(t);
            resolve(hit);
          }
        };
        const t = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `timed out waiting for an event of turn ${turnId}; got ${
                JSON.stringify(fake.events(turnId).map((e) => e.type))
              }`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    cancel: (turnId) => void cancelled.add(turnId),
    revoke() {
      revoked = true;
      for (const w of [...waiters]) w();
    },
    waiting: () => waiters.size,
    async close() {
      for (const w of [...waiters]) w();
      ac.abort();
      await server.finished;
    },
  };
  return fake;
}
