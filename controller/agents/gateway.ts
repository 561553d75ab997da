/**
 * The provider gateway (docs/design/agents.md § Keys): agent processes point
 * their SDK clients at `/internal/v1/agents/{id}/llm/openai/v1` (OpenAI wire:
 * OpenAI and OpenAI-compatible servers) or `…/llm/anthropic` with their own
 * credential as the "API key"; the gateway forwards to the agent's endpoint
 * with the real key, which never leaves the controller.
 *
 * - `/llm/openai/v1/X` → `{base}/X` (the base ends in /v1, as OpenAI's and
 *   Ollama's do); `/llm/anthropic/v1/X` → `{base}/v1/X`.
 * - Only the agent's model (400) and bodies up to a cap (413); OpenAI
 *   streams are asked for usage (`stream_options.include_usage`).
 * - The answer streams back unchanged; its usage (OpenAI `usage`, Anthropic
 *   `message_start` / `message_delta`) is added to agent_usage for the UTC day
 *   and reported with the turn of the `x-falcon-turn` header.
 * - Over the day's tokens → 429 `tokens_per_day`; no answer within the
 *   agent's `llm_timeout_s` → 504; provider errors pass through with their
 *   status and retry-after.
 *
 * Mounted behind the agent credential middleware, which checked that the
 * credential is this agent's current one.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { TURN_HEADER } from "../../lib/agent_protocol.ts";
import { errorMessage, type Logger, logger } from "../../lib/log.ts";
import { redactUrl } from "../../lib/redact.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";
import type { AuthEnv } from "../http/middleware/auth.ts";
import { ANTHROPIC_VERSION, type Endpoint, wireOf } from "./providers.ts";
import { utcDay } from "./view.ts";
import { TtlCache } from "./ttl_cache.ts";

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface GatewayDeps {
  sql: Sql;
  /** The agent's row (AgentService.cachedRow), or null for none. */
  rowOf: (agentId: string) => Promise<db.AgentRow | null>;
  /** The agent's real endpoint and key (ProviderService.resolve). */
  endpointOf: (row: db.AgentRow) => Promise<Endpoint | null>;
  /** Usage of one model call, with the turn it belongs to (chat stores it per message). */
  onUsage?: (
    turnId: string | null,
    agentId: string,
    usage: TokenUsage,
  ) => void | Promise<void>;
  /** The agent process was heard from (liveness). */
  touch?: (agentId: string) => void;
  clock?: Clock;
  log?: Logger;
  /** Largest request body forwarded. @default 20 MiB (images) */
  maxBodyBytes?: number;
  /** Outbound HTTP (tests inject one). @default fetch */
  fetch?: typeof fetch;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The request headers a provider needs; everything else (auth, cookies, hop-by-hop) stays here. */
const FORWARDED = [
  "content-type",
  "accept",
  "anthropic-version",
  "anthropic-beta",
  "openai-beta",
];
/** Answer headers passed back: the body is re-streamed, so no length or encoding. */
const RETURNED = [
  "content-type",
  "retry-after",
  "x-request-id",
  "request-id",
  "openai-processing-ms",
  "anthropic-ratelimit-requests-remaining",
  "anthropic-ratelimit-tokens-remaining",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-remaining-tokens",
];

/** The paths each wire forwards (after `/v1/`). */
const OPENAI_PATHS = /^(chat\/completions|responses|models|models\/[^/]+)$/;
const ANTHROPIC_PATHS =
  /^(messages|messages\/count_tokens|models|models\/[^/]+)$/;

