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
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError(
      "invalid_input",
      `Request body is not valid JSON: ${errorMessage(e)}`,
      { field: "body" },
    );
  }
}
