/**
 * Test helpers for code that runs real processes: poll for a condition, and
 * look processes up in /proc so a test can prove none was left behind. Used by
 * the ffmpeg and relay tests only; nothing in production imports this.
 */

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True while /proc/<pid> exists (a zombie counts as alive until reaped). */
export function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** pids whose command line contains `marker` (arguments joined by spaces). */
export function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const raw = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (raw.replaceAll("\0", " ").includes(marker)) {
        pids.push(Number(entry.name));
      }
    } catch {
      // exited while we looked
    }
  }
  return pids.filter((pid) => pid !== Deno.pid);
}

/** A short random token, to make a test's processes recognisable in /proc. */
export function marker(): string {
  return crypto.randomUUID().slice(0, 8);
}
