/** Queries on the `nodes` table. */
import type { Sql } from "./client.ts";

export interface NodeRow {
  name: string;
  address: string | null;
  version: string | null;
  status: "online" | "offline";
  last_heartbeat_at: Date | null;
  info: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

type Json = Parameters<Sql["json"]>[0];

/** Records a heartbeat; returns the row and whether the node just came online. */
export async function recordHeartbeat(
  sql: Sql,
  hb: {
    name: string;
    address: string;
    version: string;
    info: Record<string, unknown>;
  },
): Promise<{ row: NodeRow; cameOnline: boolean }> {
  const [row] = await sql<(NodeRow & { was: string | null })[]>`
    with prev as (select status from nodes where name = ${hb.name})
    insert into nodes (name, address, version, status, last_heartbeat_at, info)
    values (${hb.name}, ${hb.address}, ${hb.version}, 'online', now(), ${
    sql.json(hb.info as Json)
  })
    on conflict (name) do update set
      address = excluded.address, version = excluded.version, status = 'online',
      last_heartbeat_at = now(), info = excluded.info, updated_at = now()
    returning nodes.*, (select status from prev) as was`;
  const { was, ...rest } = row;
  return { row: rest as NodeRow, cameOnline: was !== "online" };
}

export async function listNodes(sql: Sql): Promise<NodeRow[]> {
  return await sql<NodeRow[]>`select * from nodes order by name`;
}

export async function getNode(sql: Sql, name: string): Promise<NodeRow | null> {
  const [row] = await sql<NodeRow[]>`select * from nodes where name = ${name}`;
  return row ?? null;
}

/** Sets a node offline; returns the row only when it was online. */
export async function markNodeOffline(
  sql: Sql,
  name: string,
): Promise<NodeRow | null> {
  const [row] = await sql<NodeRow[]>`
    update nodes set status = 'offline', updated_at = now()
    where name = ${name} and status = 'online' returning *`;
  return row ?? null;
}

/** Online nodes whose last heartbeat is older than `maxAgeMs`. */
export async function staleNodes(
  sql: Sql,
  maxAgeMs: number,
): Promise<NodeRow[]> {
  return await sql<NodeRow[]>`
    select * from nodes where status = 'online'
      and last_heartbeat_at < now() - make_interval(secs => ${
    maxAgeMs / 1000
  })`;
}
