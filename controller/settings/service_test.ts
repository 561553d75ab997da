/**
 * SettingsService on the embedded database: defaults (with flag/env values),
 * PATCH validation naming the setting, saving in the table, reloading,
 * listeners, the bus event, an invalid stored value, serialised saves.
 */
import assert from "node:assert/strict";
import { AppError } from "../../lib/errors.ts";
import { configureLog } from "../../lib/log.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { enrollNode, recordHeartbeat } from "../db/nodes.ts";
import { EventBus } from "../events/bus.ts";
import {
  defaultSettings,
  minFreeBytes,
  relayIdleGraceMs,
  SETTING_KEYS,
  settingFields,
} from "./schema.ts";
import { SettingsService } from "./service.ts";

configureLog({ level: "error" });

async function withDb(fn: (db: Database) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "falcon-settings-" });
  const db = await openDatabase({ dataDir: dir, max: 2 });
  try {
    await migrate(db.sql);
    await fn(db);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The AppError a PATCH fails with. */
async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AppError, String(e));
    return e;
  }
  assert.fail("expected the update to fail");
}

Deno.test("defaultSettings() takes the flag/env values and converts units", () => {
  const d = defaultSettings({ segmentSeconds: 10, relayIdleGraceMs: 2500 });
  assert.equal(d.segment_seconds, 10);
  assert.equal(d.relay_idle_grace_seconds, 2.5);
  assert.equal(relayIdleGraceMs(d), 2500);
  assert.equal(d.min_free_percent, 5);
  assert.equal(minFreeBytes(d), 5 * 1024 ** 3);
  assert.deepEqual(
    settingFields().map((f) => f.key),
    SETTING_KEYS,
    "every setting is described, in order",
  );
  for (const f of settingFields()) {
    assert.ok(f.title && f.description, `${f.key} has a title and help`);
  }
});

