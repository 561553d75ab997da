/**
 * A Falcon-Eye stack for end-to-end tests: the controller in this process
 * (real PostgreSQL or PGlite) and node agents as real child processes
 * speaking the HTTP protocol, plus an SSE recorder.
 */
import { loadConfig } from "../../lib/config.ts";
import { configureLog } from "../../lib/log.ts";
import { controllerSettings } from "../../controller/config.ts";
import {
  type Controller,
  type ControllerOptions,
  startController,
} from "../../controller/mod.ts";
import type { AuthOptions } from "../../controller/auth/service.ts";
import {
  type DesiredState,
  type Heartbeat,
  PROTOCOL_VERSION,
} from "../../lib/protocol/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

export interface StackOptions {
  /**
   * `--allow-private-camera-targets` (issue 11 #8): the fake cameras of tests
   * listen on loopback, so the stack allows such targets unless a test asks
   * for the default (false).
   * @default true
   */
  allowPrivateCameraTargets?: boolean;
  databaseUrl?: string;
  web?: boolean;
  relayIdleGraceMs?: number;
  /** Recording segment length. @default 60 */
  segmentSeconds?: number;
  nodeOfflineAfterMs?: number;
  /** Keep controller logs (default: only errors). */
  verbose?: boolean;
  /** Session expiry and clock of the controller's AuthService. */
  auth?: AuthOptions;
  /**
   * Create the admin through the API (default true). With false the setup
   * link (`controller.setupUrl`) is left for the test to use, `adminToken` is
   * "" and `api()` sends no credentials unless given.
   */
  setupAdmin?: boolean;
  /** Further controller flags, e.g. `{ "trust-proxy": "true" }`. */
  flags?: Record<string, string>;
  /** `FALCON_METRICS_TOKEN` of the controller. */
  metricsToken?: string;
  /** More controller flags, e.g. `{"node-ca-file": path}`. */
  controllerFlags?: Record<string, string>;
  /** More options of startController (agent command, tool registry …). */
  controllerOptions?: ControllerOptions;
}

export interface Stack {
  controller: Controller;
  url: string;
  dataDir: string;
  /** A full-scope API token of the admin the stack set up. */
  adminToken: string;
  /** Headers that authenticate as that admin. */
  auth: Record<string, string>;
  /** Calls the API as the admin (or `anonymous: true` without credentials). */
  api(
    path: string,
    init?: RequestInit & { json?: unknown; anonymous?: boolean },
  ): Promise<Response>;
  startNodeAgent(
    name: string,
    opts?: {
      heartbeatMs?: number;
      /** Extra environment (e.g. FALCON_LOG_FORMAT), overriding the stack's. */
      env?: Record<string, string>;
      /** Pipe stdout to the test (`child.stdout`) instead of inheriting it. */
      pipeStdout?: boolean;
    },
  ): Promise<NodeAgentProcess>;
  events(): Promise<EventRecorder>;
  /**
   * Brings the controller back on the same port, database and data dir (so
   * node agents and `api()` reach it at the same URL, with the same join
   * token, node credentials and admin token). Closes the current one first if it is still running;
   * `stack.controller` then names the new one.
   */
  restartController(): Promise<Controller>;
  close(): Promise<void>;
}

