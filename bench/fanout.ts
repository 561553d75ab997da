/**
 * Live-view fan-out benchmark: what does the WHOLE system (controller + node
 * agent + ffmpeg) cost as the number of live viewers of one camera grows, and
 * does every viewer still get (nearly) every frame?
 *
 * Setup, exactly like a user:
 *   - the GStreamer RTSP test server serves a 640x480 @ 15 fps H.264 camera,
 *     pattern "snow" by default (see DEFAULT_PATTERN for why not "ball");
 *   - `deno run -A main.ts up --port P --data-dir TMP` runs as a child process
 *     (controller with embedded PGlite; it spawns the node agent, which spawns
 *     ffmpeg); the bench only talks HTTP to it;
 *   - the demo camera is deleted and an RTSP camera is added over the API.
 *
 * For N in 1, 10, 50 viewers: N concurrent `GET /api/cameras/{id}/stream`
 * from this process (frames counted with `readMjpeg`, never decoded), a
 * warm-up, then a fixed measurement window. CPU = utime+stime delta of the
 * `up` process tree (controller + node agent + ffmpeg) over the window. The
 * bench process (the viewers) and the RTSP server are NOT counted; their CPU
 * is shown separately for context.
 *
 * Between rounds the viewers are closed and the next round opens ~1 s later,
 * well within the relay idle grace (controller 5 s, node agent 10 s), so the
 * SAME ffmpeg keeps running through all rounds (its pid is checked and
 * reported) and ffmpeg/RTSP start-up never lands in a window. No hidden extra
 * viewer is kept open: each window measures exactly N viewers.
 *
 * Run: `deno run -A bench/fanout.ts [--seconds 20] [--warmup 3] [--viewers 1,10,50]`
 * @module
 */
import {
  cmdline,
  eachFlag,
  loadAverage,
  machineFacts,
  type ParseOptions,
  type Pattern,
  pattern,
  positive,
  round2,
  sum,
  until,
} from "./support.ts";
import { readMjpeg } from "../lib/mjpeg.ts";
import {
  CLK_TCK,
  countFfmpeg,
  descendantPids,
  processTreeCpuSeconds,
  waitUntil,
} from "../tests/support/processes.ts";
import { delay, freePort } from "../tests/support/ports.ts";
import { startRtspServer } from "../tests/support/rtsp_server.ts";

const ROOT = new URL("../", import.meta.url);
const MAIN = new URL("main.ts", ROOT).pathname;
const RESULTS = new URL("bench/results/fanout.json", ROOT).pathname;

/** Source camera: what the RTSP server sends and what the camera asks for. */
const SOURCE = { size: "640x480", fps: 15 } as const;

/** videotestsrc patterns: "ball" moves; "smpte" is still; "snow" is noise. */
export type { Pattern };

/**
 * Why "snow" (noise) and not the moving ball: what a viewer costs is the
 * bytes sent to it, and the relay re-encodes every frame as a full JPEG
 * whether the picture moved or not (MJPEG has no inter-frame coding; the hub
 * does not skip identical frames). The ball is a small dot on black: ~2 KiB
 * JPEGs, an order of magnitude below a real 640x480 camera, which hides the
 * per-viewer cost (50 viewers: 1.06x). SMPTE bars give ~19 KiB (1.11x).
 * Snow changes every pixel of every frame (motion, like the ball) and gives
 * ~57 KiB JPEGs, at the heavy end of real cameras; it measured the highest
 * ratio (1.29x), so it is the conservative default. `--pattern` picks another.
 */
export const DEFAULT_PATTERN: Pattern = "snow";

/** Controller stream grace (5 s) + node agent relay grace (10 s) + slack. */
const IDLE_STOP_WAIT_S = 25;

/** Targets from the issue. */
export const TARGETS = {
  /** CPU of the most viewers / CPU of 1 viewer, at most. */
  maxCpuRatio: 1.5,
  /** Frames every viewer receives, as a share of the source's, at least. */
  minFrameShare: 0.9,
};

export interface FanoutOptions {
  /** Measurement window per round, seconds. @default 20 */
  seconds?: number;
  /** Warm-up per round after every viewer got its first frame, seconds. @default 3 */
  warmup?: number;
  /** Viewer counts, in order; the first is the baseline. @default [1, 10, 50] */
  viewers?: number[];
  /** Where to write the JSON results; null to skip. */
  resultsPath?: string | null;
  /** Test pattern of the RTSP source. @default DEFAULT_PATTERN */
  pattern?: Pattern;
  /** Progress lines on stderr. @default true */
  verbose?: boolean;
}

