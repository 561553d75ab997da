/**
 * ONVIF (docs/guide/onvif.md, node-agent/onvif/). Controller → node (bearer):
 * `POST /v1/onvif/inspect` `OnvifInspectRequest` → `OnvifInspection`;
 * `POST /v1/onvif/ptz` `OnvifPtzRequest` → `OnvifPtzResult`. A camera of
 * protocol "onvif" has source_url `onvif://user:pass@host[:port][?profile=TOKEN]`;
 * the node resolves it to the profile's RTSP URI and runs it like an rtsp camera.
 *
 * `onvifTargetFields` are shared by the node's inspect schema and the
 * controller's `/api/cameras/onvif/inspect` body (lib/api/cameras.ts), so the
 * two services check where a device is with the same rules.
 */
import { z } from "zod";

const port = z.number({ error: "port must be a number" }).int(
  "port must be a whole number",
).min(1, "port must be between 1 and 65535").max(
  65535,
  "port must be between 1 and 65535",
);

/** Where an ONVIF device is and how to sign in to it. */
export const onvifTargetFields = {
  /** `onvif://user:pass@host[:port][?profile=TOKEN]`; wins over the fields below. */
  url: z.string().trim().max(2048, "url must be at most 2048 characters")
    .nullish(),
  host: z.string().trim().max(253, "host must be at most 253 characters")
    .regex(
      /^[A-Za-z0-9.\-:\[\]]*$/,
      "host must be an IP address or host name",
    ).nullish(),
  /** Device service port (80 when absent). */
  port: port.nullish(),
  username: z.string().max(128, "username must be at most 128 characters")
    .nullish(),
  password: z.string().max(256, "password must be at most 256 characters")
    .nullish(),
};
export const onvifTargetSchema = z.strictObject(onvifTargetFields);
export type OnvifTarget = z.infer<typeof onvifTargetSchema>;

/** Per-request time limit of an inspection (8000 ms when absent). */
export const onvifInspectTimeout = z.number({
  error: "timeout_ms must be a number",
}).int("timeout_ms must be a whole number").min(
  500,
  "timeout_ms must be between 500 and 30000",
).max(30000, "timeout_ms must be between 500 and 30000");

export const onvifInspectRequestSchema = z.strictObject({
  ...onvifTargetFields,
  timeout_ms: onvifInspectTimeout.optional(),
});
export type OnvifInspectRequest = z.infer<typeof onvifInspectRequestSchema>;

export const onvifDeviceInfoSchema = z.object({
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  firmware: z.string().nullable(),
  serial: z.string().nullable(),
});
export type OnvifDeviceInfo = z.infer<typeof onvifDeviceInfoSchema>;

export const onvifVideoSchema = z.object({
  /** As the camera names it: H264, H265, JPEG, MPEG4. */
  codec: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  fps: z.number().nullable(),
});
export type OnvifVideo = z.infer<typeof onvifVideoSchema>;

/** One media profile. URIs are as the camera gave them (may hold credentials). */
export const onvifProfileSchema = z.object({
  token: z.string(),
  name: z.string(),
  video: onvifVideoSchema.nullable(),
  stream_uri: z.string().nullable(),
  snapshot_uri: z.string().nullable(),
  /** The profile has a PTZ configuration. */
  ptz: z.boolean(),
});
export type OnvifProfile = z.infer<typeof onvifProfileSchema>;

export const onvifInspectionSchema = z.object({
  device: onvifDeviceInfoSchema,
  profiles: z.array(onvifProfileSchema),
  /** The device has a PTZ service and at least one profile with PTZ. */
  ptz: z.boolean(),
  node: z.string(),
  elapsed_ms: z.number(),
});
export type OnvifInspection = z.infer<typeof onvifInspectionSchema>;

export const PTZ_ACTIONS = [
  "move",
  "stop",
  "zoom",
  "goto_preset",
  "presets",
] as const;
export const ptzActionSchema = z.enum(PTZ_ACTIONS, {
  error: `action must be one of ${PTZ_ACTIONS.join(", ")}`,
});
export type PtzAction = z.infer<typeof ptzActionSchema>;

const unit = (name: string) =>
  z.number({ error: `${name} must be a number between -1 and 1` }).min(
    -1,
    `${name} must be between -1 and 1`,
  ).max(1, `${name} must be between -1 and 1`);

/** The PTZ fields, shared by the node's request and the controller's per-action bodies. */
export const ptzFields = {
  action: ptzActionSchema,
  /** move: velocities −1..1 (continuous move). */
  pan: unit("pan").optional(),
  tilt: unit("tilt").optional(),
  /** move: zoom velocity; zoom: relative zoom step, −1..1. */
  zoom: unit("zoom").optional(),
  /** move: the camera stops by itself after this long (5000 ms when absent). */
  timeout_ms: z.number({ error: "timeout_ms must be a number" }).int(
    "timeout_ms must be a whole number",
  ).min(100, "timeout_ms must be between 100 and 60000").max(
    60000,
    "timeout_ms must be between 100 and 60000",
  ).optional(),
  /** goto_preset: the preset token. */
  preset: z.string().min(1, "preset must not be empty").max(
    64,
    "preset must be at most 64 characters",
  ).optional(),
};
/** A PTZ value as `ptzFields` check it: −1..1. */
export const ptzUnit = unit;

export const onvifPtzRequestSchema = z.strictObject({
  /** The camera's onvif:// source_url (with credentials and profile). */
  source_url: z.string().max(2048),
  ...ptzFields,
});
export type OnvifPtzRequest = z.infer<typeof onvifPtzRequestSchema>;

export const ptzPresetSchema = z.object({
  token: z.string(),
  name: z.string(),
});
export type PtzPreset = z.infer<typeof ptzPresetSchema>;

export const onvifPtzResultSchema = z.object({
  ok: z.literal(true),
  /** Only for action "presets". */
  presets: z.array(ptzPresetSchema).optional(),
});
export type OnvifPtzResult = z.infer<typeof onvifPtzResultSchema>;

/** One device that answered a WS-Discovery probe. */
export const discoveredOnvifSchema = z.object({
  /** Host of the first XAddr (else the sender's IP). */
  address: z.string(),
  /** Port of the first XAddr; 80 when it names none. */
  port: z.number(),
  /** Device service URLs, e.g. http://192.168.1.20/onvif/device_service. */
  xaddrs: z.array(z.string()),
  /** Endpoint reference, e.g. urn:uuid:…; unique per device. */
  urn: z.string(),
  scopes: z.array(z.string()),
  /** From the onvif://www.onvif.org/name/… scope, decoded. */
  name: z.string().nullable(),
  hardware: z.string().nullable(),
  location: z.string().nullable(),
});
export type DiscoveredOnvif = z.infer<typeof discoveredOnvifSchema>;
