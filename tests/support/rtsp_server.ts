/**
 * Starts the GStreamer RTSP test server (rtsp_server.py) as a child process so
 * tests can read a real H.264 camera stream over RTSP on loopback.
 * @module
 */

import { delay, freePort, waitForPort } from "./ports.ts";

/** Debian's python: the pyenv python3 on PATH has no `gi` bindings. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Exit code rtsp_server.py uses when it cannot bind its port. */
const EXIT_CANNOT_LISTEN = 3;

const START_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 2_000;
const STDERR_TAIL_CHARS = 4_000;

/** What to serve; every field has a cheap default. */
export interface RtspServerOptions {
  /** TCP port; a free one is picked when omitted. */
  port?: number;
  /** Frame size as WIDTHxHEIGHT, default 640x480. */
  size?: string;
  /** Frames per second, default 15; keyframe every 2 s. */
  fps?: number;
  /** videotestsrc pattern, default "ball". */
  pattern?: "ball" | "smpte" | "snow";
  /** Audio track, default "none". */
  audio?: "none" | "aac" | "pcmu";
  /** Mount path, default "/test". */
  path?: string;
  /** Require RTSP authentication with this user (needs `password`). */
  user?: string;
  /** Password for `user`. */
  password?: string;
  /** Authentication scheme when `user` is set, default "digest". */
  auth?: "digest" | "basic";
  /** RTSP lower transports offered, default both; "udp" refuses TCP like some cameras. */
  transport?: "any" | "tcp" | "udp";
  /** H.264 bitrate in kbit/s, default 1000. */
  bitrate?: number;
}

/** A running RTSP test server. */
export interface RtspServer {
  /** rtsp://127.0.0.1:PORT/PATH, without credentials. */
  readonly url: string;
  /** `url` with user:password embedded (equal to `url` without auth). */
  readonly authUrl: string;
  readonly port: number;
  /** pid of the current server process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, SIGKILL after 2 s, and wait for exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port, so `url` keeps working. */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** One spawned rtsp_server.py and the tasks draining its pipes. */
interface Running {
  child: Deno.ChildProcess;
  ready: Promise<void>;
  drained: Promise<void>;
  stderrTail(): string;
}

/**
 * Starts rtsp_server.py and resolves once it printed READY and its port
 * accepts TCP connections. Fails after 15 s with the server's stderr tail.
 */
export async function startRtspServer(
  opts: RtspServerOptions = {},
): Promise<RtspServer> {
  const path = normalizePath(opts.path ?? "/test");
  const first = await startWithRetry(opts, opts.port);
  const port = first.port;
  let current: Running | null = first.process;

  const url = `rtsp://127.0.0.1:${port}${path}`;
  const authUrl = opts.user
    ? `rtsp://${encodeURIComponent(opts.user)}:${
      encodeURIComponent(opts.password ?? "")
    }@127.0.0.1:${port}${path}`
    : url;

  async function stop(): Promise<void> {
    const proc = current;
    current = null;
    if (proc) await stopProcess(proc);
  }

  async function restart(): Promise<void> {
    await stop();
    current = (await startWithRetry(opts, port)).process;
  }

  return {
    url,
    authUrl,
    port,
    get pid() {
      return current?.child.pid ?? -1;
    },
    stop,
    restart,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Launches the server, retrying when the port is taken: a fresh port when
 * the caller left it open (another parallel test won the race), the same
 * port otherwise (a restart may briefly find it still held).
 */
async function startWithRetry(
  opts: RtspServerOptions,
  fixedPort: number | undefined,
): Promise<{ port: number; process: Running }> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: Error | undefined;
  while (Date.now() < deadline) {
    const port = fixedPort ?? await freePort();
    const proc = spawnServer(opts, port);
    try {
      await waitUntilReady(proc, port, deadline);
      return { port, process: proc };
    } catch (err) {
      await stopProcess(proc);
      lastError = err as Error;
      if (!(err instanceof PortBusyError)) throw err;
      await delay(100);
    }
  }
  throw lastError ?? new Error("RTSP server did not start");
}

/** Thrown when rtsp_server.py exits because its port is in use. */
class PortBusyError extends Error {}

/** Spawns rtsp_server.py and starts draining stdout/stderr. */
function spawnServer(opts: RtspServerOptions, port: number): Running {
  try {
    Deno.statSync(SYSTEM_PYTHON);
  } catch {
    throw new Error(
      `${SYSTEM_PYTHON} not found; install Debian's python3-gi and ` +
        "gir1.2-gst-rtsp-server-1.0 (see .ci/run)",
    );
  }
  const child = new Deno.Command(SYSTEM_PYTHON, {
    args: [scriptPath(), ...serverArgs(opts, port)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  let out = "";
  let tail = "";
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => markReady = resolve);

  const stdoutDone = drain(child.stdout, (text) => {
    out = (out + text).slice(-1_000);
    if (/^READY$/m.test(out)) markReady();
  });
  const stderrDone = drain(child.stderr, (text) => {
    tail = (tail + text).slice(-STDERR_TAIL_CHARS);
  });

  return {
    child,
    ready,
    drained: Promise.all([stdoutDone, stderrDone]).then(() => {}),
    stderrTail: () => tail,
  };
}

/** Reads a pipe to the end so the server never blocks on a full pipe. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  onText: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) {
      onText(decoder.decode(chunk, { stream: true }));
    }
  } catch {
    // The pipe errors when the process is killed; nothing left to read.
  }
}

/** Waits for READY plus an accepting port, or fails on exit/timeout. */
async function waitUntilReady(
  proc: Running,
  port: number,
  deadline: number,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const remaining = Math.max(0, deadline - Date.now());
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `RTSP server on port ${port} not ready after ${START_TIMEOUT_MS} ms; ` +
              `stderr tail:\n${proc.stderrTail()}`,
          ),
        ),
      remaining,
    );
  });
  const exited = proc.child.status.then(async (status) => {
    await proc.drained;
    if (status.code === EXIT_CANNOT_LISTEN) {
      throw new PortBusyError(`RTSP port ${port} is in use`);
    }
    throw new Error(
      `RTSP server exited early with code ${status.code}; stderr tail:\n` +
        proc.stderrTail(),
    );
  });
  const ready = proc.ready.then(() => waitForPort(port, remaining));
  try {
    await Promise.race([ready, exited, timeout]);
  } finally {
    clearTimeout(timer);
    // The losers of the race may reject later (e.g. `exited` on stop).
    exited.catch(() => {});
    ready.catch(() => {});
  }
}

