import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../lib/config.ts";
import { nodeAgentSettings } from "./config.ts";

const controllerUrl = (raw: string) =>
  loadConfig(nodeAgentSettings, { "controller-url": raw }, () => undefined)
    .controllerUrl;

Deno.test("the node agent refuses controller URLs it should not send its secret to", () => {
  for (
    const bad of [
      "ftp://ctl:30900",
      "file:///etc/passwd",
      "ws://ctl:30900",
      "http://user:pw@ctl:30900",
      "https://ctl:30900/?next=x",
      "https://ctl:30900/#x",
      "ctl:30900",
    ]
  ) {
    assert.throws(
      () => controllerUrl(bad),
      (e) => e instanceof ConfigError && /controller-url/.test(e.message),
      bad,
    );
  }
  assert.equal(
    controllerUrl("https://Ctl.example:8443/"),
    "https://ctl.example:8443",
  );
  assert.equal(
    controllerUrl("http://127.0.0.1:30900"),
    "http://127.0.0.1:30900",
  );
});
