/**
 * Dashboard benchmark: how heavy and how fast is the camera grid with 16
 * cameras, as a browser sees it?
 *
 * Setup, like a user: `deno run -A main.ts up` as a child process (controller
 * with embedded PGlite, its node agent, one ffmpeg per watched camera), signed
 * in as the first-run admin; the default demo camera is replaced by 16 demo
 * cameras (`protocol: demo`, ffmpeg's `testsrc2` encoded to MJPEG on the
 * node, 640x480 @ 10 fps by default). Demo cameras take the same path as RTSP
 * ones (ffmpeg → node relay → controller hub → the grid's one multiplexed
 * stream) without an RTSP server and 16 H.264 decoders competing for the 2
 * cores; what they leave out is an RTSP camera's connect and wait for a
 * keyframe.
 *
 * Measured:
 *  (a) JavaScript of the grid's first load: every script response headless
 *      Chromium fetched with an empty cache, its bytes on the wire, and
 *      gzip-compressed (CompressionStream, as a gzip-serving proxy would);
 *  (b) server time of `GET /` with 16 cameras: the `Server-Timing` total the
 *      dashboard sets (session lookup + the route's data + SSR), over
 *      `--requests` sequential requests after a warm-up, plus the wall time
 *      the client saw on loopback;
 *  (c) time from navigation start to the first frame drawn in a tile and to
 *      every tile having one: `performance.mark`s the grid island sets
 *      (`falcon:first-frame`, `falcon:all-frames`). "Cold": no relay running
 *      (the node agent starts 16 ffmpeg); "warm": the relays still run from
 *      the previous page (reload within the idle grace).
 *
 * Writes bench/results/dashboard.json and, with `--screenshot PATH`
 * (default docs/images/grid.png), a PNG of the 16-camera grid.
 *
 * Run: `deno run -A bench/dashboard.ts [--cameras 16] [--requests 60]
 *   [--cold 2] [--warm 5] [--size 640x480] [--fps 10] [--screenshot PATH|none]`
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../tests/e2e/browser/harness.ts";
import { delay, freePort } from "../tests/support/ports.ts";
import { descendantPids } from "../tests/support/processes.ts";
import { type Api, signIn, spawnUp, waitHttp } from "./fanout.ts";
import {
  eachFlag,
  loadAverage,
  machineFacts,
  type ParseOptions,
  positive,
  sum,
  until,
} from "./support.ts";

const ROOT = new URL("../", import.meta.url);
const RESULTS = new URL("bench/results/dashboard.json", ROOT).pathname;
const SCREENSHOT = new URL("docs/images/grid.png", ROOT).pathname;
const FIRST_FRAME_MARK = "falcon:first-frame";
const ALL_FRAMES_MARK = "falcon:all-frames";
const STREAM_OPEN_MARK = "falcon:stream-open";
const STREAM_FIRST_PART_MARK = "falcon:stream-first-part";

/** Camera names for the grid (and the README's screenshot). */
const NAMES = [
  "Front door",
  "Driveway",
  "Garage",
  "Back yard",
  "Porch",
  "Side gate",
  "Garden",
  "Workshop",
  "Hallway",
  "Kitchen",
  "Barn",
  "Parking",
  "Lobby",
  "Shed",
  "Pool",
  "Roof",
];

/** Targets from the issue. */
export const TARGETS = {
  /** JavaScript of the grid's first load, gzip, KiB. */
  jsGzipKiB: 60,
  /** Server render of `/` (Server-Timing total), p95, ms. */
  renderP95Ms: 50,
  /** Navigation start → first frame drawn / every tile drawn, ms. */
  firstFrameMs: 1000,
};

export interface DashboardOptions {
  /** @default 16 */
  cameras?: number;
  /** Timed requests of `/`. @default 60 */
  requests?: number;
  /** Page loads with no relay running (each waits for the relays to stop). @default 2 */
  cold?: number;
  /** Page loads right after another one (relays running). @default 5 */
  warm?: number;
  /** @default "640x480" */
  size?: string;
  /** @default 10 */
  fps?: number;
  /** Where to write the grid's PNG; null to skip. */
  screenshotPath?: string | null;
  /** Where to write the JSON results; null to skip. */
  resultsPath?: string | null;
  /** @default true */
  verbose?: boolean;
}

