/** argv parsing for the falcon command: a command word, then the flags its settings declare. */
import { parseArgs } from "node:util";
import { ConfigError, type SettingsSpec } from "../lib/config.ts";

export interface ParsedArgs {
  flags: Record<string, string | undefined>;
  help: boolean;
}

/**
 * Parses the flags of one command. Every setting flag takes a value
 * (`--port 8080` or `--port=8080`); an unknown flag is a ConfigError naming it.
 */
export function parseFlags(
  argv: string[],
  spec: SettingsSpec,
  command: string,
): ParsedArgs {
  const options: Record<
    string,
    { type: "string" } | { type: "boolean"; short?: string }
  > = {
    help: { type: "boolean", short: "h" },
  };
  for (const s of Object.values(spec)) options[s.flag] = { type: "string" };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length) {
      throw new ConfigError(
        `Unexpected argument "${
          positionals[0]
        }"; see falcon ${command} --help.`,
      );
    }
    const { help, ...flags } = values;
    return {
      flags: flags as Record<string, string | undefined>,
      help: help === true,
    };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const msg = e instanceof Error
      ? e.message.replace(/\. To specify.*$/s, "")
      : String(e);
    throw new ConfigError(`${msg}; see falcon ${command} --help.`);
  }
}
