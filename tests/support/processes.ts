/**
 * Process inspection via /proc, used by tests to prove that no ffmpeg is
 * leaked and by benchmarks to measure CPU cost. Linux only.
 * @module
 */

/** A live process and its argv as the kernel reports it. */
export interface ProcessInfo {
  pid: number;
  cmdline: string[];
}

/**
 * Clock ticks per second for /proc/<pid>/stat times. Linux fixes USER_HZ at
 * 100 on x86_64 (`getconf CLK_TCK` prints 100 on the build machines), and
 * shelling out to getconf on every sample would skew benchmarks.
 */
export const CLK_TCK = 100;

/**
 * Lists live processes whose argv satisfies `match`.
 *
 * Reads /proc/<pid>/cmdline directly instead of running `ps`, so it works in
 * minimal containers and has no parsing ambiguity (argv is NUL separated).
 * Kernel threads (empty cmdline) and processes that exit mid-scan are skipped.
 */
export function findProcesses(
  match: (cmdline: string[]) => boolean,
): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const pid of listPids()) {
    const cmdline = readCmdline(pid);
    if (cmdline && cmdline.length > 0 && match(cmdline)) {
      found.push({ pid, cmdline });
    }
  }
  return found;
}

/**
 * Counts running ffmpeg processes whose joined cmdline contains `substring`
 * (typically an RTSP URL or output path), so tests can assert that a stream
 * spawned exactly one ffmpeg and that it is gone after stopping.
 */
export function countFfmpeg(substring: string): number {
  return findProcesses((argv) =>
    basename(argv[0]) === "ffmpeg" && argv.join(" ").includes(substring)
  ).length;
}

/**
 * Sums user+system CPU seconds of `rootPid` and all its live descendants.
 *
 * Only live processes count (utime+stime, not cutime/cstime) so a benchmark
 * sees what the tree costs right now, not what reaped children once cost.
 * Returns 0 when `rootPid` no longer exists.
 */
export function processTreeCpuSeconds(rootPid: number): number {
  const stats = new Map<number, ProcStat>();
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  if (!stats.has(rootPid)) return 0;
  let ticks = 0;
  for (const pid of treePids(rootPid, stats)) {
    const stat = stats.get(pid)!;
    ticks += stat.utime + stat.stime;
  }
  return ticks / CLK_TCK;
}

/**
 * Polls `predicate` every 20 ms until it is true, or throws after
 * `timeoutMs`. Process state changes asynchronously (a spawned child may not
 * have exec'd ffmpeg yet; a killed one may linger a moment), so assertions
 * on countFfmpeg() should wait rather than sample once.
 */
export async function waitUntil(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Returns `rootPid` followed by the pids of all its live descendants, so
 * callers can signal or inspect a whole ffmpeg/shell tree.
 */
export function descendantPids(rootPid: number): number[] {
  const stats = new Map<number, ProcStat>();
  for (const pid of listPids()) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  return stats.has(rootPid) ? treePids(rootPid, stats) : [];
}

/** Fields we need from /proc/<pid>/stat. */
interface ProcStat {
  ppid: number;
  utime: number;
  stime: number;
}

/** Breadth-first walk of the parent→children relation rooted at `rootPid`. */
function treePids(rootPid: number, stats: Map<number, ProcStat>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  const seen = new Set<number>();
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Numeric entries of /proc, i.e. process ids (threads are not listed). */
function listPids(): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (/^\d+$/.test(entry.name)) pids.push(Number(entry.name));
  }
  return pids;
}

/** argv of `pid`, or null when it exited or is not readable. */
function readCmdline(pid: number): string[] | null {
  try {
    const raw = new TextDecoder().decode(
      Deno.readFileSync(`/proc/${pid}/cmdline`),
    );
    if (raw.length === 0) return [];
    return raw.replace(/\0$/, "").split("\0");
  } catch {
    return null;
  }
}

/**
 * Parses /proc/<pid>/stat. The comm field is in parentheses and may contain
 * spaces or ')' itself, so split after the LAST ')'; the remaining fields
 * start at field 3 (state): ppid is field 4, utime 14, stime 15.
 */
function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    ppid: Number(rest[1]),
    utime: Number(rest[11]),
    stime: Number(rest[12]),
  };
}

/** Last path segment, so `/usr/bin/ffmpeg` and `ffmpeg` both match. */
function basename(path: string | undefined): string {
  if (!path) return "";
  return path.slice(path.lastIndexOf("/") + 1);
}
