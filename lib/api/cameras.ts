/**
 * Cameras: the create/update bodies (every rule names its field), the camera
 * as the API answers it, its list, "Test connection", ONVIF inspection, PTZ
 * and recording status. Protocol rules that need the whole camera (a URL
 * scheme per protocol) are in controller/cameras/schema.ts `checkSource`.
 */
import { z } from "zod";
import { CAMERA_PROTOCOLS, RTSP_TRANSPORTS } from "../protocol/desired.ts";
import { USB_DEVICE_PATH } from "../protocol/devices.ts";
import { NODE_NAME } from "../protocol/heartbeat.ts";
import {
  onvifInspectionSchema,
  onvifInspectTimeout,
  onvifTargetFields,
  ptzFields,
  ptzPresetSchema,
  ptzUnit,
} from "../protocol/onvif.ts";
import { probeResultSchema } from "../protocol/probe.ts";
import { isoTimeSchema, uuidSchema } from "./common.ts";

/** off: records only when started; manual: the same, stated; continuous: always records. */
export const RECORDING_MODES = ["off", "manual", "continuous"] as const;
export const recordingModeSchema = z.enum(RECORDING_MODES, {
  error: `recording_mode must be one of ${RECORDING_MODES.join(", ")}`,
});
export type RecordingMode = z.infer<typeof recordingModeSchema>;

export const CAMERA_STATUSES = [
  "pending",
  "online",
  "error",
  "offline",
] as const;
export const cameraStatusSchema = z.enum(CAMERA_STATUSES);
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

const RESOLUTION = /^(\d{2,5})x(\d{2,5})$/;

export const resolutionSchema = z.string().trim().regex(
  RESOLUTION,
  "resolution must look like 640x480",
).refine((v) => {
  const [w, h] = v.split("x").map(Number);
  return w >= 16 && h >= 16 && w <= 7680 && h <= 4320 && w % 2 === 0 &&
    h % 2 === 0;
}, "resolution must be even numbers between 16x16 and 7680x4320");

const metadata = z.record(z.string(), z.unknown()).refine(
  (m) => JSON.stringify(m).length <= 8192,
  "metadata must be at most 8 KiB of JSON",
);

const protocol = z.enum(CAMERA_PROTOCOLS, {
  error: `protocol must be one of ${CAMERA_PROTOCOLS.join(", ")}`,
});
const rtspTransport = z.enum(RTSP_TRANSPORTS, {
  error: `rtsp_transport must be one of ${RTSP_TRANSPORTS.join(", ")}`,
});
const nodeName = z.string().trim().regex(
  NODE_NAME,
  "node_name must be a node name like worker-1",
);

const fields = {
  name: z.string().trim().min(1, "name must not be empty").max(
    100,
    "name must be at most 100 characters",
  ),
  location: z.string().trim().max(
    200,
    "location must be at most 200 characters",
  ).nullable(),
  source_url: z.string().trim().max(
    2048,
    "source_url must be at most 2048 characters",
  ).nullable(),
  device_path: z.string().trim().regex(
    USB_DEVICE_PATH,
    "device_path must look like /dev/video0 or /dev/v4l/by-id/usb-…-video-index0",
  ).nullable(),
  node_name: nodeName.nullable(),
  resolution: resolutionSchema,
  framerate: z.number({ error: "framerate must be a number" }).int(
    "framerate must be a whole number",
  ).min(1, "framerate must be between 1 and 60").max(
    60,
    "framerate must be between 1 and 60",
  ),
  metadata,
  recording_mode: recordingModeSchema,
  retention_days: z.number({ error: "retention_days must be a number or null" })
    .int("retention_days must be a whole number of days")
    .min(1, "retention_days must be between 1 and 3650")
    .max(3650, "retention_days must be between 1 and 3650")
    .nullable(),
  rtsp_transport: rtspTransport,
  record_source_url: z.string({
    error: "record_source_url must be a URL or null",
  }).trim().max(2048, "record_source_url must be at most 2048 characters")
    .nullable(),
};

/** `POST /api/cameras`. */
export const createCameraSchema = z.strictObject({
  name: fields.name,
  protocol,
  location: fields.location.optional(),
  source_url: fields.source_url.optional(),
  device_path: fields.device_path.optional(),
  node_name: fields.node_name.optional(),
  // Left out: the camera service fills in the default_resolution / default_framerate settings.
  resolution: fields.resolution.optional(),
  framerate: fields.framerate.optional(),
  metadata: metadata.default({}),
  recording_mode: fields.recording_mode.default("off"),
  retention_days: fields.retention_days.default(null),
  rtsp_transport: fields.rtsp_transport.default("tcp"),
  record_source_url: fields.record_source_url.optional(),
});
export type CreateCameraInput = z.infer<typeof createCameraSchema>;

/** `PATCH /api/cameras/{id}`: any of the fields; the protocol cannot change. */
export const updateCameraSchema = z.strictObject({
  name: fields.name.optional(),
  location: fields.location.optional(),
  source_url: fields.source_url.optional(),
  device_path: fields.device_path.optional(),
  node_name: fields.node_name.optional(),
  resolution: fields.resolution.optional(),
  framerate: fields.framerate.optional(),
  metadata: metadata.optional(),
  recording_mode: fields.recording_mode.optional(),
  retention_days: fields.retention_days.optional(),
  rtsp_transport: fields.rtsp_transport.optional(),
  record_source_url: fields.record_source_url.optional(),
});
export type UpdateCameraInput = z.infer<typeof updateCameraSchema>;