/** CPU seconds per minute of one role over a window. */
type Breakdown = Record<string, number>;

export interface RoundResult {
  viewers: number;
  windowSeconds: number;
  /** CPU s/min of the `up` tree (controller + node agent + ffmpeg). */
  cpuPerMinute: number;
  ratioVsBaseline: number;
  framesMin: number;
  framesMedian: number;
  framesMax: number;
  /** Frames the source produced in the window (fps × window). */
  sourceFrames: number;
  /** framesMin / sourceFrames. */
  minShare: number;
  medianShare: number;
  /** Viewers that ended early (stream closed or failed). */
  viewerErrors: string[];
  /** MiB/s delivered to all viewers together. */
  mibPerSecond: number;
  /** Mean JPEG size, KiB. */
  frameKiB: number;
  /** CPU s/min per process role, `up` tree and excluded processes. */
  breakdown: Breakdown;
  /** Busiest threads of the system under test (name, process, CPU s/min). */
  hotThreads: { process: string; thread: string; cpuPerMinute: number }[];
  ffmpegPid: number | null;
  /** Controller→node agent stream connections at the end of the window (design: 1). */
  upstreamConnections: number;
  /** 1-minute load average at the end of the window. */
  loadAverage: number;
}

export interface FanoutResult {
  name: "fanout";
  date: string;
  machine: { nproc: number; kernel: string; deno: string; cpu: string };
  settings: {
    seconds: number;
    warmup: number;
    viewers: number[];
    source: typeof SOURCE & { pattern: Pattern };
  };
  rounds: RoundResult[];
  sameFfmpegThroughout: boolean;
  targets: {
    cpuRatio: { limit: number; measured: number; pass: boolean };
    frames: { limit: number; worstShare: number; pass: boolean };
  };
  /** Did ffmpeg stop once the last viewer left (before SIGINT)? */
  idleStop: {
    waitedSeconds: number;
    stopped: boolean;
    ffmpegLeft: number;
    upstreamsLeft: number;
  } | null;
  shutdown: {
    /** ffmpeg processes running when SIGINT was sent (1: a viewer was watching). */
    ffmpegAtSigint: number;
    exitCode: number | null;
    seconds: number;
    ffmpegLeft: number;
    processesLeft: number;
    clean: boolean;
  };
  pass: boolean;
  markdown: string;
}

