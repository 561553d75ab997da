/**
 * Node management: heartbeats, desired state with long poll, liveness and
 * camera placement. A node is offline when its heartbeats stop
 * (`offlineAfterMs`) or, faster, when its long-poll connection drops and is not
 * re-established within `pollGraceMs` — which is what a killed process looks like.
 */
import type { Node } from "../../lib/api/nodes.ts";
import type {
  CameraRuntime,
  CameraSpec,
  DesiredState,
  Heartbeat,
  StoragePolicy,
} from "../../lib/protocol/mod.ts";
import { logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";
import { AppError } from "../../lib/errors.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { NODE_NAME } from "../../lib/protocol/mod.ts";
import {
  isPlainHttpOffLoopback,
  plainHttpWarning,
} from "../../lib/transport.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import {
  type Enrolment,
  hashNodeSecret,
  newNodeSecret,
  parseEnrolRequest,
} from "./enrolment.ts";
import type { Sql } from "../db/client.ts";
import * as camerasDb from "../db/cameras.ts";
import * as nodesDb from "../db/nodes.ts";
import type { CameraEvent, EventBus, NodeEvent } from "../events/bus.ts";
import { type NodeUsbDevices, usbDevicesOf } from "./usb_devices.ts";
import { minFreeBytes, relayIdleGraceMs } from "../settings/schema.ts";
import type { SettingsSource } from "../settings/service.ts";

const log = logger("nodes");

export interface NodeServiceOptions {
  /** A node whose last heartbeat is older than this is offline. @default 15000 */
  offlineAfterMs?: number;
  /** A dropped long poll not renewed within this is taken as a dead node. @default 1500 */
  pollGraceMs?: number;
  /** Relay idle grace sent to node agents when no `settings` are given. @default 10000 */
  relayIdleGraceMs?: number;
  /**
   * Runtime settings (controller/settings): default node, relay idle grace and
   * free-space floor are read from here on each use, and every change wakes
   * the long polls so nodes pick up a new desired state at once.
   */
  settings?: SettingsSource;
  /** Seals the keys the controller presents to node agents; enrolment needs it. */
  box?: SecretBox;
  /**
   * PEM certificates to trust for node agents served over https (their CA, or
   * a node's self-signed certificate); absent = the system's roots.
   */
  nodeCaCerts?: string[];
}

/**
 * Where and how the controller reaches one node agent: the ONE answer to
 * "URL + credential for node X" (NodeService.target). `client` is set when
 * node agents are verified against their own CA; pass it to fetch.
 */
export interface NodeTarget {
  node: string;
  /** Base URL pinned at enrolment, no trailing slash. */
  address: string;
  /** Bearer key the node agent accepts from the controller. */
  token: string;
  client?: Deno.HttpClient;
}

/** A node as the API answers it (lib/api/nodes.ts). */
export type NodeJson = Node;

/**
 * What the node service needs of the cameras: their specs for a node's
 * desired state and their JSON for camera events. An interface here (the
 * CameraService implements it) so that nodes/ does not import cameras/,
 * which imports nodes/ — no folder cycle.
 */
export interface NodeCameras {
  specsForNode(node: string): Promise<CameraSpec[]>;
  /** The free-space floor and kept sessions of the node (recordings/desired.ts). */
  storagePolicyFor(
    node: string,
    floor?: { min_free_ratio: number; min_free_bytes: number },
  ): Promise<StoragePolicy>;
  json(
    row: camerasDb.CameraRow,
  ): Extract<CameraEvent, { camera: unknown }>["camera"];
}

export class NodeService {
  #waiters = new Map<string, Set<() => void>>();
  #polls = new Map<string, number>();
  #lastSeen = new Map<string, number>();
  #targets = new Map<string, NodeTarget>();
  #client: Deno.HttpClient | undefined;
  /** Load last published in a `node` event, per node (see `loadChanged`). */
  #publishedLoad = new Map<string, NodeLoad>();
  #pollTimers = new Set<ReturnType<typeof setTimeout>>();
  #opts: Required<
    Omit<NodeServiceOptions, "settings" | "box" | "nodeCaCerts">
  >;
  #settings: SettingsSource | undefined;
  #box: SecretBox | undefined;
  #unsubscribe: (() => void) | undefined;
  cameras!: NodeCameras;

