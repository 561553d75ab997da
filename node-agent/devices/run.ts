/**
 * Runs a listing tool once with a deadline: v4l2-ctl or ffmpeg on a wedged
 * driver can hang in an ioctl, and the heartbeat must not hang with it. On
 * timeout the tool's whole process group is SIGKILLed (a wrapper script
 * leaves nothing behind); output is capped so a runaway tool cannot grow
 * memory.
 */

export interface ToolRun {
  /** Exit code; null when it was killed for the deadline. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Output kept per stream; a listing of the largest webcams is ~20 KB. */
const MAX_OUTPUT_BYTES = 1 << 20;

/** null when the program does not exist (so the caller can fall back). */
export async function runTool(
  program: string,
  args: string[],
  timeoutMs: number,
): Promise<ToolRun | null> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
      // v4l2-ctl and ffmpeg print in English only when told (C locale).
      env: { LC_ALL: "C" },
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, timeoutMs);
  try {
    const [stdout, stderr, status] = await Promise.all([
      readCapped(child.stdout),
      readCapped(child.stderr),
      child.status,
    ]);
    return { code: timedOut ? null : status.code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size >= MAX_OUTPUT_BYTES) continue; // keep draining so the tool is not blocked
    chunks.push(chunk.subarray(0, MAX_OUTPUT_BYTES - size));
    size += chunks[chunks.length - 1].length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
