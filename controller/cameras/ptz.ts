/**
 * Pan/tilt/zoom of an ONVIF camera, through the node that runs it
 * (POST /v1/onvif/ptz). Plain functions over a camera id, so the HTTP API
 * and, later, an agent tool call the same thing.
 *
 * Who may: the HTTP layer decides (admins move cameras; anyone who may see a
 * camera may list its presets) — see docs/guide/onvif.md.
 */
import { type PtzBody, ptzBodySchema } from "../../lib/api/cameras.ts";
import { AppError } from "../../lib/errors.ts";
import type {
  OnvifPtzRequest,
  OnvifPtzResult,
  PtzPreset,
} from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { CameraService } from "./service.ts";
import { callNode, onlineNode, type OnvifNodeDeps } from "./onvif_node.ts";

export interface PtzDeps extends OnvifNodeDeps {
  cameras: CameraService;
}

/** A PTZ command as the API takes it (lib/api/cameras.ts). */
export const ptzCommandSchema = ptzBodySchema;

export type PtzCommand = PtzBody;

/** Runs one PTZ command (body as sent to the API) on a camera. */
export async function ptzCommand(
  deps: PtzDeps,
  cameraId: string,
  body: unknown,
): Promise<{ ok: true }> {
  const parsed = ptzCommandSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  await run(deps, cameraId, parsed.data);
  return { ok: true };
}

/** The camera's PTZ presets. */
export async function ptzPresets(
  deps: PtzDeps,
  cameraId: string,
): Promise<PtzPreset[]> {
  const out = await run(deps, cameraId, { action: "presets" });
  return out.presets ?? [];
}

async function run(
  deps: PtzDeps,
  cameraId: string,
  cmd: Omit<OnvifPtzRequest, "source_url">,
): Promise<OnvifPtzResult> {
  const row = await deps.cameras.row(cameraId);
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
  const target = await onlineNode(deps, row.assigned_node);
  const req: OnvifPtzRequest = { source_url: source, ...cmd };
  return await callNode<OnvifPtzResult>(
    deps,
    target,
    "/v1/onvif/ptz",
    req,
    20_000,
  );
}
