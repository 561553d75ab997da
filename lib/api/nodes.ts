/**
 * Nodes (admins): the machines that run cameras, their storage, USB devices,
 * and the camera scan that asks them what they see.
 */
import { z } from "zod";
import { usbDeviceSchema } from "../protocol/devices.ts";
import { nodeLoadSchema } from "../protocol/heartbeat.ts";
import {
  scanPartReportSchema,
  scanResultSchema,
  subnetScanReportSchema,
} from "../protocol/scan.ts";
import { isoTimeSchema } from "./common.ts";

export const nodeStateSchema = z.enum(["online", "offline"]);
export type NodeState = z.infer<typeof nodeStateSchema>;

/** One node as `GET /api/nodes` lists it. */
export const nodeSchema = z.object({
  name: z.string(),
  status: nodeStateSchema,
  address: z.string().nullable(),
  /** Node agent version from the last heartbeat. */
  version: z.string().nullable(),
  last_heartbeat_at: isoTimeSchema.nullable(),
  /**
   * Facts of the last heartbeat as the node service stores them (`ffmpeg`,
   * `usb_devices`, `usb`, `disk`, `load`, `camera_runtime`, `started_at`).
   */
  info: z.record(z.string(), z.unknown()),
  /** Cameras placed on the node. */
  cameras: z.number(),
  /** When the node enrolled (its address is pinned since); null = not enrolled. */
  enrolled_at: isoTimeSchema.nullable(),
});
export type Node = z.infer<typeof nodeSchema>;

export const nodeListSchema = z.object({
  nodes: z.array(nodeSchema),
  total: z.number(),
});

export const nodeParams = z.object({ name: z.string().max(253) });

/** A node's recordings storage (`GET /api/nodes/{name}/storage`), asked of the node now. */
export const nodeStorageSchema = z.object({
  node: z.string(),
  /** The node's recordings root. */
  root: z.string(),
  total_bytes: z.number(),
  free_bytes: z.number(),
  /** Sum of `cameras[].bytes`. */
  recordings_bytes: z.number(),
  /** Largest first. `camera_name` is null for a camera the controller no longer knows. */
  cameras: z.array(z.object({
    camera_id: z.string(),
    camera_name: z.string().nullable(),
    bytes: z.number(),
    segments: z.number(),
  })),
});
export type NodeStorage = z.infer<typeof nodeStorageSchema>;

/** `GET /api/nodes/{name}/devices/usb`: the devices of the node's last heartbeat. */
export const nodeUsbDevicesSchema = z.object({
  node: z.string(),
  status: nodeStateSchema,
  /** Time of the heartbeat the list comes from; null when none came yet. */
  reported_at: isoTimeSchema.nullable(),
  /** From a node agent that sends only paths, each path with no name and no formats. */
  devices: z.array(usbDeviceSchema),
});
export type NodeUsbDevices = z.infer<typeof nodeUsbDevicesSchema>;

export { nodeLoadSchema };
export type { NodeLoad } from "../protocol/heartbeat.ts";

// --- Camera scan: `POST /api/nodes/scan/cameras` ----------------------------

const flag = (what: string) =>
  z.string().describe(`1 to ${what} (also true/yes/on; 0/false/no/off)`)
    .optional();

/**
 * The scan's query. Flags, the range and ports are parsed (and their errors
 * named) by controller/scan/service.ts `parseScanQuery`; at least one of usb,
 * onvif and subnet is required.
 */
export const scanQuery = z.object({
  usb: flag("list USB video devices on every node"),
  onvif: flag("send a WS-Discovery probe from every node"),
  subnet: z.string().describe(
    "IPv4 range to port-probe, e.g. 192.168.1.0/24 (local ranges, at most /22)",
  ).optional(),
  ports: z.string().describe(
    "comma-separated TCP ports probed in subnet, e.g. 554,8554,80",
  ).optional(),
  node: z.string().describe("scan from this node only").optional(),
});

const scanFlag = (what: string) =>
  z.union([
    z.boolean(),
    z.literal(0),
    z.literal(1),
    z.enum(["0", "1", "true", "false"]),
  ])
    .nullable().optional().describe(what);

/** `POST /api/nodes/scan/cameras`: what to scan. */
export const scanBodySchema = z.strictObject({
  usb: scanFlag("list USB video devices on every node"),
  onvif: scanFlag("send a WS-Discovery probe from every node"),
  subnet: z.string().describe(
    "IPv4 range to port-probe, e.g. 192.168.1.0/24 (local ranges, at most /22)",
  ).nullable().optional(),
  ports: z.union([z.array(z.union([z.number(), z.string()])), z.string()])
    .describe("TCP ports probed in subnet, e.g. [554, 8554, 80]").nullable()
    .optional(),
  node: z.string().describe("scan from this node only").nullable().optional(),
});

/** A scan finding: every node's results merged (one entry per device). */
export const scanFindingSchema = scanResultSchema.extend({
  /** The node that found it first (usb: the node it is plugged into). */
  node: z.string(),
  /** Every node that found it. */
  nodes: z.array(z.string()),
  /** The existing camera this is, when one is. */
  already_added: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type ScanFinding = z.infer<typeof scanFindingSchema>;

/** How one node's scan went, as the controller saw it. */
export const scanNodeOutcomeSchema = z.object({
  node: z.string(),
  ok: z.boolean(),
  /** Why the node's scan failed (offline, timeout, refused); null when ok. */
  error: z.string().nullable(),
  elapsed_ms: z.number(),
  usb: scanPartReportSchema.nullable(),
  onvif: scanPartReportSchema.nullable(),
  subnet: subnetScanReportSchema.nullable(),
});
export type ScanNodeOutcome = z.infer<typeof scanNodeOutcomeSchema>;

export const scanResponseSchema = z.object({
  nodes: z.array(scanNodeOutcomeSchema),
  results: z.array(scanFindingSchema),
  elapsed_ms: z.number(),
});
export type ScanResponse = z.infer<typeof scanResponseSchema>;
