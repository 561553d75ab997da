/**
 * Pan/tilt/zoom of an ONVIF camera, through the node that runs it
 * (POST /v1/onvif/ptz). Plain functions over a camera id, so the HTTP API
 * and, later, an agent tool call the same thing.
 *
 * Who may: the access policy decides (admins move cameras; anyone who may
 * see a camera may list its presets) — see docs/guide/onvif.md.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { authorize, precheck } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import type {
  OnvifPtzRequest,
  OnvifPtzResult,
  PtzPreset,
} from "../../lib/protocol.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { CameraService } from "./service.ts";
import type { CallOptions, NodeClient } from "../nodes/client.ts";

export interface PtzDeps {
  cameras: CameraService;
  client: NodeClient;
}

const unit = (name: string) =>
  z.number({ error: `${name} must be a number between -1 and 1` }).min(
    -1,
    `${name} must be between -1 and 1`,
  ).max(1, `${name} must be between -1 and 1`);

/** A PTZ command as the API takes it. */
export const ptzCommandSchema = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("move"),
    pan: unit("pan").default(0),
    tilt: unit("tilt").default(0),
    zoom: unit("zoom").default(0),
    timeout_ms: z.number({ error: "timeout_ms must be a number" }).int(
      "timeout_ms must be a whole number",
    ).min(100, "timeout_ms must be between 100 and 60000").max(
      60000,
      "timeout_ms must be between 100 and 60000",
    ).default(5000),
  }),
  z.strictObject({ action: z.literal("stop") }),
  z.strictObject({ action: z.literal("zoom"), zoom: unit("zoom") }),
  z.strictObject({
    action: z.literal("goto_preset"),
    preset: z.string({ error: "preset must be a preset token" }).min(
      1,
      "preset must not be empty",
    ).max(64, "preset must be at most 64 characters"),
  }),
], { error: "action must be one of move, stop, zoom, goto_preset" });

export type PtzCommand = z.infer<typeof ptzCommandSchema>;

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