/** Runs the benchmark and returns its results (also written as JSON). */
export async function runFanout(
  opts: FanoutOptions = {},
): Promise<FanoutResult> {
  const seconds = opts.seconds ?? 20;
  const warmup = opts.warmup ?? 3;
  const viewerCounts = opts.viewers ?? [1, 10, 50];
  const verbose = opts.verbose ?? true;
  const say = (msg: string) => {
    if (verbose) console.error(`[fanout] ${msg}`);
  };

  const machine = await machineFacts();
  say(
    `machine: ${machine.nproc} CPUs, kernel ${machine.kernel}, deno ${machine.deno}`,
  );
  const pattern = opts.pattern ?? DEFAULT_PATTERN;
  await using rtsp = await startRtspServer({ ...SOURCE, pattern });
  say(`RTSP test server ${rtsp.url} (pid ${rtsp.pid})`);

  const dataDir = await Deno.makeTempDir({ prefix: "falcon-bench-" });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const up = spawnUp(port, dataDir);
  say(`falcon up: pid ${up.pid}, ${base}, data dir ${dataDir}`);
  // Ctrl-C / kill of the bench: stop `falcon up` (and so its node agent and
  // ffmpeg) instead of orphaning it. The RTSP server dies with its parent.
  const onSignal = async () => {
    console.error("[fanout] interrupted; stopping falcon up");
    try {
      up.child.kill("SIGINT");
    } catch { /* gone */ }
    await Promise.race([up.child.status, delay(10_000)]);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const rounds: RoundResult[] = [];
  const ffmpegPids = new Set<number>();
  let shutdown: FanoutResult["shutdown"] | null = null;
  let idleStop: FanoutResult["idleStop"] = null;
  let lastViewer: Viewer | null = null;
  try {
    await up.waitFor(/Falcon-Eye is running/, 60_000);
    await waitHttp(`${base}/healthz`, 30_000);
    const api = await signIn(base, up.output());
    say(`controller healthy (${api.how}); waiting for the node agent`);
    await eventually(
      async () => {
        const { nodes } = await api.json("GET", "/api/nodes");
        return nodes.some((n: { status: string }) => n.status === "online");
      },
      30_000,
      "a node to be online",
    );

    const { cameras } = await api.json("GET", "/api/cameras");
    for (const cam of cameras) {
      await api.json("DELETE", `/api/cameras/${cam.id}`);
      say(`deleted camera "${cam.name}" (${cam.protocol})`);
    }
    const cam = await api.json("POST", "/api/cameras", {
      name: "bench",
      protocol: "rtsp",
      source_url: rtsp.url,
      resolution: SOURCE.size,
      framerate: SOURCE.fps,
    });
    const streamUrl = `${base}/api/cameras/${cam.id}/stream`;
    say(`camera ${cam.id} on node ${cam.assigned_node}; waiting for frames`);
    // The node learns of the camera on its next heartbeat; until then the
    // stream answers 503. Retry one viewer until it gets a frame.
    await eventually(
      async () => {
        const probe = openViewer(streamUrl, api.headers);
        await eventuallyOrNot(
          () => probe.frames > 0 || probe.error !== null,
          5000,
        );
        const ok = probe.frames > 0;
        await probe.close();
        return ok;
      },
      30_000,
      "the first frame of the bench camera",
    );
    say(`first frame received; ffmpeg pid ${ffmpegPidsOf(up.pid, rtsp.url)}`);

    for (const n of viewerCounts) {
      say(`round: ${n} viewer(s)`);
      const viewers = Array.from(
        { length: n },
        () => openViewer(streamUrl, api.headers),
      );
      try {
        await eventually(
          () => viewers.every((v) => v.frames > 0 || v.error !== null),
          30_000,
          `first frame on all ${n} viewers`,
        );
        const failed = viewers.filter((v) => v.error !== null);
        if (failed.length) {
          throw new Error(`viewer failed at start: ${failed[0].error}`);
        }
        say(`  all ${n} viewers have frames; warming up ${warmup} s`);
        await delay(warmup * 1000);

        const ffmpeg = ffmpegPidsOf(up.pid, rtsp.url);
        for (const p of ffmpeg) ffmpegPids.add(p);
        const before = snapshotCpu(up.pid, rtsp.pid);
        const framesBefore = viewers.map((v) => v.frames);
        const bytesBefore = viewers.reduce((s, v) => s + v.bytes, 0);
        const cpuBefore = processTreeCpuSeconds(up.pid);
        const t0 = performance.now();
        say(`  measuring ${seconds} s`);
        await delay(seconds * 1000);
        const cpuAfter = processTreeCpuSeconds(up.pid);
        const t1 = performance.now();
        const upstreams = upstreamConnections(up.pid);
        const after = snapshotCpu(up.pid, rtsp.pid);
        const frames = viewers.map((v, i) => v.frames - framesBefore[i]);
        const bytes = viewers.reduce((s, v) => s + v.bytes, 0) - bytesBefore;
        for (const p of ffmpegPidsOf(up.pid, rtsp.url)) ffmpegPids.add(p);

        const window = (t1 - t0) / 1000;
        const cpuPerMinute = (cpuAfter - cpuBefore) / window * 60;
        const sorted = [...frames].sort((a, b) => a - b);
        const sourceFrames = SOURCE.fps * window;
        const round: RoundResult = {
          viewers: n,
          windowSeconds: round2(window),
          cpuPerMinute: round2(cpuPerMinute),
          ratioVsBaseline: 0,
          framesMin: sorted[0],
          framesMedian: median(sorted),
          framesMax: sorted[sorted.length - 1],
          sourceFrames: Math.round(sourceFrames),
          minShare: round3(sorted[0] / sourceFrames),
          medianShare: round3(median(sorted) / sourceFrames),
          viewerErrors: viewers.flatMap((v) => v.error ? [v.error] : []),
          mibPerSecond: round2(bytes / window / 1024 / 1024),
          frameKiB: round2(bytes / Math.max(1, sum(frames)) / 1024),
          breakdown: breakdownOf(before, after, window),
          hotThreads: hotThreads(before, after, window),
          ffmpegPid: ffmpeg[0] ?? null,
          upstreamConnections: upstreams,
          loadAverage: loadAverage(),
        };
        rounds.push(round);
        say(
          `  ${round.cpuPerMinute} CPU s/min; frames/viewer min ${round.framesMin} ` +
            `median ${round.framesMedian} of ${round.sourceFrames}; ` +
            `breakdown ${JSON.stringify(round.breakdown)}`,
        );
      } finally {
        await closeViewers(viewers);
      }
      // Let the server notice the closed connections; the relay stays up
      // within its idle grace, so the next round reuses the same ffmpeg.
      await delay(1000);
    }

    // On demand: with nobody watching, the controller drops its upstream
    // after its grace (5 s) and the node agent stops ffmpeg after its own
    // (relay_idle_grace_ms, 10 s by default).
    say(`waiting up to ${IDLE_STOP_WAIT_S} s for the relay to stop unwatched`);
    const idleFrom = performance.now();
    const stopped = await eventuallyOrNot(
      () => countFfmpeg(rtsp.url) === 0,
      IDLE_STOP_WAIT_S * 1000,
    );
    idleStop = {
      waitedSeconds: round2((performance.now() - idleFrom) / 1000),
      stopped,
      ffmpegLeft: countFfmpeg(rtsp.url),
      upstreamsLeft: upstreamConnections(up.pid),
    };
    say(`  idle stop: ${JSON.stringify(idleStop)}`);

    // Shut down like a user pressing Ctrl-C with a browser tab still open:
    // one viewer watching, so ffmpeg is running when SIGINT arrives.
    lastViewer = openViewer(streamUrl, api.headers);
    await eventually(
      () => lastViewer!.frames > 0 || lastViewer!.error !== null,
      30_000,
      "a frame before shutdown",
    );
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    shutdown = await stopUp(up, rtsp.url);
    if (lastViewer) await closeViewers([lastViewer]).catch(() => {});
    say(
      `shutdown: exit ${shutdown.exitCode} after ${shutdown.seconds} s, ` +
        `${shutdown.ffmpegLeft} ffmpeg left, ${shutdown.processesLeft} processes left`,
    );
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    if (rounds.length < viewerCounts.length) {
      console.error(`[fanout] falcon up output (tail):\n${up.tail()}`);
    }
  }

  const baseline = rounds[0]?.cpuPerMinute ?? 0;
  for (const r of rounds) {
    r.ratioVsBaseline = baseline > 0 ? round2(r.cpuPerMinute / baseline) : 0;
  }
  const last = rounds[rounds.length - 1];
  const cpuRatio = last.ratioVsBaseline;
  const worstShare = Math.min(...rounds.map((r) => r.minShare));
  const cpuPass = cpuRatio <= TARGETS.maxCpuRatio;
  const framesPass = worstShare >= TARGETS.minFrameShare &&
    rounds.every((r) => r.viewerErrors.length === 0);
  const result: FanoutResult = {
    name: "fanout",
    date: new Date().toISOString(),
    machine,
    settings: {
      seconds,
      warmup,
      viewers: viewerCounts,
      source: { ...SOURCE, pattern },
    },
    rounds,
    sameFfmpegThroughout: ffmpegPids.size === 1,
    targets: {
      cpuRatio: {
        limit: TARGETS.maxCpuRatio,
        measured: cpuRatio,
        pass: cpuPass,
      },
      frames: {
        limit: TARGETS.minFrameShare,
        worstShare,
        pass: framesPass,
      },
    },
    idleStop,
    shutdown,
    pass: cpuPass && framesPass && shutdown.clean,
    markdown: "",
  };
  result.markdown = fanoutMarkdown(result);
  if (opts.resultsPath !== null) {
    const path = opts.resultsPath ?? RESULTS;
    await Deno.mkdir(new URL(".", `file://${path}`).pathname, {
      recursive: true,
    });
    await Deno.writeTextFile(path, JSON.stringify(result, null, 2) + "\n");
    say(`results written to ${path}`);
  }
  return result;
}

/** The Markdown report: table, breakdown, targets, shutdown. */
export function fanoutMarkdown(r: FanoutResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines: string[] = [];
  lines.push(
    `### Live-view fan-out (${r.settings.source.size} @ ${r.settings.source.fps} fps RTSP, ` +
      `pattern "${r.settings.source.pattern}", ` +
      `${r.settings.seconds} s window after ${r.settings.warmup} s warm-up)`,
    "",
    `Machine: ${r.machine.nproc} CPUs (${r.machine.cpu}), kernel ${r.machine.kernel}, ` +
      `deno ${r.machine.deno}; ${r.date}`,
    "",
    "CPU = the `falcon up` process tree (controller + node agent + ffmpeg). " +
      "The bench process (viewers) and the RTSP test server are excluded.",
    "",
    `| viewers | CPU s/min | ratio vs ${
      r.rounds[0]?.viewers ?? 1
    } | frames/viewer min | median | % of source (min / median) |`,
    "|---:|---:|---:|---:|---:|---:|",
  );
  for (const x of r.rounds) {
    lines.push(
      `| ${x.viewers} | ${x.cpuPerMinute.toFixed(2)} | ${
        x.ratioVsBaseline.toFixed(2)
      }× | ${x.framesMin} | ${x.framesMedian} | ${pct(x.minShare)} / ${
        pct(x.medianShare)
      } |`,
    );
  }
  const roles = [
    ...new Set(r.rounds.flatMap((x) => Object.keys(x.breakdown))),
  ];
  lines.push(
    "",
    "CPU s/min per process (the first three make up the total above; " +
      "excluded ones in parentheses):",
    "",
    `| viewers | ${
      roles.join(" | ")
    } | JPEG KiB | delivered MiB/s | upstreams | load avg |`,
    `|---:|${roles.map(() => "---:").join("|")}|---:|---:|---:|---:|`,
  );
  for (const x of r.rounds) {
    lines.push(
      `| ${x.viewers} | ${
        roles.map((k) => (x.breakdown[k] ?? 0).toFixed(2)).join(" | ")
      } | ${x.frameKiB.toFixed(1)} | ${
        x.mibPerSecond.toFixed(1)
      } | ${x.upstreamConnections} | ${x.loadAverage.toFixed(2)} |`,
    );
  }
  const top = r.rounds[r.rounds.length - 1];
  if (top?.hotThreads.length) {
    lines.push(
      "",
      `Busiest threads at ${top.viewers} viewers (CPU s/min): ` +
        top.hotThreads.map((t) =>
          `${t.process}/${t.thread} ${t.cpuPerMinute.toFixed(2)}`
        ).join(", "),
    );
  }
  const t = r.targets;
  const mark = (ok: boolean) => ok ? "PASS" : "FAIL";
  lines.push(
    "",
    `- ${
      mark(t.cpuRatio.pass)
    } CPU: ${top?.viewers} viewers cost ${t.cpuRatio.measured}× the CPU of ${
      r.rounds[0]?.viewers
    } (target ≤ ${t.cpuRatio.limit}×)`,
    `- ${mark(t.frames.pass)} frames: worst viewer got ${
      pct(t.frames.worstShare)
    } of the source's frames (target ≥ ${pct(t.frames.limit)})`,
    `- ${
      mark(r.shutdown.clean)
    } shutdown (1 viewer watching, ${r.shutdown.ffmpegAtSigint} ffmpeg running): SIGINT → exit ${r.shutdown.exitCode} in ${r.shutdown.seconds} s; ffmpeg left: ${r.shutdown.ffmpegLeft}; ` +
      `processes left: ${r.shutdown.processesLeft}`,
    `- one ffmpeg through all rounds: ${
      r.sameFfmpegThroughout ? "yes" : "no"
    }; controller→node upstream connections per round: ${
      r.rounds.map((x) => x.upstreamConnections).join(", ")
    } (design: 1)`,
  );
  const idle = r.idleStop;
  if (idle) {
    lines.push(
      idle.stopped
        ? `- relay stopped ${idle.waitedSeconds} s after the last viewer left (graces: controller 5 s + node 10 s)`
        : `- WARN relay did NOT stop within ${idle.waitedSeconds} s of the last viewer leaving: ` +
          `${idle.ffmpegLeft} ffmpeg still running, ${idle.upstreamsLeft} controller→node upstream connection(s) still open`,
    );
  }
  const errors = r.rounds.flatMap((x) =>
    x.viewerErrors.map((e) => `${x.viewers} viewers: ${e}`)
  );
  if (errors.length) {
    lines.push(`- viewer errors: ${errors.slice(0, 5).join("; ")}`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------- viewers

interface Viewer {
  frames: number;
  bytes: number;
  error: string | null;
  /** True once the reading loop has ended. */
  done: boolean;
  close(): Promise<void>;
}

/**
 * One browser-like viewer: reads the MJPEG stream and counts frames.
 *
 * The Response is kept referenced on purpose: with Deno 2.9, aborting a
 * fetch whose Response object was garbage-collected (only its body stream is
 * still being read) does nothing — the connection stays open and frames keep
 * coming. The bench hit this at 50 viewers after a few seconds; see README
 * "Issues found". Holding `res` makes `abort()` close the connection.
 */
function openViewer(url: string, headers: HeadersInit): Viewer {
  const ac = new AbortController();
  let res: Response | null = null;
  const v: Viewer = {
    frames: 0,
    bytes: 0,
    error: null,
    done: false,
    close: async () => {
      ac.abort();
      await reading;
      res = null;
    },
  };
  const reading = (async () => {
    try {
      res = await fetch(url, { headers, signal: ac.signal });
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => "");
        throw new Error(`stream answered ${res.status}: ${text.slice(0, 200)}`);
      }
      for await (const jpeg of readMjpeg(res.body)) {
        v.frames++;
        v.bytes += jpeg.byteLength;
      }
      if (!ac.signal.aborted) v.error = "stream ended";
    } catch (e) {
      if (!ac.signal.aborted) {
        v.error = e instanceof Error ? e.message : String(e);
      }
    } finally {
      v.done = true;
    }
  })();
  return v;
}

/** Closes every viewer; throws when one is still reading 10 s later. */
async function closeViewers(viewers: Viewer[]): Promise<void> {
  for (const v of viewers) void v.close();
  if (!(await eventuallyOrNot(() => viewers.every((v) => v.done), 10_000))) {
    const open = viewers.filter((v) => !v.done).length;
    throw new Error(
      `${open} of ${viewers.length} viewers did not close within 10 s`,
    );
  }
}

// ---------------------------------------------------------- falcon up

export interface UpProcess {
  pid: number;
  child: Deno.ChildProcess;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Everything printed so far (last 20 000 characters). */
  output(): string;
  tail(): string;
}

/** `deno run -A main.ts up --port P --data-dir D`, output drained into a tail. */
export function spawnUp(port: number, dataDir: string): UpProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      MAIN,
      "up",
      "--port",
      String(port),
      "--data-dir",
      dataDir,
    ],
    cwd: ROOT.pathname,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const listeners = new Set<() => void>();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of stream) {
        out = (out + dec.decode(chunk, { stream: true })).slice(-20_000);
        for (const l of listeners) l();
      }
    } catch { /* process gone */ }
  };
  void drain(child.stdout);
  void drain(child.stderr);
  return {
    pid: child.pid,
    child,
    output: () => out,
    tail: () => out.slice(-4000),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `falcon up did not print ${pattern} within ${timeoutMs} ms:\n${
                out.slice(-4000)
              }`,
            ),
          );
        }, timeoutMs);
        child.status.then((s) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `falcon up exited with ${s.code}:\n${out.slice(-4000)}`,
              ),
            );
          }
        });
        listeners.add(check);
        check();
      });
    },
  };
}

