/**
 * /internal/v1/nodes/{node}/…: the node agent protocol (lib/protocol/mod.ts).
 * `enroll` takes the join token; every other route the node's own secret
 * (middleware/auth.ts `requireNodeCredential`); user credentials do not work here.
 */
import { Hono } from "hono";
import { AppError } from "../../../lib/errors.ts";
import { heartbeatSchema } from "../../../lib/protocol/mod.ts";
import { invalidInput } from "../../../lib/validation.ts";
import { NODE_NAME } from "../../cameras/schema.ts";
import type { NodeService } from "../../nodes/service.ts";
import { nodeCaller } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

export function nodeProtocolApi(nodes: NodeService): Hono {
  const app = new Hono();
  const nodeName = (raw: string) => {
    if (!NODE_NAME.test(raw)) {
      throw new AppError("invalid_input", "node name is malformed", {
        field: "node",
      });
    }
    return raw;
  };

  // Join token → per-node secret (nodes/enrolment.ts); 201 {node, secret, address}.
  app.post("/:node/enroll", async (c) => {
    const name = nodeName(c.req.param("node"));
    return c.json(await nodes.enroll(name, await jsonBody(c)), 201);
  });

  app.post("/:node/heartbeat", async (c) => {
    const name = nodeName(c.req.param("node"));
    const parsed = heartbeatSchema.safeParse(await jsonBody(c));
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    if (parsed.data.node !== name) {
      throw new AppError(
        "invalid_input",
        "node: body names another node than the path",
        { field: "node" },
      );
    }
    return c.json(await nodes.heartbeat(nodeCaller(c), name, parsed.data));
  });

  app.get("/:node/desired", async (c) => {
    const name = nodeName(c.req.param("node"));
    const waitMs = Math.min(
      Math.max(Number(c.req.query("wait_ms") ?? 0) || 0, 0),
      60000,
    );
    const etag = c.req.query("etag") ?? null;
    if (!(await nodes.isKnown(name))) {
      throw new AppError(
        "not_found",
        `Node "${name}" has not sent a heartbeat yet`,
        { field: "node" },
      );
    }
    const state = await nodes.waitDesired(
      nodeCaller(c),
      name,
      etag,
      waitMs,
      c.req.raw.signal,
    );
    // null: the node hung up while waiting, so nobody reads this answer
    // (499, "client closed request", for the access log only).
    return state ? c.json(state) : new Response(null, { status: 499 });
  });
  return app;
}
