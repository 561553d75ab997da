import assert from "node:assert/strict";
import { configureLog, logger, registerSecret } from "./log.ts";

Deno.test("logger() redacts credentials in messages, fields and registered secrets", () => {
  const lines: string[] = [];
  configureLog({ sink: (l) => lines.push(l), level: "debug" });
  registerSecret("topsecret99");
  const log = logger("test");
  log.info("opening rtsp://admin:pw1234@cam/x", {
    url: "http://u:p4ss@h/",
    note: "pw is topsecret99",
  });
  assert.equal(lines.length, 1);
  assert.match(lines[0], /rtsp:\/\/admin:\*\*\*@cam\/x/);
  assert.doesNotMatch(lines[0], /pw1234|p4ss|topsecret99/);
  configureLog({ sink: (l) => console.log(l), level: "info" });
});
