/**
 * Node agent → controller, every few seconds:
 * `POST /internal/v1/nodes/{node}/heartbeat` body `Heartbeat` → `DesiredState`.
 * The controller validates the body with `heartbeatSchema`; `GET /v1/status`
 * of a node agent answers the same shape (`NodeStatus`).
 */
import { z } from "zod";
import { usbDeviceSchema } from "./devices.ts";

export const PROTOCOL_VERSION = 1;

/** A node's name: a DNS-label-like name such as `worker-1`. */
export const NODE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/;

export const RELAY_STATES = [
  "idle",
  "starting",
  "running",
  "backoff",
  "stopping",
] as const;
export const relayStateSchema = z.enum(RELAY_STATES);
export type RelayState = z.infer<typeof relayStateSchema>;

/** What a node agent reports about one camera. */
export const cameraRuntimeSchema = z.object({
  id: z.string(),
  state: relayStateSchema,
  viewers: z.number().int().min(0),
  /** Frames per second delivered by the relay over the last few seconds. */
  fps: z.number().min(0),
  /** Redacted reason of the last failure, null once frames flow again. */
  error: z.string().max(8192).nullable(),
  restarts: z.number().int().min(0),
  last_frame_at: z.string().nullable(),
  /**
   * Something worth knowing that is not an error, e.g. a USB device that does
   * not offer the requested size, so a near one is captured.
   */
  note: z.string().max(1000).nullable().optional(),
});
export type CameraRuntime = z.infer<typeof cameraRuntimeSchema>;

export const ffmpegInfoSchema = z.object({
  available: z.boolean(),
  version: z.string().nullable(),
  path: z.string(),
});
export type FfmpegInfo = z.infer<typeof ffmpegInfoSchema>;

export const diskUsageSchema = z.object({
  path: z.string(),
  total_bytes: z.number(),
  free_bytes: z.number(),
});
export type DiskUsage = z.infer<typeof diskUsageSchema>;

/** CPU and memory of a node agent. */
export const nodeLoadSchema = z.object({
  cpu_percent: z.number(),
  memory_bytes: z.number(),
});
export type NodeLoad = z.infer<typeof nodeLoadSchema>;

export const heartbeatSchema = z.object({
  node: z.string().regex(NODE_NAME),
  version: z.string().max(100),
  protocol_version: z.number().int(),
  /** Base URL where the controller reaches this node agent, e.g. http://10.0.0.4:30901 */
  address: z.url({ protocol: /^https?$/ }),
  started_at: z.string(),
  ffmpeg: ffmpegInfoSchema,
  usb_devices: z.array(z.string()).max(256),
  /** The same devices with names and formats; optional until every node sends it. */
  usb: z.array(usbDeviceSchema).max(64).optional(),
  disk: diskUsageSchema.nullable(),
  load: nodeLoadSchema,
  /** etag of the desired state the node agent is running. */
  desired_etag: z.string().nullable(),
  cameras: z.array(cameraRuntimeSchema).max(1000),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** `GET /v1/status` of a node agent: its heartbeat body. */
export const nodeStatusSchema = heartbeatSchema;
export type NodeStatus = Heartbeat;
