/**
 * The node agent ⇄ controller protocol (docs/design/protocol.md), one file
 * per topic. Each message is a zod schema and its inferred type; both sides
 * import these and nothing else from each other.
 *
 * Node agent → controller (bearer token): heartbeat.ts (body) → desired.ts
 * (answer, also the long poll), events.ts (outbox batches).
 * Controller → node agent (bearer token), on the node agent's port:
 *   GET  /v1/cameras/{id}/stream    multipart/x-mixed-replace MJPEG
 *   GET  /v1/cameras/{id}/snapshot  image/jpeg
 *   GET  /v1/status                 NodeStatus (heartbeat.ts)
 *   POST /v1/probe (probe.ts), POST /v1/scan (scan.ts),
 *   POST /v1/onvif/inspect|ptz (onvif.ts), GET /v1/devices/usb (devices.ts)
 */
export * from "./desired.ts";
export * from "./devices.ts";
export * from "./events.ts";
export * from "./files.ts";
export * from "./heartbeat.ts";
export * from "./onvif.ts";
export * from "./probe.ts";
export * from "./scan.ts";
