/**
 * "Find profiles" for an ONVIF camera before it is saved: validate where the
 * camera is and how to sign in, ask a node agent to inspect it
 * (POST /v1/onvif/inspect), and answer device info, profiles and PTZ support
 * with no credential anywhere (stream and snapshot URIs without user info).
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { parseOnvifUrl, publicUri } from "../../lib/onvif_url.ts";
import type { OnvifInspection } from "../../lib/protocol.ts";
import { invalidInput } from "../../lib/validation.ts";
import { NODE_NAME } from "./schema.ts";
import { type CameraService, keepPassword } from "./service.ts";
import type { CallOptions, NodeClient } from "../nodes/client.ts";

export const inspectSchema = z.strictObject({
  url: z.string().trim().max(2048, "url must be at most 2048 characters")
    .nullish(),
  host: z.string().trim().max(253, "host must be at most 253 characters")
    .regex(
      /^[A-Za-z0-9.\-:\[\]]*$/,
      "host must be an IP address or host name",
    ).nullish(),
  port: z.number({ error: "port must be a number" }).int(
    "port must be a whole number",
  ).min(1, "port must be between 1 and 65535").max(
    65535,
    "port must be between 1 and 65535",
  ).nullish(),
  username: z.string().max(128, "username must be at most 128 characters")
    .nullish(),
  password: z.string().max(256, "password must be at most 256 characters")
    .nullish(),
  node_name: z.string().trim().regex(
    NODE_NAME,
    "node_name must be a node name like worker-1",
  ).nullish(),
  /** When editing: the camera whose stored password completes `user:***@`. */
  camera_id: z.string().uuid("camera_id must be a camera id").optional(),
  timeout_ms: z.number({ error: "timeout_ms must be a number" }).int(
    "timeout_ms must be a whole number",
  ).min(500, "timeout_ms must be between 500 and 30000").max(
    30000,
    "timeout_ms must be between 500 and 30000",
  ).optional(),
});

export interface OnvifInspectDeps {
  cameras: CameraService;
  nodes: { pickNode(): Promise<string | null> };
  client: NodeClient;
}

export async function inspectOnvifCamera(
  deps: OnvifInspectDeps,
  p: Principal,
  body: unknown,
  call: CallOptions = {},
): Promise<OnvifInspection> {
  authorize(p, "camera.onvif_inspect");
  const parsed = inspectSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const input = parsed.data;
  let url = input.url || null;
  if (url) {
    if (input.camera_id) {
      const row = await deps.cameras.row(input.camera_id);
      const stored = await deps.cameras.openSource(row);
      if (stored) url = keepPassword(url, stored, "url");
    }
    try {
      parseOnvifUrl(url);
    } catch (e) {
      throw new AppError("invalid_input", (e as Error).message, {
        field: "url",
      });
    }
  } else if (!input.host) {
    throw new AppError(
      "invalid_input",
      "host is required (or url: onvif://user:pass@host[:port])",
      { field: "host" },
    );
  }
  const timeoutMs = input.timeout_ms ?? 8000;
  const node = input.node_name ?? await deps.nodes.pickNode();
  if (!node) {
    throw new AppError(
      "unavailable",
      "No node agent is online to reach the camera from",
    );
  }
  const link = await deps.client.online(node, { field: "node_name" });
  const out = await link.onvifInspect({
    url,
    host: url ? null : input.host,
    port: url ? null : input.port ?? null,
    username: input.username ?? null,
    password: input.password ?? null,
    timeout_ms: timeoutMs,
  }, {
    ...call,
    // Connect + info + two URIs per profile, each bounded by timeoutMs.
    timeoutMs: timeoutMs * 4 + 5000,
  });
  return {
    device: out.device,
    profiles: (out.profiles ?? []).map((p) => ({
      token: p.token,
      name: p.name,
      video: p.video,
      stream_uri: publicUri(p.stream_uri),
      snapshot_uri: publicUri(p.snapshot_uri),
      ptz: p.ptz,
    })),
    ptz: out.ptz,
    node: link.node,
    elapsed_ms: out.elapsed_ms,
  };
}
