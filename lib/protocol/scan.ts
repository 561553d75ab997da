/**
 * Camera scan (docs/guide/scanning.md). Controller → node: `POST /v1/scan`
 * body `ScanRequest` → `ScanReport`. One scan at a time per node (409 while
 * one runs); the node bounds it in time itself.
 */
import { z } from "zod";

/** What one node should look for; the node validates with this schema. */
export const scanRequestSchema = z.strictObject({
  /** List the node's video devices. */
  usb: z.boolean({ error: "usb must be true or false" }),
  /** WS-Discovery probe on the node's networks. */
  onvif: z.boolean({ error: "onvif must be true or false" }),
  /**
   * Port-probe this IPv4 range (lib/cidr.ts rules, checked by the scanner);
   * absent/null = no probe.
   */
  subnet: z.string({ error: "subnet must be a range like 192.168.1.0/24" })
    .max(50, "subnet must be a range like 192.168.1.0/24").nullable()
    .optional(),
  /** TCP ports to probe in `subnet` (SCAN_DEFAULT_PORTS when absent). */
  ports: z.array(z.number({ error: "ports must be numbers" })).max(
    32,
    "ports must list at most 32 ports",
  ).optional(),
});
export type ScanRequest = z.infer<typeof scanRequestSchema>;

/** RTSP, ONVIF and HTTP ports cameras commonly listen on. */
export const SCAN_DEFAULT_PORTS = [554, 8554, 80, 8080, 8000, 8899] as const;

export const scanKindSchema = z.enum(["rtsp", "onvif", "http", "usb"]);
export type ScanKind = z.infer<typeof scanKindSchema>;

/**
 * confirmed: the device answered the protocol itself (RTSP/1.0 reply, ONVIF
 * SOAP response, a listed video device); likely: a camera-shaped answer (an
 * MJPEG or JPEG body, a SOAP fault from the ONVIF path); possible: an open
 * port with a plain web server behind it.
 */
export const scanConfidenceSchema = z.enum(["confirmed", "likely", "possible"]);
export type ScanConfidence = z.infer<typeof scanConfidenceSchema>;

/** What to prefill when adding a found camera: never any credentials. */
export const scanSuggestionSchema = z.object({
  /** A camera protocol. */
  protocol: z.string(),
  /** URL template without credentials, e.g. `rtsp://192.168.1.20:554/`. */
  source_url: z.string().nullable(),
  device_path: z.string().nullable(),
  /** Node the camera must run on (usb), else null = any node. */
  node_name: z.string().nullable(),
  /** A name to start from. */
  name: z.string(),
});
export type ScanSuggestion = z.infer<typeof scanSuggestionSchema>;

/** One thing a scan found. */
export const scanResultSchema = z.object({
  kind: scanKindSchema,
  /** IPv4 address (network results); null for usb. */
  address: z.string().nullable(),
  port: z.number().nullable(),
  /** `/dev/videoN` for usb. */
  device_path: z.string().nullable(),
  confidence: scanConfidenceSchema,
  /** What was seen, e.g. `RTSP/1.0 401 Unauthorized on OPTIONS`. */
  evidence: z.string(),
  /** The device asked for credentials (RTSP/HTTP 401, ONVIF auth fault). */
  needs_credentials: z.boolean(),
  suggested: scanSuggestionSchema,
});
export type ScanResult = z.infer<typeof scanResultSchema>;

/** How one part of a node's scan went. */
export const scanPartReportSchema = z.object({
  ok: z.boolean(),
  /** Redacted reason when ok is false. */
  error: z.string().nullable(),
  elapsed_ms: z.number(),
});
export type ScanPartReport = z.infer<typeof scanPartReportSchema>;

/** The port probe's bookkeeping: how much of the range it covered. */
export const subnetScanReportSchema = scanPartReportSchema.extend({
  subnet: z.string(),
  ports: z.array(z.number()),
  /** Host × port connects planned and attempted. */
  planned: z.number(),
  attempted: z.number(),
  /** Connects that found an open port. */
  open: z.number(),
  /** The time limit (or an abort) ended it before every connect was tried. */
  truncated: z.boolean(),
});
export type SubnetScanReport = z.infer<typeof subnetScanReportSchema>;

/** A node's answer to `POST /v1/scan`. */
export const scanReportSchema = z.object({
  node: z.string(),
  results: z.array(scanResultSchema),
  usb: scanPartReportSchema.nullable(),
  onvif: scanPartReportSchema.nullable(),
  subnet: subnetScanReportSchema.nullable(),
  elapsed_ms: z.number(),
});
export type ScanReport = z.infer<typeof scanReportSchema>;