/** Routes `/:id/llm/openai/*` and `/:id/llm/anthropic/*`, mounted at `/internal/v1/agents`. */
export function gatewayApi(deps: GatewayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const clock = deps.clock ?? realClock;
  const log = deps.log ?? logger("agents.gateway");
  const maxBody = deps.maxBodyBytes ?? 20 * 1024 * 1024;
  const doFetch = deps.fetch ?? fetch;
  // Today's tokens per agent: read from agent_usage at most every 2 s, and
  // counted here as answers end (another replica's calls show within 2 s).
  const usage = new TtlCache<string, { day: string; total: number }>(
    clock,
    2000,
  );
  const usedToday = async (agentId: string, day: string) => {
    const hit = usage.get(agentId);
    if (hit?.day === day) return hit.total;
    const u = (await db.usageOn(deps.sql, day, agentId)).get(agentId);
    const total = u ? u.prompt_tokens + u.completion_tokens : 0;
    usage.set(agentId, { day, total });
    return total;
  };

  const handle = async (c: Context<AuthEnv>, wire: "openai" | "anthropic") => {
    const agentId = c.req.param("id") ?? "";
    const row = UUID.test(agentId) ? await deps.rowOf(agentId) : null;
    if (!row) return fail(c, 404, "not_found", `No agent "${agentId}"`);
    deps.touch?.(row.id);
    if (wireOf(row.provider) !== wire) {
      return fail(
        c,
        400,
        "invalid_input",
        `Agent "${row.slug}" speaks the ${
          wireOf(row.provider)
        } wire, not ${wire}`,
      );
    }
    const prefix = `/internal/v1/agents/${agentId}/llm/${wire}/v1/`;
    const path = c.req.path.startsWith(prefix)
      ? c.req.path.slice(prefix.length)
      : null;
    if (
      path === null ||
      !(wire === "openai" ? OPENAI_PATHS : ANTHROPIC_PATHS).test(path)
    ) {
      return fail(
        c,
        404,
        "not_found",
        `The gateway does not forward ${c.req.method} ${c.req.path}`,
      );
    }

    // The body: capped, the model checked, usage asked for on OpenAI streams.
    let body: string | undefined;
    let streaming = false;
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const raw = await readCapped(c.req.raw, maxBody);
      if (raw === null) {
        return fail(
          c,
          413,
          "payload_too_large",
          `Request body is over ${maxBody} bytes`,
        );
      }
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(raw || "{}");
        if (!json || typeof json !== "object" || Array.isArray(json)) throw 0;
      } catch {
        return fail(
          c,
          400,
          "invalid_input",
          "Request body must be a JSON object",
        );
      }
      if (json.model !== undefined && json.model !== row.model) {
        return fail(
          c,
          400,
          "invalid_input",
          `Agent "${row.slug}" may only use the model "${row.model}", not ${
            JSON.stringify(json.model)
          }`,
          "model",
        );
      }
      streaming = json.stream === true;
      if (wire === "openai" && streaming && path === "chat/completions") {
        json.stream_options = {
          ...(json.stream_options as object | undefined),
          include_usage: true,
        };
      }
      body = JSON.stringify(json);
    } else if (/^models\/[^/]+$/.test(path)) {
      const asked = decodeURIComponent(path.slice("models/".length));
      if (asked !== row.model) {
        return fail(
          c,
          400,
          "invalid_input",
          `Agent "${row.slug}" may only use the model "${row.model}"`,
          "model",
        );
      }
    }

    // Today's tokens, before the call (the answer's usage counts after it).
    const now = clock.now();
    const day = utcDay(now);
    const total = await usedToday(row.id, day);
    if (total >= row.tokens_per_day) {
      const midnight = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
      c.header("retry-after", String(Math.ceil((midnight - now) / 1000)));
      return fail(
        c,
        429,
        "tokens_per_day",
        `Agent "${row.slug}" used its ${row.tokens_per_day} tokens for today (UTC); it continues tomorrow, or raise limits.tokens_per_day`,
      );
    }

    const ep = await deps.endpointOf(row);
    if (!ep) {
      return fail(
        c,
        503,
        "unavailable",
        `Agent "${row.slug}" has no base URL (Settings → AI providers)`,
      );
    }
    const target = wire === "openai"
      ? `${ep.baseUrl}/${path}`
      : `${ep.baseUrl}/v1/${path}`;
    const query = new URL(c.req.url).search;
    const headers = new Headers();
    for (const h of FORWARDED) {
      const v = c.req.header(h);
      if (v) headers.set(h, v);
    }
    if (wire === "anthropic") {
      if (ep.apiKey) headers.set("x-api-key", ep.apiKey);
      if (!headers.has("anthropic-version")) {
        headers.set("anthropic-version", ANTHROPIC_VERSION);
      }
    } else if (ep.apiKey) {
      headers.set("authorization", `Bearer ${ep.apiKey}`);
    }

    const timeoutS = row.llm_timeout_s;
    const ac = new AbortController();
    const timer = clock.setTimeout(() => ac.abort(), timeoutS * 1000);
    // The agent hung up: the provider's call ends too.
    c.req.raw.signal.addEventListener("abort", () => ac.abort(), {
      once: true,
    });
    let res: Response;
    try {
      res = await doFetch(target + query, {
        method: c.req.method,
        headers,
        body,
        signal: ac.signal,
      });
    } catch (e) {
      clock.clearTimeout(timer);
      if (ac.signal.aborted && !c.req.raw.signal.aborted) {
        return fail(
          c,
          504,
          "timeout",
          `The provider did not answer within ${timeoutS} s (limits.llm_timeout_s)`,
        );
      }
      log.warn("provider unreachable", {
        agent: row.slug,
        url: redactUrl(ep.baseUrl),
        error: errorMessage(e),
      });
      return fail(
        c,
        502,
        "upstream_failed",
        `Cannot reach the provider at ${redactUrl(ep.baseUrl)}: ${
          errorMessage(e).split(ep.apiKey ?? "\u0000").join("***")
        }`,
      );
    }

    const outHeaders = new Headers();
    for (const h of RETURNED) {
      const v = res.headers.get(h);
      if (v) outHeaders.set(h, v);
    }
    if (!res.ok || !res.body) {
      clock.clearTimeout(timer);
      // Errors pass through with their status: the agent classifies them.
      const text = await res.text().catch(() => "");
      return new Response(text, { status: res.status, headers: outHeaders });
    }

    const turnId = c.req.header(TURN_HEADER) ?? null;
    const meter = new UsageMeter(
      (res.headers.get("content-type") ?? "").includes("text/event-stream"),
    );
    // Once per answer, whichever ends it: its end, an error, or the agent hanging up.
    let recorded = false;
    const record = async () => {
      if (recorded) return;
      recorded = true;
      const used = meter.usage();
      if (!used) return;
      try {
        const day = utcDay(clock.now());
        await db.addUsage(deps.sql, row.id, day, used);
        const hit = usage.get(row.id);
        if (hit?.day === day) {
          hit.total += used.prompt_tokens + used.completion_tokens;
        }
        await deps.onUsage?.(
          turnId && UUID.test(turnId) ? turnId : null,
          row.id,
          used,
        );
      } catch (e) {
        log.error("could not record token usage", {
          agent: row.slug,
          error: errorMessage(e),
        });
      }
    };
    const reader = res.body.getReader();
    const stream = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            clock.clearTimeout(timer);
            await record();
            ctrl.close();
            return;
          }
          meter.feed(value);
          ctrl.enqueue(value);
        } catch (e) {
          clock.clearTimeout(timer);
          await record();
          ctrl.error(e);
        }
      },
      async cancel() {
        clock.clearTimeout(timer);
        ac.abort();
        await reader.cancel().catch(() => {});
        await record();
      },
    });
    return new Response(stream, { status: res.status, headers: outHeaders });
  };

  app.all("/:id/llm/openai/*", (c) => handle(c, "openai"));
  app.all("/:id/llm/anthropic/*", (c) => handle(c, "anthropic"));
  return app;
}