export interface ScriptFetch {
  url: string;
  status: number;
  encoding: string | null;
  /** Body bytes after decoding. */
  bytes: number;
  /** Body bytes on the wire, as the browser fetched it. */
  transferred: number;
  /** Body bytes gzip-compressed here (CompressionStream). */
  gzip: number;
}

export interface PageLoad {
  kind: "cold" | "warm";
  /** Navigation start → response start of the document, ms. */
  ttfbMs: number;
  domContentLoadedMs: number;
  /** Navigation start → the grid opens its stream (hydrated) / its first frame arrives, ms. */
  streamOpenMs: number | null;
  firstPartMs: number | null;
  firstFrameMs: number | null;
  allFramesMs: number | null;
  /** Tiles on the page. */
  tiles: number;
}

export interface DashboardResult {
  name: "dashboard";
  date: string;
  machine: { nproc: number; kernel: string; deno: string; cpu: string };
  loadAverage: { start: number; end: number };
  settings: {
    cameras: number;
    source: string;
    requests: number;
    cold: number;
    warm: number;
  };
  scripts: ScriptFetch[];
  js: { files: number; bytes: number; transferred: number; gzip: number };
  render: {
    serverMs: Stats;
    serverParts: Record<string, Stats>;
    clientMs: Stats;
    htmlBytes: number;
  };
  loads: PageLoad[];
  targets: {
    js: { limitKiB: number; measuredKiB: number; pass: boolean };
    render: { limitMs: number; p50Ms: number; p95Ms: number; pass: boolean };
    firstFrameCold: Target;
    allFramesCold: Target;
    firstFrameWarm: Target;
    allFramesWarm: Target;
  };
  screenshot: { path: string; bytes: number } | null;
  pass: boolean;
  markdown: string;
}

