/**
 * The recordings reconcile job: every 2 minutes, on demand
 * (POST /api/recordings/reconcile) and when a camera is deleted.
 *
 * 1. Sessions still `recording` whose camera is gone → `interrupted`.
 * 2. Sessions still `recording` on a node offline for longer than
 *    `lostNodeMs` (10 min) → `interrupted`.
 * 3. Open continuous sessions begun before today (UTC) → `completed`; the
 *    node's next desired state opens today's.
 * 4. Applied-event ids older than 30 days are forgotten (the node deletes an
 *    event once acked, so no retry can come that late).
 * 5. Every online node's `GET /v1/storage` is compared with the segment rows:
 *    per camera, the segment count and bytes the node reports against the
 *    ones the controller knows. Differences are reported and logged; rows are
 *    not deleted from counts alone — that needs a per-file listing from the
 *    node (see docs/guide/recordings.md, "Known limits").
 */
import { errorMessage, logger } from "../../lib/log.ts";
import type { Sql } from "../db/client.ts";
import { listNodes } from "../db/nodes.ts";
import * as db from "../db/recordings.ts";
import type { EventBus } from "../events/bus.ts";
import { storageOf } from "./node_files.ts";
import type { RecordingNodes } from "./service.ts";
import { sessionJson } from "./view.ts";

const log = logger("recordings-reconcile");

export interface ReconcileOptions {
  /** @default 120000 */
  intervalMs?: number;
  /** A node offline for longer than this loses its open sessions. @default 600000 */
  lostNodeMs?: number;
  /** Applied-event ids older than this many days are pruned. @default 30 */
  keepEventsDays?: number;
}

export interface StorageDrift {
  camera_id: string;
  node_segments: number;
  node_bytes: number;
  known_segments: number;
  known_bytes: number;
}

export interface ReconcileReport {
  at: string;
  interrupted: { id: string; reason: string }[];
  rotated: string[];
  pruned_events: number;
  nodes: {
    node: string;
    ok: boolean;
    error?: string;
    free_bytes?: number;
    total_bytes?: number;
    drift: StorageDrift[];
  }[];
}

export class RecordingReconciler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<ReconcileReport> | null = null;
  #ac = new AbortController();
  #opts: Required<ReconcileOptions>;

  constructor(
    private deps: {
      sql: Sql;
      bus: EventBus;
      nodes: RecordingNodes;
      nodeToken: string;
    },
    opts: ReconcileOptions = {},
  ) {
    this.#opts = {
      intervalMs: 120_000,
      lostNodeMs: 600_000,
      keepEventsDays: 30,
      ...opts,
    };
  }

  /** Runs every interval, and at once when a camera is deleted. */
  start(): void {
    this.#timer = setInterval(() => this.#background(), this.#opts.intervalMs);
    const sub = this.deps.bus.subscribe();
    const signal = this.#ac.signal;
    (async () => {
      while (!signal.aborted) {
        const ev = await sub.next(signal);
        if (!ev) break;
        if (ev.kind === "camera" && ev.data.type === "deleted") {
          this.#background();
        }
      }
      sub.close();
    })();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#ac.abort();
  }

  #background() {
    this.run().catch((e) =>
      log.error("reconcile failed", { error: errorMessage(e) })
    );
  }

  /** One pass; concurrent callers share the pass in progress. */
  run(): Promise<ReconcileReport> {
    this.#running ??= this.#pass().finally(() => this.#running = null);
    return this.#running;
  }

  async #pass(): Promise<ReconcileReport> {
    const { sql } = this.deps;
    const report: ReconcileReport = {
      at: new Date().toISOString(),
      interrupted: [],
      rotated: [],
      pruned_events: 0,
      nodes: [],
    };
    const wake = new Set<string>();
    const end = async (
      s: db.SessionRow,
      status: "interrupted" | "completed",
      reason?: string,
    ) => {
      const row = await db.endSession(sql, s.id, status, reason);
      if (!row) return false;
      if (row.node_name) wake.add(row.node_name);
      this.deps.bus.publish({
        kind: "recording",
        data: { type: "ended", recording: sessionJson(row) },
      });
      return true;
    };

    for (const s of await db.orphanedOpenSessions(sql)) {
      if (await end(s, "interrupted", "the camera was deleted")) {
        report.interrupted.push({ id: s.id, reason: "camera deleted" });
      }
    }
    for (
      const s of await db.openSessionsOnLostNodes(sql, this.#opts.lostNodeMs)
    ) {
      const minutes = Math.round(this.#opts.lostNodeMs / 60_000);
      const reason =
        `node "${s.node_name}" was offline for more than ${minutes} min`;
      if (await end(s, "interrupted", reason)) {
        report.interrupted.push({ id: s.id, reason });
      }
    }
    for (const s of await db.continuousSessionsToRotate(sql)) {
      if (await end(s, "completed")) report.rotated.push(s.id);
    }
    report.pruned_events = await db.pruneAppliedEvents(
      sql,
      this.#opts.keepEventsDays,
    );
    for (const n of wake) this.deps.nodes.changed(n);

    for (const node of await listNodes(sql)) {
      if (node.status !== "online") continue;
      const address = await this.deps.nodes.address(node.name);
      if (!address) continue;
      try {
        const storage = await storageOf({
          node: node.name,
          address,
          token: this.deps.nodeToken,
        });
        const known = await db.usageOnNode(sql, node.name);
        const drift: StorageDrift[] = [];
        const ids = new Set([
          ...known.keys(),
          ...storage.cameras.map((c) => c.camera_id),
        ]);
        for (const id of ids) {
          const k = known.get(id) ?? { segments: 0, bytes: 0 };
          const r = storage.cameras.find((c) => c.camera_id === id) ??
            { segments: 0, bytes: 0 };
          if (k.segments !== r.segments) {
            drift.push({
              camera_id: id,
              node_segments: r.segments,
              node_bytes: r.bytes,
              known_segments: k.segments,
              known_bytes: k.bytes,
            });
          }
        }
        if (drift.length) {
          log.warn(
            "node storage differs from the segments the controller knows",
            {
              node: node.name,
              cameras: drift.length,
            },
          );
        }
        report.nodes.push({
          node: node.name,
          ok: true,
          free_bytes: storage.free_bytes,
          total_bytes: storage.total_bytes,
          drift,
        });
      } catch (e) {
        report.nodes.push({
          node: node.name,
          ok: false,
          error: errorMessage(e),
          drift: [],
        });
      }
    }
    return report;
  }
}
