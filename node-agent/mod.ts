/**
 * Starts a node agent: restores the last desired state from disk, serves its
 * API, and links to the controller. Returns a handle whose close() stops every
 * relay (no ffmpeg left behind) and the server.
 */
import { configureLog, errorMessage, logger } from "../lib/log.ts";
import {
  type DesiredState,
  type Heartbeat,
  PROTOCOL_VERSION,
} from "../lib/protocol.ts";
import { VERSION } from "../lib/version.ts";
import type { NodeAgentConfig } from "./config.ts";
import { detectFfmpeg } from "./ffmpeg/probe.ts";
import { ffprobePathFor, probeSource } from "./ffmpeg/source_probe.ts";
import { createNodeApp } from "./http/app.ts";
import { ControllerLink } from "./link/controller_link.ts";
import { RelayManager } from "./relay/manager.ts";
import { DesiredStore } from "./state/desired_store.ts";
import { cpuMeter, diskUsage, listVideoDevices } from "./system/facts.ts";

const log = logger("node-agent");

export interface NodeAgent {
  url: string;
  relays: RelayManager;
  close(): Promise<void>;
}

export async function startNodeAgent(cfg: NodeAgentConfig): Promise<NodeAgent> {
  configureLog({ level: cfg.logLevel });
  if (!cfg.nodeToken) {
    throw new Error(
      "FALCON_NODE_TOKEN is required: the node agent and controller share it",
    );
  }
  const token = cfg.nodeToken;
  const startedAt = new Date().toISOString();
  const ffmpeg = await detectFfmpeg(cfg.ffmpeg);
  if (!ffmpeg.available) {
    log.error(
      `ffmpeg not found on node "${cfg.nodeName}" at "${cfg.ffmpeg}": cameras cannot run here`,
      {
        hint: "install ffmpeg or set FALCON_FFMPEG",
      },
    );
  }

  let link: ControllerLink | null = null;
  let desired: DesiredState | null = null;
  const relays = new RelayManager({
    ffmpegPath: cfg.ffmpeg,
    idleGraceMs: 10000,
    onChange: () => link?.poke(),
  });
  const store = new DesiredStore(
    `${cfg.dataDir}/node/${cfg.nodeName}/desired-state.bin`,
    token,
  );

  const apply = async (state: DesiredState) => {
    desired = state;
    relays.setIdleGrace(state.relay_idle_grace_ms);
    await relays.reconcile(state.cameras);
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
  }, (req) => app.fetch(req));
  const port = server.addr.port;
  const advertise = cfg.advertiseUrl ??
    `http://${
      Deno.env.get("POD_IP") ??
        (cfg.host === "0.0.0.0" || cfg.host === "::" ? "127.0.0.1" : cfg.host)
    }:${port}`;

  const heartbeat = async (): Promise<Heartbeat> => ({
    node: cfg.nodeName,
    version: VERSION,
    protocol_version: PROTOCOL_VERSION,
    address: advertise,
    started_at: startedAt,
    ffmpeg,
    usb_devices: await listVideoDevices(),
    disk: diskUsage(cfg.dataDir),
    load: { cpu_percent: cpu(), memory_bytes: Deno.memoryUsage().rss },
    desired_etag: desired?.etag ?? null,
    cameras: relays.runtimes(),
  });
  const ffprobe = ffprobePathFor(cfg.ffmpeg);
  const app = createNodeApp({
    token,
    relays,
    status: heartbeat,
    probe: (req) => probeSource(req, { ffprobe, node: cfg.nodeName }),
  });

  link = new ControllerLink({
    controllerUrl: cfg.controllerUrl,
    nodeName: cfg.nodeName,
    token,
    heartbeatMs: cfg.heartbeatMs,
    heartbeat,
    apply,
    etag: () => desired?.etag ?? null,
  });
  link.start();
  log.info("node agent listening", {
    node: cfg.nodeName,
    url: advertise,
    controller: cfg.controllerUrl,
  });

  return {
    url: `http://127.0.0.1:${port}`,
    relays,
    async close() {
      await link?.stop();
      await relays.closeAll();
      ac.abort();
      await server.finished.catch(() => {});
    },
  };
}
