/**
 * Starts a node agent: recovers recordings a crash left unfinished, restores
 * the last desired state from disk, serves its API, and links to the
 * controller. Returns a handle whose close() stops every recorder (their last
 * segments closed and reported) and relay (no ffmpeg left behind), the
 * outbox sender, the retention sweep and the server.
 */
import { configureLog, errorMessage, logger } from "../lib/log.ts";
import {
  type DesiredState,
  type Heartbeat,
  PROTOCOL_VERSION,
} from "../lib/protocol/mod.ts";
import { VERSION } from "../lib/version.ts";
import type { NodeAgentConfig } from "./config.ts";
import { detectFfmpeg } from "./ffmpeg/probe.ts";
import { ffprobePathFor, probeSource } from "./ffmpeg/source_probe.ts";
import { createNodeApp } from "./http/app.ts";
import { createScanner } from "./scan/mod.ts";
import { ControllerLink } from "./link/controller_link.ts";
import { CredentialStore, NodeEnrolment, randomKey } from "./link/enrolment.ts";
import {
  isLoopbackHost,
  isPlainHttpOffLoopback,
  plainHttpWarning,
} from "../lib/transport.ts";
import { Outbox } from "./outbox/outbox.ts";
import { RecorderManager } from "./recorder/manager.ts";
import { recoverRecordings } from "./recorder/recovery.ts";
import { RelayManager } from "./relay/manager.ts";
import { FileCache } from "./files/cache.ts";
import { realStatFs, RetentionSweeper } from "./storage/retention.ts";
import { DesiredStore } from "./state/desired_store.ts";
import { cpuMeter, diskUsage, listVideoDevices } from "./system/facts.ts";
import { configureUsbDevices, listUsbDevices } from "./devices/usb.ts";
import { createNodeMetrics } from "./metrics.ts";

const log = logger("node-agent");

export interface NodeAgent {
  url: string;
  relays: RelayManager;
  recorders: RecorderManager;
  outbox: Outbox;
  retention: RetentionSweeper;
  close(): Promise<void>;
}

