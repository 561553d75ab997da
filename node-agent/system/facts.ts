/** Facts a node reports in its heartbeats: USB video devices, disk, own load. */
import { statfsSync } from "node:fs";
import process from "node:process";
import type { DiskUsage } from "../../lib/protocol/mod.ts";

/** `/dev/video*` device paths present on this node, sorted. */
export async function listVideoDevices(dir = "/dev"): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (/^video\d+$/.test(e.name)) out.push(`${dir}/${e.name}`);
    }
  } catch {
    return [];
  }
  return out.sort((a, b) =>
    Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, ""))
  );
}

export function diskUsage(path: string): DiskUsage | null {
  try {
    const s = statfsSync(path);
    return {
      path,
      total_bytes: s.blocks * s.bsize,
      free_bytes: s.bavail * s.bsize,
    };
  } catch {
    return null;
  }
}

/** CPU use of this process since the previous call, in percent of one core. */
export function cpuMeter(): () => number {
  let last = process.cpuUsage();
  let lastAt = performance.now();
  return () => {
    const now = process.cpuUsage();
    const at = performance.now();
    const usedUs = now.user - last.user + now.system - last.system;
    const pct = at > lastAt ? (usedUs / 1000) / (at - lastAt) * 100 : 0;
    last = now;
    lastAt = at;
    return Math.round(pct * 10) / 10;
  };
}
