/** Queries on `settings` (migration 0004). Values travel as JSON text. */
import type { Sql } from "../db/client.ts";

export interface SettingRow {
  key: string;
  value: unknown;
  updated_at: Date;
  updated_by: string | null;
}

export async function listSettings(sql: Sql): Promise<SettingRow[]> {
  return await sql<SettingRow[]>`
    select key, value, updated_at, updated_by from settings order by key`;
}

/** Upserts the values in one transaction; returns the time they were saved at. */
export async function saveSettings(
  sql: Sql,
  values: { key: string; value: unknown }[],
  updatedBy: string | null,
): Promise<Date> {
  return await sql.begin(async (tx) => {
    const [{ now }] = await tx<{ now: Date }[]>`select now() as now`;
    for (const { key, value } of values) {
      // Sent as text and cast: a JSON null stays a value (not SQL NULL), and
      // postgres.js does not JSON-encode a second time.
      await tx`insert into settings (key, value, updated_at, updated_by)
        values (${key}, ${
        JSON.stringify(value)
      }::text::jsonb, ${now}, ${updatedBy})
        on conflict (key) do update
          set value = excluded.value, updated_at = excluded.updated_at,
              updated_by = excluded.updated_by`;
    }
    return now;
  });
}
