/**
 * The node agent's ONVIF API (behind the node's bearer token, mounted by
 * http/app.ts): the controller asks the node, because in a cluster only nodes
 * reach the camera network.
 *
 *   POST /v1/onvif/inspect  OnvifInspectRequest → OnvifInspection
 *   POST /v1/onvif/ptz      OnvifPtzRequest → OnvifPtzResult
 *
 * URIs in answers carry no credentials (the controller never needs them: an
 * onvif camera stores its onvif:// URL, resolved on the node at run time).
 */
import { Hono } from "hono";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import {
  type CameraSpec,
  type OnvifInspection,
  onvifInspectRequestSchema,
  onvifPtzRequestSchema,
  type ProbeRequest,
} from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import { type OnvifResolver, onvifResolver } from "./resolve.ts";
import {
  parseOnvifUrl,
  publicUri,
  targetAddress,
} from "../../lib/onvif_url.ts";

const log = logger("onvif");

// Bodies: lib/protocol/onvif.ts (the controller checks the same target fields).
export const inspectSchema = onvifInspectRequestSchema;
const ptzSchema = onvifPtzRequestSchema;

export interface OnvifRoutesDeps {
  /** Named in answers; the controller fills it in when empty. @default "" */
  node?: string;
  resolver?: OnvifResolver;
}

export function onvifRoutes(deps: OnvifRoutesDeps): Hono {
  const app = new Hono();
  const resolver = deps.resolver ?? onvifResolver;

  app.post("/v1/onvif/inspect", async (c) => {
    const parsed = inspectSchema.safeParse(
      await c.req.json().catch(() => null),
    );
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const started = performance.now();
    const address = targetAddress(parsed.data);
    const body = await resolver.inspect(address, parsed.data.timeout_ms);
    const out: OnvifInspection = {
      ...body,
      profiles: body.profiles.map((p) => ({
        ...p,
        stream_uri: publicUri(p.stream_uri),
        snapshot_uri: publicUri(p.snapshot_uri),
      })),
      node: deps.node ?? "",
      elapsed_ms: Math.round(performance.now() - started),
    };
    return c.json(out);
  });

  app.post("/v1/onvif/ptz", async (c) => {
    const parsed = ptzSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const req = parsed.data;
    parseOnvifUrl(req.source_url); // 400 naming source_url before any I/O
    if (req.action === "goto_preset" && !req.preset) {
      throw new AppError(
        "invalid_input",
        "preset is required for goto_preset",
        {
          field: "preset",
        },
      );
    }
    return c.json(await resolver.ptz(req));
  });

  return app;
}

/**
 * A JPEG from an onvif camera's snapshot URI; null for other cameras, for
 * cameras without one, or when it fails (logged) — the caller then serves a
 * relay frame.
 */
export async function onvifSnapshot(
  spec: CameraSpec,
  resolver: OnvifResolver = onvifResolver,
): Promise<Uint8Array | null> {
  if (spec.protocol !== "onvif" || !spec.source_url) return null;
  try {
    return await resolver.snapshot(spec.source_url);
  } catch (e) {
    log.warn("ONVIF snapshot failed; using a relay frame", {
      camera: spec.name,
      error: errorMessage(e),
    });
    return null;
  }
}

/** "Test connection" of an onvif source: the RTSP URI it resolves to is probed. */
export async function resolveProbe(
  req: ProbeRequest,
  resolver: OnvifResolver = onvifResolver,
): Promise<ProbeRequest> {
  if (req.protocol !== "onvif" || !req.source_url) return req;
  resolver.invalidate(req.source_url); // a test must look at the camera now
  return {
    ...req,
    protocol: "rtsp",
    source_url: await resolver.rtspUrl(req.source_url),
  };
}
