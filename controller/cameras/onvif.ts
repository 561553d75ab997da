/**
 * "Find profiles" for an ONVIF camera before it is saved: validate where the
 * camera is and how to sign in, ask a node agent to inspect it
 * (POST /v1/onvif/inspect), and answer device info, profiles and PTZ support
 * with no credential anywhere (stream and snapshot URIs without user info).
 */
import { onvifInspectBodySchema } from "../../lib/api/cameras.ts";
import { AppError } from "../../lib/errors.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { parseOnvifUrl, publicUri } from "../../lib/onvif_url.ts";
import type { OnvifInspection } from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import { type CameraService, keepPassword } from "./service.ts";
import type { CallOptions, NodeClient } from "../nodes/client.ts";

/** The body of `POST /api/cameras/onvif/inspect` (lib/api/cameras.ts). */
export const inspectSchema = onvifInspectBodySchema;

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
  // The same target rule as a saved camera (issue 11 #8), before any connection.
  if (url) await deps.cameras.checkTargets("onvif", [["url", url]]);
  else {
    const host = input.host!.includes(":") ? `[${input.host}]` : input.host;
    await deps.cameras.checkTargets("http", [[
      "host",
      `http://${host}:${input.port ?? 80}/`,
    ]]);
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
