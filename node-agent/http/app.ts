/**
 * The node agent's own API, reached by the controller only (bearer: the key
 * this node chose at enrolment, link/enrolment.ts; the join token does not work):
 * live MJPEG per camera, JPEG snapshot, and status.
 */
import { Hono } from "hono";
import { AppError, type ErrorBody, STATUS_OF } from "../../lib/errors.ts";
import { bearer, timingSafeEqual } from "../../lib/bearer.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { mjpegResponse } from "../../lib/mjpeg_response.ts";
import type {
  NodeStatus,
  ProbeRequest,
  ProbeResult,
  UsbDevice,
} from "../../lib/protocol/mod.ts";
import { probeRequestSchema } from "../../lib/protocol/mod.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { RelayManager } from "../relay/manager.ts";
import { fileRoutes, type FileRoutesDeps } from "../files/routes.ts";
import { onvifRoutes, onvifSnapshot, resolveProbe } from "../onvif/routes.ts";
import type { Scanner } from "../scan/scan.ts";
import { scanRequestSchema } from "../scan/request.ts";
import { requestId } from "../../lib/request_context.ts";
import {
  httpMetrics,
  metricsResponse,
  type Registry,
} from "../../lib/metrics/registry.ts";

const log = logger("node-http");

export interface NodeAppDeps {
  /** The key the controller presents (NodeEnrolment.apiKey). */
  token: string;
  relays: RelayManager;
  status: () => Promise<NodeStatus>;
  /** Opens a source once and says what it carries ("test connection"). */
  probe: (req: ProbeRequest) => Promise<ProbeResult>;
  /** The node's video devices with formats (devices/usb.ts); absent = none served. */
  usbDevices?: () => Promise<UsbDevice[]>;
  /** Recording files, storage and joins (files/); absent = not served. */
  files?: FileRoutesDeps;
  /** Camera scan (scan/scan.ts): `POST /v1/scan`; absent = not served. */
  scanner?: Scanner;
  /** Prometheus registry (node-agent/metrics.ts): `GET /metrics`; absent = not served. */
  metrics?: Registry;
}

/** `POST /v1/probe` body (lib/protocol/probe.ts). */
const probeSchema = probeRequestSchema;

export function createNodeApp(deps: NodeAppDeps): Hono {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof AppError) {
      return c.json(
        err.toBody(),
        STATUS_OF[err.kind] as 400,
        err.retryAfterS ? { "retry-after": String(err.retryAfterS) } : {},
      );
    }
    log.error("unhandled error", {
      path: c.req.path,
      error: errorMessage(err),
    });
    const body: ErrorBody = {
      error: {
        code: "internal",
        message: "Internal error; see the node agent log",
      },
    };
    return c.json(body, 500);
  });

  // The controller's X-Request-Id (or a new one) on every log line of a request.
  app.use("*", requestId({ log }));
  if (deps.metrics) app.use("*", httpMetrics(deps.metrics));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  const requireToken = async (
    c: { req: { header(name: string): string | undefined } },
    next: () => Promise<void>,
  ) => {
    const given = bearer(c.req.header("authorization"));
    if (given === null || !timingSafeEqual(given, deps.token)) {
      throw new AppError(
        "unauthorized",
        "This node's controller key is required",
      );
    }
    await next();
  };
  app.use("/v1/*", requireToken);
  const registry = deps.metrics;
  if (registry) {
    app.get("/metrics", requireToken, () => metricsResponse(registry));
  }

  const relayOf = (id: string) => {
    const relay = deps.relays.get(id);
    if (!relay) {
      throw new AppError(
        "not_found",
        `Camera "${id}" does not run on this node`,
        { field: "id" },
      );
    }
    return relay;
  };

  app.get("/v1/cameras/:id/stream", (c) => {
    const relay = relayOf(c.req.param("id"));
    return mjpegResponse(relay.hub, relay.hub.subscribe(), c.req.raw.signal);
  });

  app.get("/v1/cameras/:id/snapshot", async (c) => {
    const relay = relayOf(c.req.param("id"));
    // An onvif camera's own snapshot URI (full size) first, else a relay frame.
    const jpeg = await onvifSnapshot(relay.spec) ?? await relay.snapshot();
    return c.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/jpeg",
      "cache-control": "no-store",
    });
  });

  app.get("/v1/status", async (c) => c.json(await deps.status()));

  // USB (V4L2) devices with names and formats, listed now (cached a few seconds).
  app.get(
    "/v1/devices/usb",
    async (c) => c.json({ devices: await (deps.usbDevices?.() ?? []) }),
  );

  app.post("/v1/probe", async (c) => {
    const parsed = probeSchema.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const req = parsed.data;
    if (req.protocol === "usb" ? !req.device_path : !req.source_url) {
      throw new AppError(
        "invalid_input",
        "source_url or device_path is required",
        { field: "source_url" },
      );
    }
    return c.json(await deps.probe(await resolveProbe(req)));
  });
  app.post("/v1/scan", async (c) => {
    if (!deps.scanner) {
      throw new AppError("unavailable", "Scanning is not available here");
    }
    const parsed = scanRequestSchema.safeParse(
      await c.req.json().catch(() => null),
    );
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    return c.json(await deps.scanner.scan(parsed.data, c.req.raw.signal));
  });
  app.route("/", onvifRoutes({}));
  if (deps.files) app.route("/", fileRoutes(deps.files));
  app.notFound((c) =>
    c.json(
      {
        error: { code: "not_found", message: `No route ${c.req.path}` },
      } as ErrorBody,
      404,
    )
  );
  return app;
}
