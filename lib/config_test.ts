import assert from "node:assert/strict";
import { ConfigError, loadConfig, parsers, type Setting } from "./config.ts";

const spec = {
  port: {
    flag: "port",
    env: "X_PORT",
    description: "HTTP port",
    accepts: "an integer 0-65535",
    default: 80,
    parse: parsers.port,
  } as Setting<number>,
  level: {
    flag: "log-level",
    env: "X_LEVEL",
    description: "log level",
    accepts: "one of debug, info",
    default: "info",
    parse: parsers.oneOf(["debug", "info"] as const),
  } as Setting<"debug" | "info">,
};

Deno.test("loadConfig() prefers flags over env over defaults", () => {
  const env = (n: string) =>
    ({ X_PORT: "81", X_LEVEL: "debug" } as Record<string, string>)[n];
  assert.deepEqual(loadConfig(spec, { port: "82" }, env), {
    port: 82,
    level: "debug",
  });
  assert.deepEqual(loadConfig(spec, {}, () => undefined), {
    port: 80,
    level: "info",
  });
});

Deno.test("loadConfig() names the setting and accepted values on a bad value", () => {
  assert.throws(
    () => loadConfig(spec, {}, (n) => (n === "X_LEVEL" ? "loud" : undefined)),
    (e: Error) =>
      e instanceof ConfigError && /X_LEVEL/.test(e.message) &&
      /one of debug, info/.test(e.message),
  );
  assert.throws(
    () => loadConfig(spec, { port: "99999" }, () => undefined),
    /--port.*0-65535/,
  );
});

Deno.test("parsers.bool reads true/false, 1/0, yes/no and refuses the rest", () => {
  assert.deepEqual(
    ["true", "1", "yes", "false", "0", "no", "on", ""].map(parsers.bool),
    [true, true, true, false, false, false, undefined, undefined],
  );
});

Deno.test("loadConfig() refuses an env-only setting given as a flag, without its value", () => {
  const secretSpec = {
    key: {
      flag: "api-key",
      env: "X_API_KEY",
      envOnly: true,
      description: "an API key",
      accepts: "a string",
      parse: parsers.nonEmpty,
      secret: true,
    } as Setting<string | undefined>,
  };
  assert.throws(
    () =>
      loadConfig(
        secretSpec,
        { "api-key": "sk-visible-in-ps" },
        () => undefined,
      ),
    (e: Error) =>
      e instanceof ConfigError && /--api-key is refused/.test(e.message) &&
      /X_API_KEY/.test(e.message) && /--api-key-file/.test(e.message) &&
      !e.message.includes("sk-visible-in-ps"),
  );
  assert.deepEqual(
    loadConfig(
      secretSpec,
      {},
      (n) => (n === "X_API_KEY" ? "sk-env" : undefined),
    ),
    { key: "sk-env" },
  );
});
