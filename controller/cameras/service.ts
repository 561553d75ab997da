/**
 * Camera management: create, update, delete, list. Sources are sealed before
 * they touch the database and only their redacted form leaves this module.
 * Every change wakes the node that runs the camera (so it reconciles within a
 * second) and is published on the event bus.
 */
import { AppError } from "../../lib/errors.ts";
import { isMask, redactUrl } from "../../lib/redact.ts";
import { invalidInput } from "../../lib/validation.ts";
import type {
  CameraProtocol,
  CameraSpec,
  StoragePolicy,
} from "../../lib/protocol/mod.ts";
import { authorize, cameraScope } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/cameras.ts";
import type { EventBus } from "../events/bus.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import type { Settings } from "../settings/schema.ts";
import { endSession, openSessionOf } from "../db/recordings.ts";
import { recordSpecsFor, storagePolicyFor } from "../recordings/desired.ts";
import { sessionJson } from "../recordings/view.ts";
import {
  checkRecordSource,
  checkSource,
  createCameraSchema,
  updateCameraSchema,
} from "./schema.ts";
import {
  checkUsbDevice,
  defaultUsbDevice,
  findUsbDevice,
  type NodeUsbDevices,
} from "../nodes/usb_devices.ts";
import { type CameraJson, cameraJson } from "./view.ts";
import { checkTarget } from "./targets.ts";

/** What the camera service needs from node management. */
export interface NodeDirectory {
  /** True when a node of this name has ever registered. */
  isKnown(name: string): Promise<boolean>;
  /** The online node that should run a camera not pinned anywhere, or null. */
  pickNode(): Promise<string | null>;
  /** Tells a node its desired state changed. */
  changed(node: string | null): void;
  /** A node's USB devices from its last heartbeat (nodes/usb_devices.ts); null = unknown node. */
  usbDevices?(name: string): Promise<NodeUsbDevices | null>;
  /** The API addresses of all registered node agents (never a camera target). */
  agentAddresses?(): Promise<string[]>;
}

