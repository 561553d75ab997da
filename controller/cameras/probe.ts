/**
 * "Test connection" before saving a camera: validate the source like a create
 * would, pick the node that would run it, and ask that node to open the source
 * once (POST /v1/probe) over the form's RTSP transport. A URL shown redacted
 * (`user:***@`) for an existing camera is completed with its stored password.
 * A `record_source_url` (the main stream) is probed alongside, reported in
 * `record` with its own error: a bad recording URL does not hide a good live one.
 */
import { AppError } from "../../lib/errors.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { errorMessage } from "../../lib/log.ts";
import {
  cameraProbeRequestSchema,
  type CameraProbeResult,
} from "../../lib/api/cameras.ts";
import type { ProbeResult } from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { CallOptions, NodeClient } from "../nodes/client.ts";
import type { NodeService } from "../nodes/service.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import { checkRecordSource, checkSource } from "./schema.ts";
import {
  type CameraService,
  keepPassword,
  keepPasswordFrom,
} from "./service.ts";

/** The body of `POST /api/cameras/probe` (lib/api/cameras.ts). */
const probeSchema = cameraProbeRequestSchema;

export interface ProbeDeps {
  cameras: CameraService;
  nodes: NodeService;
  box: SecretBox;
  client: NodeClient;
}

export async function probeCamera(
  deps: ProbeDeps,
  p: Principal,
  body: unknown,
  call: CallOptions = {},
): Promise<CameraProbeResult> {
  authorize(p, "camera.probe");
  const parsed = probeSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const input = parsed.data;
  let sourceUrl = input.source_url ?? null;
  const row = input.camera_id ? await deps.cameras.row(input.camera_id) : null;
  if (row?.source_url_sealed && sourceUrl) {
    sourceUrl = keepPassword(
      sourceUrl,
      await deps.box.open(row.source_url_sealed),
    );
  }
  const src = checkSource({
    protocol: input.protocol,
    source_url: sourceUrl,
    device_path: input.device_path ?? null,
    node_name: input.node_name ?? null,
  });
  if (Array.isArray(src)) {
    throw new AppError("invalid_input", src[1], { field: src[0] });
  }
  let recordUrl = input.record_source_url || null;
  if (recordUrl) {
    // As a save would: `***` keeps the stored recording password, or the
    // live URL's when it names the same user on the same host and port.
    const stored = row?.record_source_url_sealed
      ? await deps.box.open(row.record_source_url_sealed)
      : null;
    recordUrl = keepPasswordFrom(
      recordUrl,
      [stored, src.source_url],
      "record_source_url",
    );
    const rec = checkRecordSource(input.protocol, recordUrl, src.source_url);
    if (Array.isArray(rec)) {
      throw new AppError("invalid_input", rec[1], { field: rec[0] });
    }
    recordUrl = rec.url;
  }
  // Before any connection: a refused target's answer reveals nothing of its ports.
  await deps.cameras.checkTargets(input.protocol, [
    ["source_url", src.source_url],
    ["record_source_url", recordUrl],
  ]);
  const node = src.node_name ?? await deps.nodes.pickNode();
  if (!node) {
    throw new AppError(
      "unavailable",
      "No node agent is online to test the source from",
    );
  }
  const link = await deps.client.online(node, { field: "node_name" });
  const ask = (source_url: string | null) =>
    link.probe({
      protocol: input.protocol,
      source_url,
      device_path: src.device_path,
      rtsp_transport: input.rtsp_transport ?? "tcp",
    }, call);
  if (!recordUrl) return await ask(src.source_url);
  const started = performance.now();
  const [live, record] = await Promise.all([
    ask(src.source_url),
    // The node refusing the recording URL (an onvif profile that does not
    // resolve) is that probe's failure, not the request's.
    ask(recordUrl).catch((e): ProbeResult => ({
      ok: false,
      error: errorMessage(e),
      video: null,
      audio: null,
      node,
      elapsed_ms: Math.round(performance.now() - started),
    })),
  ]);
  return { ...live, record };
}
