/**
 * /api/nodes (admins; `app.ts` guards the prefix): the nodes that run
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
import { AppError } from "../../../lib/errors.ts";
import type { AuditLog } from "../../audit/mod.ts";
import { actorOf, type AuthEnv } from "../middleware/auth.ts";
import type { NodeService } from "../../nodes/service.ts";
import { NODE_NAME } from "../../cameras/schema.ts";
import { storageOf } from "../../recordings/node_files.ts";

export interface NodeStorageJson {
  node: string;
  /** The node's recordings root. */
  root: string;
  total_bytes: number;
  free_bytes: number;
  /** Sum of `cameras[].bytes`. */
  recordings_bytes: number;
  /** Largest first. `camera_name` is null for a camera the controller no longer knows. */
  cameras: {
    camera_id: string;
    camera_name: string | null;
    bytes: number;
    segments: number;
  }[];
}

export interface NodesApiOptions {
  /** Camera names for the storage view. */
  cameras?: { list(): Promise<{ id: string; name: string }[]> };
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
  const list = async (c: Context) => {
    const all = await nodes.list();
    return c.json({ nodes: all, total: all.length });
  };
  app.get("/", list);
  app.get("", list);

  const known = async (name: string) => {
    const node = NODE_NAME.test(name) ? await nodes.get(name) : null;
    if (!node) {
      throw new AppError("not_found", `Node "${name}" does not exist`, {
        field: "name",
      });
    }
    return node;
  };

  app.get("/:name", async (c) => c.json(await known(c.req.param("name"))));

  // The device picker of the camera form: the node's last heartbeat, not a live query.
  app.get("/:name/devices/usb", async (c) => {
    const node = await known(c.req.param("name"));
    return c.json(await nodes.usbDevices(node.name));
  });

  app.get("/:name/storage", async (c) => {
    const node = await known(c.req.param("name"));
    const target = await nodes.target(node.name);
    if (!target || !(await nodes.isOnline(node.name))) {
      throw new AppError(
        "unavailable",
        `Node "${node.name}" is offline; its storage can be read when it is back`,
      );
    }
    const [storage, cameras] = await Promise.all([
      storageOf(target),
      opts.cameras?.list() ?? Promise.resolve([]),
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

  app.delete("/:name/enrolment", async (c) => {
    const node = await known(c.req.param("name"));
    const out = await nodes.resetEnrolment(node.name);
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
