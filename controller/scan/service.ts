/**
 * The camera scan as the controller runs it (`GET /api/nodes/scan/cameras`):
 * asks the node agents (`POST /v1/scan`) in parallel under one time limit,
 * merges what they found (one entry per device) and marks what is already a
 * camera.
 *
 * - USB and WS-Discovery run on every online node (or the named one): a
 *   device is found by the node it is plugged into, a multicast answer by the
 *   nodes on that network.
 * - The port probe of a subnet runs on ONE node: the named one, else the
 *   first online node by name. Probing one range from every node would send
 *   the same traffic once per node.
 * - One scan at a time per node: a request that needs a node already
 *   scanning is refused with 409 (not queued), so a double click or a second
 *   admin cannot double the traffic; the node agent enforces the same.
 */
import { parseSubnet } from "../../lib/cidr.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type {
  ScanFinding,
  ScanNodeOutcome,
  ScanReport,
  ScanRequest,
  ScanResponse,
  ScanResult,
} from "../../lib/protocol.ts";
import { redactText } from "../../lib/redact.ts";
import { NODE_NAME } from "../cameras/schema.ts";

/** What the scan needs of the node service. */
export interface ScanNodes {
  list(): Promise<{ name: string; status: string }[]>;
  /** URL + credential of a node agent (NodeService.target). */
  target(name: string): Promise<
    { address: string; token: string; client?: Deno.HttpClient } | null
  >;
}

/** What it needs of the cameras: their redacted sources. */
export interface ScanCameras {
  list(): Promise<ScanCamera[]>;
}

export interface ScanCamera {
  id: string;
  name: string;
  protocol: string;
  source_url: string | null;
  device_path: string | null;
  node_name: string | null;
  assigned_node: string | null;
}

export interface ScanServiceOptions {
  nodes: ScanNodes;
  cameras: ScanCameras;
  /** Longest wait for one node's answer (its own limit is 20 s). @default 30000 */
  nodeTimeoutMs?: number;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A checked `GET /api/nodes/scan/cameras` query. */
export interface ScanQuery {
  usb: boolean;
  onvif: boolean;
  subnet: string | null;
  ports: number[] | undefined;
  node: string | null;
}

const FLAG: Record<string, boolean> = {
  "1": true,
  "true": true,
  "yes": true,
  "0": false,
  "false": false,
  "no": false,
  "": false,
};

/**
 * Checks the query; every problem is a 400 naming its parameter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const q = parseScanQuery({ usb: "1", subnet: "192.168.1.0/24", ports: "554,80" });
 * assert.deepEqual(q.ports, [554, 80]);
 * ```
 */
export function parseScanQuery(
  q: Record<string, string | undefined>,
): ScanQuery {
  const bad = (field: string, message: string) =>
    new AppError("invalid_input", message, { field });
  const flag = (name: string) => {
    const v = q[name];
    if (v === undefined) return false;
    const b = FLAG[v.toLowerCase()];
    if (b === undefined) throw bad(name, `${name} must be 1 or 0`);
    return b;
  };
  const usb = flag("usb");
  const onvif = flag("onvif");
  const subnet = q.subnet?.trim() ? parseSubnet(q.subnet).cidr : null;
  let ports: number[] | undefined;
  if (q.ports !== undefined && q.ports.trim() !== "") {
    const parts = q.ports.split(",").map((p) => p.trim());
    if (
      parts.length > 32 ||
      parts.some((p) => !/^\d{1,5}$/.test(p) || +p < 1 || +p > 65535)
    ) {
      throw bad(
        "ports",
        "ports must be up to 32 port numbers (1-65535) separated by commas, e.g. 554,8554,80",
      );
    }
    ports = [...new Set(parts.map(Number))];
    if (!subnet) {
      throw bad("subnet", "ports are probed in a subnet; give subnet too");
    }
  }
  const node = q.node?.trim() || null;
  if (node !== null && !NODE_NAME.test(node)) {
    throw bad("node", "node must be a node name like worker-1");
  }
  if (!usb && !onvif && !subnet) {
    throw bad(
      "usb",
      "choose what to scan: usb=1, onvif=1 and/or subnet=192.168.1.0/24",
    );
  }
  return { usb, onvif, subnet, ports, node };
}

export class ScanService {
  #opts: ScanServiceOptions;
  /** Nodes scanning now (node name → started at, ms). */
  #busy = new Map<string, number>();

