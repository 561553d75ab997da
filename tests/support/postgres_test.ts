import assert from "node:assert/strict";
import postgres from "postgres";
import { createDatabase, findPgBins, startPostgres } from "./postgres.ts";
import { isPortOpen } from "./ports.ts";
import { findProcesses } from "./processes.ts";

Deno.test("findPgBins finds initdb and pg_ctl", () => {
  const bins = findPgBins();
  assert.match(bins.initdb, /\/initdb$/);
  assert.match(bins.pgCtl, /\/pg_ctl$/);
});

Deno.test("startPostgres runs a real server that answers SELECT 1", async () => {
  const started = performance.now();
  const cluster = await startPostgres();
  const startMs = performance.now() - started;
  try {
    assert.equal(
      cluster.url,
      `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
    );
    assert.ok(startMs < 10_000, `start took ${startMs} ms`);
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: cluster.port,
    });
    conn.close();

    const sql = postgres(cluster.url, { max: 1 });
    try {
      const rows = await sql`select 1 as one, version() as v`;
      assert.equal(rows[0].one, 1);
      assert.match(rows[0].v, /^PostgreSQL \d+/);
    } finally {
      await sql.end();
    }
  } finally {
    await cluster.stop();
  }
  assert.equal(await isPortOpen(cluster.port), false);
  await assert.rejects(Deno.stat(cluster.dir), Deno.errors.NotFound);
  const left = findProcesses((argv) => argv.join(" ").includes(cluster.dir));
  assert.deepEqual(left, []);
  await cluster.stop(); // idempotent
});

Deno.test("createDatabase gives each test its own database", async () => {
  await using cluster = await startPostgres();
  const urlA = await createDatabase(cluster, "falcon_a");
  const urlB = await createDatabase(cluster);
  assert.equal(urlA, `postgres://postgres@127.0.0.1:${cluster.port}/falcon_a`);
  assert.notEqual(urlA, urlB);

  const a = postgres(urlA, { max: 1, onnotice: () => {} });
  const b = postgres(urlB, { max: 1, onnotice: () => {} });
  try {
    await a`create table cams (id int primary key)`;
    await a`insert into cams values (1)`;
    const [{ db }] = await a`select current_database() as db`;
    assert.equal(db, "falcon_a");
    const [{ n }] = await a`select count(*)::int as n from cams`;
    assert.equal(n, 1);
    const [{ exists }] = await b`
      select to_regclass('public.cams') is not null as exists`;
    assert.equal(exists, false);
  } finally {
    await a.end();
    await b.end();
  }
  await assert.rejects(createDatabase(cluster, "Bad-Name"), /must match/);
});

Deno.test("two clusters can run side by side", async () => {
  const [one, two] = await Promise.all([startPostgres(), startPostgres()]);
  try {
    assert.notEqual(one.port, two.port);
    assert.notEqual(one.dir, two.dir);
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
});
