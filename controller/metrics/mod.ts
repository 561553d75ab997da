/**
 * The controller's Prometheus metrics. Gauges read their value at scrape time
 * (cameras by status from the database, viewers from the stream hub), so
 * nothing is kept in sync by hand; counters are fed by the code that sees the
 * event (`jobRun`, `segmentEvent`).
 */
import { Counter, Gauge, Histogram } from "prom-client";
import type { Sql } from "../db/client.ts";
import { countByStatus } from "../db/cameras.ts";
import type { StreamHub } from "../streams/hub.ts";
import {
  createMetricsRegistry,
  type MetricsRegistry,
  type Registry,
} from "../../lib/metrics/registry.ts";

export interface ControllerMetrics {
  registry: Registry;
  /** A jobs-runner run ended (controller/jobs). */
  jobRun(name: string, ok: boolean, durationMs: number): void;
  /** A node reported a segment closed or a recording failure (applied once per event id). */
  segmentEvent(kind: "closed" | "failed", cameraId: string): void;
  close(): void;
}

export function createControllerMetrics(deps: {
  sql: Sql;
  streams: StreamHub;
}): ControllerMetrics {
  const base: MetricsRegistry = createMetricsRegistry();
  const registers = [base.registry];
  new Gauge({
    name: "falcon_cameras",
    help: "Cameras by status.",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      for (const [status, n] of Object.entries(await countByStatus(deps.sql))) {
        this.set({ status }, n);
      }
    },
  });
  new Gauge({
    name: "falcon_stream_viewers",
    help: "Browsers watching a camera's live stream through the controller.",
    labelNames: ["camera"] as const,
    registers,
    collect() {
      this.reset();
      for (const [camera, n] of deps.streams.viewers()) this.set({ camera }, n);
    },
  });
  new Gauge({
    name: "falcon_stream_upstreams",
    help: "Open upstream connections to node agents (one per watched camera).",
    registers,
    collect() {
      this.set(deps.streams.upstreamCount);
    },
  });
  const runs = new Counter({
    name: "falcon_job_runs_total",
    help: "Runs of the controller's periodic jobs, by result.",
    labelNames: ["job", "result"] as const,
    registers,
  });
  const jobSeconds = new Histogram({
    name: "falcon_job_duration_seconds",
    help: "Duration of a periodic job's run, seconds.",
    labelNames: ["job"] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30],
    registers,
  });
  const segments = new Counter({
    name: "falcon_recording_segments_total",
    help: "Recording segments reported by node agents: closed, or failed.",
    labelNames: ["camera", "result"] as const,
    registers,
  });
  return {
    registry: base.registry,
    jobRun(job, ok, ms) {
      runs.inc({ job, result: ok ? "ok" : "failed" });
      jobSeconds.observe({ job }, ms / 1000);
    },
    segmentEvent(result, camera) {
      segments.inc({ camera, result });
    },
    close: base.close,
  };
}