  constructor(opts: ScanServiceOptions) {
    this.#opts = opts;
  }

  /** Nodes with a scan in progress. */
  get busyNodes(): string[] {
    return [...this.#busy.keys()];
  }

  /**
   * Runs the scan. 404 naming `node` for an unknown node, 503 when it (or
   * every node) is offline, 409 when a node it needs is already scanning.
   */
  async scan(q: ScanQuery): Promise<ScanResponse> {
    const started = performance.now();
    const all = await this.#opts.nodes.list();
    let targets: string[];
    if (q.node) {
      const n = all.find((x) => x.name === q.node);
      if (!n) {
        throw new AppError("not_found", `Node "${q.node}" does not exist`, {
          field: "node",
        });
      }
      if (n.status !== "online") {
        throw new AppError(
          "unavailable",
          `Node "${q.node}" is offline; scan when it is back`,
          { field: "node" },
        );
      }
      targets = [n.name];
    } else {
      targets = all.filter((n) => n.status === "online").map((n) => n.name)
        .sort();
      if (targets.length === 0) {
        throw new AppError(
          "unavailable",
          "No node agent is online to scan from",
        );
      }
    }
    // The subnet goes to one node only; a node with nothing to do is not asked.
    const prober = q.subnet ? targets[0] : null;
    const asks = targets.map((node) => ({
      node,
      req: {
        usb: q.usb,
        onvif: q.onvif,
        subnet: node === prober ? q.subnet : null,
        ...(node === prober && q.ports ? { ports: q.ports } : {}),
      } satisfies ScanRequest,
    })).filter((a) => a.req.usb || a.req.onvif || a.req.subnet);

    const busy = asks.find((a) => this.#busy.has(a.node));
    if (busy) {
      const s = Math.round(
        (Date.now() - this.#busy.get(busy.node)!) / 1000,
      );
      throw new AppError(
        "conflict",
        `A scan is already running on node "${busy.node}" (for ${s} s); try again when it ends`,
      );
    }
    for (const a of asks) this.#busy.set(a.node, Date.now());
    try {
      const [outcomes, cameras] = await Promise.all([
        Promise.all(asks.map((a) => this.#ask(a.node, a.req))),
        this.#opts.cameras.list(),
      ]);
      const reports = outcomes.flatMap((o) => o.report ? [o.report] : []);
      return {
        nodes: outcomes.map((o) => o.outcome),
        results: mergeFindings(reports, cameras),
        elapsed_ms: Math.round(performance.now() - started),
      };
    } finally {
      for (const a of asks) this.#busy.delete(a.node);
    }
  }

  async #ask(
    node: string,
    req: ScanRequest,
  ): Promise<{ outcome: ScanNodeOutcome; report: ScanReport | null }> {
    const started = performance.now();
    const failed = (error: string) => ({
      outcome: {
        node,
        ok: false,
        error: redactText(error),
        elapsed_ms: Math.round(performance.now() - started),
        usb: null,
        onvif: null,
        subnet: null,
      },
      report: null,
    });
    const target = await this.#opts.nodes.target(node);
    if (!target) return failed(`Node "${node}" is not enrolled`);
    const timeoutMs = this.#opts.nodeTimeoutMs ?? 30_000;
    let res: Response;
    try {
      res = await (this.#opts.fetch ?? fetch)(`${target.address}/v1/scan`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${target.token}`,
          "content-type": "application/json",
        },
        body: JSON.stringify(req),
        signal: AbortSignal.timeout(timeoutMs),
        ...(target.client ? { client: target.client } : {}),
      });
    } catch (e) {
      return failed(
        e instanceof DOMException && e.name === "TimeoutError"
          ? `Node "${node}" did not answer within ${timeoutMs / 1000} s`
          : `Node "${node}" did not answer: ${errorMessage(e)}`,
      );
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || !body || !Array.isArray(body.results)) {
      return failed(
        body?.error?.message
          ? `Node "${node}": ${body.error.message}`
          : `Node "${node}" answered ${res.status}`,
      );
    }
    const report = body as ScanReport;
    return {
      outcome: {
        node,
        ok: true,
        error: null,
        elapsed_ms: Math.round(performance.now() - started),
        usb: report.usb ?? null,
        onvif: report.onvif ?? null,
        subnet: report.subnet ?? null,
      },
      report,
    };
  }
}

const RANK = { confirmed: 0, likely: 1, possible: 2 } as const;
const DEFAULT_PORT: Record<string, number> = {
  "rtsp:": 554,
  "rtsps:": 322,
  "http:": 80,
  "https:": 443,
  "onvif:": 80,
};

/** One key per device: a node's video device, or an address:port. */
function findingKey(node: string, r: ScanResult): string {
  return r.kind === "usb"
    ? `usb ${node} ${r.device_path}`
    : `net ${r.address}:${r.port}`;
}

/**
 * Merges the nodes' reports: one finding per device (the most confident
 * answer wins, every node that saw it is listed), network ones in address
 * order after the USB devices, each matched against the cameras.
 */
export function mergeFindings(
  reports: ScanReport[],
  cameras: ScanCamera[],
): ScanFinding[] {
  const byKey = new Map<string, ScanFinding>();
  for (const rep of reports) {
    for (const r of rep.results) {
      const key = findingKey(rep.node, r);
      const prev = byKey.get(key);
      if (!prev) {
        byKey.set(key, {
          ...r,
          node: rep.node,
          nodes: [rep.node],
          already_added: null,
        });
        continue;
      }
      if (!prev.nodes.includes(rep.node)) prev.nodes.push(rep.node);
      if (RANK[r.confidence] < RANK[prev.confidence]) {
        byKey.set(key, {
          ...r,
          node: prev.node,
          nodes: prev.nodes,
          already_added: null,
        });
      }
    }
  }
  const out = [...byKey.values()];
  for (const f of out) f.already_added = matchCamera(f, cameras);
  return out.sort((a, b) =>
    (a.kind === "usb" ? 0 : 1) - (b.kind === "usb" ? 0 : 1) ||
    (a.kind === "usb"
      ? `${a.node} ${a.device_path}`.localeCompare(`${b.node} ${b.device_path}`)
      : ipOrder(a.address) - ipOrder(b.address) ||
        (a.port ?? 0) - (b.port ?? 0))
  );
}

/** The camera that already uses this device, if any. */
export function matchCamera(
  f: ScanFinding,
  cameras: ScanCamera[],
): { id: string; name: string } | null {
  const hit = cameras.find((c) => {
    if (f.kind === "usb") {
      return c.protocol === "usb" && c.device_path === f.device_path &&
        (c.node_name ?? c.assigned_node) === f.node;
    }
    if (!c.source_url) return false;
    let url: URL;
    try {
      url = new URL(c.source_url);
    } catch {
      return false;
    }
    const port = url.port ? Number(url.port) : DEFAULT_PORT[url.protocol];
    return url.hostname === f.address && port === f.port;
  });
  return hit ? { id: hit.id, name: hit.name } : null;
}

function ipOrder(a: string | null): number {
  return (a ?? "").split(".").reduce((n, o) => n * 256 + (Number(o) || 0), 0);
}
