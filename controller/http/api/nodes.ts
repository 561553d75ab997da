/** /api/nodes: the nodes that run cameras, with their last heartbeat facts. */
import { Hono } from "hono";
import { AppError } from "../../../lib/errors.ts";
import type { NodeService } from "../../nodes/service.ts";
import { NODE_NAME } from "../../cameras/schema.ts";

export function nodesApi(nodes: NodeService): Hono {
  const app = new Hono();
  const list = async (c: import("hono").Context) => {
    const all = await nodes.list();
    return c.json({ nodes: all, total: all.length });
  };
  app.get("/", list);
  app.get("", list);
  app.get("/:name", async (c) => {
    const name = c.req.param("name");
    const node = NODE_NAME.test(name) ? await nodes.get(name) : null;
    if (!node) {
      throw new AppError("not_found", `Node "${name}" does not exist`, {
        field: "name",
      });
    }
    return c.json(node);
  });
  return app;
}
