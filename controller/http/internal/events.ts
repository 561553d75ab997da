/**
 * POST /internal/v1/nodes/{node}/events: a batch (≤ 500) from the node's
 * durable outbox, body `{events: NodeEvent[]}` → `{acked: string[]}`
 * (lib/protocol/mod.ts). Each event is applied once; the node deletes an event
 * only after it was acked. Node token only (mounted behind it in app.ts).
 */
import { Hono } from "hono";
import { AppError } from "../../../lib/errors.ts";
import { NODE_NAME } from "../../cameras/schema.ts";
import type { RecordingService } from "../../recordings/mod.ts";
import { nodeCaller } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export function nodeEventsApi(recordings: RecordingService): Hono {
  const app = new Hono();
  app.post("/:node/events", async (c) => {
    const node = c.req.param("node");
    if (!NODE_NAME.test(node)) {
      throw new AppError("invalid_input", "node name is malformed", {
        field: "node",
      });
    }
    return c.json(
      await recordings.applyEvents(nodeCaller(c), node, await jsonBody(c)),
    );
  });
  return app;
}
