/** The settings of `falcon agent` (see lib/config.ts). The credential itself is never a setting. */
import { type ConfigOf, parsers, type Setting } from "../lib/config.ts";
import { LOG_FORMATS, LOG_LEVELS } from "../lib/log.ts";

export const agentSettings = {
  credentialFile: {
    flag: "credential-file",
    env: "FALCON_AGENT_CREDENTIAL_FILE",
    description:
      "file holding the agent's credential as JSON (a Kubernetes Secret's mount); default: one JSON line on stdin",
    accepts: "a path to a file",
    parse: parsers.nonEmpty,
  } as Setting<string | undefined>,
  pollWaitS: {
    flag: "poll-wait-s",
    env: "FALCON_AGENT_POLL_WAIT_S",
    description:
      "how long one long poll for the next turn waits on the controller",
    accepts: "an integer of seconds from 0 to 30",
    default: 25,
    parse: parsers.int(0, 30),
    secret: true,
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
};

export type AgentConfig = ConfigOf<typeof agentSettings>;
