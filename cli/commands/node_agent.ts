/** `falcon node-agent`: relays for the cameras of this node. */
import { loadConfig, settingsHelp } from "../../lib/config.ts";
import { logger } from "../../lib/log.ts";
import {
  type NodeAgentConfig,
  nodeAgentSettings,
} from "../../node-agent/config.ts";
import { startNodeAgent } from "../../node-agent/mod.ts";
import { exitWithParent, shutdownSignal } from "../signals.ts";

export const nodeAgentHelp =
  `falcon node-agent — run the cameras of this node (one per node; a DaemonSet in Kubernetes)

Usage: falcon node-agent [flags]

Settings (flag, environment variable):
${settingsHelp(nodeAgentSettings)}
`;

export function nodeAgentConfig(
  flags: Record<string, string | undefined>,
): NodeAgentConfig {
  return loadConfig(nodeAgentSettings, flags, (n) => Deno.env.get(n));
}

export async function runNodeAgent(cfg: NodeAgentConfig): Promise<void> {
  const agent = await startNodeAgent(cfg);
  const parent = Number(Deno.env.get("FALCON_PARENT_PID") ?? 0);
  const stopped = new Promise<string>((resolve) => {
    if (parent > 1) exitWithParent(parent, () => resolve("parent exited"));
  });
  const why = await Promise.race([shutdownSignal(), stopped]);
  logger("node-agent").info("shutting down", { reason: why });
  await agent.close();
}

export { nodeAgentSettings };