export interface NodeAgentProcess {
  name: string;
  child: Deno.ChildProcess;
  kill(signal?: Deno.Signal): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  configureLog({ level: opts.verbose ? "info" : "error" });
  const dataDir = await Deno.makeTempDir({ prefix: "falcon-stack-" });
  const flags: Record<string, string> = {
    port: "0",
    host: "127.0.0.1",
    "data-dir": dataDir,
    "relay-idle-grace-ms": String(opts.relayIdleGraceMs ?? 2000),
    "segment-seconds": String(opts.segmentSeconds ?? 60),
    "node-offline-after-ms": String(opts.nodeOfflineAfterMs ?? 5000),
    "log-level": opts.verbose ? "info" : "error",
    ...opts.flags,
    "allow-private-camera-targets": String(
      opts.allowPrivateCameraTargets ?? true,
    ),
  };
  if (opts.databaseUrl) flags["database-url"] = opts.databaseUrl;
  if (opts.metricsToken) flags["metrics-token"] = opts.metricsToken;
  Object.assign(flags, opts.controllerFlags ?? {});
  const cfg = loadConfig(controllerSettings, flags, () => undefined);
  // close() may be called by a test and again by stack.close(): once is enough.
  const closeOnce = (c: Controller): Controller => {
    const close = c.close.bind(c);
    let closing: Promise<void> | null = null;
    c.close = () => (closing ??= close());
    return c;
  };
  let controller = closeOnce(
    await startController(cfg, {
      ...opts.controllerOptions,
      web: opts.web ?? false,
      auth: opts.auth,
    }),
  );
  const port = controller.port;
  const url = `http://127.0.0.1:${port}`;
  const adminToken = opts.setupAdmin === false
    ? ""
    : await setupAdmin(url, controller.setupUrl);
  const agents: NodeAgentProcess[] = [];
  const recorders: EventRecorder[] = [];