Deno.test({
  name: "SettingsService: validate, save, reload, notify",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withDb(async (db) => {
      const bus = new EventBus();
      const sub = bus.subscribe();
      const svc = new SettingsService({
        sql: db.sql,
        bus,
        initial: { segmentSeconds: 30 },
      });
      await svc.load();
      const heard: string[][] = [];
      svc.onChange((_next, changed) => heard.push(changed));

      await t.step("starts at the defaults, flag values included", () => {
        assert.equal(svc.current().segment_seconds, 30);
        assert.equal(svc.current().default_node, null);
        assert.deepEqual(svc.json().updated, {});
      });

      await t.step("each bad value is refused naming its setting", async () => {
        const bad: [string, unknown][] = [
          ["default_resolution", "640"],
          ["default_resolution", "641x480"],
          ["default_resolution", 640],
          ["default_framerate", 0],
          ["default_framerate", 61],
          ["default_framerate", 2.5],
          ["default_framerate", "15"],
          ["default_node", "bad name!"],
          ["default_node", 7],
          ["default_node", "never-registered"],
          ["segment_seconds", 1],
          ["segment_seconds", 3601],
          ["segment_seconds", null],
          ["default_retention_days", 0],
          ["default_retention_days", 1.5],
          ["default_retention_days", "7"],
          ["min_free_percent", -1],
          ["min_free_percent", 51],
          ["min_free_gib", -0.5],
          ["min_free_gib", "5"],
          ["relay_idle_grace_seconds", 601],
          ["relay_idle_grace_seconds", true],
        ];
        for (const [key, value] of bad) {
          const e = await rejection(svc.update({ [key]: value }));
          assert.equal(e.kind, "invalid_input", `${key}=${value}`);
          assert.equal(e.field, key, `${key}=${JSON.stringify(value)}`);
          assert.ok(e.message.startsWith(key), e.message);
        }
        const unknown = await rejection(
          svc.update({ segment_seconds: 10, k8s_namespace: "x" }),
        );
        assert.equal(unknown.field, "k8s_namespace");
        assert.match(unknown.message, /not a known setting/);
        for (const body of [null, [], "x", 5]) {
          assert.equal(
            (await rejection(svc.update(body))).kind,
            "invalid_input",
          );
        }
        assert.equal(svc.current().segment_seconds, 30, "nothing applied");
        assert.deepEqual(heard, []);
        const [{ n }] = await db.sql`select count(*)::int as n from settings`;
        assert.equal(n, 0, "nothing stored");
      });

      await t.step("a PATCH saves only what changed, and tells", async () => {
        await enrollNode(db.sql, {
          name: "node-b",
          address: "http://127.0.0.1:9",
          secretHash: "h".repeat(64),
          apiKeySealed: "v1:unused",
          replacing: null,
        });
        await recordHeartbeat(db.sql, {
          name: "node-b",
          version: "t",
          info: {},
        });
        const out = await svc.update({
          segment_seconds: 30, // unchanged
          default_node: "node-b",
          default_retention_days: 7,
          min_free_gib: 0.5,
          default_resolution: " 1280x720 ",
        }, "ada");
        assert.deepEqual(out.changed.sort(), [
          "default_node",
          "default_resolution",
          "default_retention_days",
          "min_free_gib",
        ]);
        assert.equal(out.previous.default_node, null);
        assert.equal(svc.current().default_resolution, "1280x720");
        assert.deepEqual(heard, [out.changed]);
        const ev = await sub.next();
        assert.equal(ev?.kind, "settings");
        assert.deepEqual(
          ev?.kind === "settings" ? ev.data.settings : null,
          svc.current(),
        );
        const rows = await db.sql<
          { key: string; value: unknown; updated_by: string }[]
        >`select key, value, updated_by from settings order by key`;
        assert.deepEqual(rows.map((r) => [r.key, r.value, r.updated_by]), [
          ["default_node", "node-b", "ada"],
          ["default_resolution", "1280x720", "ada"],
          ["default_retention_days", 7, "ada"],
          ["min_free_gib", 0.5, "ada"],
        ]);
        assert.equal(svc.json().updated.default_node?.by, "ada");

        const again = await svc.update({ default_node: "node-b" });
        assert.deepEqual(again.changed, [], "same value: no change");
        assert.equal(heard.length, 1);
      });

      await t.step("null and empty mean automatic / no limit", async () => {
        await svc.update({ default_node: "", default_retention_days: null });
        assert.equal(svc.current().default_node, null);
        assert.equal(svc.current().default_retention_days, null);
        const [row] = await db.sql<{ value: unknown }[]>`
          select value from settings where key = 'default_node'`;
        assert.equal(row.value, null, "stored as JSON null");
      });

      await t.step("a new service loads what was saved", async () => {
        const fresh = new SettingsService({
          sql: db.sql,
          initial: { segmentSeconds: 30 },
        });
        await fresh.load();
        assert.deepEqual(fresh.current(), svc.current());
        assert.equal(fresh.json().updated.default_resolution?.by, "ada");
      });

      await t.step(
        "an invalid or unknown stored value is ignored",
        async () => {
          await db.sql`insert into settings (key, value) values
          ('segment_seconds', '99999'::jsonb), ('gone_setting', '1'::jsonb)
          on conflict (key) do update set value = excluded.value`;
          const fresh = new SettingsService({ sql: db.sql });
          await fresh.load();
          assert.equal(fresh.current().segment_seconds, 60, "default kept");
          assert.equal(fresh.json().updated.segment_seconds, undefined);
        },
      );

      await t.step("concurrent saves apply one after the other", async () => {
        await Promise.all([
          svc.update({ default_framerate: 10 }),
          svc.update({ segment_seconds: 12 }),
          svc.update({ min_free_percent: 2.5 }),
        ]);
        const fresh = new SettingsService({ sql: db.sql });
        await fresh.load();
        assert.equal(fresh.current().default_framerate, 10);
        assert.equal(fresh.current().segment_seconds, 12);
        assert.equal(fresh.current().min_free_percent, 2.5);
        assert.deepEqual(fresh.current(), svc.current());
      });
      sub.close();
    });
  },
});
