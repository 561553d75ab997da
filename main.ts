/**
 * The `falcon` command. A table of contents: which command starts which part,
 * in start order. No logic lives here.
 *
 *   falcon up          controller + local node agent + embedded database (quick start)
 *   falcon controller  API, dashboard, stream fan-out, node management
 *   falcon node-agent  camera relays of one node (a DaemonSet in Kubernetes)
 *   falcon agent       one AI agent's process (started by the controller)
 *   falcon migrate     apply database migrations, then exit
 *   falcon version     print the version
 */
import { parseFlags } from "./cli/args.ts";
import { ConfigError, type SettingsSpec } from "./lib/config.ts";
import { VERSION } from "./lib/version.ts";

const usage = `falcon ${VERSION} — cameras: stream, record, reason

Usage: falcon <command> [flags]

Commands:
  up          run everything on this machine (controller, node agent, embedded database)
  controller  run the controller (API, dashboard, orchestration)
  node-agent  run the node agent of this node
  agent       run one AI agent (started by the controller)
  migrate     apply database migrations and exit
  version     print the version

Run "falcon <command> --help" for the settings of a command.
`;

interface Command {
  help: string;
  settings: SettingsSpec;
  run: (flags: Record<string, string | undefined>) => Promise<void>;
}

/**
 * Each command's module is loaded only when that command runs (help and
 * settings included), so `falcon node-agent` never loads the controller's
 * graph (PGlite, postgres, esbuild, preact) and vice versa.
 */
const commands: Record<string, () => Promise<Command>> = {
  up: async () => {
    const m = await import("./cli/commands/up.ts");
    return { help: m.upHelp, settings: m.upSettings, run: m.runUp };
  },
  controller: async () => {
    const m = await import("./cli/commands/controller.ts");
    return {
      help: m.controllerHelp,
      settings: m.controllerSettings,
      run: (f) => m.runController(m.controllerConfig(f)),
    };
  },
  "node-agent": async () => {
    const m = await import("./cli/commands/node_agent.ts");
    return {
      help: m.nodeAgentHelp,
      settings: m.nodeAgentSettings,
      run: (f) => m.runNodeAgent(m.nodeAgentConfig(f)),
    };
  },
  agent: async () => {
    const m = await import("./cli/commands/agent.ts");
    return {
      help: m.agentHelp,
      settings: m.agentSettings,
      run: (f) => m.runAgentCommand(m.agentConfig(f)),
    };
  },
  migrate: async () => {
    const m = await import("./cli/commands/migrate.ts");
    return {
      help: m.migrateHelp,
      settings: m.migrateSettings,
      run: m.runMigrate,
    };
  },
  version: () =>
    Promise.resolve({
      help: "falcon version — print the version\n",
      settings: {},
      run: () => Promise.resolve(console.log(VERSION)),
    }),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name ? 0 : 2;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    console.error(`Unknown command "${name}".\n\n${usage}`);
    return 2;
  }
  try {
    const cmd = await load();
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
