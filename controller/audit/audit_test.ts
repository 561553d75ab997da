/** The audit log records security-relevant actions with who, when and from where — never secrets. */
import assert from "node:assert/strict";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  startStack,
} from "../../tests/support/stack.ts";

Deno.test({
  name:
    "audit log: sign-ins, tokens and camera source changes, newest first, admin only",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const stack = await startStack({});
    try {
      const login = (password: string) =>
        fetch(`${stack.url}/api/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: ADMIN_USER, password }),
        }).then((r) => r.body?.cancel());
      await login("not the password at all");
      await login(ADMIN_PASSWORD);
      const made = await (await stack.api("/api/tokens", {
        method: "POST",
        json: { name: "cli", scope: "read" },
      }))
        .json();
      await (await stack.api(`/api/tokens/${made.id}`, { method: "DELETE" }))
        .body?.cancel();
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Door",
          protocol: "rtsp",
          source_url: "rtsp://u:Hidden-Pass-1@10.0.0.9/s",
        },
      })).json();
      await (await stack.api(`/api/cameras/${cam.id}`, {
        method: "PATCH",
        json: { source_url: "rtsp://u:Hidden-Pass-2@10.0.0.9/s" },
      })).body?.cancel();

      const res = await stack.api("/api/audit?limit=100");
      const { entries, total } = await res.json();
      assert.equal(res.status, 200);
      assert.equal(total, entries.length);
      const actions = entries.map((e: { action: string }) => e.action);
      for (
        const a of [
          "auth.setup",
          "auth.login.failure",
          "auth.login.success",
          "token.create",
          "token.revoke",
          "camera.create",
          "camera.update",
        ]
      ) assert.ok(actions.includes(a), `audit has ${a}: ${actions.join(", ")}`);
      const times = entries.map((e: { at: string }) => Date.parse(e.at));
      assert.deepEqual(times, [...times].sort((a, b) => b - a), "newest first");
      const failure = entries.find((e: { action: string }) =>
        e.action === "auth.login.failure"
      );
      assert.equal(failure.actor.name, ADMIN_USER);
      assert.equal(failure.ip, "127.0.0.1");
      const update = entries.find((e: { action: string }) =>
        e.action === "camera.update"
      );
      assert.deepEqual(update.details.fields, ["source_url"]);
      assert.equal(update.details.source, "rtsp://u:***@10.0.0.9/s");
      const text = JSON.stringify(entries);
      assert.doesNotMatch(text, /Hidden-Pass|not the password|correct horse/);

      const page =
        await (await stack.api("/api/audit?limit=2&offset=1&action=auth."))
          .json();
      assert.equal(page.entries.length, 2);
      assert.ok(
        page.entries.every((e: { action: string }) =>
          e.action.startsWith("auth.")
        ),
      );
      const bad = await stack.api("/api/audit?limit=0");
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).error.field, "limit");
    } finally {
      await stack.close();
    }
  },
});
