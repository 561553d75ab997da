/**
 * TCP port helpers for tests that start real servers (RTSP, PostgreSQL, HTTP).
 * @module
 */

/**
 * Returns a TCP port that was free a moment ago on 127.0.0.1.
 *
 * Binding port 0 lets the kernel pick, which avoids collisions between tests
 * running with `--parallel`. There is a small race between closing the
 * listener and the caller binding it, which is acceptable for tests.
 */
export function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return Promise.resolve(port);
}

/**
 * Resolves once something accepts TCP connections on 127.0.0.1:`port`.
 *
 * Polling with a real connect is the only readiness signal that works for
 * every server we spawn, whatever it prints. Throws after `timeoutMs`.
 */
export async function waitForPort(
  port: number,
  timeoutMs = 15_000,
  hostname = "127.0.0.1",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname, port });
      conn.close();
      return;
    } catch (err) {
      lastError = err;
      await delay(50);
    }
  }
  throw new Error(
    `port ${hostname}:${port} did not accept connections within ${timeoutMs} ms` +
      (lastError instanceof Error ? ` (last error: ${lastError.message})` : ""),
  );
}

/** Tells whether 127.0.0.1:`port` accepts a TCP connection right now. */
export async function isPortOpen(
  port: number,
  hostname = "127.0.0.1",
): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname, port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Promise-based sleep; kept here so helpers need no std library. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
