/** Queries on the `nodes` table. */
import type { Sql } from "./client.ts";

export interface NodeRow {
  name: string;
  address: string | null;
  version: string | null;
  status: "online" | "offline";
  last_heartbeat_at: Date | null;
  info: Record<string, unknown>;
  /** SHA-256 hex of the node's own secret; null = not enrolled (migration 0007). */
  secret_hash: string | null;
  /** Sealed key the controller presents to the node agent. */
  api_key_sealed: string | null;
  enrolled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

type Json = Parameters<Sql["json"]>[0];

/**
 * Records a heartbeat of an enrolled node; returns the row and whether the
 * node just came online, or null when the node is not enrolled (any more).
 * The address is not touched: it is pinned at enrolment.
 */
export async function recordHeartbeat(
  sql: Sql,
  hb: {
    name: string;
    version: string;
    info: Record<string, unknown>;
  },
): Promise<{ row: NodeRow; cameOnline: boolean } | null> {
  const [row] = await sql<(NodeRow & { was: string | null })[]>`
    with prev as (select status from nodes where name = ${hb.name})
    update nodes set
      version = ${hb.version}, status = 'online', last_heartbeat_at = now(),
      info = ${sql.json(hb.info as Json)}, updated_at = now()
    where name = ${hb.name} and secret_hash is not null
    returning nodes.*, (select status from prev) as was`;
  if (!row) return null;
  const { was, ...rest } = row;
  return { row: rest as NodeRow, cameOnline: was !== "online" };
}

/**
 * Enrols a node: stores its secret's hash, the sealed key to call it with,
 * and pins its address. Only a node that is not enrolled, or whose current
 * secret hash is `replacing` (a node moving itself), is changed; null otherwise.
 */
export async function enrollNode(
  sql: Sql,
  e: {
    name: string;
    address: string;
    secretHash: string;
    apiKeySealed: string;
    replacing: string | null;
  },
): Promise<NodeRow | null> {
  const [row] = await sql<NodeRow[]>`
    insert into nodes (name, address, secret_hash, api_key_sealed, enrolled_at)
    values (${e.name}, ${e.address}, ${e.secretHash}, ${e.apiKeySealed}, now())
    on conflict (name) do update set
      address = excluded.address, secret_hash = excluded.secret_hash,
      api_key_sealed = excluded.api_key_sealed, enrolled_at = now(),
      updated_at = now()
    where nodes.secret_hash is null or nodes.secret_hash = ${e.replacing}
    returning *`;
  return row ?? null;
}

/** The enrolled node whose secret has this SHA-256 hex, or null. */
export async function nodeBySecretHash(
  sql: Sql,
  hash: string,
): Promise<NodeRow | null> {
  const [row] = await sql<NodeRow[]>`
    select * from nodes where secret_hash = ${hash}`;
  return row ?? null;
}

/** Forgets a node's credentials so it can enrol again; null for an unknown node. */
export async function resetEnrolment(
  sql: Sql,
  name: string,
): Promise<NodeRow | null> {
  const [row] = await sql<NodeRow[]>`
    update nodes set secret_hash = null, api_key_sealed = null,
      enrolled_at = null, updated_at = now()
    where name = ${name} returning *`;
  return row ?? null;
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