/** SIGINT like Ctrl-C, wait for exit (SIGKILL the tree after 20 s), check leftovers. */
async function stopUp(
  up: UpProcess,
  rtspUrl: string,
): Promise<FanoutResult["shutdown"]> {
  const tree = descendantPids(up.pid);
  const ffmpegAtSigint = countFfmpeg(rtspUrl);
  const started = performance.now();
  try {
    up.child.kill("SIGINT");
  } catch { /* already gone */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killed = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), 20_000);
  });
  const status = await Promise.race([up.child.status, killed]);
  clearTimeout(timer);
  const secs = round2((performance.now() - started) / 1000);
  if (!status) {
    for (const pid of descendantPids(up.pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await up.child.status;
  }
  // Give the kernel a moment to reap the grandchildren.
  await waitUntil(() => countFfmpeg(rtspUrl) === 0, 3000).catch(() => {});
  const ffmpegLeft = countFfmpeg(rtspUrl);
  const processesLeft = tree.filter((pid) => pid !== up.pid && alive(pid))
    .length;
  for (const pid of tree) {
    if (pid !== up.pid && alive(pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
  }
  const exitCode = status?.code ?? null;
  return {
    ffmpegAtSigint,
    exitCode,
    seconds: secs,
    ffmpegLeft,
    processesLeft,
    clean: exitCode === 0 && ffmpegLeft === 0 && processesLeft === 0,
  };
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

// ------------------------------------------------------ /proc sampling

interface ThreadSample {
  comm: string;
  ticks: number;
}

interface ProcSample {
  pid: number;
  role: string;
  ticks: number;
  threads: Map<number, ThreadSample>;
}

/** CPU ticks per process of the `up` tree, plus the excluded bench and RTSP server. */
function snapshotCpu(upPid: number, rtspPid: number): Map<number, ProcSample> {
  const out = new Map<number, ProcSample>();
  for (const pid of descendantPids(upPid)) {
    const role = roleOf(pid, upPid);
    const s = sampleProcess(pid, role);
    if (s) out.set(pid, s);
  }
  for (
    const [pid, role] of [
      [Deno.pid, "(bench viewers)"],
      [rtspPid, "(rtsp server)"],
    ] as const
  ) {
    const s = sampleProcess(pid, role);
    if (s) out.set(pid, s);
  }
  return out;
}

function roleOf(pid: number, upPid: number): string {
  if (pid === upPid) return "controller (up)";
  const argv = cmdline(pid);
  const exe = argv[0]?.slice(argv[0].lastIndexOf("/") + 1) ?? "";
  if (exe === "ffmpeg") return "ffmpeg";
  if (argv.includes("node-agent")) return "node agent";
  return `other (${exe || pid})`;
}

/** utime+stime of a process and of each of its threads, in ticks. */
function sampleProcess(pid: number, role: string): ProcSample | null {
  const total = statTicks(`/proc/${pid}/stat`);
  if (!total) return null;
  const threads = new Map<number, ThreadSample>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
      const t = statTicks(`/proc/${pid}/task/${e.name}/stat`);
      if (t) threads.set(Number(e.name), t);
    }
  } catch { /* exited */ }
  return { pid, role, ticks: total.ticks, threads };
}

function statTicks(path: string): ThreadSample | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return null;
  }
  const comm = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { comm, ticks: Number(rest[11]) + Number(rest[12]) };
}

