/**
 * Numbered SQL migrations (`migrations/NNNN_name.sql`), applied in order inside
 * one transaction under an advisory lock, so two controllers starting at once
 * cannot both apply them and a failing migration leaves nothing half-done.
 */
import type { Sql } from "./client.ts";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
const LOCK_ID = 4_201_337;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(
  dir: URL = MIGRATIONS_DIR,
): Promise<Migration[]> {
  const out: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(entry.name);
    if (!entry.isFile || !m) continue;
    out.push({
      version: Number(m[1]),
      name: m[2],
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 0; i < out.length; i++) {
    if (out[i].version !== i + 1) {
      throw new Error(
        `Migration numbering has a gap or duplicate at ${out[i].version}`,
      );
    }
  }
  return out;
}

/** Applies pending migrations; returns the versions applied now. */
export async function migrate(
  sql: Sql,
  migrations?: Migration[],
): Promise<number[]> {
  const all = migrations ?? await loadMigrations();
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_ID})`;
    await tx`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at timestamptz not null default now()
    )`;
    const done = new Set(
      (await tx<{ version: number }[]>`select version from schema_migrations`)
        .map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
      applied.push(m.version);
    }
    return applied;
  });
}
