import assert from "node:assert/strict";
import postgres from "postgres";
import { createDatabase, startPostgres } from "../../tests/support/postgres.ts";
import { loadMigrations, migrate } from "./migrate.ts";

Deno.test("loadMigrations() finds the numbered SQL files in order", async () => {
  const ms = await loadMigrations();
  assert.ok(ms.length >= 1);
  ms.forEach((m, i) => assert.equal(m.version, i + 1));
});

Deno.test({
  name:
    "migrate() on PostgreSQL 15: concurrent runs apply once, reruns are no-ops, a failure rolls back",
  sanitizeResources: false,
  async fn() {
    await using pg = await startPostgres();
    const url = await createDatabase(pg);
    const a = postgres(url, { max: 2, onnotice: () => {} });
    const b = postgres(url, { max: 2, onnotice: () => {} });
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const all = (await loadMigrations()).map((m) => m.version);
      assert.deepEqual(
        [...ra, ...rb].sort((x, y) => x - y),
        all,
        "each migration applied exactly once",
      );
      assert.deepEqual(await migrate(a), []);
      const [{ n }] =
        await a`select count(*)::int as n from information_schema.tables where table_name in ('cameras','nodes')`;
      assert.equal(n, 2);

      const broken = [...await loadMigrations(), {
        version: all.length + 1,
        name: "broken",
        sql: "create table half_done (x int); select * from no_such_table;",
      }];
      await assert.rejects(migrate(a, broken));
      const [{ t }] = await a`select to_regclass('half_done')::text as t`;
      assert.equal(t, null, "a failed migration leaves nothing behind");
    } finally {
      await a.end();
      await b.end();
    }
  },
});

Deno.test({
  name: "falcon migrate applies migrations to DATABASE_URL and exits 0",
  sanitizeResources: false,
  async fn() {
    await using pg = await startPostgres();
    const url = await createDatabase(pg);
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, "migrate"],
      env: { DATABASE_URL: url, FALCON_LOG_LEVEL: "info" },
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const stdout = new TextDecoder().decode(out.stdout);
    assert.match(stdout, /migrations applied/);
    const sql = postgres(url, { onnotice: () => {} });
    const rows = await sql`select version from schema_migrations`;
    await sql.end();
    assert.ok(rows.length >= 1);
  },
});
