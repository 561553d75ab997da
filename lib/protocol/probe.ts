/**
 * Controller → node: `POST /v1/probe` body `ProbeRequest` → `ProbeResult` —
 * open a source once on the node that would run it and say what it carries,
 * before the camera is saved. The node validates with `probeRequestSchema`.
 */
import { z } from "zod";
import { cameraProtocolSchema, rtspTransportSchema } from "./desired.ts";
import { USB_DEVICE_PATH } from "./devices.ts";

export const probeRequestSchema = z.object({
  protocol: cameraProtocolSchema,
  source_url: z.string().max(2048).nullable(),
  device_path: z.string().regex(USB_DEVICE_PATH).nullable(),
  /** RTSP (and resolved ONVIF) sources: how to read it, as the camera would. Absent = "tcp". */
  rtsp_transport: rtspTransportSchema.optional(),
});
export type ProbeRequest = z.infer<typeof probeRequestSchema>;

export const probeResultSchema = z.object({
  ok: z.boolean(),
  /** Redacted reason when ok is false. */
  error: z.string().nullable(),
  video: z.object({
    codec: z.string(),
    width: z.number(),
    height: z.number(),
    fps: z.number().nullable(),
  }).nullable(),
  audio: z.object({
    codec: z.string(),
    sample_rate: z.number().nullable(),
    channels: z.number().nullable(),
  }).nullable(),
  /** Node that opened the source. */
  node: z.string(),
  elapsed_ms: z.number(),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;
