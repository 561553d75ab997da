/**
 * Crash recovery at node agent start, before any recorder runs
 * (docs/design/recording.md § Crash recovery):
 *
 * 1. ffmpegs a killed node agent left behind (they write into our incoming
 *    folders) are stopped: SIGTERM, so they finalise their segment, then
 *    SIGKILL.
 * 2. The outbox finishes or drops `.pending` events (`recoverPending`).
 * 3. Every file left in a camera's `.incoming/` is closed: listed in its
 *    run's CSV → closed normally; unlisted (crashed mid-segment) → remuxed up
 *    to its last complete fragment and reported with `recovered: true`;
 *    unplayable → deleted and logged. Remux leftovers are deleted first.
 */
import { errorMessage, logger } from "../../lib/log.ts";
import type { SegmentClosedEvent } from "../../lib/protocol/mod.ts";
import type { Outbox } from "../outbox/outbox.ts";
import { removeIfExists } from "../storage/durable.ts";
import {
  INCOMING_DIR,
  isSafeId,
  parseIncomingName,
} from "../storage/layout.ts";
import { closeSegment } from "./close.ts";
import { parseSegmentList, type SegmentListEntry } from "./timeline.ts";

const log = logger("recovery");

export interface RecoveryDeps {
  /** Recordings root. */
  root: string;
  outbox: Outbox;
  ffmpegPath: string;
  ffprobePath: string;
  /** Grace for orphaned ffmpegs between SIGTERM and SIGKILL. @default 5000 */
  orphanGraceMs?: number;
}

export interface RecoveryReport {
  /** Orphaned recorder ffmpegs that were stopped. */
  orphans: number;
  /** Pending outbox events finished / dropped. */
  pendingCommitted: number;
  pendingDropped: number;
  /** Complete segments closed (they were listed; nothing to repair). */
  closed: number;
  /** Crashed segments repaired and reported with `recovered: true`. */
  recovered: number;
  /** Unplayable leftovers deleted. */
  deleted: number;
  /** Files that could not be handled (left for the next start). */
  failed: number;
  events: SegmentClosedEvent[];
}

/** Runs the whole start-up recovery. Never throws for one bad file. */
export async function recoverRecordings(
  deps: RecoveryDeps,
): Promise<RecoveryReport> {
  const report: RecoveryReport = {
    orphans: 0,
    pendingCommitted: 0,
    pendingDropped: 0,
    closed: 0,
    recovered: 0,
    deleted: 0,
    failed: 0,
    events: [],
  };
  report.orphans = await stopOrphans(deps.root, deps.orphanGraceMs ?? 5000);
  const pending = await deps.outbox.recoverPending();
  report.pendingCommitted = pending.committed;
  report.pendingDropped = pending.dropped;
  let cameras: string[] = [];
  try {
    for await (const e of Deno.readDir(deps.root)) {
      if (e.isDirectory && isSafeId(e.name)) cameras.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  cameras = cameras.sort();
  for (const cameraId of cameras) {
    await recoverCamera(deps, cameraId, report);
  }
  if (
    report.closed + report.recovered + report.deleted + report.failed +
        report.orphans + report.pendingCommitted + report.pendingDropped > 0
  ) {
    const { events: _events, ...counts } = report;
    log.info("recovered recordings after a restart", { ...counts });
  }
  return report;
}

interface RunFiles {
  sessionId: string;
  run: string;
  segments: { name: string; openedS: number }[];
  entries: SegmentListEntry[];
  anchorMs: number | null;
}

async function recoverCamera(
  deps: RecoveryDeps,
  cameraId: string,
  report: RecoveryReport,
): Promise<void> {
  const dir = `${deps.root}/${cameraId}/${INCOMING_DIR}`;
  const runs = new Map<string, RunFiles>();
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  const runOf = (sessionId: string, run: string): RunFiles => {
    const key = `${sessionId}.${run}`;
    let r = runs.get(key);
    if (!r) {
      r = { sessionId, run, segments: [], entries: [], anchorMs: null };
      runs.set(key, r);
    }
    return r;
  };
  for (const name of names.sort()) {
    if (name.endsWith(".repair.mp4") || name.endsWith(".tmp")) {
      // An interrupted remux or atomic write: its source is still there.
      await removeIfExists(`${dir}/${name}`);
      continue;
    }
    const seg = parseIncomingName(name);
    if (seg) {
      runOf(seg.sessionId, seg.run).segments.push({
        name,
        openedS: seg.openedS,
      });
      continue;
    }
    const side =
      /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.([a-z0-9]{1,24})\.(csv|anchor)$/
        .exec(name);
    if (!side) continue; // not ours; leave it
    const r = runOf(side[1], side[2]);
    const text = await Deno.readTextFile(`${dir}/${name}`).catch(() => "");
    if (side[3] === "csv") r.entries = parseSegmentList(text);
    else {
      const n = Number(text.trim());
      r.anchorMs = Number.isFinite(n) && n > 0 ? n : null;
    }
  }
  for (const r of runs.values()) {
    let ok = true;
    const listed = new Map(r.entries.map((e) => [e.file, e]));
    const lastEnd = r.entries.reduce((m, e) => Math.max(m, e.endS), 0);
    r.segments.sort((a, b) => a.openedS - b.openedS);
    for (const seg of r.segments) {
      const entry = listed.get(seg.name) ?? null;
      try {
        const event = await closeSegment({
          root: deps.root,
          cameraId,
          sessionId: r.sessionId,
          incomingPath: `${dir}/${seg.name}`,
          listed: entry ? { startS: entry.startS, endS: entry.endS } : null,
          unlistedStartS: lastEnd,
          anchorMs: r.anchorMs,
          openedS: seg.openedS,
        }, {
          ffmpeg: deps.ffmpegPath,
          ffprobe: deps.ffprobePath,
          outbox: deps.outbox,
        });
        if (!event) report.deleted++;
        else {
          report.events.push(event);
          if (event.recovered) report.recovered++;
          else report.closed++;
        }
      } catch (e) {
        ok = false;
        report.failed++;
        log.error("could not recover a segment; left in place", {
          camera: cameraId,
          file: seg.name,
          error: errorMessage(e),
        });
      }
    }
    if (ok) {
      await removeIfExists(`${dir}/${r.sessionId}.${r.run}.csv`);
      await removeIfExists(`${dir}/${r.sessionId}.${r.run}.anchor`);
    }
  }
}

/**
 * Stops ffmpegs whose command line writes into `{root}/…/.incoming/`: a node
 * agent killed with SIGKILL leaves its recorders running (they are in their
 * own process groups). Returns how many were found.
 */
export async function stopOrphans(
  root: string,
  graceMs: number,
): Promise<number> {
  const pids = recorderPids(root);
  if (pids.length === 0) return 0;
  log.warn("stopping recorder ffmpegs left by a previous run", { pids });
  for (const pid of pids) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const pid of pids) if (alive(pid)) signal(pid, "SIGKILL");
  while (pids.some(alive) && Date.now() < deadline + 2000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids.length;
}

/** pids of processes (not us) whose argv writes into an incoming folder under `root`. */
function recorderPids(root: string): number[] {
  const marker = `${root.replace(/\/+$/, "")}/`;
  const out: number[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync("/proc");
  } catch {
    return out; // not Linux: nothing to look at
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (
        argv.some((a) =>
          a.startsWith(marker) && a.includes(`/${INCOMING_DIR}/`)
        ) &&
        argv.includes("segment")
      ) {
        out.push(Number(e.name));
      }
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // A zombie ("Z") has exited; it only waits for its parent to reap it.
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // already gone
  }
}
