/**
 * "Test connection" before saving a camera: validate the source like a create
 * would, pick the node that would run it, and ask that node to open the source
 * once (POST /v1/probe) over the form's RTSP transport. A URL shown redacted
 * (`user:***@`) for an existing camera is completed with its stored password.
 * A `record_source_url` (the main stream) is probed alongside, reported in
 * `record` with its own error: a bad recording URL does not hide a good live one.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type {
  CameraProbeResult,
  ProbeRequest,
  ProbeResult,
} from "../../lib/protocol.ts";
import { CAMERA_PROTOCOLS, RTSP_TRANSPORTS } from "../../lib/protocol.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { NodeService, NodeTarget } from "../nodes/service.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import { checkRecordSource, checkSource, NODE_NAME } from "./schema.ts";
import {
  type CameraService,
  keepPassword,
  keepPasswordFrom,
} from "./service.ts";

const probeSchema = z.object({
  protocol: z.enum(CAMERA_PROTOCOLS, {
    error: `protocol must be one of ${CAMERA_PROTOCOLS.join(", ")}`,
  }),
  source_url: z.string().trim().max(
    2048,
    "source_url must be at most 2048 characters",
  ).nullable().optional(),
  device_path: z.string().trim().regex(
    /^\/dev\/video\d{1,3}$/,
    "device_path must look like /dev/video0",
  )
    .nullable().optional(),
  node_name: z.string().trim().regex(
    NODE_NAME,
    "node_name must be a node name like worker-1",
  ).nullable()
    .optional(),
  /** As the camera form has it: a UDP-only camera fails a TCP probe. */
  rtsp_transport: z.enum(RTSP_TRANSPORTS, {
    error: `rtsp_transport must be one of ${RTSP_TRANSPORTS.join(", ")}`,
  }).optional(),
  /** rtsp and onvif: the recording URL, probed too ("" or null = none). */
  record_source_url: z.string().trim().max(
    2048,
    "record_source_url must be at most 2048 characters",
  ).nullable().optional(),
  /** When editing: the camera whose stored password completes a redacted URL. */
  camera_id: z.string().uuid("camera_id must be a camera id").optional(),
});

export interface ProbeDeps {
  cameras: CameraService;
  nodes: NodeService;
  box: SecretBox;
}

export async function probeCamera(
  deps: ProbeDeps,
  body: unknown,
): Promise<CameraProbeResult> {
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
  const node = src.node_name ?? await deps.nodes.pickNode();
  if (!node) {
    throw new AppError(
      "unavailable",
      "No node agent is online to test the source from",
    );
  }
  const target = await deps.nodes.target(node);
  if (!target || !(await deps.nodes.isOnline(node))) {
    throw new AppError("unavailable", `Node "${node}" is offline`, {
      field: "node_name",
    });
  }
  const ask = (source_url: string | null) =>
    askNode(target, {
      protocol: input.protocol,
      source_url,
      device_path: src.device_path,
      rtsp_transport: input.rtsp_transport ?? "tcp",
    });
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

/** One POST /v1/probe; an unreachable node or an error answer throws. */
async function askNode(
  target: NodeTarget,
  req: ProbeRequest,
): Promise<ProbeResult> {
  const node = target.node;
  let res: Response;
  try {
    res = await fetch(`${target.address}/v1/probe`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(req),
      signal: AbortSignal.timeout(20000),
      ...(target.client ? { client: target.client } : {}),
    });
  } catch (e) {
    throw new AppError(
      "upstream_failed",
      `Node "${node}" did not answer: ${errorMessage(e)}`,
    );
  }
  const out = await res.json().catch(() => null);
  if (!res.ok || !out) {
    throw new AppError(
      "upstream_failed",
      out?.error?.message ?? `Node "${node}" answered ${res.status}`,
    );
  }
  return out as ProbeResult;
}
