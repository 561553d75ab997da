/** Queries on `audit_log`. */
import type { Sql } from "./client.ts";

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

type Json = Parameters<Sql["json"]>[0];

export async function insertAudit(
  sql: Sql,
  e: Omit<AuditRow, "id" | "at">,
): Promise<void> {
  await sql`insert into audit_log (actor_id, actor_name, action, target, ip, details)
    values (${e.actor_id}, ${e.actor_name}, ${e.action}, ${e.target}, ${e.ip}, ${
    sql.json(e.details as Json)
  })`;
}

export async function listAudit(
  sql: Sql,
  q: { limit: number; offset: number; action?: string },
): Promise<{ rows: AuditRow[]; total: number }> {
  const where = q.action ? sql`where action like ${q.action + "%"}` : sql``;
  const rows = await sql<
    AuditRow[]
  >`select * from audit_log ${where} order by at desc, id desc
    limit ${q.limit} offset ${q.offset}`;
  const [{ n }] = await sql<
    { n: number }[]
  >`select count(*)::int as n from audit_log ${where}`;
  return { rows, total: n };
}