export interface CameraServiceDeps {
  sql: Sql;
  box: SecretBox;
  bus: EventBus;
  nodes: NodeDirectory;
  /** Segment length sent to nodes in CameraSpec.record when no `settings` are given. @default 60 */
  segmentSeconds?: number;
  /**
   * Runtime settings (controller/settings), read on each use: default
   * resolution and frame rate of new cameras, segment length, default retention.
   */
  settings?: { current(): Readonly<Settings> };
  /**
   * `--allow-private-camera-targets`: loopback, link-local and node agents
   * allowed as camera targets (cameras/targets.ts). @default false
   */
  allowPrivateTargets?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class CameraService {
  constructor(private deps: CameraServiceDeps) {}

  /** True when the admin allowed loopback / link-local targets (scans follow it too). */
  get allowsPrivateTargets(): boolean {
    return this.deps.allowPrivateTargets ?? false;
  }

  /**
   * Refuses camera URLs aimed at this machine, link-local / cloud metadata or
   * a node agent (cameras/targets.ts), with a 400 naming the field.
   */
  async checkTargets(
    protocol: string,
    urls: [field: string, url: string | null][],
  ): Promise<void> {
    const policy = {
      allowPrivate: this.allowsPrivateTargets,
      agentAddresses: () =>
        this.deps.nodes.agentAddresses?.() ?? Promise.resolve([]),
    };
    for (const [field, url] of urls) {
      const problem = await checkTarget(protocol, url, field, policy);
      if (problem) {
        throw new AppError("invalid_input", problem[1], { field: problem[0] });
      }
    }
  }

  /** The cameras `p` may see (admins: all), filtered. */
  async list(
    p: Principal,
    filter: db.CameraFilter = {},
  ): Promise<CameraJson[]> {
    authorize(p, "camera.list");
    const scope = cameraScope(p);
    return (await this.all(filter)).filter((c) => !scope || scope.has(c.id));
  }

  /** Every camera, for the controller's own use (scan matching, names); not an answer to a caller. */
  async all(filter: db.CameraFilter = {}): Promise<CameraJson[]> {
    return (await db.listCameras(this.deps.sql, filter)).map(cameraJson);
  }

  /** One camera: 404 for an unknown id, 403 when not granted to `p`. */
  async get(p: Principal, id: string): Promise<CameraJson> {
    return cameraJson(await this.#granted(p, "camera.read", id));
  }

  /**
   * The row of a camera `p` may watch (stream, snapshot): 404, then 403
   * (naming `field` when the id came in one, e.g. `cameras`).
   */
  async watch(p: Principal, id: string, field?: string): Promise<db.CameraRow> {
    return await this.#granted(p, "camera.watch", id, field);
  }

  /** The camera's row after the policy allowed `action` on it. */
  async #granted(
    p: Principal,
    action: "camera.read" | "camera.watch",
    id: string,
    field?: string,
  ): Promise<db.CameraRow> {
    const row = await this.row(id);
    authorize(p, action, { cameraId: row.id, what: `camera "${id}"`, field });
    return row;
  }

  /** The API's JSON of a row (camera events of the node service). */
  json(row: db.CameraRow): CameraJson {
    return cameraJson(row);
  }

  /** The row, or a 404 naming the id. */
  async row(id: string): Promise<db.CameraRow> {
    const row = UUID.test(id) ? await db.getCamera(this.deps.sql, id) : null;
    if (!row) {
      throw new AppError("not_found", `Camera "${id}" does not exist`, {
        field: "id",
      });
    }
    return row;
  }

  /** The camera's decrypted source URL, for calls to its node; never for answers. */
  async openSource(row: db.CameraRow): Promise<string | null> {
    return row.source_url_sealed
      ? await this.deps.box.open(row.source_url_sealed)
      : null;
  }

  async create(p: Principal, body: unknown): Promise<CameraJson> {
    authorize(p, "camera.create");
    const parsed = createCameraSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const input = parsed.data;
    const src = checkSource({
      protocol: input.protocol,
      source_url: input.source_url ?? null,
      device_path: input.device_path ?? null,
      node_name: input.node_name ?? null,
    });
    if (Array.isArray(src)) {
      throw new AppError("invalid_input", src[1], { field: src[0] });
    }
    const rec = checkRecordSource(
      input.protocol,
      input.record_source_url,
      src.source_url,
    );
    if (Array.isArray(rec)) {
      throw new AppError("invalid_input", rec[1], { field: rec[0] });
    }
    await this.checkTargets(input.protocol, [
      ["source_url", src.source_url],
      ["record_source_url", rec.url],
    ]);
    await this.#checkNode(src.node_name);
    if (input.protocol === "usb") {
      src.device_path = await this.#checkUsb(
        src.node_name!,
        input.device_path ?? null,
      );
    }
    const assigned = src.node_name ?? await this.deps.nodes.pickNode();
    const sealed = src.source_url
      ? await this.deps.box.seal(src.source_url)
      : null;
    const recordSealed = rec.url ? await this.deps.box.seal(rec.url) : null;
    const row = await this.#unique(() =>
      db.insertCamera(this.deps.sql, {
        name: input.name,
        protocol: input.protocol,
        location: input.location ?? null,
        source_url_sealed: sealed,
        source_url_redacted: src.source_url ? redactUrl(src.source_url) : null,
        rtsp_transport: input.rtsp_transport,
        record_source_url_sealed: recordSealed,
        record_source_url_redacted: rec.url ? redactUrl(rec.url) : null,
        device_path: src.device_path,
        node_name: src.node_name,
        assigned_node: assigned,
        resolution: input.resolution ??
          this.deps.settings?.current().default_resolution ?? "640x480",
        framerate: input.framerate ??
          this.deps.settings?.current().default_framerate ?? 15,
        metadata: input.metadata,
        recording_mode: input.recording_mode,
        retention_days: input.retention_days,
      })
    );
    this.deps.nodes.changed(row.assigned_node);
    const json = cameraJson(row);
    this.deps.bus.publish({
      kind: "camera",
      data: { type: "created", camera: json },
    });
    return json;
  }

  async update(p: Principal, id: string, body: unknown): Promise<CameraJson> {
    authorize(p, "camera.update");
    const parsed = updateCameraSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const patch = parsed.data;
    const current = await this.row(id);
    const currentSource = current.source_url_sealed
      ? await this.deps.box.open(current.source_url_sealed)
      : null;
    let nextSource = patch.source_url === undefined
      ? currentSource
      : patch.source_url;
    // The API only ever shows `user:***@`: a URL sent back with *** keeps the stored password.
    if (nextSource && currentSource && nextSource !== currentSource) {
      nextSource = keepPassword(nextSource, currentSource);
    }
    const src = checkSource({
      protocol: current.protocol,
      source_url: nextSource,
      device_path: patch.device_path === undefined
        ? current.device_path
        : patch.device_path,
      node_name: patch.node_name === undefined
        ? current.node_name
        : patch.node_name,
    });
    if (Array.isArray(src)) {
      throw new AppError("invalid_input", src[1], { field: src[0] });
    }
    if (src.source_url !== currentSource) {
      await this.checkTargets(current.protocol, [[
        "source_url",
        src.source_url,
      ]]);
    }
    if (src.node_name !== current.node_name) {
      await this.#checkNode(src.node_name);
    }
    if (
      current.protocol === "usb" &&
      (src.node_name !== current.node_name ||
        src.device_path !== current.device_path)
    ) {
      await this.#checkUsb(src.node_name!, src.device_path, current.id);
    }

    const changes: db.CameraPatch = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.location !== undefined) changes.location = patch.location;
    if (patch.resolution !== undefined) changes.resolution = patch.resolution;
    if (patch.framerate !== undefined) changes.framerate = patch.framerate;
    if (patch.metadata !== undefined) changes.metadata = patch.metadata;
    if (patch.recording_mode !== undefined) {
      changes.recording_mode = patch.recording_mode;
    }
    if (patch.retention_days !== undefined) {
      changes.retention_days = patch.retention_days;
    }
    if (src.source_url !== currentSource) {
      changes.source_url_sealed = src.source_url
        ? await this.deps.box.seal(src.source_url)
        : null;
      changes.source_url_redacted = src.source_url
        ? redactUrl(src.source_url)
        : null;
    }
    if (src.device_path !== current.device_path) {
      changes.device_path = src.device_path;
    }
    if (patch.rtsp_transport !== undefined) {
      changes.rtsp_transport = patch.rtsp_transport;
    }
    // An onvif recording profile must stay on the camera source_url names.
    const sourceMoved = current.protocol === "onvif" &&
      src.source_url !== currentSource && !!current.record_source_url_sealed;
    if (patch.record_source_url !== undefined || sourceMoved) {
      // Same rule as source_url: `user:***@` sent back keeps the stored password.
      const currentRecord = current.record_source_url_sealed
        ? await this.deps.box.open(current.record_source_url_sealed)
        : null;
      let nextRecord = patch.record_source_url === undefined
        ? currentRecord
        : patch.record_source_url || null;
      // The password comes from the stored recording URL, or — the main and
      // sub streams of one camera share a login — from the (new) live URL,
      // whichever names the same user on the same host and port.
      if (nextRecord) {
        nextRecord = keepPasswordFrom(
          nextRecord,
          [currentRecord, src.source_url],
          "record_source_url",
        );
      }
      const rec = checkRecordSource(
        current.protocol,
        nextRecord,
        src.source_url,
      );
      if (Array.isArray(rec)) {
        throw new AppError("invalid_input", rec[1], { field: rec[0] });
      }
      if (rec.url !== currentRecord) {
        await this.checkTargets(current.protocol, [[
          "record_source_url",
          rec.url,
        ]]);
        changes.record_source_url_sealed = rec.url
          ? await this.deps.box.seal(rec.url)
          : null;
        changes.record_source_url_redacted = rec.url
          ? redactUrl(rec.url)
          : null;
      }
    }
    if (src.node_name !== current.node_name) {
      changes.node_name = src.node_name;
      changes.assigned_node = src.node_name ?? await this.deps.nodes.pickNode();
      changes.status = "pending";
      changes.error_message = null;
    }
    const row = await this.#unique(async () =>
      (await db.updateCamera(this.deps.sql, id, changes))!
    );
    if (!row) {
      throw new AppError("not_found", `Camera "${id}" does not exist`, {
        field: "id",
      });
    }
    if (row.recording_mode !== "continuous") {
      // Leaving continuous mode ends its session now, even while the node is away.
      const open = await openSessionOf(this.deps.sql, row.id);
      if (open?.kind === "continuous") {
        const ended = await endSession(this.deps.sql, open.id, "completed");
        if (ended) {
          this.deps.bus.publish({
            kind: "recording",
            data: { type: "ended", recording: sessionJson(ended) },
          });
        }
      }
    }
    this.deps.nodes.changed(current.assigned_node);
    if (row.assigned_node !== current.assigned_node) {
      this.deps.nodes.changed(row.assigned_node);
    }
    const json = cameraJson(row);
    this.deps.bus.publish({
      kind: "camera",
      data: { type: "updated", camera: json },
    });
    return json;
  }

  async delete(
    p: Principal,
    id: string,
  ): Promise<{ message: string; id: string }> {
    authorize(p, "camera.delete");
    if (!UUID.test(id)) {
      throw new AppError("not_found", `Camera "${id}" does not exist`, {
        field: "id",
      });
    }
    const row = await db.deleteCamera(this.deps.sql, id);
    if (!row) {
      throw new AppError("not_found", `Camera "${id}" does not exist`, {
        field: "id",
      });
    }
    this.deps.nodes.changed(row.assigned_node);
    this.deps.bus.publish({ kind: "camera", data: { type: "deleted", id } });
    return { message: `Camera "${row.name}" deleted`, id };
  }

  /**
   * Desired-state entries for the cameras a node runs, with decrypted sources,
   * what to record (recordings/desired.ts: may open sessions on demand) and
   * the retention.
   */
  /** The node's storage policy (free-space floor, kept sessions) for its desired state. */
  storagePolicyFor(
    node: string,
    floor?: { min_free_ratio: number; min_free_bytes: number },
  ): Promise<StoragePolicy> {
    return storagePolicyFor(this.deps.sql, node, floor);
  }

  async specsForNode(node: string): Promise<CameraSpec[]> {
    const rows = await db.camerasOfNode(this.deps.sql, node);
    const settings = this.deps.settings?.current();
    const records = await recordSpecsFor(this.deps.sql, node, rows, {
      segmentSeconds: settings?.segment_seconds ?? this.deps.segmentSeconds,
      onChange: (ch) =>
        this.deps.bus.publish({
          kind: "recording",
          data: { type: ch.type, recording: sessionJson(ch.session) },
        }),
    });
    return await Promise.all(rows.map(async (r) => {
      const [w, h] = r.resolution.split("x").map(Number);
      return {
        id: r.id,
        name: r.name,
        protocol: r.protocol as CameraProtocol,
        source_url: r.source_url_sealed
          ? await this.deps.box.open(r.source_url_sealed)
          : null,
        device_path: r.device_path,
        width: w,
        height: h,
        framerate: r.framerate,
        record: records.get(r.id) ?? null,
        rtsp_transport: r.rtsp_transport ?? "tcp",
        record_source_url: r.record_source_url_sealed
          ? await this.deps.box.open(r.record_source_url_sealed)
          : null,
        // A camera without its own limit gets the default_retention_days setting.
        retention_days: r.retention_days ??
          settings?.default_retention_days ?? null,
      };
    }));
  }

  /**
   * A usb camera's device must be one its node reported in its last heartbeat
   * (a 400 naming device_path lists what the node has). Returns the device to
   * use: the given one, else the node's first capture device.
   */
  async #checkUsb(
    node: string,
    given: string | null,
    selfId?: string,
  ): Promise<string> {
    const report = await this.deps.nodes.usbDevices?.(node);
    if (!report) return given ?? "/dev/video0";
    const path = given ?? defaultUsbDevice(report) ?? "/dev/video0";
    const problem = checkUsbDevice(path, report);
    if (problem) {
      throw new AppError("invalid_input", problem[1], { field: problem[0] });
    }
    // One camera per device, also when one names it /dev/videoN and another by its alias.
    const device = findUsbDevice(report, path);
    const others = await db.listCameras(this.deps.sql, {
      protocol: "usb",
      node,
    });
    const taken = others.find((c) =>
      c.id !== selfId && c.node_name === node && c.device_path &&
      findUsbDevice(report, c.device_path) === device
    );
    if (taken) {
      throw new AppError(
        "conflict",
        `device_path: ${path} on node "${node}" is already camera "${taken.name}" (${taken.device_path}); a device is opened by one camera only`,
        { field: "device_path" },
      );
    }
    return path;
  }

  async #checkNode(name: string | null) {
    if (name && !(await this.deps.nodes.isKnown(name))) {
      throw new AppError(
        "invalid_input",
        `node_name: no node named "${name}" has registered`,
        {
          field: "node_name",
        },
      );
    }
  }

  async #unique<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if ((e as { code?: string }).code === "23505") {
        throw new AppError(
          "conflict",
          "device_path: that USB device already has a camera on this node",
          {
            field: "device_path",
          },
        );
      }
      throw e;
    }
  }
}

