/**
 * Caps request bodies. Checks Content-Length up front and counts bytes of
 * chunked bodies as they stream, answering 413 in the API's error shape.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ErrorBody } from "../../../lib/errors.ts";

/**
 * @example app.use("/api/*", limitBody(1024 * 1024))
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      const body: ErrorBody = {
        error: {
          code: "payload_too_large",
          message: `Request body exceeds the ${maxBytes}-byte limit`,
        },
      };
      return c.json(body, 413);
    },
  });
}
