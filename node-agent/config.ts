/** The node agent's settings (see lib/config.ts). */
import { type ConfigOf, parsers, type Setting } from "../lib/config.ts";
import { LOG_FORMATS, LOG_LEVELS } from "../lib/log.ts";

export const nodeAgentSettings = {
  nodeName: {
    flag: "node-name",
    env: "FALCON_NODE_NAME",
    envAliases: ["NODE_NAME"],
    description: "name of this node (the Kubernetes node name in a cluster)",
    accepts: "letters, digits, '.', '-', '_' (at most 253)",
    default: () => Deno.hostname(),
    parse: (
      raw: string,
    ) => (/^[A-Za-z0-9]([A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$/.test(raw)
      ? raw
      : undefined),
  } as Setting<string>,
  controllerUrl: {
    flag: "controller-url",
    env: "FALCON_CONTROLLER_URL",
    description: "base URL of the controller",
    accepts: "an http:// or https:// URL without user, query or fragment",
    default: "http://127.0.0.1:30900",
    parse: controllerUrl,
  } as Setting<string>,
  nodeToken: {
    flag: "node-token",
    env: "FALCON_NODE_TOKEN",
    description:
      "join token: exchanged once with the controller for this node's own credential, kept in <data dir>/node/<node>/credential.json",
    accepts: "a string of at least 16 characters",
    parse: (raw: string) => (raw.trim().length >= 16 ? raw.trim() : undefined),
    secret: true,
  } as Setting<string | undefined>,
  controllerCaFile: {
    flag: "controller-ca-file",
    env: "FALCON_CONTROLLER_CA_FILE",
    description:
      "PEM certificate(s) the controller's https certificate is checked against; default: the system's roots",
    accepts: "a path to a PEM file",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  tlsCert: {
    flag: "tls-cert",
    env: "FALCON_NODE_TLS_CERT",
    description:
      "PEM certificate chain: serve the node agent's API over https (with --tls-key)",
    accepts: "a path to a PEM file",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  tlsKey: {
    flag: "tls-key",
    env: "FALCON_NODE_TLS_KEY",
    description: "PEM private key of --tls-cert",
    accepts: "a path to a PEM file",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  port: {
    flag: "port",
    env: "FALCON_NODE_PORT",
    description:
      "port of the node agent's API (reached by the controller only)",
    accepts: "an integer 0-65535",
    default: 30901,
    parse: parsers.port,
  } as Setting<number>,
  host: {
    flag: "host",
    env: "FALCON_NODE_HOST",
    description: "address the node agent listens on",
    accepts: "an IP address or host name",
    default: "0.0.0.0",
    parse: parsers.host,
  } as Setting<string>,
  advertiseUrl: {
    flag: "advertise-url",
    env: "FALCON_NODE_ADVERTISE_URL",
    description:
      "URL the controller uses to reach this node agent; default http(s)://<POD_IP or 127.0.0.1>:<port>",
    accepts: "an http:// or https:// URL",
    parse: parsers.url(["http", "https"]),
  } as Setting<string | undefined>,
  dataDir: {
    flag: "data-dir",
    env: "FALCON_DATA_DIR",
    description: "directory for the node's state and recordings",
    accepts: "a directory path",
    default: "./.falcon",
    parse: parsers.nonEmpty,
  } as Setting<string>,
  ffmpeg: {
    flag: "ffmpeg",
    env: "FALCON_FFMPEG",
    description: "path of the ffmpeg binary",
    accepts: "a path or a command name on PATH",
    default: "ffmpeg",
    parse: parsers.nonEmpty,
  } as Setting<string>,
  heartbeatMs: {
    flag: "heartbeat-ms",
    env: "FALCON_HEARTBEAT_MS",
    description: "interval between heartbeats to the controller",
    accepts: "an integer 200-60000",
    default: 5000,
    parse: parsers.int(200, 60000),
  } as Setting<number>,
  maxJoins: {
    flag: "max-joins",
    env: "FALCON_MAX_JOINS",
    description:
      "ffmpeg joins (playback/download of a range) running at once on this node",
    accepts: "an integer 1-16",
    default: 2,
    parse: parsers.int(1, 16),
  } as Setting<number>,
  maxJoinQueue: {
    flag: "max-join-queue",
    env: "FALCON_MAX_JOIN_QUEUE",
    description:
      "joins that may wait besides the running ones; more are refused with 429",
    accepts: "an integer 0-256",
    default: 8,
    parse: parsers.int(0, 256),
  } as Setting<number>,
  cacheMaxBytes: {
    flag: "cache-max-bytes",
    env: "FALCON_CACHE_MAX_BYTES",
    description:
      "upper bound of the joins/renditions cache; default 10 % of the disk, at most 50 GiB",
    accepts: "an integer of bytes, at least 1048576",
    parse: parsers.int(1024 * 1024, Number.MAX_SAFE_INTEGER),
  } as Setting<number | undefined>,
  logLevel: {
    flag: "log-level",
    env: "FALCON_LOG_LEVEL",
    description: "log verbosity",
    accepts: `one of ${LOG_LEVELS.join(", ")}`,
    default: "info",
    parse: parsers.oneOf(LOG_LEVELS),
  } as Setting<typeof LOG_LEVELS[number]>,
  logFormat: {
    flag: "log-format",
    env: "FALCON_LOG_FORMAT",
    description: "log line format: readable text, or one JSON object per line",
    accepts: `one of ${LOG_FORMATS.join(", ")}`,
    default: "text",
    parse: parsers.oneOf(LOG_FORMATS),
  } as Setting<typeof LOG_FORMATS[number]>,
};

/**
 * The controller URL: http or https only, and nothing a credential could
 * leak through or be misdirected by (user info, query, fragment).
 */
function controllerUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  if (u.username || u.password || u.search || u.hash) return undefined;
  return u.href.replace(/\/+$/, "");
}

export type NodeAgentConfig = ConfigOf<typeof nodeAgentSettings>;