  constructor(
    private sql: Sql,
    private bus: EventBus,
    opts: NodeServiceOptions = {},
  ) {
    const { settings, box, nodeCaCerts, ...rest } = opts;
    this.#box = box;
    if (nodeCaCerts?.length) {
      this.#client = Deno.createHttpClient({ caCerts: nodeCaCerts });
    }
    this.#opts = {
      offlineAfterMs: 15000,
      pollGraceMs: 1500,
      relayIdleGraceMs: 10000,
      ...rest,
    };
    this.#settings = settings;
    // The etag decides whether a woken poll answers, so waking on any change is safe.
    this.#unsubscribe = settings?.onChange(() => this.changedAll());
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const t of this.#pollTimers) clearTimeout(t);
    this.#pollTimers.clear();
    for (const set of this.#waiters.values()) for (const w of set) w();
    this.#client?.close();
    this.#client = undefined;
  }

  /** The nodes, for an admin (or a principal allowed `node.list`). */
  async list(p: Principal): Promise<NodeJson[]> {
    authorize(p, "node.list");
    return await this.all();
  }

  /** One node: 403, then 404 naming `name`. */
  async get(p: Principal, name: string): Promise<NodeJson> {
    authorize(p, "node.read");
    const node = NODE_NAME.test(name) ? await this.find(name) : null;
    if (!node) {
      throw new AppError("not_found", `Node "${name}" does not exist`, {
        field: "name",
      });
    }
    return node;
  }

  /** The USB devices of a node's last heartbeat (the camera form's picker). */
  async devices(p: Principal, name: string): Promise<NodeUsbDevices> {
    const node = await this.get(p, name);
    return (await this.usbDevices(node.name))!;
  }

  /** Every node, for the controller's own use (scans, placement). */
  async all(): Promise<NodeJson[]> {
    const [rows, counts] = await Promise.all([
      nodesDb.listNodes(this.sql),
      camerasDb.countByNode(this.sql),
    ]);
    return rows.map((r) => nodeJson(r, counts.get(r.name) ?? 0));
  }

  /** The node, or null; for the controller's own use. */
  async find(name: string): Promise<NodeJson | null> {
    const row = await nodesDb.getNode(this.sql, name);
    if (!row) return null;
    const counts = await camerasDb.countByNode(this.sql);
    return nodeJson(row, counts.get(name) ?? 0);
  }

  /** Base URL of a node agent, pinned at enrolment; null when not enrolled. */
  async address(name: string): Promise<string | null> {
    return (await this.target(name))?.address ?? null;
  }

