/**
 * "Test connection" before saving a camera: validate the source like a create
 * would, pick the node that would run it, and ask that node to open the source
 * once (POST /v1/probe) over the form's RTSP transport. A URL shown redacted
 * (`user:***@`) for an existing camera is completed with its stored password.
 */
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type { ProbeRequest, ProbeResult } from "../../lib/protocol.ts";
import { CAMERA_PROTOCOLS, RTSP_TRANSPORTS } from "../../lib/protocol.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { NodeService } from "../nodes/service.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import { checkSource, NODE_NAME } from "./schema.ts";
import { type CameraService, keepPassword } from "./service.ts";

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
  /** When editing: the camera whose stored password completes a redacted URL. */
  camera_id: z.string().uuid("camera_id must be a camera id").optional(),
});

export interface ProbeDeps {
  cameras: CameraService;
  nodes: NodeService;
  box: SecretBox;
  nodeToken: string;
}

export async function probeCamera(
  deps: ProbeDeps,
  body: unknown,
): Promise<ProbeResult> {
  const parsed = probeSchema.safeParse(body);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const input = parsed.data;
  let sourceUrl = input.source_url ?? null;
  if (input.camera_id && sourceUrl) {
    const row = await deps.cameras.row(input.camera_id);
    if (row.source_url_sealed) {
      sourceUrl = keepPassword(
        sourceUrl,
        await deps.box.open(row.source_url_sealed),
      );
    }
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
  const node = src.node_name ?? await deps.nodes.pickNode();
  if (!node) {
    throw new AppError(
      "unavailable",
      "No node agent is online to test the source from",
    );
  }
  const address = await deps.nodes.address(node);
  if (!address || !(await deps.nodes.isOnline(node))) {
    throw new AppError("unavailable", `Node "${node}" is offline`, {
      field: "node_name",
    });
  }
  let res: Response;
  try {
    res = await fetch(`${address}/v1/probe`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${deps.nodeToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(
        {
          protocol: input.protocol,
          source_url: src.source_url,
          device_path: src.device_path,
          rtsp_transport: input.rtsp_transport ?? "tcp",
        } satisfies ProbeRequest,
      ),
      signal: AbortSignal.timeout(20000),
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
