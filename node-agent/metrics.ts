/**
 * The node agent's Prometheus metrics (served at `GET /metrics`, node token).
 * Relay and disk gauges are read at scrape time from the relays and statfs;
 * segment counters are fed by the outbox as each event becomes sendable, so
 * they count exactly what the controller will be told.
 */
import { Counter, Gauge } from "prom-client";
import type { NodeEvent } from "../lib/protocol/mod.ts";
import {
  createMetricsRegistry,
  type Registry,
} from "../lib/metrics/registry.ts";
import type { RelayManager } from "./relay/manager.ts";
import type { Outbox } from "./outbox/outbox.ts";
import { diskUsage } from "./system/facts.ts";

export interface NodeMetrics {
  registry: Registry;
  /** Outbox hook: an event became sendable. */
  eventQueued(event: NodeEvent): void;
  /** Wires the parts made after the registry (relays and outbox exist later in start-up). */
  attach(parts: { relays: RelayManager; outbox: Outbox }): void;
  close(): void;
}

export function createNodeMetrics(dataDir: string): NodeMetrics {
  const base = createMetricsRegistry();
  const registers = [base.registry];
  let parts: { relays: RelayManager; outbox: Outbox } | null = null;

  const perCamera = (
    name: string,
    help: string,
    value: (r: ReturnType<RelayManager["runtimes"]>[number]) => number,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ["camera"] as const,
      registers,
      collect() {
        this.reset();
        for (const r of parts?.relays.runtimes() ?? []) {
          this.set({ camera: r.id }, value(r));
        }
      },
    });
  perCamera(
    "falcon_relay_fps",
    "Frames per second the relay delivers (0 while not running).",
    (r) => r.fps,
  );
  perCamera(
    "falcon_relay_restarts",
    "Unplanned restarts of the relay's source since it was set up.",
    (r) => r.restarts,
  );
  perCamera(
    "falcon_relay_viewers",
    "Subscribers of the relay's frames (controller streams, recorders).",
    (r) => r.viewers,
  );
  new Gauge({
    name: "falcon_disk_free_bytes",
    help: "Free bytes on the file system of the data directory.",
    registers,
    collect() {
      const d = diskUsage(dataDir);
      if (d) this.set(d.free_bytes);
    },
  });
  new Gauge({
    name: "falcon_disk_total_bytes",
    help: "Size of the file system of the data directory, bytes.",
    registers,
    collect() {
      const d = diskUsage(dataDir);
      if (d) this.set(d.total_bytes);
    },
  });
  new Gauge({
    name: "falcon_outbox_depth",
    help: "Events on disk waiting for the controller's acknowledgement.",
    registers,
    async collect() {
      if (parts) this.set(await parts.outbox.depth().catch(() => 0));
    },
  });
  new Gauge({
    name: "falcon_outbox_delivered",
    help: "Events the controller acknowledged since the node agent started.",
    registers,
    collect() {
      if (parts) this.set(parts.outbox.delivered);
    },
  });
  const segments = new Counter({
    name: "falcon_recording_segments_total",
    help: "Recording segments closed, and recording failures, per camera.",
    labelNames: ["camera", "result"] as const,
    registers,
  });

  return {
    registry: base.registry,
    eventQueued(event) {
      if (event.type === "segment.closed") {
        segments.inc({ camera: event.camera_id, result: "closed" });
      } else if (event.type === "recording.failed") {
        segments.inc({ camera: event.camera_id, result: "failed" });
      }
    },
    attach(p) {
      parts = p;
    },
    close: base.close,
  };
}