/** SIGTERM, then SIGKILL after the grace period; waits for exit and pipes. */
async function stopProcess(proc: Running): Promise<void> {
  const { child } = proc;
  signal(child, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      signal(child, "SIGKILL");
      resolve();
    }, KILL_GRACE_MS);
  });
  await Promise.race([child.status, killed]);
  clearTimeout(timer);
  await child.status;
  await proc.drained;
}

/** Sends a signal, ignoring "already exited". */
function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch {
    // Process already gone.
  }
}

/** Command-line arguments for rtsp_server.py. */
function serverArgs(opts: RtspServerOptions, port: number): string[] {
  const args = [
    "--port",
    String(port),
    "--size",
    opts.size ?? "640x480",
    "--fps",
    String(opts.fps ?? 15),
    "--path",
    normalizePath(opts.path ?? "/test"),
    "--pattern",
    opts.pattern ?? "ball",
    "--audio",
    opts.audio ?? "none",
  ];
  if (opts.user) {
    args.push("--user", opts.user, "--password", opts.password ?? "");
    args.push("--auth", opts.auth ?? "digest");
  }
  if (opts.transport) args.push("--transport", opts.transport);
  if (opts.bitrate) args.push("--bitrate", String(opts.bitrate));
  return args;
}

/** Mount paths must start with "/". */
function normalizePath(path: string): string {
  return path.startsWith("/") ? path : `/${path}`;
}

/** Absolute path of rtsp_server.py next to this module. */
function scriptPath(): string {
  return decodeURIComponent(
    new URL("./rtsp_server.py", import.meta.url).pathname,
  );
}
