/**
 * Calls a node agent's ONVIF API (node-agent/onvif/routes.ts) and turns its
 * answer into a value or an AppError the user can act on. The node's error
 * kind passes through (400 wrong password naming the field, 409 no PTZ, 502
 * camera refused, 504 camera silent), except those that describe the
 * node ⇄ controller link itself, which would mislead a browser.
 */
import { AppError, type ErrorKind } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type { NodeService, NodeTarget } from "../nodes/service.ts";

export interface OnvifNodeDeps {
  nodes: NodeService;
}

/** Kinds of node errors that are about the camera, shown as they are. */
const PASS_THROUGH = new Set<ErrorKind>([
  "invalid_input",
  "conflict",
  "upstream_failed",
  "timeout",
  "unavailable",
]);

/** The online node `name`, or a 503 naming it; `null` picks one. */
export async function onlineNode(
  deps: OnvifNodeDeps,
  name: string | null,
): Promise<NodeTarget> {
  const node = name ?? await deps.nodes.pickNode();
  if (!node) {
    throw new AppError(
      "unavailable",
      "No node agent is online to reach the camera from",
    );
  }
  const target = await deps.nodes.target(node);
  if (!target || !(await deps.nodes.isOnline(node))) {
    throw new AppError("unavailable", `Node "${node}" is offline`, {
      field: "node_name",
    });
  }
  return target;
}

/** POSTs `body` to the node's `path`; resolves to its JSON answer. */
export async function callNode<T>(
  _deps: OnvifNodeDeps,
  target: NodeTarget,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.address}${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      ...(target.client ? { client: target.client } : {}),
    });
  } catch (e) {
    throw new AppError(
      "upstream_failed",
      `Node "${target.node}" did not answer: ${errorMessage(e)}`,
    );
  }
  const out = await res.json().catch(() => null);
  if (res.ok && out) return out as T;
  const err = out?.error as
    | { code?: ErrorKind; message?: string; field?: string }
    | undefined;
  if (res.status === 404 && !err?.field) {
    throw new AppError(
      "upstream_failed",
      `Node "${target.node}" cannot talk ONVIF yet (update its node agent)`,
    );
  }
  if (err?.code && PASS_THROUGH.has(err.code) && err.message) {
    throw new AppError(err.code, err.message, {
      field: err.field,
    });
  }
  throw new AppError(
    "upstream_failed",
    err?.message
      ? `Node "${target.node}": ${err.message}`
      : `Node "${target.node}" answered ${res.status}`,
  );
}
