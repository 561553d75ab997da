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
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import {
  type CameraSpec,
  type OnvifInspection,
  type ProbeRequest,
  PTZ_ACTIONS,
} from "../../lib/protocol.ts";
import { invalidInput } from "../../lib/validation.ts";
import { type OnvifResolver, onvifResolver } from "./resolve.ts";
import {
  parseOnvifUrl,
  publicUri,
  targetAddress,
} from "../../lib/onvif_url.ts";

const log = logger("onvif");

const port = z.number({ error: "port must be a number" }).int(
  "port must be a whole number",
).min(1, "port must be between 1 and 65535").max(
  65535,
  "port must be between 1 and 65535",
);

export const inspectSchema = z.strictObject({
  url: z.string().max(2048, "url must be at most 2048 characters").nullish(),
  host: z.string().trim().max(253, "host must be at most 253 characters")
    .nullish(),
  port: port.nullish(),
  username: z.string().max(128, "username must be at most 128 characters")
    .nullish(),
  password: z.string().max(256, "password must be at most 256 characters")
    .nullish(),
  timeout_ms: z.number({ error: "timeout_ms must be a number" }).int(
    "timeout_ms must be a whole number",
  ).min(500, "timeout_ms must be between 500 and 30000").max(
    30000,
    "timeout_ms must be between 500 and 30000",
  ).optional(),
});

const unit = (name: string) =>
  z.number({ error: `${name} must be a number between -1 and 1` }).min(
    -1,
    `${name} must be between -1 and 1`,
  ).max(1, `${name} must be between -1 and 1`);

export const ptzFields = {
  action: z.enum(PTZ_ACTIONS, {
    error: `action must be one of ${PTZ_ACTIONS.join(", ")}`,
  }),
  pan: unit("pan").optional(),
  tilt: unit("tilt").optional(),
  zoom: unit("zoom").optional(),
  timeout_ms: z.number({ error: "timeout_ms must be a number" }).int(
    "timeout_ms must be a whole number",
  ).min(100, "timeout_ms must be between 100 and 60000").max(
    60000,
    "timeout_ms must be between 100 and 60000",
  ).optional(),
  preset: z.string().min(1, "preset must not be empty").max(
    64,
    "preset must be at most 64 characters",
  ).optional(),
};

const ptzSchema = z.strictObject({
  source_url: z.string().max(2048),
  ...ptzFields,
});

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