/** CPU s/min per role between two snapshots (processes alive in both). */
function breakdownOf(
  before: Map<number, ProcSample>,
  after: Map<number, ProcSample>,
  window: number,
): Breakdown {
  const out: Breakdown = {};
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const ticks = a.ticks - (b?.ticks ?? 0);
    out[a.role] = (out[a.role] ?? 0) + ticks;
  }
  for (const k of Object.keys(out)) {
    out[k] = round2(out[k] / CLK_TCK / window * 60);
  }
  return out;
}

/** The five busiest threads of the system under test over the window. */
function hotThreads(
  before: Map<number, ProcSample>,
  after: Map<number, ProcSample>,
  window: number,
): RoundResult["hotThreads"] {
  const rows: RoundResult["hotThreads"] = [];
  for (const [pid, a] of after) {
    if (a.role.startsWith("(")) continue;
    const b = before.get(pid);
    for (const [tid, t] of a.threads) {
      const ticks = t.ticks - (b?.threads.get(tid)?.ticks ?? 0);
      if (ticks <= 0) continue;
      rows.push({
        process: a.role,
        thread: t.comm,
        cpuPerMinute: round2(ticks / CLK_TCK / window * 60),
      });
    }
  }
  return rows.sort((x, y) => y.cpuPerMinute - x.cpuPerMinute).slice(0, 5);
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(
          Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`),
        );
        if (m) out.add(m[1]);
      } catch { /* fd closed meanwhile */ }
    }
  } catch { /* process gone */ }
  return out;
}

interface TcpEntry {
  localPort: number;
  remotePort: number;
  state: string;
  inode: string;
}

function tcpTable(): TcpEntry[] {
  const rows: TcpEntry[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = Deno.readTextFileSync(file);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      rows.push({
        localPort: parseInt(f[1].split(":")[1], 16),
        remotePort: parseInt(f[2].split(":")[1], 16),
        state: f[3],
        inode: f[9],
      });
    }
  }
  return rows;
}

/**
 * Open TCP connections from the controller (`up` process) to the node
 * agent's HTTP port: the camera's upstream stream connections. The design
 * says one per watched camera, whatever the number of viewers.
 */
function upstreamConnections(upPid: number): number {
  const agent = descendantPids(upPid).find((pid) =>
    cmdline(pid).includes("node-agent")
  );
  if (!agent) return 0;
  const table = tcpTable();
  const agentSockets = socketInodes(agent);
  const listening = new Set(
    table.filter((t) => t.state === "0A" && agentSockets.has(t.inode))
      .map((t) => t.localPort),
  );
  const mine = socketInodes(upPid);
  return table.filter((t) =>
    t.state === "01" && mine.has(t.inode) && listening.has(t.remotePort)
  ).length;
}

/** Pids of ffmpeg processes in the `up` tree reading `url`. */
function ffmpegPidsOf(upPid: number, url: string): number[] {
  return descendantPids(upPid).filter((pid) => {
    const argv = cmdline(pid);
    return argv[0]?.endsWith("ffmpeg") && argv.join(" ").includes(url);
  });
}

// ------------------------------------------------------------ helpers

/** HTTP access to the controller's API, signed in when it has accounts. */
export interface Api {
  /** How the bench authenticates, for the log. */
  how: string;
  /** Headers every request sends (session cookie), also used by the viewers. */
  headers: Record<string, string>;
  // deno-lint-ignore no-explicit-any
  json(method: string, path: string, body?: unknown): Promise<any>;
}

/**
 * Signs in like a first-time user: when the controller asks for first-run
 * setup, creates the admin account with the one-time token `falcon up`
 * printed, and uses the session cookie (+ CSRF token for writes). Without
 * accounts (older builds) the API is open and nothing is sent.
 */
export async function signIn(base: string, output: string): Promise<Api> {
  const headers: Record<string, string> = {};
  let csrf = "";
  let how = "open API";
  const status = await fetch(`${base}/api/auth/status`);
  if (status.ok) {
    const s = await status.json();
    if (s.setup_required) {
      const token = /\/setup\?token=([\w-]+)/.exec(output)?.[1];
      if (!token) throw new Error("falcon up printed no setup link");
      const password = crypto.randomUUID();
      const res = await fetch(`${base}/api/auth/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, username: "bench", password }),
      });
      if (!res.ok) {
        throw new Error(
          `POST /api/auth/setup answered ${res.status}: ${await res.text()}`,
        );
      }
      const out = await res.json();
      const cookie = res.headers.get("set-cookie")?.split(";")[0];
      if (!cookie) throw new Error("setup answered without a session cookie");
      headers.cookie = cookie;
      csrf = out.csrf_token ?? "";
      how = "signed in as the first-run admin";
    } else {
      throw new Error(
        "the controller already has accounts; bench needs a fresh data dir",
      );
    }
  } else {
    await status.body?.cancel();
  }
  return {
    how,
    headers,
    async json(method, path, body) {
      const h: Record<string, string> = { ...headers };
      if (method !== "GET" && csrf) h["x-csrf-token"] = csrf;
      if (body !== undefined) h["content-type"] = "application/json";
      const res = await fetch(`${base}${path}`, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) {
        throw new Error(
          `${method} ${path} answered ${res.status}: ${
            (await res.text()).slice(0, 300)
          }`,
        );
      }
      return await res.json();
    },
  };
}

