/**
 * /api/nodes (admins: the node service asks the access policy): the nodes that run
 * cameras, with their last heartbeat facts.
 *
 *   GET /                  {nodes, total}
 *   GET /{name}            one node
 *   GET /{name}/devices/usb {node, status, reported_at, devices: UsbDevice[]}: the
 *                          USB devices with names and formats of the node's last
 *                          heartbeat (nodes/usb_devices.ts)
 *   GET /{name}/storage    the node's recordings storage, asked of the node now
 *                          (`GET /v1/storage` of the node agent), camera names joined:
 *                          {node, root, total_bytes, free_bytes, recordings_bytes,
 *                           cameras: [{camera_id, camera_name, bytes, segments}]}
 *                          503 naming the node when it is offline or does not answer.
 *   DELETE /{name}/enrolment forgets the node's credentials (its secret stops working,
 *                          it goes offline) so it can enrol again, e.g. after a
 *                          reinstall or at a new address; audited. → the node
 */
import { type Context, Hono } from "hono";
import { API } from "../../../lib/api/routes.ts";
import { api } from "./registry.ts";
import type { NodeStorage } from "../../../lib/api/nodes.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import type { NodeService } from "../../nodes/service.ts";
import type { NodeClient } from "../../nodes/client.ts";

/** `GET /api/nodes/{name}/storage` (lib/api/nodes.ts). */
export type NodeStorageJson = NodeStorage;

export interface NodesApiOptions {
  /** The node agents' API; without it /storage answers 503. */
  client?: NodeClient;
  /** Camera names for the storage view. */
  cameras?: { all(): Promise<{ id: string; name: string }[]> };
  /** Records enrolment resets. */
  audit?: AuditLog;
  trustProxy?: boolean;
}

const num = (v: unknown) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;

export function nodesApi(
  nodes: NodeService,
  opts: NodesApiOptions = {},
): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const list = async (c: Context<AuthEnv>) => {
    const all = await nodes.list(c.get("access"));
    return c.json({ nodes: all, total: all.length });
  };
  const listRoute = api(API.nodes.list);
  app.get("/", listRoute, list);
  app.get("", listRoute, list);

  app.get(
    "/:name",
    api(API.nodes.get),
    async (c) => c.json(await nodes.get(c.get("access"), c.req.param("name"))),
  );

  // The device picker of the camera form: the node's last heartbeat, not a live query.
  app.get(
    "/:name/devices/usb",
    api(API.nodes.usbDevices),
    async (c) =>
      c.json(await nodes.devices(c.get("access"), c.req.param("name"))),
  );

  app.get("/:name/storage", api(API.nodes.storage), async (c) => {
    const node = await nodes.get(c.get("access"), c.req.param("name"));
    if (!opts.client) {
      throw new AppError("unavailable", "Node storage is not available here");
    }
    const link = await opts.client.online(node.name, {
      consequence: "its storage can be read when it is back",
    });
    const [storage, cameras] = await Promise.all([
      link.storage({ signal: c.req.raw.signal }),
      opts.cameras?.all() ?? Promise.resolve([]),
    ]);
    const names = new Map(cameras.map((cam) => [cam.id, cam.name]));
    const rows = storage.cameras
      .filter((r) => r && typeof r.camera_id === "string")
      .map((r) => ({
        camera_id: r.camera_id,
        camera_name: names.get(r.camera_id) ?? null,
        bytes: num(r.bytes),
        segments: num(r.segments),
      }))
      .sort((a, b) =>
        b.bytes - a.bytes || a.camera_id.localeCompare(b.camera_id)
      );
    const out: NodeStorageJson = {
      node: node.name,
      root: typeof storage.root === "string" ? storage.root : "",
      total_bytes: num(storage.total_bytes),
      free_bytes: num(storage.free_bytes),
      recordings_bytes: rows.reduce((n, r) => n + r.bytes, 0),
      cameras: rows,
    };
    return c.json(out);
  });

  app.delete("/:name/enrolment", api(API.nodes.resetEnrolment), async (c) => {
    const node = await nodes.get(c.get("access"), c.req.param("name"));
    const out = await nodes.resetEnrolment(c.get("access"), node.name);
    await opts.audit?.record(
      actorOf(c, opts.trustProxy ?? false),
      "node.enrolment_reset",
      node.name,
      { address: node.address },
    );
    return c.json(out);
  });
  return app;
}
