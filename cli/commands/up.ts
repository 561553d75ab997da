/**
 * `falcon up`: everything on one machine — controller with the embedded
 * database, plus one local node agent as a separate process speaking the real
 * HTTP protocol. Adds a demo camera on first run. Ctrl-C stops it all.
 */
import { system } from "../../controller/access/principal.ts";
import { loadConfig, settingsHelp } from "../../lib/config.ts";
import { configureLog, logger } from "../../lib/log.ts";
import { ChildSupervisor } from "../child_supervisor.ts";
import { controllerSettings } from "../../controller/config.ts";
import { type Controller, startController } from "../../controller/mod.ts";
import { shutdownSignal } from "../signals.ts";
import { selfArgs } from "../../lib/self_args.ts";
import { initEmbeddedDatabase } from "../embedded_init.ts";

export { selfArgs };

const log = logger("up");

/** Settings of `up`: the controller's, listening on loopback by default. */
export const upSettings = {
  ...controllerSettings,
  host: { ...controllerSettings.host, default: "127.0.0.1" },
};

export const upHelp =
  `falcon up — run Falcon-Eye on this machine (controller + node agent + embedded database)

Usage: falcon up [flags]

Opens http://localhost:30900 with a demo camera on first run. Ctrl-C stops everything.
By default the dashboard listens on 127.0.0.1 only; use --host 0.0.0.0 to reach it from the LAN.

Settings (flag, environment variable):
${settingsHelp(upSettings)}
`;

export async function runUp(
  flags: Record<string, string | undefined>,
): Promise<void> {
  const cfg = loadConfig(upSettings, flags, (n) => Deno.env.get(n));
  configureLog({ level: cfg.logLevel, json: cfg.logFormat === "json" });
  await initEmbeddedDatabase(cfg);
  const controller = await startController(cfg);
  const agent = superviseNodeAgent(
    controller,
    cfg.dataDir,
    cfg.logLevel,
    cfg.logFormat,
  );
  await addDemoCameraOnFirstRun(controller, cfg.dataDir);

  console.log(
    `\n  Falcon-Eye is running: ${controller.url}\n  Press Ctrl-C to stop.\n`,
  );
  const sig = await shutdownSignal();
  log.info("stopping", { signal: sig });
  await agent.stop();
  await controller.close();
}

/** Runs `falcon node-agent` as a child process, restarting it if it dies. */
function superviseNodeAgent(
  controller: Controller,
  dataDir: string,
  logLevel: string,
  logFormat: string,
): ChildSupervisor {
  const agent = new ChildSupervisor({
    name: "node-agent",
    log,
    spawn: () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          ...selfArgs(),
          "node-agent",
          "--host",
          "127.0.0.1",
          "--port",
          "0",
        ],
        env: {
          FALCON_NODE_TOKEN: controller.joinToken,
          FALCON_CONTROLLER_URL: `http://127.0.0.1:${controller.port}`,
          FALCON_DATA_DIR: dataDir,
          FALCON_LOG_LEVEL: logLevel,
          FALCON_LOG_FORMAT: logFormat,
          FALCON_PARENT_PID: String(Deno.pid),
          // The controller's AI provider keys are not the node agent's business.
          FALCON_OPENAI_API_KEY: "",
          FALCON_ANTHROPIC_API_KEY: "",
        },
        stdin: "null",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn(),
  });
  agent.start();
  return agent;
}

async function addDemoCameraOnFirstRun(
  controller: Controller,
  dataDir: string,
) {
  const marker = `${dataDir}/.demo-camera-added`;
  try {
    await Deno.stat(marker);
    return;
  } catch { /* first run */ }
  if ((await controller.cameras.all()).length === 0) {
    await controller.cameras.create(system("falcon up"), {
      name: "Demo camera",
      protocol: "demo",
      source_url: "demo://",
      location: "Built-in test pattern",
      resolution: "640x480",
      framerate: 15,
    });
    log.info(
      "added a demo camera (delete it from the dashboard when you add your own)",
    );
  }
  await Deno.writeTextFile(marker, new Date().toISOString() + "\n");
}
