/** The controller's settings (see lib/config.ts). */
import { type ConfigOf, parsers, type Setting } from "../lib/config.ts";

import { LOG_FORMATS, LOG_LEVELS } from "../lib/log.ts";
export { LOG_LEVELS };

export const controllerSettings = {
  port: {
    flag: "port",
    env: "FALCON_PORT",
    description: "port of the API and dashboard",
    accepts: "an integer 0-65535",
    default: 30900,
    parse: parsers.port,
  } as Setting<number>,
  host: {
    flag: "host",
    env: "FALCON_HOST",
    description: "address the API and dashboard listen on",
    accepts: "an IP address or host name",
    default: "0.0.0.0",
    parse: parsers.host,
  } as Setting<string>,
  dataDir: {
    flag: "data-dir",
    env: "FALCON_DATA_DIR",
    description: "directory for the embedded database and generated keys",
    accepts: "a directory path",
    default: "./.falcon",
    parse: parsers.nonEmpty,
  } as Setting<string>,
  databaseUrl: {
    flag: "database-url",
    env: "DATABASE_URL",
    description:
      "PostgreSQL URL; without it an embedded PGlite in the data dir is used",
    accepts: "a postgres:// or postgresql:// URL",
    parse: parsers.url(["postgres", "postgresql"]),
    secret: true,
  } as Setting<string | undefined>,
  secretKey: {
    flag: "secret-key",
    env: "FALCON_SECRET_KEY",
    description:
      "key that encrypts secrets at rest; generated into the data dir when absent",
    accepts: "base64 of 32 random bytes (openssl rand -base64 32)",
    parse: parsers.nonEmpty,
    secret: true,
  } as Setting<string | undefined>,
  nodeToken: {
    flag: "node-token",
    env: "FALCON_NODE_TOKEN",
    description:
      "join token: a node agent exchanges it once for its own credential (enrolment); generated into the data dir when absent",
    accepts: "a string of at least 16 characters",
    parse: (raw: string) => (raw.trim().length >= 16 ? raw.trim() : undefined),
    secret: true,
  } as Setting<string | undefined>,
  nodeCaFile: {
    flag: "node-ca-file",
    env: "FALCON_NODE_CA_FILE",
    description:
      "PEM certificate(s) that node agents' https certificates are checked against (their CA, or a self-signed node certificate); default: the system's roots",
    accepts: "a path to a PEM file",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  trustProxy: {
    flag: "trust-proxy",
    env: "FALCON_TRUST_PROXY",
    description:
      "take client addresses and https from X-Forwarded-* headers (only behind a reverse proxy)",
    accepts: "true or false",
    default: false,
    parse: parsers.bool,
  } as Setting<boolean>,
  trustedProxyHops: {
    flag: "trusted-proxy-hops",
    env: "FALCON_TRUSTED_PROXY_HOPS",
    description:
      "with trust-proxy: how many reverse proxies append to X-Forwarded-For; the client address is the entry this far from the right",
    accepts: "an integer 1-10",
    default: 1,
    parse: parsers.int(1, 10),
  } as Setting<number>,
  streamMaxLifetimeS: {
    flag: "stream-max-lifetime-s",
    env: "FALCON_STREAM_MAX_LIFETIME_S",
    description:
      "live streams (MJPEG, grid, events) end after this long; the dashboard reconnects at once and access is checked again",
    accepts: "an integer 1-86400",
    default: 900,
    parse: parsers.int(1, 86400),
  } as Setting<number>,
  allowPrivateCameraTargets: {
    flag: "allow-private-camera-targets",
    env: "FALCON_ALLOW_PRIVATE_CAMERA_TARGETS",
    description:
      "allow camera sources, tests and scans aimed at loopback, link-local (cloud metadata) or a node agent's own address; off, cameras are on the network",
    accepts: "true or false",
    default: false,
    parse: parsers.bool,
  } as Setting<boolean>,
  nodeOfflineAfterMs: {
    flag: "node-offline-after-ms",
    env: "FALCON_NODE_OFFLINE_AFTER_MS",
    description: "a node silent for this long is offline",
    accepts: "an integer 1000-600000",
    default: 15000,
    parse: parsers.int(1000, 600000),
  } as Setting<number>,
  segmentSeconds: {
    flag: "segment-seconds",
    env: "FALCON_SEGMENT_SECONDS",
    description:
      "recording segment length until segment_seconds is saved in Settings",
    accepts: "an integer 2-3600",
    default: 60,
    parse: parsers.int(2, 3600),
  } as Setting<number>,
  relayIdleGraceMs: {
    flag: "relay-idle-grace-ms",
    env: "FALCON_RELAY_IDLE_GRACE_MS",
    description:
      "relay idle grace until relay_idle_grace_seconds is saved in Settings",
    accepts: "an integer 0-600000",
    default: 10000,
    parse: parsers.int(0, 600000),
  } as Setting<number>,
  footageJobsPerUser: {
    flag: "footage-jobs-per-user",
    env: "FALCON_FOOTAGE_JOBS_PER_USER",
    description:
      "playback/download requests one user may have being joined on the nodes at once",
    accepts: "an integer 1-50",
    default: 2,
    parse: parsers.int(1, 50),
  } as Setting<number>,
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
  metricsToken: {
    flag: "metrics-token",
    env: "FALCON_METRICS_TOKEN",
    description:
      "bearer token a Prometheus scraper may use for GET /metrics (admins may scrape without it)",
    accepts: "a string of at least 16 characters",
    parse: (raw: string) => (raw.trim().length >= 16 ? raw.trim() : undefined),
    secret: true,
  } as Setting<string | undefined>,
  // AI providers (docs/guide/agents.md): stored sealed as the shared
  // providers at start; the main agent is made from the first usable one.
  openaiApiKey: {
    flag: "openai-api-key",
    env: "FALCON_OPENAI_API_KEY",
    envOnly: true,
    description:
      "OpenAI API key, stored sealed as the shared openai provider at start",
    accepts: "a non-empty string",
    parse: parsers.nonEmpty,
    secret: true,
  } as Setting<string | undefined>,
  openaiApiKeyFile: {
    flag: "openai-api-key-file",
    env: "FALCON_OPENAI_API_KEY_FILE",
    description: "file holding the OpenAI API key (e.g. a mounted Secret)",
    accepts: "a file path",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  anthropicApiKey: {
    flag: "anthropic-api-key",
    env: "FALCON_ANTHROPIC_API_KEY",
    envOnly: true,
    description:
      "Anthropic API key, stored sealed as the shared anthropic provider at start",
    accepts: "a non-empty string",
    parse: parsers.nonEmpty,
    secret: true,
  } as Setting<string | undefined>,
  anthropicApiKeyFile: {
    flag: "anthropic-api-key-file",
    env: "FALCON_ANTHROPIC_API_KEY_FILE",
    description: "file holding the Anthropic API key",
    accepts: "a file path",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  llmBaseUrl: {
    flag: "llm-base-url",
    env: "FALCON_LLM_BASE_URL",
    description:
      "base URL of an OpenAI-compatible server (Ollama, LM Studio, vLLM, llama.cpp), stored as the shared openai_compatible provider at start",
    accepts: "an http(s) URL, e.g. http://127.0.0.1:11434/v1",
    parse: parsers.url(["http", "https"]),
  } as Setting<string | undefined>,
  llmModel: {
    flag: "llm-model",
    env: "FALCON_LLM_MODEL",
    description:
      "model of the main agent made on first run (default: gpt-4o-mini, claude-3-5-haiku-latest, or the server's first model)",
    accepts: "a model name",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
};

export type ControllerConfig = ConfigOf<typeof controllerSettings>;