  /**
   * URL and credential for calling node `name`'s agent, or null when the node
   * is unknown or not enrolled. Every controller → node call gets its target
   * here, so the credential rules live in one place.
   */
  async target(name: string): Promise<NodeTarget | null> {
    const known = this.#targets.get(name);
    if (known) return known;
    const row = await nodesDb.getNode(this.sql, name);
    if (!row?.secret_hash || !row.api_key_sealed || !row.address) return null;
    if (!this.#box) return null;
    const t: NodeTarget = {
      node: name,
      address: row.address,
      token: await this.#box.open(row.api_key_sealed),
      ...(this.#client ? { client: this.#client } : {}),
    };
    // A reset or re-enrolment meanwhile clears the cache; do not put back a stale one.
    if (
      (await nodesDb.getNode(this.sql, name))?.secret_hash === row.secret_hash
    ) {
      this.#targets.set(name, t);
    }
    return t;
  }

  // --- enrolment (nodes/enrolment.ts) ---

  /**
   * Exchanges the join token (checked by the caller) for a per-node secret.
   * 409 when the node is enrolled already, unless `secret` is its current one.
   */
  async enroll(name: string, body: unknown): Promise<Enrolment> {
    if (!this.#box) {
      throw new AppError("unavailable", "Node enrolment is not available here");
    }
    const req = parseEnrolRequest(body);
    const existing = await nodesDb.getNode(this.sql, name);
    let replacing: string | null = null;
    if (existing?.secret_hash) {
      const given = req.secret ? await hashNodeSecret(req.secret) : null;
      if (given !== existing.secret_hash) {
        throw new AppError(
          "conflict",
          `Node "${name}" is enrolled already (at ${existing.address}); an admin must reset its enrolment (Nodes page) before it can enrol again`,
          { field: "node" },
        );
      }
      replacing = existing.secret_hash;
    }
    const secret = newNodeSecret();
    const row = await nodesDb.enrollNode(this.sql, {
      name,
      address: req.address,
      secretHash: await hashNodeSecret(secret),
      apiKeySealed: await this.#box.seal(req.api_key),
      replacing,
    });
    if (!row) {
      throw new AppError(
        "conflict",
        `Node "${name}" enrolled concurrently; reset its enrolment to try again`,
        { field: "node" },
      );
    }
    this.#targets.delete(name);
    log.info(replacing ? "node moved" : "node enrolled", {
      node: name,
      address: req.address,
      ...(existing?.address && existing.address !== req.address
        ? { from: existing.address }
        : {}),
    });
    if (isPlainHttpOffLoopback(req.address)) {
      log.warn(plainHttpWarning(`node "${name}" at`, req.address));
    }
    if (existing && (existing.address !== req.address || replacing)) {
      this.bus.publish({ kind: "node", data: nodeEvent(row) });
    }
    return { node: name, secret, address: req.address };
  }

  /** The enrolled node a presented secret belongs to, or null. */
  async authenticate(secret: string): Promise<string | null> {
    if (secret.length < 32 || secret.length > 256) return null;
    const row = await nodesDb.nodeBySecretHash(
      this.sql,
      await hashNodeSecret(secret),
    );
    return row?.name ?? null;
  }

  /**
   * Forgets a node's credentials (admin, e.g. after a reinstall): its secret
   * stops working at once and it may enrol again, at a new address too.
   */
  /** Forgets a node's credential (it enrols again with the join token); 404 naming an unknown node. */
  async resetEnrolment(p: Principal, name: string): Promise<NodeJson | null> {
    authorize(p, "node.reset_enrolment");
    await this.get(p, name);
    const row = await nodesDb.resetEnrolment(this.sql, name);
    this.#targets.delete(name);
    if (!row) return null;
    log.warn("node enrolment reset", { node: name });
    this.changed(name);
    await this.markOffline(name, "its enrolment was reset");
    const counts = await camerasDb.countByNode(this.sql);
    return nodeJson(
      (await nodesDb.getNode(this.sql, name)) ?? row,
      counts.get(name) ?? 0,
    );
  }

  /** Nodes enrolled at plain http addresses off loopback (the startup warning). */
  async plainHttpNodes(): Promise<{ name: string; address: string }[]> {
    return (await nodesDb.listNodes(this.sql))
      .filter((n) =>
        n.secret_hash && n.address && isPlainHttpOffLoopback(n.address)
      )
      .map((n) => ({ name: n.name, address: n.address! }));
  }

  async isOnline(name: string): Promise<boolean> {
    return (await nodesDb.getNode(this.sql, name))?.status === "online";
  }

  // --- NodeDirectory ---

  /** The node's USB devices from its last heartbeat; null for an unknown node. */
  async usbDevices(name: string): Promise<NodeUsbDevices | null> {
    const row = await nodesDb.getNode(this.sql, name);
    return row ? usbDevicesOf(row) : null;
  }

  async isKnown(name: string): Promise<boolean> {
    return (await nodesDb.getNode(this.sql, name)) !== null;
  }

  async pickNode(): Promise<string | null> {
    const nodes = (await nodesDb.listNodes(this.sql)).filter((n) =>
      n.status === "online"
    );
    if (nodes.length === 0) return null;
    // The `default_node` setting, while it is online; else the least loaded.
    const preferred = this.#settings?.current().default_node;
    if (preferred && nodes.some((n) => n.name === preferred)) return preferred;
    const counts = await camerasDb.countByNode(this.sql);
    nodes.sort((a, b) =>
      (counts.get(a.name) ?? 0) - (counts.get(b.name) ?? 0) ||
      a.name.localeCompare(b.name)
    );
    return nodes[0].name;
  }

  /** The API address of every registered node agent (cameras/targets.ts). */
  async agentAddresses(): Promise<string[]> {
    const rows = await nodesDb.listNodes(this.sql);
    return [
      ...new Set(
        rows.map((r) => r.address).filter((a): a is string => !!a),
      ),
    ];
  }

  changed(node: string | null): void {
    if (!node) return;
    const set = this.#waiters.get(node);
    if (!set) return;
    this.#waiters.delete(node);
    for (const w of set) w();
  }

  /** Wakes every node's long poll (a setting that may change any node's desired state). */
  changedAll(): void {
    for (const node of [...this.#waiters.keys()]) this.changed(node);
  }

  // --- protocol ---

  async heartbeat(
    p: Principal,
    name: string,
    hb: Heartbeat,
  ): Promise<DesiredState> {
    authorize(p, "node.report", { node: name });
    // The address is pinned at enrolment: a heartbeat cannot re-point it.
    const pinned = (await this.target(name))?.address;
    if (pinned === undefined) {
      throw new AppError("unauthorized", `Node "${name}" is not enrolled`);
    }
    if (hb.address.replace(/\/+$/, "") !== pinned) {
      throw new AppError(
        "conflict",
        `address: node "${name}" is enrolled at ${pinned}, not ${hb.address}; it moves by enrolling again (join token and its secret), or after an admin resets its enrolment`,
        { field: "address" },
      );
    }
    this.#lastSeen.set(name, Date.now());
    const { desired_etag: _etag, cameras: reported, ...facts } = hb;
    // A node's error texts are ffmpeg's words: redacted before they are stored
    // or shown, whatever the node did already (issue 11 #1).
    const cameras = reported.map((rt) => ({
      ...rt,
      error: rt.error === null ? null : redactText(rt.error),
      ...(typeof rt.note === "string" ? { note: redactText(rt.note) } : {}),
    }));
    const recorded = await nodesDb.recordHeartbeat(this.sql, {
      name,
      version: hb.version,
      info: { ...facts, camera_runtime: cameras },
    });
    if (!recorded) {
      throw new AppError("unauthorized", `Node "${name}" is not enrolled`);
    }
    const { row, cameOnline } = recorded;
    const load = loadOf(hb.load);
    if (cameOnline) {
      log.info("node online", { node: name, address: hb.address });
      if (load) this.#publishedLoad.set(name, load);
      this.bus.publish({ kind: "node", data: nodeEvent(row) });
      await this.#placeUnplaced();
    } else if (load && loadChanged(this.#publishedLoad.get(name), load)) {
      // The dashboard's load sparklines: at most one event per heartbeat.
      this.#publishedLoad.set(name, load);
      this.bus.publish({ kind: "node", data: nodeEvent(row) });
    }
    await this.#applyRuntime(name, cameras);
    return await this.desired(name);
  }

  async desired(name: string): Promise<DesiredState> {
    const cameras = await this.cameras.specsForNode(name);
    const s = this.#settings?.current();
    const body = {
      node: name,
      cameras,
      relay_idle_grace_ms: s
        ? relayIdleGraceMs(s)
        : this.#opts.relayIdleGraceMs,
      storage: await this.cameras.storagePolicyFor(
        name,
        s && {
          min_free_ratio: s.min_free_percent / 100,
          min_free_bytes: minFreeBytes(s),
        },
      ),
    };
    return { ...body, etag: await etagOf(body) };
  }

  /**
   * Long poll: answers as soon as the desired state's etag differs from `etag`,
   * or after `waitMs`. A poll aborted by the client counts toward liveness.
   */
  async waitDesired(
    p: Principal,
    name: string,
    etag: string | null,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<DesiredState | null> {
    authorize(p, "node.report", { node: name });
    this.#polls.set(name, (this.#polls.get(name) ?? 0) + 1);
    this.#lastSeen.set(name, Date.now());
    try {
      const deadline = Date.now() + waitMs;
      while (true) {
        // The node hung up (or the controller is stopping): nobody will read
        // an answer, and the database may already be closing.
        if (signal.aborted) return null;
        const state = await this.desired(name);
        if (state.etag !== etag || Date.now() >= deadline || signal.aborted) {
          return state;
        }
        await new Promise<void>((resolve) => {
          const set = this.#waiters.get(name) ?? new Set();
          this.#waiters.set(name, set);
          const done = () => {
            clearTimeout(timer);
            set.delete(done);
            signal.removeEventListener("abort", done);
            resolve();
          };
          const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
          signal.addEventListener("abort", done, { once: true });
          set.add(done);
        });
      }
    } finally {
      this.#polls.set(name, (this.#polls.get(name) ?? 1) - 1);
      if (signal.aborted) this.#pollDropped(name);
      else this.#lastSeen.set(name, Date.now());
    }
  }

  #pollDropped(name: string) {
    const droppedAt = Date.now();
    const timer = setTimeout(() => {
      this.#pollTimers.delete(timer);
      const seen = this.#lastSeen.get(name) ?? 0;
      if ((this.#polls.get(name) ?? 0) === 0 && seen <= droppedAt) {
        this.markOffline(name, "its connection dropped").catch((e) =>
          log.error("mark offline failed", { node: name, error: String(e) })
        );
      }
    }, this.#opts.pollGraceMs);
    this.#pollTimers.add(timer);
  }

  /**
   * One liveness pass: nodes silent for longer than offlineAfterMs go offline.
   * The controller's jobs runner repeats it every second (`nodes.liveness`).
   */
  async sweep(): Promise<void> {
    for (
      const n of await nodesDb.staleNodes(this.sql, this.#opts.offlineAfterMs)
    ) {
      if ((this.#polls.get(n.name) ?? 0) > 0) continue;
      await this.markOffline(n.name, "heartbeats stopped");
    }
  }

  async markOffline(name: string, why: string): Promise<void> {
    const row = await nodesDb.markNodeOffline(this.sql, name);
    if (!row) return;
    log.warn("node offline", { node: name, reason: why });
    this.bus.publish({ kind: "node", data: nodeEvent(row) });
    for (
      const cam of await camerasDb.setNodeCamerasStatus(
        this.sql,
        name,
        "offline",
      )
    ) {
      this.bus.publish({
        kind: "camera",
        data: { type: "status", camera: this.cameras.json(cam) },
      });
    }
  }

  /** Gives cameras with no node (none was online when they were added) to online nodes. */
  async #placeUnplaced() {
    for (const cam of await camerasDb.unplacedCameras(this.sql)) {
      const node = cam.node_name ?? await this.pickNode();
      if (!node) return;
      if (cam.node_name && !(await this.isOnline(cam.node_name))) continue;
      const row = await camerasDb.updateCamera(this.sql, cam.id, {
        assigned_node: node,
      });
      if (row) {
        this.bus.publish({
          kind: "camera",
          data: { type: "updated", camera: this.cameras.json(row) },
        });
      }
      this.changed(node);
    }
  }

  async #applyRuntime(node: string, runtimes: CameraRuntime[]) {
    const mine = new Set(
      (await camerasDb.camerasOfNode(this.sql, node)).map((c) => c.id),
    );
    for (const rt of runtimes) {
      if (!mine.has(rt.id)) continue;
      const failing = rt.error !== null && rt.state !== "running";
      const row = await camerasDb.setCameraStatus(
        this.sql,
        rt.id,
        failing ? "error" : "online",
        failing ? rt.error : null,
      );
      if (row) {
        this.bus.publish({
          kind: "camera",
          data: { type: "status", camera: this.cameras.json(row) },
        });
      }
    }
  }
}

function nodeJson(r: nodesDb.NodeRow, cameras: number): NodeJson {
  return {
    name: r.name,
    status: r.status,
    address: r.address,
    version: r.version,
    last_heartbeat_at: r.last_heartbeat_at
      ? new Date(r.last_heartbeat_at).toISOString()
      : null,
    info: r.info,
    cameras,
    enrolled_at: r.enrolled_at ? new Date(r.enrolled_at).toISOString() : null,
  };
}

/** A node agent's CPU and memory, from its heartbeat. */
export interface NodeLoad {
  cpu_percent: number;
  memory_bytes: number;
}

/** A `node` event: the node's state and, for the dashboard's sparklines, its last heartbeat's load. */
export type NodeEventWithLoad = NodeEvent & { load: NodeLoad | null };

function nodeEvent(r: nodesDb.NodeRow): NodeEventWithLoad {
  return {
    name: r.name,
    status: r.status,
    address: r.address,
    last_heartbeat_at: r.last_heartbeat_at
      ? new Date(r.last_heartbeat_at).toISOString()
      : null,
    load: loadOf((r.info as Record<string, unknown> | null)?.load),
  };
}

/** A well-formed load, or null. */
function loadOf(v: unknown): NodeLoad | null {
  const l = v as Partial<NodeLoad> | null | undefined;
  return l && Number.isFinite(l.cpu_percent) &&
      Number.isFinite(l.memory_bytes)
    ? { cpu_percent: l.cpu_percent!, memory_bytes: l.memory_bytes! }
    : null;
}

/**
 * Whether a node's load moved enough since it was last published to be worth
 * a `node` event: 2 percentage points of CPU, or 5 % of memory.
 */
export function loadChanged(
  prev: NodeLoad | undefined,
  next: NodeLoad,
): boolean {
  if (!prev) return true;
  return Math.abs(next.cpu_percent - prev.cpu_percent) >= 2 ||
    Math.abs(next.memory_bytes - prev.memory_bytes) >=
      0.05 * Math.max(prev.memory_bytes, 1);
}

async function etagOf(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify(value)),
  );
  return Array.from(
    new Uint8Array(digest).subarray(0, 12),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}