function fail(
  c: Context,
  status: number,
  code: string,
  message: string,
  field?: string,
): Response {
  return c.json(
    { error: { code, message, ...(field ? { field } : {}) } },
    status as 400,
  );
}

/** The body as text, or null when it is over `max` bytes. */
async function readCapped(req: Request, max: number): Promise<string | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > max) return null;
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.byteLength;
    if (size > max) return null;
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const ch of chunks) {
    all.set(ch, at);
    at += ch.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** Largest JSON answer kept for reading its usage (a longer one is counted as unknown). */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/**
 * Reads token usage from an answer as it streams past: Server-Sent Events
 * line by line (OpenAI's final `usage` chunk, Anthropic's `message_start`
 * and cumulative `message_delta`), or a whole JSON body.
 */
export class UsageMeter {
  #sse: boolean;
  #decoder = new TextDecoder();
  #buf = "";
  #size = 0;
  #prompt = 0;
  #completion = 0;
  #seen = false;

  constructor(sse: boolean) {
    this.#sse = sse;
  }

  feed(chunk: Uint8Array): void {
    const text = this.#decoder.decode(chunk, { stream: true });
    if (!this.#sse) {
      this.#size += chunk.byteLength;
      if (this.#size <= MAX_JSON_BYTES) this.#buf += text;
      return;
    }
    this.#buf += text;
    let nl: number;
    while ((nl = this.#buf.indexOf("\n")) >= 0) {
      const line = this.#buf.slice(0, nl).trim();
      this.#buf = this.#buf.slice(nl + 1);
      if (line.startsWith("data:")) this.#event(line.slice(5).trim());
    }
    // A runaway line without a newline is not an event we can read.
    if (this.#buf.length > MAX_JSON_BYTES) this.#buf = "";
  }

  /** The usage of the whole answer, or null when it carried none. */
  usage(): TokenUsage | null {
    if (!this.#sse && this.#buf && this.#size <= MAX_JSON_BYTES) {
      const body = this.#buf;
      this.#buf = "";
      this.#take(parse(body));
    }
    return this.#seen
      ? { prompt_tokens: this.#prompt, completion_tokens: this.#completion }
      : null;
  }

  #event(data: string): void {
    if (!data.startsWith("{")) return; // `[DONE]`
    const ev = parse(data);
    if (!ev) return;
    if (ev.type === "message_start") {
      this.#take((ev.message as Record<string, unknown> | undefined) ?? null);
    } else {
      this.#take(ev);
    }
  }

  /** Usage of an OpenAI object (`usage.prompt_tokens`) or an Anthropic one (`usage.input_tokens`). */
  #take(obj: Record<string, unknown> | null): void {
    const u = obj?.usage as Record<string, unknown> | null | undefined;
    if (!u || typeof u !== "object") return;
    const n = (k: string) => (typeof u[k] === "number" ? u[k] as number : 0);
    if ("prompt_tokens" in u || "completion_tokens" in u) {
      this.#prompt = n("prompt_tokens");
      this.#completion = n("completion_tokens");
      this.#seen = true;
      return;
    }
    if ("input_tokens" in u || "output_tokens" in u) {
      // message_delta repeats the counts so far: the latest wins, input only when given.
      const input = n("input_tokens") + n("cache_creation_input_tokens") +
        n("cache_read_input_tokens");
      if (input > 0 || obj?.type !== "message_delta") this.#prompt = input;
      if ("output_tokens" in u) this.#completion = n("output_tokens");
      this.#seen = true;
    }
  }
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" ? v : null;
  } catch {
    return null;
  }
}
