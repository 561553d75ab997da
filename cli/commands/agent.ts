/** `falcon agent`: one AI agent's process (started by the controller, agent/). */
import { loadConfig, settingsHelp } from "../../lib/config.ts";
import { logger } from "../../lib/log.ts";
import { type AgentConfig, agentSettings } from "../../agent/config.ts";
import { runAgent } from "../../agent/mod.ts";
import { exitWithParent, shutdownSignal } from "../signals.ts";

export const agentHelp =
  `falcon agent — run one AI agent (the controller starts one per running agent)

Usage: falcon agent [flags] < credential.json

The credential (agent id, controller URL, secret) is one JSON line on stdin,
or a file given by --credential-file; never a flag or environment variable.

Settings (flag, environment variable):
${settingsHelp(agentSettings)}
`;

export function agentConfig(
  flags: Record<string, string | undefined>,
): AgentConfig {
  return loadConfig(agentSettings, flags, (n) => Deno.env.get(n));
}

export async function runAgentCommand(cfg: AgentConfig): Promise<void> {
  const stop = new AbortController();
  shutdownSignal().then((sig) => {
    logger("agent").info("stopping", { signal: sig });
    stop.abort();
  });
  const parent = Number(Deno.env.get("FALCON_PARENT_PID") ?? 0);
  if (parent > 1) exitWithParent(parent, () => stop.abort());
  await runAgent(cfg, stop.signal);
}

export { agentSettings };