/** One camera as the API answers it: never the sealed source, always redacted. */
export const cameraSchema = z.object({
  id: z.string(),
  name: z.string(),
  protocol: z.enum(CAMERA_PROTOCOLS),
  location: z.string().nullable(),
  /**
   * Source URL with the password redacted (`rtsp://user:***@host/…`). May be
   * left out of answers for callers not allowed to see sources.
   */
  source_url: z.string().nullable().optional(),
  device_path: z.string().nullable(),
  /** Node the camera is pinned to (USB cameras). */
  node_name: z.string().nullable(),
  /** Node that runs the camera now. */
  assigned_node: z.string().nullable(),
  /** `WIDTHxHEIGHT`, e.g. `640x480`. */
  resolution: z.string(),
  framerate: z.number(),
  status: cameraStatusSchema,
  error_message: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  recording_mode: z.enum(RECORDING_MODES),
  /** Days of footage kept; null = until the node's free-space floor. */
  retention_days: z.number().nullable(),
  /** tcp | udp: how RTSP is read. */
  rtsp_transport: z.enum(RTSP_TRANSPORTS),
  /** Recording (main) stream, redacted like source_url; null = records source_url. */
  record_source_url: z.string().nullable().optional(),
  stream_url: z.string(),
  snapshot_url: z.string(),
  created_at: isoTimeSchema,
  updated_at: isoTimeSchema,
});
export type Camera = z.infer<typeof cameraSchema>;

/** `GET /api/cameras` filters. */
export const cameraListQuery = z.object({
  protocol: protocol.optional(),
  status: z.enum(CAMERA_STATUSES, {
    error: `status must be one of ${CAMERA_STATUSES.join(", ")}`,
  }).optional(),
  node: z.string().regex(NODE_NAME, "node must be a node name like worker-1")
    .optional(),
});
export type CameraListQuery = z.infer<typeof cameraListQuery>;

export const cameraListSchema = z.object({
  cameras: z.array(cameraSchema),
  total: z.number(),
});

/** `DELETE /api/cameras/{id}`. */
export const cameraDeletedSchema = z.object({
  message: z.string(),
  id: z.string(),
});

/** `POST /api/cameras/probe` ("Test connection"): a source before it is saved. */
export const cameraProbeRequestSchema = z.object({
  protocol,
  source_url: fields.source_url.optional(),
  device_path: z.string().trim().regex(
    /^\/dev\/video\d{1,3}$/,
    "device_path must look like /dev/video0",
  ).nullable().optional(),
  node_name: nodeName.nullable().optional(),
  /** As the camera form has it: a UDP-only camera fails a TCP probe. */
  rtsp_transport: rtspTransport.optional(),
  /** rtsp and onvif: the recording URL, probed too ("" or null = none). */
  record_source_url: z.string().trim().max(
    2048,
    "record_source_url must be at most 2048 characters",
  ).nullable().optional(),
  /** When editing: the camera whose stored password completes a redacted URL. */
  camera_id: z.string().uuid("camera_id must be a camera id").optional(),
});
export type CameraProbeRequest = z.infer<typeof cameraProbeRequestSchema>;

/** The controller's probe answer: the live source, and the recording URL's when one was sent. */
export const cameraProbeResultSchema = probeResultSchema.extend({
  /** Present when the request named a recording URL; its own ok and error. */
  record: probeResultSchema.optional(),
});
export type CameraProbeResult = z.infer<typeof cameraProbeResultSchema>;

/** `POST /api/cameras/onvif/inspect` ("Find profiles"). */
export const onvifInspectBodySchema = z.strictObject({
  ...onvifTargetFields,
  node_name: nodeName.nullish(),
  /** When editing: the camera whose stored password completes `user:***@`. */
  camera_id: z.string().uuid("camera_id must be a camera id").optional(),
  timeout_ms: onvifInspectTimeout.optional(),
});
export type OnvifInspectBody = z.infer<typeof onvifInspectBodySchema>;
export { onvifInspectionSchema };

/** `POST /api/cameras/{id}/ptz`: one body per action. */
export const ptzBodySchema = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("move"),
    pan: ptzUnit("pan").default(0),
    tilt: ptzUnit("tilt").default(0),
    zoom: ptzUnit("zoom").default(0),
    timeout_ms: ptzFields.timeout_ms.unwrap().default(5000),
  }),
  z.strictObject({ action: z.literal("stop") }),
  z.strictObject({ action: z.literal("zoom"), zoom: ptzUnit("zoom") }),
  z.strictObject({
    action: z.literal("goto_preset"),
    preset: z.string({ error: "preset must be a preset token" }).min(
      1,
      "preset must not be empty",
    ).max(64, "preset must be at most 64 characters"),
  }),
], { error: "action must be one of move, stop, zoom, goto_preset" });
export type PtzBody = z.infer<typeof ptzBodySchema>;

export const ptzPresetsSchema = z.object({ presets: z.array(ptzPresetSchema) });
export const ptzOkSchema = z.object({ ok: z.literal(true) });

export { uuidSchema };