interface Stats {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

interface Target {
  limitMs: number;
  /** Worst load of that kind (null: never reached). */
  worstMs: number | null;
  medianMs: number | null;
  pass: boolean;
}

export async function runDashboard(
  opts: DashboardOptions = {},
): Promise<DashboardResult> {
  const cameras = opts.cameras ?? 16;
  const requests = opts.requests ?? 60;
  const cold = opts.cold ?? 2;
  const warm = opts.warm ?? 5;
  const size = opts.size ?? "640x480";
  const fps = opts.fps ?? 10;
  const verbose = opts.verbose ?? true;
  const say = (msg: string) => {
    if (verbose) console.error(`[dashboard] ${msg}`);
  };
  const machine = await machineFacts();
  const loadStart = loadAverage();
  say(
    `machine: ${machine.nproc} CPUs, load ${loadStart}, deno ${machine.deno}`,
  );

  const dataDir = await Deno.makeTempDir({ prefix: "falcon-bench-dash-" });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const up = spawnUp(port, dataDir);
  say(`falcon up: pid ${up.pid}, ${base}`);
  let browser: Browser | null = null;
  try {
    await up.waitFor(/Falcon-Eye is running/, 60_000);
    await waitHttp(`${base}/healthz`, 30_000);
    const api = await signIn(base, up.output());
    await until(
      async () => {
        const { nodes } = await api.json("GET", "/api/nodes");
        return nodes.some((n: { status: string }) => n.status === "online");
      },
      30_000,
      "a node online",
    );
    for (const cam of (await api.json("GET", "/api/cameras")).cameras) {
      await api.json("DELETE", `/api/cameras/${cam.id}`);
    }
    for (let i = 1; i <= cameras; i++) {
      await api.json("POST", "/api/cameras", {
        name: NAMES[i - 1] ?? `Camera ${i}`,
        location: "Demo",
        protocol: "demo",
        resolution: size,
        framerate: fps,
      });
    }
    await until(
      async () => {
        const list = (await api.json("GET", "/api/cameras")).cameras;
        return list.length === cameras &&
          list.every((c: { status: string }) => c.status === "online");
      },
      30_000,
      `${cameras} cameras online`,
    );
    say(`${cameras} demo cameras (${size} @ ${fps} fps) online`);

    // (b) Server render time of the grid page.
    const render = await timeRenders(base, api, requests);
    say(
      `GET / server p50 ${render.serverMs.p50} ms, p95 ${render.serverMs.p95} ms`,
    );

    // (a) + (c) in Chromium.
    browser = await launchChromium();
    const cookie = parseCookie(api.headers.cookie ?? "", base);
    const loads: PageLoad[] = [];
    let scripts: ScriptFetch[] = [];
    for (let i = 0; i < cold; i++) {
      await relaysStopped(api, 40_000);
      const { load, fetched } = await loadGrid(browser, base, cookie, "cold");
      loads.push(load);
      if (i === 0) scripts = fetched;
      say(`cold load: ${JSON.stringify(load)}`);
    }
    // Each warm load comes right after the previous one closed, well within
    // the relays' idle graces (controller 5 s, node agent 10 s).
    for (let i = 0; i < warm; i++) {
      const { load, fetched } = await loadGrid(browser, base, cookie, "warm");
      if (scripts.length === 0) scripts = fetched;
      loads.push(load);
      say(`warm load: ${JSON.stringify(load)}`);
    }

    let shot: DashboardResult["screenshot"] = null;
    if (opts.screenshotPath !== null) {
      const path = opts.screenshotPath ?? SCREENSHOT;
      const bytes = await gridScreenshot(browser, base, cookie, path);
      shot = { path, bytes };
      say(`screenshot ${path}: ${(bytes / 1024).toFixed(0)} KiB`);
    }

    const js = {
      files: scripts.length,
      bytes: sum(scripts.map((s) => s.bytes)),
      transferred: sum(scripts.map((s) => s.transferred)),
      gzip: sum(scripts.map((s) => s.gzip)),
    };
    const frameTarget = (
      kind: "cold" | "warm",
      pick: (l: PageLoad) => number | null,
    ): Target => {
      const xs = loads.filter((l) => l.kind === kind).map(pick);
      const ok = xs.filter((x): x is number => x !== null).sort((a, b) =>
        a - b
      );
      const worst = ok.length === xs.length && ok.length > 0
        ? ok.at(-1)!
        : null;
      return {
        limitMs: TARGETS.firstFrameMs,
        worstMs: worst,
        medianMs: ok.length ? round1(quantile(ok, 0.5)) : null,
        pass: worst !== null && worst <= TARGETS.firstFrameMs,
      };
    };
    const targets: DashboardResult["targets"] = {
      js: {
        limitKiB: TARGETS.jsGzipKiB,
        measuredKiB: round1(js.gzip / 1024),
        pass: js.gzip / 1024 <= TARGETS.jsGzipKiB,
      },
      render: {
        limitMs: TARGETS.renderP95Ms,
        p50Ms: render.serverMs.p50,
        p95Ms: render.serverMs.p95,
        pass: render.serverMs.p95 <= TARGETS.renderP95Ms,
      },
      firstFrameCold: frameTarget("cold", (l) => l.firstFrameMs),
      allFramesCold: frameTarget("cold", (l) => l.allFramesMs),
      firstFrameWarm: frameTarget("warm", (l) => l.firstFrameMs),
      allFramesWarm: frameTarget("warm", (l) => l.allFramesMs),
    };
    const result: DashboardResult = {
      name: "dashboard",
      date: new Date().toISOString(),
      machine,
      loadAverage: { start: loadStart, end: loadAverage() },
      settings: {
        cameras,
        source: `demo ${size} @ ${fps} fps`,
        requests,
        cold,
        warm,
      },
      scripts,
      js,
      render,
      loads,
      targets,
      screenshot: shot,
      pass: Object.values(targets).every((t) => t.pass),
      markdown: "",
    };
    result.markdown = dashboardMarkdown(result);
    if (opts.resultsPath !== null) {
      const path = opts.resultsPath ?? RESULTS;
      await Deno.writeTextFile(path, JSON.stringify(result, null, 2) + "\n");
      say(`results in ${path}`);
    }
    return result;
  } finally {
    await browser?.close().catch(() => {});
    await stopUp(up.child, up.pid);
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/** Sequential `GET /` with the session cookie: Server-Timing parts and client wall time. */
async function timeRenders(
  base: string,
  api: Api,
  requests: number,
): Promise<DashboardResult["render"]> {
  const get = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/`, { headers: api.headers });
    const html = await res.text();
    const wall = performance.now() - t0;
    if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
    const timing = res.headers.get("server-timing");
    if (!timing) throw new Error("GET / sent no Server-Timing header");
    return { wall, parts: parseServerTiming(timing), bytes: html.length };
  };
  for (let i = 0; i < 10; i++) await get(); // JIT, caches, connections
  const samples = [];
  for (let i = 0; i < requests; i++) samples.push(await get());
  const names = Object.keys(samples[0].parts);
  const serverParts: Record<string, Stats> = {};
  for (const n of names) serverParts[n] = stats(samples.map((s) => s.parts[n]));
  return {
    serverMs: serverParts.total,
    serverParts,
    clientMs: stats(samples.map((s) => s.wall)),
    htmlBytes: samples[0].bytes,
  };
}

/** `auth;dur=0.4, total;dur=3.1` → `{auth: 0.4, total: 3.1}`. */
export function parseServerTiming(header: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith("dur="));
    if (name && dur) out[name] = Number(dur.slice(4));
  }
  return out;
}

interface Cookie {
  name: string;
  value: string;
  url: string;
}

function parseCookie(header: string, url: string): Cookie {
  const i = header.indexOf("=");
  if (i <= 0) throw new Error("signed in without a session cookie");
  return { name: header.slice(0, i), value: header.slice(i + 1), url };
}

/**
 * One page load of `/` in a fresh context (empty cache): the script
 * responses, navigation timing and the grid's frame marks.
 */
async function loadGrid(
  browser: Browser,
  base: string,
  cookie: Cookie,
  kind: "cold" | "warm",
): Promise<{ load: PageLoad; fetched: ScriptFetch[] }> {
  const ctx = await browser.newContext({
    viewport: { width: 1280, height: 900 },
  });
  try {
    await ctx.addCookies([cookie]);
    const page = await ctx.newPage();
    const pending: Promise<ScriptFetch>[] = [];
    page.on("response", (r) => {
      if (r.request().resourceType() !== "script") return;
      pending.push((async () => {
        const body = await r.body();
        const sizes = await r.request().sizes();
        return {
          url: new URL(r.url()).pathname,
          status: r.status(),
          encoding: r.headers()["content-encoding"] ?? null,
          bytes: body.byteLength,
          transferred: sizes.responseBodySize,
          gzip: await gzipSize(body),
        };
      })());
    });
    const res = await page.goto(`${base}/`);
    if (res?.status() !== 200) throw new Error(`/ answered ${res?.status()}`);
    const tiles = await page.locator("li.tile").count();
    await page.waitForFunction(
      (name) => performance.getEntriesByName(name).length > 0,
      ALL_FRAMES_MARK,
      { timeout: 30_000 },
    ).catch(() => {});
    const t = await marks(page);
    const fetched = await Promise.all(pending);
    return {
      load: { kind, tiles, ...t },
      fetched: fetched.sort((a, b) => a.url.localeCompare(b.url)),
    };
  } finally {
    await ctx.close();
  }
}

function marks(page: Page) {
  return page.evaluate(([first, all, open, part]) => {
    const nav = performance.getEntriesByType(
      "navigation",
    )[0] as PerformanceNavigationTiming;
    const at = (name: string) => {
      const e = performance.getEntriesByName(name)[0];
      return e ? Math.round(e.startTime) : null;
    };
    return {
      ttfbMs: Math.round(nav.responseStart),
      domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
      streamOpenMs: at(open),
      firstPartMs: at(part),
      firstFrameMs: at(first),
      allFramesMs: at(all),
    };
  }, [
    FIRST_FRAME_MARK,
    ALL_FRAMES_MARK,
    STREAM_OPEN_MARK,
    STREAM_FIRST_PART_MARK,
  ]);
}

/** The grid's PNG for the README: the header and 16 tiles, 4×4. */
async function gridScreenshot(
  browser: Browser,
  base: string,
  cookie: Cookie,
  path: string,
): Promise<number> {
  const ctx = await browser.newContext({
    viewport: { width: 1100, height: 800 },
    colorScheme: "light",
  });
  try {
    await ctx.addCookies([cookie]);
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.waitForFunction(
      (name) => performance.getEntriesByName(name).length > 0,
      ALL_FRAMES_MARK,
      { timeout: 30_000 },
    );
    await page.getByRole("button", { name: "4×4" }).click();
    await delay(1500); // a few more frames in every tile
    const box = await page.locator("section[aria-labelledby=cameras-h]")
      .boundingBox();
    if (!box) throw new Error("no camera grid on the page");
    await Deno.mkdir(new URL(".", `file://${path}`).pathname, {
      recursive: true,
    });
    await page.screenshot({
      path,
      fullPage: true,
      animations: "disabled",
      clip: { x: 0, y: 0, width: 1100, height: Math.ceil(box.y + box.height) },
    });
    return (await Deno.stat(path)).size;
  } finally {
    await ctx.close();
  }
}

