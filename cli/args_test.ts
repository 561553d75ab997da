import assert from "node:assert/strict";
import { ConfigError, parsers, type Setting } from "../lib/config.ts";
import { parseFlags } from "./args.ts";

const spec = {
  dataDir: {
    flag: "data-dir",
    description: "d",
    accepts: "a path",
    parse: parsers.string,
  } as Setting<string>,
};

Deno.test("parseFlags() reads --flag value and --flag=value", () => {
  assert.deepEqual(parseFlags(["--data-dir", "/x"], spec, "up").flags, {
    "data-dir": "/x",
  });
  assert.deepEqual(parseFlags(["--data-dir=/y"], spec, "up").flags, {
    "data-dir": "/y",
  });
  assert.equal(parseFlags(["-h"], spec, "up").help, true);
});

Deno.test("parseFlags() names an unknown flag and the help command", () => {
  assert.throws(
    () => parseFlags(["--prot", "1"], spec, "up"),
    (e: Error) =>
      e instanceof ConfigError && /--prot/.test(e.message) &&
      /falcon up --help/.test(e.message),
  );
  assert.throws(
    () => parseFlags(["stray"], spec, "up"),
    /Unexpected argument "stray"/,
  );
});
