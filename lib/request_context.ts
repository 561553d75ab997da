/**
 * The request id that follows one request through a process and across to
 * the next: a Hono middleware takes a sane incoming `X-Request-Id` (or makes
 * one), returns it as a response header and keeps it in AsyncLocalStorage
 * while the request is handled, so every log line written meanwhile carries
 * `request_id`, and `currentRequestId()` lets an outgoing call forward it.
 * Server-only (node:async_hooks); browser code must not import it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { MiddlewareHandler } from "hono";
import { configureLog, type Logger } from "./log.ts";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** Ids we accept from a caller: short, printable, no spaces or quotes (they end up in logs). */
const SANE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

const store = new AsyncLocalStorage<{ requestId: string }>();

// Every log line written inside a request carries its id.
configureLog({
  context: () => {
    const id = store.getStore()?.requestId;
    return id ? { request_id: id } : undefined;
  },
});

/** The id of the request being handled, or undefined outside one. */
export function currentRequestId(): string | undefined {
  return store.getStore()?.requestId;
}

/** The incoming id when it is sane, else a new random one. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && SANE_ID.test(header) ? header : crypto.randomUUID();
}

/** Runs `fn` as part of request `requestId` (background work started by a request). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return store.run({ requestId }, fn);
}

/**
 * Assigns the id, sets the response header, and scopes the handling to it.
 * With `log`, each request ends with one debug line (method, path, status, ms).
 */
export function requestId(opts: { log?: Logger } = {}): MiddlewareHandler {
  return async (c, next) => {
    const id = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    await store.run({ requestId: id }, async () => {
      const started = performance.now();
      await next();
      c.header(REQUEST_ID_HEADER, id);
      opts.log?.debug("request", {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      });
    });
  };
}
