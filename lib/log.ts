/**
 * Structured logging. Every line passes through redaction, so a credential in a
 * message or field can never reach the log. One JSON object per line when
 * FALCON_LOG_FORMAT=json, a readable line otherwise.
 */
import { redactSecrets } from "./redact.ts";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];
/** `text`: one readable line per entry; `json`: one JSON object per line (log collectors). */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = typeof LOG_FORMATS[number];
const ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

export interface LogSink {
  (line: string, level: LogLevel): void;
}

const state = {
  level: "info" as LogLevel,
  json: false,
  sink: ((
    line,
    level,
  ) => (level === "error" || level === "warn"
    ? console.error(line)
    : console.log(line))) as LogSink,
  secrets: new Set<string>(),
  /** Fields added to every line, e.g. the current request id (lib/request_context.ts). */
  context: (() => undefined) as () => Record<string, unknown> | undefined,
};

export function configureLog(
  opts: {
    level?: LogLevel;
    json?: boolean;
    sink?: LogSink;
    context?: () => Record<string, unknown> | undefined;
  },
): void {
  if (opts.level) state.level = opts.level;
  if (opts.context) state.context = opts.context;
  if (opts.json !== undefined) state.json = opts.json;
  if (opts.sink) state.sink = opts.sink;
}

/** Registers a secret value (e.g. a decrypted camera password) to mask in every line. */
export function registerSecret(value: string): void {
  if (value.length >= 4) state.secrets.add(value);
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export function logger(scope: string): Logger {
  const emit = (
    level: LogLevel,
    msg: string,
    fields?: Record<string, unknown>,
  ) => {
    if (ORDER[level] < ORDER[state.level]) return;
    const context = state.context();
    if (context) fields = { ...fields, ...context };
    let line: string;
    if (state.json) {
      line = JSON.stringify({
        ts: new Date().toISOString(),
        level,
        scope,
        msg,
        ...fields,
      });
    } else {
      const extra = fields && Object.keys(fields).length
        ? " " +
          Object.entries(fields).map(([k, v]) =>
            `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
          ).join(" ")
        : "";
      line = `${new Date().toISOString()} ${
        level.toUpperCase().padEnd(5)
      } [${scope}] ${msg}${extra}`;
    }
    state.sink(redactSecrets(line, state.secrets), level);
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (s) => logger(`${scope}.${s}`),
  };
}

/** Message of any thrown value, for logs and error fields. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