/** Waits until the node reports no relay running (so the next load starts ffmpeg). */
async function relaysStopped(api: Api, timeoutMs: number): Promise<void> {
  await until(
    async () => {
      const { nodes } = await api.json("GET", "/api/nodes");
      return nodes.every((
        n: { info?: { camera_runtime?: { state: string }[] } },
      ) => (n.info?.camera_runtime ?? []).every((c) => c.state === "idle"));
    },
    timeoutMs,
    "every relay idle",
  );
}

async function gzipSize(body: Uint8Array): Promise<number> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** SIGINT like Ctrl-C; SIGKILL whatever is left after 20 s. */
async function stopUp(child: Deno.ChildProcess, pid: number): Promise<void> {
  const tree = descendantPids(pid);
  try {
    child.kill("SIGINT");
  } catch { /* gone */ }
  const exited = await Promise.race([
    child.status.then(() => true),
    delay(20_000).then(() => false),
  ]);
  for (const p of exited ? tree : [pid, ...tree]) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch { /* gone */ }
  }
  await child.status;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round1(quantile(s, 0.5)),
    p95: round1(quantile(s, 0.95)),
    max: round1(s.at(-1) ?? 0),
  };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function dashboardMarkdown(r: DashboardResult): string {
  const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const ms = (x: number | null) => x === null ? "never" : `${x} ms`;
  const pf = (p: boolean) => p ? "PASS" : "FAIL";
  const t = r.targets;
  const lines = [
    `### Dashboard: the camera grid with ${r.settings.cameras} cameras (${r.settings.source})`,
    "",
    `Machine: ${r.machine.nproc} CPUs (${r.machine.cpu}), kernel ${r.machine.kernel}, ` +
    `deno ${r.machine.deno}; load average ${r.loadAverage.start} → ${r.loadAverage.end}; ${r.date}`,
    "",
    "| measure | measured | target | result |",
    "|---|---:|---:|---|",
    `| JavaScript, first load (${r.js.files} files, gzip) | ${
      kib(r.js.gzip)
    } | ≤ ${t.js.limitKiB} KiB | ${pf(t.js.pass)} |`,
    `| server time of \`/\` (Server-Timing total), p50 / p95 of ${r.render.serverMs.n} | ${t.render.p50Ms} / ${t.render.p95Ms} ms | p95 ≤ ${t.render.limitMs} ms | ${
      pf(t.render.pass)
    } |`,
    `| first frame, cold relays (worst of ${r.settings.cold}) | ${
      ms(t.firstFrameCold.worstMs)
    } | ≤ ${t.firstFrameCold.limitMs} ms | ${pf(t.firstFrameCold.pass)} |`,
    `| all ${r.settings.cameras} tiles, cold relays (worst of ${r.settings.cold}) | ${
      ms(t.allFramesCold.worstMs)
    } | ≤ ${t.allFramesCold.limitMs} ms | ${pf(t.allFramesCold.pass)} |`,
    `| first frame, warm relays (worst of ${r.settings.warm}) | ${
      ms(t.firstFrameWarm.worstMs)
    } | ≤ ${t.firstFrameWarm.limitMs} ms | ${pf(t.firstFrameWarm.pass)} |`,
    `| all ${r.settings.cameras} tiles, warm relays (worst of ${r.settings.warm}) | ${
      ms(t.allFramesWarm.worstMs)
    } | ≤ ${t.allFramesWarm.limitMs} ms | ${pf(t.allFramesWarm.pass)} |`,
    "",
    `JavaScript as fetched: ${kib(r.js.bytes)} decoded, ${
      kib(r.js.transferred)
    } on the wire (${
      [...new Set(r.scripts.map((s) => s.encoding ?? "identity"))].join(", ")
    }), ${kib(r.js.gzip)} gzip:`,
    "",
    "| script | bytes | on the wire | gzip |",
    "|---|---:|---:|---:|",
    ...r.scripts.map((s) =>
      `| \`${s.url}\` | ${s.bytes} | ${s.transferred} | ${s.gzip} |`
    ),
    "",
    `Server time of \`/\` by part (ms, p50 / p95): ${
      Object.entries(r.render.serverParts).map(([n, s]) =>
        `${n} ${s.p50} / ${s.p95}`
      ).join(", ")
    }; client wall time on loopback ${r.render.clientMs.p50} / ${r.render.clientMs.p95}; HTML ${
      kib(r.render.htmlBytes)
    }.`,
    "",
    "Page loads, ms after navigation start:",
    "",
    "| load | document TTFB | DOMContentLoaded | stream opened | first frame received | first frame drawn | all tiles drawn |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...r.loads.map((l) =>
      `| ${l.kind} | ${l.ttfbMs} | ${l.domContentLoadedMs} | ${
        l.streamOpenMs ?? "—"
      } | ${l.firstPartMs ?? "—"} | ${l.firstFrameMs ?? "never"} | ${
        l.allFramesMs ?? "never"
      } |`
    ),
  ];
  if (r.screenshot) {
    lines.push(
      "",
      `Screenshot: ${r.screenshot.path} (${kib(r.screenshot.bytes)}).`,
    );
  }
  return lines.join("\n");
}

