/** How a node reads for the model (list_nodes, system_info). */
import type { Node } from "../../lib/api/nodes.ts";
import { bytesText, isoSeconds } from "./common.ts";

const num = (v: unknown): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/** The heartbeat's disk and load facts, when the node sent them. */
export function nodeFacts(n: Node): {
  disk: { total: number; free: number } | null;
  cpuPercent: number | null;
  memoryBytes: number | null;
} {
  const disk = n.info.disk as Record<string, unknown> | null | undefined;
  const load = n.info.load as Record<string, unknown> | null | undefined;
  const total = num(disk?.total_bytes);
  const free = num(disk?.free_bytes);
  return {
    disk: total !== null && free !== null ? { total, free } : null,
    cpuPercent: num(load?.cpu_percent),
    memoryBytes: num(load?.memory_bytes),
  };
}

export function nodeLine(n: Node): string {
  const f = nodeFacts(n);
  const ffmpeg = n.info.ffmpeg as { available?: unknown; version?: unknown };
  return `- ${n.name}: ${n.status}; version ${
    n.version ?? "?"
  }; ${n.cameras} camera(s); last heartbeat ${
    n.last_heartbeat_at ? isoSeconds(new Date(n.last_heartbeat_at)) : "never"
  }; disk ${
    f.disk
      ? `${bytesText(f.disk.free)} free of ${bytesText(f.disk.total)}`
      : "unknown"
  }; node agent CPU ${
    f.cpuPercent !== null ? `${f.cpuPercent.toFixed(1)} %` : "?"
  }, memory ${
    f.memoryBytes !== null ? bytesText(f.memoryBytes) : "?"
  }; ffmpeg ${
    ffmpeg?.available === false
      ? "missing"
      : typeof ffmpeg?.version === "string"
      ? ffmpeg.version
      : "?"
  }`;
}
