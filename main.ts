/**
 * The `falcon` command. A table of contents: which command starts which part,
 * in start order. No logic lives here.
 *
 *   falcon up          controller + local node agent + embedded database (quick start)
 *   falcon controller  API, dashboard, stream fan-out, node management
 *   falcon node-agent  camera relays of one node (a DaemonSet in Kubernetes)
 *   falcon migrate     apply database migrations, then exit
 *   falcon version     print the version
 */
import { parseFlags } from "./cli/args.ts";
import {
  controllerConfig,
  controllerHelp,
  runController,
} from "./cli/commands/controller.ts";
import {
  migrateHelp,
  migrateSettings,
  runMigrate,
} from "./cli/commands/migrate.ts";
import {
  nodeAgentConfig,
  nodeAgentHelp,
  runNodeAgent,
} from "./cli/commands/node_agent.ts";
import { runUp, upHelp, upSettings } from "./cli/commands/up.ts";
import { controllerSettings } from "./controller/config.ts";
import { nodeAgentSettings } from "./node-agent/config.ts";
import { ConfigError, type SettingsSpec } from "./lib/config.ts";
import { VERSION } from "./lib/version.ts";

const usage = `falcon ${VERSION} — cameras: stream, record, reason

Usage: falcon <command> [flags]

Commands:
  up          run everything on this machine (controller, node agent, embedded database)
  controller  run the controller (API, dashboard, orchestration)
  node-agent  run the node agent of this node
  migrate     apply database migrations and exit
  version     print the version

Run "falcon <command> --help" for the settings of a command.
`;

interface Command {
  help: string;
  settings: SettingsSpec;
  run: (flags: Record<string, string | undefined>) => Promise<void>;
}

const commands: Record<string, Command> = {
  up: { help: upHelp, settings: upSettings, run: runUp },
  controller: {
    help: controllerHelp,
    settings: controllerSettings,
    run: (f) => runController(controllerConfig(f)),
  },
  "node-agent": {
    help: nodeAgentHelp,
    settings: nodeAgentSettings,
    run: (f) => runNodeAgent(nodeAgentConfig(f)),
  },
  migrate: { help: migrateHelp, settings: migrateSettings, run: runMigrate },
  version: {
    help: "falcon version — print the version\n",
    settings: {},
    run: () => Promise.resolve(console.log(VERSION)),
  },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`Unknown command "${name}".\n\n${usage}`);
    return 2;
  }
  try {
    const args = parseFlags(rest, cmd.settings, name);
    if (args.help) {
      console.log(cmd.help);
      return 0;
    }
    await cmd.run(args.flags);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`falcon ${name}: ${e.message}`);
      return 2;
    }
    console.error(
      `falcon ${name}: ${e instanceof Error ? e.message : String(e)}`,
    );
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
