/**
 * Pan/tilt/zoom of an ONVIF camera, through the node that runs it
 * (POST /v1/onvif/ptz). Plain functions over a camera id, so the HTTP API
 * and, later, an agent tool call the same thing.
 *
 * Who may: the access policy decides (admins move cameras; anyone who may
 * see a camera may list its presets) — see docs/guide/onvif.md.
 */
import { type PtzBody, ptzBodySchema } from "../../lib/api/cameras.ts";
import { AppError } from "../../lib/errors.ts";
import { authorize, precheck } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import type {
  OnvifPtzRequest,
  OnvifPtzResult,
  PtzPreset,
} from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { CameraService } from "./service.ts";
import type { CallOptions, NodeClient } from "../nodes/client.ts";

export interface PtzDeps {
  cameras: CameraService;
  client: NodeClient;
}

/** A PTZ command as the API takes it (lib/api/cameras.ts). */
export const ptzCommandSchema = ptzBodySchema;

export type PtzCommand = PtzBody;

/** Runs one PTZ command (body as sent to the API) on a camera. */
export async function ptzCommand(
  deps: PtzDeps,
  p: Principal,
  cameraId: string,
  body: unknown,
  call: CallOptions = {},
): Promise<{ ok: true }> {
  precheck(p, "camera.ptz");
  const parsed = ptzCommandSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  await run(deps, p, "camera.ptz", cameraId, parsed.data, call);
  return { ok: true };
}

/** The camera's PTZ presets. */
export async function ptzPresets(
  deps: PtzDeps,
  p: Principal,
  cameraId: string,
  call: CallOptions = {},
): Promise<PtzPreset[]> {
  const out = await run(
    deps,
    p,
    "camera.ptz_presets",
    cameraId,
    { action: "presets" },
    call,
  );
  return out.presets ?? [];
}

async function run(
  deps: PtzDeps,
  p: Principal,
  action: "camera.ptz" | "camera.ptz_presets",
  cameraId: string,
  cmd: Omit<OnvifPtzRequest, "source_url">,
  call: CallOptions,
): Promise<OnvifPtzResult> {
  const row = await deps.cameras.row(cameraId);
  authorize(p, action, { cameraId: row.id, what: `camera "${cameraId}"` });
  if (row.protocol !== "onvif") {
    throw new AppError(
      "conflict",
      `Camera "${row.name}" is a ${row.protocol} camera: PTZ needs an ONVIF camera (protocol onvif)`,
    );
  }
  const source = await deps.cameras.openSource(row);
  if (!source) {
    throw new AppError(
      "conflict",
      `Camera "${row.name}" has no onvif:// source_url`,
    );
  }
  if (!row.assigned_node) {
    throw new AppError(
      "unavailable",
      `Camera "${row.name}" is not assigned to a node yet`,
    );
  }
  const link = await deps.client.online(row.assigned_node, {
    field: "node_name",
  });
  const req: OnvifPtzRequest = { source_url: source, ...cmd };
  return await link.onvifPtz(req, { ...call, timeoutMs: 20_000 });
}
