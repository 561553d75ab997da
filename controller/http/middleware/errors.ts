/**
 * The one place that maps errors to HTTP. AppErrors answer with their kind's
 * status and message; anything else is logged and answers a generic 500 —
 * never exception text or a stack trace.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type ErrorBody, STATUS_OF } from "../../../lib/errors.ts";
import { errorMessage, logger } from "../../../lib/log.ts";

const log = logger("http");

export function errorResponse(err: unknown, c: Context): Response {
  if (err instanceof AppError) {
    if (err.retryAfterS) c.header("retry-after", String(err.retryAfterS));
    return c.json(err.toBody(), STATUS_OF[err.kind] as 400);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    const code = status === 413
      ? "payload_too_large"
      : status === 401
      ? "unauthorized"
      : "invalid_input";
    const body: ErrorBody = {
      error: { code, message: err.message || "Request rejected" },
    };
    return c.json(body, status);
  }
  log.error("unhandled error", {
    method: c.req.method,
    path: c.req.path,
    error: errorMessage(err),
  });
  const body: ErrorBody = {
    error: {
      code: "internal",
      message: "Internal error; see the controller log",
    },
  };
  return c.json(body, 500);
}

/** Reads a JSON object body, with clear errors for a wrong content type or bad JSON. */
export async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(.+\+)?json\b/i.test(type)) {
    throw new AppError(
      "unsupported_media_type",
      "Request body must be JSON (Content-Type: application/json)",
    );
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new AppError(
      "invalid_input",
      `Request body is not valid JSON: ${errorMessage(e)}`,
      { field: "body" },
    );
  }
  const bad = unstorableText(value, "");
  if (bad !== null) {
    throw new AppError(
      "invalid_input",
      `${
        bad || "body"
      }: text must not contain NUL characters or unpaired surrogates, nor nest deeper than ${MAX_JSON_DEPTH} levels`,
      { field: bad || "body" },
    );
  }
  return value;
}

/** Deepest nesting a request body may have; real bodies use three or four levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Path of the first string (value or key) PostgreSQL cannot store — a NUL
 * character or an unpaired UTF-16 surrogate — or of a value nested deeper
 * than MAX_JSON_DEPTH; null when there is none. Checked once at the edge, and
 * iteratively, so neither a query nor a recursive validator can fail on it.
 */
export function unstorableText(value: unknown, path: string): string | null {
  const bad = (s: string) => s.includes("\u0000") || !s.isWellFormed();
  const stack: [unknown, string, number][] = [[value, path, 0]];
  while (stack.length) {
    const [v, at, depth] = stack.pop()!;
    if (typeof v === "string") {
      if (bad(v)) return at;
      continue;
    }
    if (!v || typeof v !== "object") continue;
    if (depth >= MAX_JSON_DEPTH) return at;
    const entries = Array.isArray(v)
      ? v.map((x, i) => [String(i), x] as const)
      : Object.entries(v);
    for (const [k, x] of entries) {
      const here = at ? `${at}.${k}` : k;
      if (bad(k)) return here;
      stack.push([x, here, depth + 1]);
    }
  }
  return null;
}