export async function waitHttp(url: string, timeoutMs: number): Promise<void> {
  await eventually(
    async () => {
      try {
        const res = await fetch(url);
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    },
    timeoutMs,
    `${url} to answer`,
  );
}

/** Polls every 100 ms (fan-out timings are read off these waits). */
const eventually = (
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
) => until(predicate, timeoutMs, what, 100);

/** Like `eventually`, but resolves false instead of throwing on timeout. */
async function eventuallyOrNot(
  predicate: () => boolean,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Parses `--seconds N`, `--warmup N`, `--viewers 1,10,50`, `--no-write`. */
export function parseFanoutArgs(
  args: string[],
  { lenient = false }: ParseOptions = {},
): FanoutOptions {
  const opts: FanoutOptions = {};
  const usage =
    "--seconds N, --warmup N, --viewers 1,10,50, --pattern ball|smpte|snow, --no-write";
  eachFlag(args, usage, (flag, value) => {
    switch (flag) {
      case "--seconds":
        opts.seconds = positive(flag, value());
        break;
      case "--warmup":
        opts.warmup = Number(value());
        break;
      case "--viewers":
        opts.viewers = value().split(",").map((v) => positive(flag, v));
        break;
      case "--pattern":
        opts.pattern = pattern(flag, value());
        break;
      case "--no-write":
        opts.resultsPath = null;
        break;
      default:
        return false;
    }
    return true;
  }, lenient);
  return opts;
}

if (import.meta.main) {
  const result = await runFanout(parseFanoutArgs(Deno.args));
  console.log(result.markdown);
  Deno.exit(result.pass ? 0 : 1);
}