/** Parses `--cameras N --requests N --cold N --warm N --size WxH --fps N --screenshot PATH|none --no-write`. */
export function parseDashboardArgs(
  args: string[],
  { lenient = false }: ParseOptions = {},
): DashboardOptions {
  const opts: DashboardOptions = {};
  const usage =
    "--cameras N, --requests N, --cold N, --warm N, --size WxH, --fps N, --screenshot PATH|none, --no-write";
  eachFlag(args, usage, (flag, value) => {
    switch (flag) {
      case "--cameras":
        opts.cameras = positive(flag, value());
        break;
      case "--requests":
        opts.requests = positive(flag, value());
        break;
      case "--cold":
        opts.cold = Number(value());
        break;
      case "--warm":
        opts.warm = Number(value());
        break;
      case "--size": {
        const v = value();
        if (!/^\d+x\d+$/.test(v)) throw new Error(`--size needs WxH, got ${v}`);
        opts.size = v;
        break;
      }
      case "--fps":
        opts.fps = positive(flag, value());
        break;
      case "--screenshot": {
        const v = value();
        opts.screenshotPath = v === "none" ? null : v;
        break;
      }
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
  const result = await runDashboard(parseDashboardArgs(Deno.args));
  console.log(result.markdown);
  Deno.exit(result.pass ? 0 : 1);
}
