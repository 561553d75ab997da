/**
 * Why a turn failed, in the vocabulary of TURN_ERROR_KINDS (lib/api/chat.ts).
 * The provider fetch (llm.ts) records what it saw on the wire — status,
 * retry-after, the body's message — because the SDKs and LangChain wrap
 * errors differently; the wire record is what the classification trusts.
 */
import type { TurnError } from "../lib/api/chat.ts";

/** What went wrong on the wire of a model call, as seen by the provider fetch. */
export interface WireFailure {
  status: number | null;
  retryAfterS: number | null;
  code: string | null;
  message: string;
}

/** Seconds of a `retry-after` (seconds or an HTTP date) or `retry-after-ms` header. */
export function retryAfterSeconds(headers: Headers): number | null {
  const ms = headers.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const raw = headers.get("retry-after");
  if (!raw) return null;
  const n = Number(raw);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, (at - Date.now()) / 1000) : null;
}

/** `error.message` / `error.code` of an OpenAI, Anthropic or Falcon error body. */
export function errorBodyInfo(
  text: string,
): { message: string | null; code: string | null } {
  try {
    const body = JSON.parse(text);
    const err = body?.error ?? body;
    const code = err?.code ?? err?.type ?? null;
    return {
      message: typeof err?.message === "string" ? err.message : null,
      code: typeof code === "string" ? code : null,
    };
  } catch {
    return { message: text.trim().slice(0, 300) || null, code: null };
  }
}

/** The turn error for a failed provider answer. */
export function wireError(f: WireFailure): TurnError {
  const detail = f.message ? `: ${f.message}` : "";
  const s = f.status;
  if (f.code === "tokens_per_day") {
    return {
      kind: "tokens_per_day",
      message: `The agent used up its tokens for today${detail}`,
      retry_after_s: f.retryAfterS,
    };
  }
  if (s === 401 || s === 403) {
    return {
      kind: "provider_auth",
      message: `The model provider refused the API key (${s})${detail}`,
    };
  }
  if (s === 429) {
    return {
      kind: "provider_rate_limit",
      message: `The model provider is rate limiting this agent (429)${detail}`,
      retry_after_s: f.retryAfterS,
    };
  }
  if (s === 408 || s === 504 && f.code === "llm_timeout") {
    return {
      kind: "llm_timeout",
      message: `The model call timed out${detail}`,
    };
  }
  if (s !== null && s >= 400 && s < 500) {
    return {
      kind: "provider_bad_request",
      message: `The model provider refused the request (${s})${detail}`,
    };
  }
  return {
    kind: "provider_unavailable",
    message: s === null
      ? `The model provider could not be reached${detail}`
      : `The model provider failed (${s})${detail}`,
  };
}

/** Classifies what the graph threw when nothing more precise was recorded. */
export function classifyThrown(e: unknown, stepLimit: number): TurnError {
  const err = e as {
    name?: string;
    message?: string;
    status?: number;
    lc_error_code?: string;
  };
  const name = err?.name ?? "";
  const message = err?.message ?? String(e);
  if (
    name === "GraphRecursionError" ||
    err?.lc_error_code === "GRAPH_RECURSION_LIMIT"
  ) {
    return {
      kind: "steps",
      message:
        `The agent stopped after ${stepLimit} steps without an answer (its step limit).`,
    };
  }
  if (typeof err?.status === "number") {
    return wireError({
      status: err.status,
      retryAfterS: null,
      code: null,
      message,
    });
  }
  if (/timed? ?out|timeout/i.test(name + " " + message)) {
    return {
      kind: "llm_timeout",
      message: `The model call timed out: ${message}`,
    };
  }
  if (
    /connection|ECONNREFUSED|fetch failed|network/i.test(name + " " + message)
  ) {
    return wireError({ status: null, retryAfterS: null, code: null, message });
  }
  return { kind: "internal", message: `The agent failed: ${message}` };
}
