/**
 * /api/settings on the embedded database: who may read and change settings,
 * bad input naming the setting (never a 500), the audit entry and SSE event —
 * and, for every setting, proof that a saved value takes effect at once:
 * new cameras get the defaults, the default node receives cameras, and the
 * desired state a node long-polls for changes (new etag) within a second.
 */
import assert from "node:assert/strict";
import type { DesiredState } from "../../../lib/protocol/mod.ts";
import {
  desiredFor,
  nodeHeaders,
  registerNode,
  type Stack,
  startStack,
} from "../../../tests/support/stack.ts";
import {
  createToken,
  createUser,
  drain,
  expectError,
  login,
} from "../../../tests/security/helpers.ts";

const VIEWER_PASSWORD = "viewer-Pass-4-settings!";

Deno.test({
  name:
    "/api/settings: access, validation, audit, events, and each setting taking effect",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack: Stack = await startStack({ nodeOfflineAfterMs: 600000 });
    const patch = (json: unknown) =>
      stack.api("/api/settings", { method: "PATCH", json });
    /** The node's desired state now (no wait). */
    const desired = (node: string) => desiredFor(stack, node);
    /**
     * Long-polls with the node's current etag, makes `change`, and returns
     * the state the poll answered with and how long after the change.
     */
    const pollAcross = async (
      node: string,
      change: () => Promise<unknown>,
    ): Promise<{ before: DesiredState; after: DesiredState; ms: number }> => {
      const before = await desired(node);
      const poll = fetch(
        `${stack.url}/internal/v1/nodes/${node}/desired?etag=${before.etag}&wait_ms=10000`,
        { headers: nodeHeaders(stack, node) },
      ).then((r) => r.json() as Promise<DesiredState>);
      await new Promise((r) => setTimeout(r, 100)); // the poll is waiting
      const t0 = performance.now();
      await change();
      const after = await poll;
      return { before, after, ms: performance.now() - t0 };
    };
    const ok = async (json: unknown) => {
      const res = await patch(json);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    };

    let viewerToken = "";
    try {
      for (const n of ["node-a", "node-b"]) await registerNode(stack, n);

      await t.step(
        "admins read settings with defaults and descriptions",
        async () => {
          const res = await stack.api("/api/settings");
          assert.equal(res.status, 200);
          const body = await res.json();
          assert.equal(body.settings.segment_seconds, 60, "from the flag");
          assert.equal(
            body.settings.relay_idle_grace_seconds,
            2,
            "from the flag",
          );
          assert.deepEqual(body.settings, body.defaults);
          assert.deepEqual(body.updated, {});
          assert.deepEqual(
            body.fields.map((f: { key: string }) => f.key).sort(),
            Object.keys(body.settings).sort(),
          );
        },
      );

      await t.step(
        "anonymous 401, viewers and read-only tokens 403",
        async () => {
          for (const method of ["GET", "PATCH"]) {
            await expectError(
              await stack.api("/api/settings", {
                method,
                anonymous: true,
                json: method === "PATCH" ? { segment_seconds: 10 } : undefined,
              }),
              401,
              `anonymous ${method}`,
            );
          }
          await createUser(stack, "vic", VIEWER_PASSWORD);
          const viewer = await login(stack.url, "vic", VIEWER_PASSWORD);
          viewerToken = await createToken(
            stack.url,
            { cookie: viewer.cookie, "x-csrf-token": viewer.csrf },
            "vic-cli",
            "full",
          );
          for (
            const headers of [
              viewer.write,
              { authorization: `Bearer ${viewerToken}` },
            ] as Record<string, string>[]
          ) {
            await expectError(
              await fetch(`${stack.url}/api/settings`, { headers }),
              403,
              "viewer GET",
            );
            await expectError(
              await fetch(`${stack.url}/api/settings`, {
                method: "PATCH",
                headers: { ...headers, "content-type": "application/json" },
                body: JSON.stringify({ segment_seconds: 10 }),
              }),
              403,
              "viewer PATCH",
            );
          }
          const readToken = await createToken(
            stack.url,
            stack.auth,
            "admin-read",
            "read",
          );
          await expectError(
            await fetch(`${stack.url}/api/settings`, {
              method: "PATCH",
              headers: {
                authorization: `Bearer ${readToken}`,
                "content-type": "application/json",
              },
              body: JSON.stringify({ segment_seconds: 10 }),
            }),
            403,
            "read-only token PATCH",
          );
          assert.equal(stack.controller.settings.current().segment_seconds, 60);
        },
      );

      await t.step(
        "bad input is a 400 naming the setting, never a 500",
        async () => {
          const bad: [string, unknown][] = [
            ["default_resolution", "big"],
            ["default_framerate", 0],
            ["default_node", "no-such-node"],
            ["default_node", "not a name"],
            ["segment_seconds", 1],
            ["default_retention_days", 0],
            ["min_free_percent", 75],
            ["min_free_gib", -1],
            ["relay_idle_grace_seconds", "soon"],
            ["k8s_namespace", "default"],
          ];
          for (const [key, value] of bad) {
            const err = await expectError(
              await patch({ [key]: value }),
              400,
              `${key}=${JSON.stringify(value)}`,
            );
            assert.equal(err.field, key);
            assert.ok(err.message.includes(key), err.message);
          }
          for (const body of [[1], "x", null]) {
            await expectError(await patch(body), 400, JSON.stringify(body));
          }
          await expectError(
            await stack.api("/api/settings", {
              method: "PATCH",
              body: "{not json",
              headers: { "content-type": "application/json" },
            }),
            400,
            "malformed JSON",
          );
          await expectError(
            await stack.api("/api/settings", {
              method: "PATCH",
              body: "segment_seconds=10",
              headers: { "content-type": "application/x-www-form-urlencoded" },
            }),
            415,
            "not JSON",
          );
          const [{ n }] = await stack.controller.db.sql<{ n: number }[]>`
          select count(*)::int as n from settings`;
          assert.equal(n, 0, "nothing stored by a refused PATCH");
        },
      );

      await t.step(
        "a PATCH is audited, published and answered with the new settings",
        async () => {
          const events = await stack.events();
          const viewerEvents = await fetch(`${stack.url}/api/events`, {
            headers: { authorization: `Bearer ${viewerToken}` },
          });
          assert.equal(viewerEvents.status, 200);
          const body = await ok({ default_framerate: 12 });
          assert.equal(body.settings.default_framerate, 12);
          assert.equal(body.updated.default_framerate.by, "admin");
          const ev = await events.waitFor((e) => e.event === "settings");
          assert.deepEqual(
            (ev.data as { changed: string[] }).changed,
            ["default_framerate"],
          );
          const seen = await drain(viewerEvents, { timeoutMs: 300 });
          assert.ok(seen.includes(": connected"), seen);
          assert.ok(!seen.includes("event: settings"), "not sent to viewers");
          const audit = await (await stack.api(
            "/api/audit?action=settings.update",
          )).json();
          assert.equal(audit.entries[0].action, "settings.update");
          assert.deepEqual(audit.entries[0].details.changes, {
            default_framerate: { from: 15, to: 12 },
          });
        },
      );

      await t.step(
        "default_resolution and default_framerate: new cameras get them",
        async () => {
          await ok({ default_resolution: "1280x720", default_framerate: 10 });
          const res = await stack.api("/api/cameras", {
            method: "POST",
            json: { name: "Defaults", protocol: "demo" },
          });
          const cam = await res.json();
          assert.equal(res.status, 201, JSON.stringify(cam));
          assert.equal(cam.resolution, "1280x720");
          assert.equal(cam.framerate, 10);
          const given = await (await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Given",
              protocol: "demo",
              resolution: "320x240",
              framerate: 5,
            },
          })).json();
          assert.equal(given.resolution, "320x240", "a given value wins");
          assert.equal(given.framerate, 5);
          await stack.api(`/api/cameras/${given.id}`, { method: "DELETE" });
        },
      );

      await t.step(
        "default_node: unpinned cameras go to it while it is online",
        async () => {
          const automatic = await stack.controller.nodes.pickNode();
          const auto = await (await stack.api("/api/cameras", {
            method: "POST",
            json: { name: "Auto", protocol: "demo" },
          })).json();
          assert.equal(
            auto.assigned_node,
            automatic,
            "automatic: least loaded",
          );
          const automaticNow = await stack.controller.nodes.pickNode();
          const target = automaticNow === "node-a" ? "node-b" : "node-a";
          await ok({ default_node: target });
          const porch = await (await stack.api("/api/cameras", {
            method: "POST",
            json: {
              name: "Porch",
              protocol: "rtsp",
              source_url: "rtsp://127.0.0.1:9/porch",
            },
          })).json();
          assert.equal(
            porch.assigned_node,
            target,
            "the default node, not the least loaded",
          );
          assert.equal(porch.node_name, null, "placed, not pinned");
          const pinned = await (await stack.api("/api/cameras", {
            method: "POST",
            json: { name: "Pinned", protocol: "demo", node_name: automaticNow },
          })).json();
          assert.equal(
            pinned.assigned_node,
            automaticNow,
            "a pinned node wins",
          );
          await ok({ default_node: null });
          for (const id of [auto.id, porch.id, pinned.id]) {
            await stack.api(`/api/cameras/${id}`, { method: "DELETE" });
          }
        },
      );

      // One continuous camera on node-a so the desired state carries a record spec.
      const cam = await (await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: "Recorder",
          protocol: "demo",
          node_name: "node-a",
          recording_mode: "continuous",
        },
      })).json();
      const spec = (s: DesiredState) => s.cameras.find((c) => c.id === cam.id)!;
      const wakes: number[] = [];

      await t.step(
        "segment_seconds: the node's record spec changes at once",
        async () => {
          const { before, after, ms } = await pollAcross(
            "node-a",
            () => ok({ segment_seconds: 10 }),
          );
          assert.equal(spec(before).record?.segment_seconds, 60);
          assert.equal(spec(after).record?.segment_seconds, 10);
          assert.equal(
            spec(after).record?.session_id,
            spec(before).record?.session_id,
            "the recording goes on; only new segments change",
          );
          assert.notEqual(after.etag, before.etag);
          wakes.push(ms);
        },
      );

      await t.step(
        "default_retention_days: cameras without their own get it",
        async () => {
          const { before, after, ms } = await pollAcross(
            "node-a",
            () => ok({ default_retention_days: 14 }),
          );
          assert.equal(spec(before).retention_days, null);
          assert.equal(spec(after).retention_days, 14);
          assert.notEqual(after.etag, before.etag);
          wakes.push(ms);
          await stack.api(`/api/cameras/${cam.id}`, {
            method: "PATCH",
            json: { retention_days: 3 },
          });
          assert.equal(
            spec(await desired("node-a")).retention_days,
            3,
            "own wins",
          );
        },
      );

      await t.step(
        "min_free_percent and min_free_gib: the node's floor changes",
        async () => {
          const { before, after, ms } = await pollAcross(
            "node-b",
            () => ok({ min_free_percent: 12.5, min_free_gib: 0.5 }),
          );
          assert.equal(before.storage?.min_free_ratio, 0.05);
          assert.equal(before.storage?.min_free_bytes, 5 * 1024 ** 3);
          assert.equal(after.storage?.min_free_ratio, 0.125);
          assert.equal(after.storage?.min_free_bytes, 512 * 1024 ** 2);
          assert.notEqual(after.etag, before.etag);
          wakes.push(ms);
        },
      );

      await t.step(
        "relay_idle_grace_seconds: the node's relay grace changes",
        async () => {
          const { before, after, ms } = await pollAcross(
            "node-b",
            () => ok({ relay_idle_grace_seconds: 0.5 }),
          );
          assert.equal(before.relay_idle_grace_ms, 2000);
          assert.equal(after.relay_idle_grace_ms, 500);
          assert.notEqual(after.etag, before.etag);
          wakes.push(ms);
        },
      );

      await t.step(
        "a setting nodes do not use leaves their etag alone",
        async () => {
          const before = await desired("node-a");
          await ok({ default_resolution: "800x600" });
          assert.equal((await desired("node-a")).etag, before.etag);
        },
      );

      await t.step("saved settings survive a controller restart", async () => {
        await stack.restartController();
        const body = await (await stack.api("/api/settings")).json();
        assert.equal(body.settings.segment_seconds, 10);
        assert.equal(body.settings.min_free_percent, 12.5);
        assert.equal(body.settings.default_resolution, "800x600");
        assert.equal(spec(await desired("node-a")).record?.segment_seconds, 10);
      });

      console.log(
        `long poll answered ${
          wakes.map((ms) => ms.toFixed(0)).join(", ")
        } ms after each PATCH`,
      );
      for (const ms of wakes) assert.ok(ms < 1000, `woke in ${ms} ms`);
    } finally {
      await stack.close();
    }
  },
});