  return {
    get controller() {
      return controller;
    },
    url,
    dataDir,
    adminToken,
    auth: { authorization: `Bearer ${adminToken}` },
    api(path, init = {}) {
      const { json, anonymous, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set("content-type", "application/json");
      if (!anonymous && adminToken && !headers.has("authorization")) {
        headers.set("authorization", `Bearer ${adminToken}`);
      }
      return fetch(`${url}${path}`, {
        ...rest,
        headers,
        body: json !== undefined ? JSON.stringify(json) : rest.body,
      });
    },
    async startNodeAgent(name, o = {}) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          CONFIG,
          MAIN,
          "node-agent",
          "--port",
          "0",
          "--host",
          "127.0.0.1",
        ],
        env: {
          FALCON_NODE_NAME: name,
          FALCON_NODE_TOKEN: controller.joinToken,
          FALCON_CONTROLLER_URL: url,
          FALCON_DATA_DIR: dataDir,
          FALCON_HEARTBEAT_MS: String(o.heartbeatMs ?? 1000),
          FALCON_LOG_LEVEL: opts.verbose ? "info" : "warn",
          FALCON_PARENT_PID: String(Deno.pid),
          ...o.env,
        },
        stdin: "null",
        stdout: o.pipeStdout ? "piped" : "inherit",
        stderr: "inherit",
      }).spawn();
      const agent: NodeAgentProcess = {
        name,
        child,
        async kill(signal = "SIGTERM") {
          try {
            child.kill(signal);
          } catch { /* gone */ }
          await child.status;
        },
      };
      agents.push(agent);
      await eventually(
        async () => (await controller.nodes.find(name))?.status === "online",
        20000,
        `node ${name} online`,
      );
      return agent;
    },
    async events() {
      const rec = await recordEvents(url, adminToken);
      recorders.push(rec);
      return rec;
    },
    async restartController() {
      await controller.close();
      const again = loadConfig(
        controllerSettings,
        { ...flags, port: String(port) },
        () => undefined,
      );
      // The old listener is gone once close() returned; retry briefly anyway
      // in case the kernel has not released the port yet.
      const deadline = Date.now() + 5000;
      while (true) {
        try {
          controller = closeOnce(
            await startController(again, {
              ...opts.controllerOptions,
              web: opts.web ?? false,
              auth: opts.auth,
            }),
          );
          return controller;
        } catch (e) {
          if (!(e instanceof Deno.errors.AddrInUse) || Date.now() > deadline) {
            throw e;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async close() {
      for (const r of recorders) r.close();
      for (const a of agents) await a.kill("SIGTERM");
      await controller.close();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

export interface RecordedEvent {
  event: string;
  // deno-lint-ignore no-explicit-any
  data: any;
  at: number;
}

export interface EventRecorder {
  events: RecordedEvent[];
  /** Resolves with the first event (recorded so far or later) that matches. */
  waitFor(
    match: (e: RecordedEvent) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedEvent>;
  close(): void;
}

async function recordEvents(
  base: string,
  token: string,
): Promise<EventRecorder> {
  const ac = new AbortController();
  const res = await fetch(`${base}/api/events`, {
    signal: ac.signal,
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok || !res.body) {
    throw new Error(`GET /api/events answered ${res.status}`);
  }
  const events: RecordedEvent[] = [];
  const listeners = new Set<() => void>();
  (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (ev && data) {
            events.push({ event: ev, data: JSON.parse(data), at: Date.now() });
            for (const l of listeners) l();
          }
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    waitFor(match, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(
              `no matching event within ${timeoutMs} ms; saw ${
                JSON.stringify(events.slice(-5))
              }`,
            ),
          );
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => ac.abort(),
  };
}

/**
 * The heartbeat a node agent sends, for tests that stand in for a node
 * without running one: ffmpeg present, no cameras, no devices, and an
 * address nothing listens on unless `overrides` names one.
 */
export function nodeHeartbeat(
  node: string,
  overrides: Partial<Heartbeat> = {},
): Heartbeat {
  return {
    node,
    version: "test",
    protocol_version: PROTOCOL_VERSION,
    address: "http://127.0.0.1:9",
    started_at: new Date().toISOString(),
    ffmpeg: { available: true, version: "5.1", path: "ffmpeg" },
    usb_devices: [],
    disk: null,
    load: { cpu_percent: 0, memory_bytes: 0 },
    desired_etag: null,
    cameras: [],
    ...overrides,
  };
}

/** A node enrolled by a test (no agent process): what a node agent keeps. */
export interface TestNodeCredential {
  node: string;
  /** The node's own secret (node → controller). */
  secret: string;
  /** The pinned address. */
  address: string;
  /** The key the controller presents to the node (a fake node checks it). */
  apiKey: string;
  /** Node-protocol headers: the node's secret and a JSON body. */
  headers: Record<string, string>;
}

const enrolled = new WeakMap<Stack, Map<string, TestNodeCredential>>();
const credentialsOf = (stack: Stack) => {
  let m = enrolled.get(stack);
  if (!m) enrolled.set(stack, m = new Map());
  return m;
};

/** A random key of the form node agents use (URL-safe base64). */
export function randomNodeKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Enrols `node` with the join token the way a node agent does (no agent
 * process), at `address` (default: one nothing listens on) and with `apiKey`
 * (give a fake node's key so the controller's calls reach it). Later helpers
 * use the credential it returns. Throws unless the controller answers 201.
 */
export async function enrollNode(
  stack: Stack,
  node: string,
  opts: { address?: string; apiKey?: string } = {},
): Promise<TestNodeCredential> {
  const apiKey = opts.apiKey ?? randomNodeKey();
  const res = await fetch(`${stack.url}/internal/v1/nodes/${node}/enroll`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${stack.controller.joinToken}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      address: opts.address ?? "http://127.0.0.1:9",
      api_key: apiKey,
    }),
  });
  const text = await res.text();
  if (res.status !== 201) {
    throw new Error(`enrolment of ${node} answered ${res.status}: ${text}`);
  }
  const { secret, address } = JSON.parse(text);
  const cred: TestNodeCredential = {
    node,
    secret,
    address,
    apiKey,
    headers: {
      authorization: `Bearer ${secret}`,
      "content-type": "application/json",
    },
  };
  credentialsOf(stack).set(node, cred);
  return cred;
}

/** Headers for node-protocol calls of an enrolled `node`: its secret and a JSON body. */
export function nodeHeaders(
  stack: Stack,
  node: string,
): Record<string, string> {
  const cred = credentialsOf(stack).get(node);
  if (!cred) throw new Error(`node ${node} is not enrolled (enrollNode)`);
  return cred.headers;
}

/**
 * A node-protocol request as the node the path names
 * (`/internal/v1/nodes/{node}/…`), enrolling that node first when a test has
 * not: at the address of the heartbeat it sends, else `opts.address`, with
 * `opts.apiKey` (a fake node's key).
 */
export async function nodeRequest(
  stack: Stack,
  path: string,
  init: RequestInit & { json?: unknown } = {},
  opts: { address?: string; apiKey?: string } = {},
): Promise<Response> {
  const node = /^\/internal\/v1\/nodes\/([^/?]+)/.exec(path)?.[1];
  if (!node) throw new Error(`${path} is not a node-protocol path`);
  const { json, ...rest } = init;
  let cred = credentialsOf(stack).get(node);
  if (!cred) {
    const hbAddress = path.endsWith("/heartbeat")
      ? (json as { address?: string } | undefined)?.address
      : undefined;
    cred = await enrollNode(stack, node, {
      address: hbAddress ?? opts.address,
      apiKey: opts.apiKey,
    });
  }
  return fetch(`${stack.url}${path}`, {
    ...rest,
    headers: { ...cred.headers, ...(rest.headers as Record<string, string>) },
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
}

/**
 * Registers `node` with the stack's controller by enrolling it (once) and
 * posting one heartbeat (no agent process: for tests where nothing has to
 * run), or sends it again to bring an offline node back. Throws unless the
 * controller answers 200.
 * Returns the node-protocol headers and the desired state it answered with.
 */
export async function registerNode(
  stack: Stack,
  node: string,
  overrides: Partial<Heartbeat> = {},
): Promise<
  {
    headers: Record<string, string>;
    desired: DesiredState;
    credential: TestNodeCredential;
  }
> {
  const cred = credentialsOf(stack).get(node) ??
    await enrollNode(stack, node, { address: overrides.address });
  const headers = cred.headers;
  const res = await fetch(`${stack.url}/internal/v1/nodes/${node}/heartbeat`, {
    method: "POST",
    headers,
    body: JSON.stringify(
      nodeHeartbeat(node, { address: cred.address, ...overrides }),
    ),
  });
  const text = await res.text();
  if (res.status !== 200) {
    throw new Error(`heartbeat of ${node} answered ${res.status}: ${text}`);
  }
  return { headers, desired: JSON.parse(text), credential: cred };
}

/** The desired state of a registered node now, read as the node reads it. */
export async function desiredFor(
  stack: Stack,
  node: string,
): Promise<DesiredState> {
  const res = await fetch(`${stack.url}/internal/v1/nodes/${node}/desired`, {
    headers: nodeHeaders(stack, node),
  });
  const text = await res.text();
  if (res.status !== 200) {
    throw new Error(`desired of ${node} answered ${res.status}: ${text}`);
  }
  return JSON.parse(text);
}

/** Reads MJPEG frames from a stream URL until `count` frames or `timeoutMs`. */
export async function readFrames(
  url: string,
  opts: {
    count: number;
    timeoutMs: number;
    signal?: AbortSignal;
    headers?: Record<string, string>;
  },
): Promise<Uint8Array[]> {
  const { readMjpeg } = await import("../../lib/mjpeg.ts");
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
  const frames: Uint8Array[] = [];
  try {
    const res = await fetch(url, { signal: ac.signal, headers: opts.headers });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
    for await (const f of readMjpeg(res.body)) {
      frames.push(f);
      if (frames.length >= opts.count) break;
    }
  } catch (e) {
    if (!ac.signal.aborted) throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return frames;
}

/** Polls an async predicate until it holds, or throws naming what it waited for. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const ADMIN_USER = "admin";
export const ADMIN_PASSWORD = "correct horse battery staple";

/**
 * Creates the first admin through the setup link, the way a user does, then
 * an API token for the tests to call the API with.
 */
export async function setupAdmin(
  base: string,
  setupUrl: string | null,
): Promise<string> {
  if (!setupUrl) throw new Error("the controller printed no setup link");
  const token = new URL(setupUrl).searchParams.get("token");
  const res = await fetch(`${base}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      token,
      username: ADMIN_USER,
      password: ADMIN_PASSWORD,
    }),
  });
  if (res.status !== 201) {
    throw new Error(`setup answered ${res.status}: ${await res.text()}`);
  }
  const { csrf_token } = await res.json();
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  const made = await fetch(`${base}/api/tokens`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      cookie,
      "x-csrf-token": csrf_token,
    },
    body: JSON.stringify({ name: "tests", scope: "full" }),
  });
  if (made.status !== 201) {
    throw new Error(
      `token creation answered ${made.status}: ${await made.text()}`,
    );
  }
  return (await made.json()).token;
}