/**
 * When `next` carries `***` where the API showed a masked part — the
 * password (`user:***@`), a user-only key (`***@`), a query value or piece,
 * a credential in the path, the fragment — put back that part of `current`;
 * but only for the same device (scheme, host and port; and the same user for
 * a password). Otherwise a `***` aimed at another host would send the stored
 * secret there, which is a way to read a secret the API never shows; a new
 * address needs it typed again (400 naming `field`).
 */
export function keepPassword(
  next: string,
  current: string,
  field = "source_url",
): string {
  let n: URL, c: URL;
  try {
    n = new URL(next);
    c = new URL(current);
  } catch {
    return next; // Not a URL: validation reports it.
  }
  const again = () =>
    new AppError(
      "invalid_input",
      `${field}: type the password again — the stored one is only reused for the same user on the same host and port`,
      { field },
    );
  const pieces = (u: URL) => u.search ? u.search.slice(1).split("&") : [];
  const nq = pieces(n);
  const maskedQuery = nq.some((p) =>
    isMask(p) || isMask(p.split("=")[1] ?? "")
  );
  const maskedPath = /=(\*\*\*|%2A%2A%2A)(?=[&;/,_]|$)/i.test(n.pathname);
  const maskedUser = isMask(n.username) && !n.password;
  const maskedPassword = isMask(n.password);
  const maskedHash = isMask(n.hash.slice(1));
  if (
    !maskedPassword && !maskedUser && !maskedQuery && !maskedPath && !maskedHash
  ) return next;
  if (!sameDevice(n, c)) throw again();
  if (maskedPassword) {
    if (n.username !== c.username) throw again();
    n.password = c.password;
  }
  if (maskedUser) {
    if (c.password || !c.username) throw again();
    n.username = c.username;
  }
  if (maskedPath) {
    if (redactUrl(`x://h${c.pathname}`) !== `x://h${n.pathname}`) throw again();
    n.pathname = c.pathname;
  }
  if (maskedHash) n.hash = c.hash;
  if (maskedQuery) {
    const cq = pieces(c);
    const byKey = new Map(cq.map((p) => [p.split("=")[0], p]));
    n.search = nq.map((p, i) => {
      const [key, value] = [p.split("=")[0], p.split("=").slice(1).join("=")];
      if (isMask(p)) {
        // Masked whole: the piece at the same place, when the query kept its shape.
        if (cq.length !== nq.length) throw again();
        return cq[i];
      }
      if (!isMask(value)) return p;
      const was = byKey.get(key);
      if (was === undefined) throw again();
      return was;
    }).join("&");
  }
  return n.toString();
}

/**
 * `keepPassword` against the first of `known` (stored URLs; nulls skipped)
 * that names the same account; with none, the first one's refusal names
 * `field`.
 */
export function keepPasswordFrom(
  next: string,
  known: (string | null)[],
  field: string,
): string {
  const urls = known.filter((u): u is string => !!u);
  if (!urls.length) return next;
  const from = urls.find((k) => {
    try {
      return sameAccount(new URL(next), new URL(k));
    } catch {
      return false;
    }
  }) ?? urls[0];
  return keepPassword(next, from, field);
}

/** Same scheme, user, host and port: the one device a stored password is for. */
function sameAccount(a: URL, b: URL): boolean {
  return sameDevice(a, b) && a.username === b.username;
}

/** Same scheme, host and port. */
function sameDevice(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.hostname === b.hostname &&
    a.port === b.port;
}
