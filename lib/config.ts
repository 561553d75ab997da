/**
 * Typed configuration from flags and environment, checked where it enters.
 * Each setting declares its flag, env variable, default, description and
 * accepted values; a bad value stops the program with a message naming the
 * setting and what it accepts. The same table renders `--help` and the
 * README's configuration table.
 */

export interface Setting<T> {
  /** Long flag name without dashes, e.g. "port". */
  flag: string;
  env?: string;
  /** Alternative env names, e.g. NODE_NAME from the Kubernetes downward API. */
  envAliases?: string[];
  description: string;
  /** Human description of the accepted values, shown in errors. */
  accepts: string;
  default?: T | (() => T);
  parse: (raw: string) => T | undefined;
  /** Hidden from --help output (e.g. test tuning knobs). */
  secret?: boolean;
  /**
   * Only from the environment: the flag is refused, because a value on the
   * command line is visible to every user in `ps` (API keys). Such a
   * setting has a `<flag>-file` twin that names a file holding the value.
   */
  envOnly?: boolean;
}

export class ConfigError extends Error {}

export type SettingsSpec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends SettingsSpec> = {
  [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** Resolves every setting: flag beats env beats default. */
export function loadConfig<S extends SettingsSpec>(
  spec: S,
  flags: Record<string, string | undefined>,
  env: (name: string) => string | undefined,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    let raw: string | undefined;
    let source = "";
    const flagValue = flags[s.flag];
    if (typeof flagValue === "string" && s.envOnly) {
      throw new ConfigError(
        `--${s.flag} is refused: on the command line every user sees it in ps. Set ${s.env} instead, or put it in a file and pass --${s.flag}-file.`,
      );
    }
    if (typeof flagValue === "string") {
      raw = flagValue;
      source = `--${s.flag}`;
    } else {
      for (const name of [s.env, ...(s.envAliases ?? [])]) {
        if (!name) continue;
        const v = env(name);
        if (v !== undefined && v !== "") {
          raw = v;
          source = name;
          break;
        }
      }
    }
    if (raw === undefined) {
      const d = s.default;
      out[key] = typeof d === "function" ? (d as () => unknown)() : d;
      continue;
    }
    const value = s.parse(raw);
    if (value === undefined) {
      const shown = s.secret ? "(hidden)" : JSON.stringify(raw);
      throw new ConfigError(
        `Invalid value ${shown} for ${source}: ${s.description} must be ${s.accepts}.`,
      );
    }
    out[key] = value;
  }
  return out as ConfigOf<S>;
}

export const parsers = {
  port: (raw: string) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= 0 && n <= 65535 ? n : undefined;
  },
  int: (min: number, max: number) => (raw: string) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  },
  oneOf: <T extends string>(values: readonly T[]) => (raw: string) =>
    (values as readonly string[]).includes(raw) ? raw as T : undefined,
  /** true / false (also 1 / 0, yes / no). */
  bool: (raw: string) =>
    ["1", "true", "yes"].includes(raw)
      ? true
      : ["0", "false", "no"].includes(raw)
      ? false
      : undefined,
  string: (raw: string) => raw,
  nonEmpty: (raw: string) => (raw.trim() ? raw.trim() : undefined),
  url: (schemes: string[]) => (raw: string) => {
    try {
      const u = new URL(raw);
      return schemes.includes(u.protocol.replace(":", ""))
        ? raw.replace(/\/+$/, "")
        : undefined;
    } catch {
      return undefined;
    }
  },
  host: (raw: string) => (/^[A-Za-z0-9.:[\]-]+$/.test(raw) ? raw : undefined),
};

/** Renders the settings as help text lines. */
export function settingsHelp(spec: SettingsSpec): string {
  const rows = Object.values(spec).filter((s) => !s.secret || s.env).map(
    (s) => {
      const d = typeof s.default === "function"
        ? "(computed)"
        : s.default === undefined
        ? ""
        : String(s.default);
      const flag = s.envOnly ? "(env only)" : `--${s.flag}`;
      return `  ${flag.padEnd(24)} ${
        (s.env ?? "").padEnd(28)
      } ${s.description}${d ? ` [default: ${d}]` : ""}`;
    },
  );
  return [
    "  flag                     env                          meaning",
    ...rows,
  ].join("\n");
}

/** Renders the settings as a Markdown table (README, docs). */
export function settingsMarkdown(spec: SettingsSpec): string {
  const rows = Object.values(spec).map((s) => {
    const d = typeof s.default === "function"
      ? "computed"
      : s.default === undefined
      ? "—"
      : `\`${s.default}\``;
    return `| ${s.envOnly ? "— (env only)" : `\`--${s.flag}\``} | ${
      s.env ? `\`${s.env}\`` : "—"
    } | ${s.description} | ${s.accepts} | ${d} |`;
  });
  return [
    "| flag | env | meaning | accepts | default |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