export async function startNodeAgent(cfg: NodeAgentConfig): Promise<NodeAgent> {
  configureLog({ level: cfg.logLevel, json: cfg.logFormat === "json" });
  if (!!cfg.tlsCert !== !!cfg.tlsKey) {
    throw new Error("--tls-cert and --tls-key go together: give both or none");
  }
  const tls = cfg.tlsCert && cfg.tlsKey
    ? {
      cert: await readFile(cfg.tlsCert, "--tls-cert"),
      key: await readFile(cfg.tlsKey, "--tls-key"),
    }
    : null;
  // Talking to the controller: its CA when given, else the system's roots.
  const controllerClient = cfg.controllerCaFile
    ? Deno.createHttpClient({
      caCerts: [await readFile(cfg.controllerCaFile, "--controller-ca-file")],
    })
    : undefined;
  const controllerFetch: typeof fetch = controllerClient
    ? (input, init) => fetch(input, { ...init, client: controllerClient })
    : fetch;
  const credentials = new CredentialStore(
    `${cfg.dataDir}/node/${cfg.nodeName}/credential.json`,
  );
  const stored = await credentials.load();
  if (!cfg.nodeToken && !stored) {
    throw new Error(
      "FALCON_NODE_TOKEN (the join token) is required: this node has no credential yet and enrols with it",
    );
  }
  if (isPlainHttpOffLoopback(cfg.controllerUrl)) {
    log.warn(plainHttpWarning("the controller URL", cfg.controllerUrl));
  }
  const startedAt = new Date().toISOString();
  const ffmpeg = await detectFfmpeg(cfg.ffmpeg);
  // Device formats come from v4l2-ctl, else this ffmpeg (devices/usb.ts).
  configureUsbDevices({ ffmpegPath: cfg.ffmpeg });
  if (!ffmpeg.available) {
    log.error(
      `ffmpeg not found on node "${cfg.nodeName}" at "${cfg.ffmpeg}": cameras cannot run here`,
      {
        hint: "install ffmpeg or set FALCON_FFMPEG",
      },
    );
  }

  const metrics = createNodeMetrics(cfg.dataDir);
  let link: ControllerLink | null = null;
  let desired: DesiredState | null = null;
  const relays = new RelayManager({
    ffmpegPath: cfg.ffmpeg,
    idleGraceMs: 10000,
    onChange: () => link?.poke(),
  });
  // The node's own key (kept with its credential) seals the saved state.
  let enrolment: NodeEnrolment | null = null;
  const apiKey = stored?.api_key ?? randomKey();
  const store = new DesiredStore(
    `${cfg.dataDir}/node/${cfg.nodeName}/desired-state.bin`,
    apiKey,
  );

  // Recording (docs/design/recording.md): outbox → crash recovery → recorders + retention.
  const ffprobe = ffprobePathFor(cfg.ffmpeg);
  await Deno.mkdir(`${cfg.dataDir}/recordings`, { recursive: true });
  // Absolute, so ffmpeg argv names it unambiguously (orphan detection at start).
  const recordingsRoot = await Deno.realPath(`${cfg.dataDir}/recordings`);
  const outbox = new Outbox({
    dir: `${cfg.dataDir}/node/${cfg.nodeName}/outbox`,
    controllerUrl: cfg.controllerUrl,
    nodeName: cfg.nodeName,
    token: () => enrolment?.secret ?? null,
    fetch: controllerFetch,
    onQueued: (event) => metrics.eventQueued(event),
  });
  metrics.attach({ relays, outbox });
  await outbox.init();
  await recoverRecordings({
    root: recordingsRoot,
    outbox,
    ffmpegPath: cfg.ffmpeg,
    ffprobePath: ffprobe,
  });
  outbox.start();
  const recorders = new RecorderManager({
    root: recordingsRoot,
    outbox,
    ffmpegPath: cfg.ffmpeg,
    ffprobePath: ffprobe,
    hubOf: (id) => relays.get(id)?.hub ?? null,
    onChange: () => link?.poke(),
    // Enforce the free-space floor as each segment lands, not only on the timer.
    onSegment: () =>
      void retention.sweep().catch((e) =>
        log.warn("retention sweep failed", { error: errorMessage(e) })
      ),
  });
  const joinedCache = `${cfg.dataDir}/cache/joined`;
  // One cache of joins and renditions: bounded, and what is being written or
  // served is never swept (retention evicts idle files before any footage).
  const fileCache = new FileCache({
    dir: joinedCache,
    statfs: () => realStatFs(recordingsRoot),
    maxBytes: cfg.cacheMaxBytes,
  });
  const retention = new RetentionSweeper({
    root: recordingsRoot,
    outbox,
    cache: fileCache,
  });
  const reconcileRecording = (state: DesiredState) => {
    retention.configure(state.cameras, state.storage);
    // Not awaited: probing an RTSP source may take seconds; the manager
    // serialises calls and logs its own failures.
    void recorders.reconcile(state.cameras);
  };

  const apply = async (state: DesiredState) => {
    desired = state;
    relays.setIdleGrace(state.relay_idle_grace_ms);
    await relays.reconcile(state.cameras);
    reconcileRecording(state);
    log.info("desired state applied", {
      etag: state.etag,
      cameras: state.cameras.length,
    });
    await store.save(state).catch((e) =>
      log.warn("could not save desired state", { error: errorMessage(e) })
    );
    link?.poke();
  };

  const restored = await store.load();
  if (restored && restored.node === cfg.nodeName) {
    desired = restored;
    relays.setIdleGrace(restored.relay_idle_grace_ms);
    await relays.reconcile(restored.cameras);
    reconcileRecording(restored);
    log.info("restored last desired state", {
      cameras: restored.cameras.length,
    });
  }

  const cpu = cpuMeter();
  const ac = new AbortController();
  const server = Deno.serve({
    port: cfg.port,
    hostname: cfg.host,
    signal: ac.signal,
    onListen: () => {},
    ...(tls ?? {}),
  }, (req) => app.fetch(req));
  const port = server.addr.port;
  const advertise = cfg.advertiseUrl ??
    `${tls ? "https" : "http"}://${
      Deno.env.get("POD_IP") ??
        (cfg.host === "0.0.0.0" || cfg.host === "::" ? "127.0.0.1" : cfg.host)
    }:${port}`;
  if (!tls && !isLoopbackHost(cfg.host)) {
    log.warn(
      plainHttpWarning(
        `the node agent's API (listening on ${cfg.host}:${port}, advertised as ${advertise})`,
        "without --tls-cert/--tls-key",
      ),
    );
  }
  enrolment = new NodeEnrolment({
    store: credentials,
    controllerUrl: cfg.controllerUrl,
    nodeName: cfg.nodeName,
    joinToken: cfg.nodeToken ?? "",
    address: advertise,
    apiKey,
    fetch: controllerFetch,
  });
  await enrolment.init();
  const enrolled = enrolment;
  const enrolSignal = new AbortController();

  const heartbeat = async (): Promise<Heartbeat> => ({
    node: cfg.nodeName,
    version: VERSION,
    protocol_version: PROTOCOL_VERSION,
    address: advertise,
    started_at: startedAt,
    ffmpeg,
    usb_devices: await listVideoDevices(),
    usb: await listUsbDevices(),
    disk: diskUsage(cfg.dataDir),
    load: { cpu_percent: cpu(), memory_bytes: Deno.memoryUsage().rss },
    desired_etag: desired?.etag ?? null,
    cameras: relays.runtimes(),
  });
  const app = createNodeApp({
    // The controller presents the key this node chose at enrolment; the join token does not work here.
    token: enrolled.apiKey,
    relays,
    status: heartbeat,
    usbDevices: listUsbDevices,
    probe: (req) => probeSource(req, { ffprobe, node: cfg.nodeName }),
    files: {
      root: recordingsRoot,
      cacheDir: joinedCache,
      cache: fileCache,
      maxJoins: cfg.maxJoins,
      maxJoinQueue: cfg.maxJoinQueue,
      outbox,
      ffmpegPath: cfg.ffmpeg,
      policy: () => desired?.storage,
    },
    // Camera scan: devices, WS-Discovery, opt-in port probe (scan/README.md).
    scanner: createScanner(cfg.nodeName),
    metrics: metrics.registry,
  });

  link = new ControllerLink({
    controllerUrl: cfg.controllerUrl,
    nodeName: cfg.nodeName,
    credential: async (rejected) => {
      await enrolled.ensure(enrolSignal.signal, rejected);
      return enrolled.secret;
    },
    fetch: controllerFetch,
    heartbeatMs: cfg.heartbeatMs,
    heartbeat,
    apply,
    etag: () => desired?.etag ?? null,
  });
  link.start();
  retention.start();
  log.info("node agent listening", {
    node: cfg.nodeName,
    url: advertise,
    controller: cfg.controllerUrl,
  });

  return {
    url: `http://127.0.0.1:${port}`,
    relays,
    recorders,
    outbox,
    retention,
    async close() {
      enrolSignal.abort();
      await link?.stop();
      // Recorders first: each finalises and reports its open segment (frames-in
      // ones still read their relay), then the relays, then the background loops.
      await recorders.closeAll();
      await relays.closeAll();
      await retention.stop();
      await outbox.stop();
      ac.abort();
      await server.finished.catch(() => {});
      metrics.close();
      controllerClient?.close();
    },
  };
}

/** A file named by a setting, or an error naming the setting. */
async function readFile(path: string, setting: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${setting}: cannot read ${path}: ${errorMessage(e)}`);
  }
}
