/**
 * /internal/v1/nodes/{node}/…: the node agent protocol (lib/protocol.ts).
 * `enroll` takes the join token; every other route the node's own secret
 * (middleware/auth.ts `requireNodeCredential`); user credentials do not work here.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../../lib/errors.ts";
import { invalidInput } from "../../../lib/validation.ts";
import { NODE_NAME } from "../../cameras/schema.ts";
import type { NodeService } from "../../nodes/service.ts";
import { jsonBody } from "../middleware/errors.ts";

const runtime = z.object({
  id: z.string(),
  state: z.enum(["idle", "starting", "running", "backoff", "stopping"]),
  viewers: z.number().int().min(0),
  fps: z.number().min(0),
  error: z.string().max(8192).nullable(),
  restarts: z.number().int().min(0),
  last_frame_at: z.string().nullable(),
  note: z.string().max(1000).nullable().optional(),
});

// USB devices with formats (lib/protocol.ts UsbDevice); bounded, as it is stored per heartbeat.
const usbSize = z.object({
  width: z.number().int().min(1).max(16384),
  height: z.number().int().min(1).max(16384),
  fps: z.array(z.number().min(0).max(1000)).max(64),
});
const usbDevice = z.object({
  path: z.string().max(256),
  name: z.string().max(256).nullable(),
  by_id: z.string().max(512).nullable(),
  by_path: z.string().max(512).nullable(),
  bus_info: z.string().max(256).nullable(),
  capture: z.boolean(),
  formats: z.array(z.object({
    pixel_format: z.string().max(8),
    description: z.string().max(128),
    ffmpeg_format: z.string().max(32).nullable(),
    compressed: z.boolean(),
    sizes: z.array(usbSize).max(256),
    size_range: z.object({
      min_width: z.number().int(),
      max_width: z.number().int(),
      step_width: z.number().int(),
      min_height: z.number().int(),
      max_height: z.number().int(),
      step_height: z.number().int(),
    }).nullable().optional(),
  })).max(64),
  error: z.string().max(1000).nullable().optional(),
});

const heartbeatSchema = z.object({
  node: z.string().regex(NODE_NAME),
  version: z.string().max(100),
  protocol_version: z.number().int(),
  address: z.url({ protocol: /^https?$/ }),
  started_at: z.string(),
  ffmpeg: z.object({
    available: z.boolean(),
    version: z.string().nullable(),
    path: z.string(),
  }),
  usb_devices: z.array(z.string()).max(256),
  usb: z.array(usbDevice).max(64).optional(),
  disk: z.object({
    path: z.string(),
    total_bytes: z.number(),
    free_bytes: z.number(),
  }).nullable(),
  load: z.object({ cpu_percent: z.number(), memory_bytes: z.number() }),
  desired_etag: z.string().nullable(),
  cameras: z.array(runtime).max(1000),
});

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
    return c.json(await nodes.heartbeat(name, parsed.data));
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
    const state = await nodes.waitDesired(name, etag, waitMs, c.req.raw.signal);
    // null: the node hung up while waiting, so nobody reads this answer
    // (499, "client closed request", for the access log only).
    return state ? c.json(state) : new Response(null, { status: 499 });
  });
  return app;
}
