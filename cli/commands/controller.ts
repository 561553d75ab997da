/** `falcon controller`: API, dashboard, stream fan-out, node management. */
import { type ConfigOf, loadConfig, settingsHelp } from "../../lib/config.ts";
import { configureLog, logger } from "../../lib/log.ts";
import { controllerSettings } from "../../controller/config.ts";
import { startController } from "../../controller/mod.ts";
import { shutdownSignal } from "../signals.ts";
import { initEmbeddedDatabase } from "../embedded_init.ts";

export const controllerHelp =
  `falcon controller — run the API, dashboard and camera orchestration

Usage: falcon controller [flags]

Settings (flag, environment variable):
${settingsHelp(controllerSettings)}
`;

export function controllerConfig(flags: Record<string, string | undefined>) {
  return loadConfig(controllerSettings, flags, (n) => Deno.env.get(n));
}

export async function runController(
  cfg: ConfigOf<typeof controllerSettings>,
): Promise<void> {
  configureLog({ level: cfg.logLevel, json: cfg.logFormat === "json" });
  await initEmbeddedDatabase(cfg);
  const controller = await startController(cfg);
  const sig = await shutdownSignal();
  logger("controller").info("shutting down", { signal: sig });
  await controller.close();
}

export { controllerSettings };
