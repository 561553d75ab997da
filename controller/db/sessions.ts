/** Queries on `sessions` and `api_tokens`. Only digests of secrets are stored. */
import type { Sql } from "./client.ts";

export interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

export async function insertSession(
  sql: Sql,
  s: Pick<
    SessionRow,
    "id_hash" | "user_id" | "csrf_token" | "expires_at" | "ip" | "user_agent"
  >,
): Promise<void> {
  await sql`insert into sessions (id_hash, user_id, csrf_token, expires_at, ip, user_agent)
    values (${s.id_hash}, ${s.user_id}, ${s.csrf_token}, ${s.expires_at}, ${s.ip}, ${s.user_agent})`;
}

export async function getSession(
  sql: Sql,
  idHash: string,
): Promise<SessionRow | null> {
  const [row] = await sql<
    SessionRow[]
  >`select * from sessions where id_hash = ${idHash}`;
  return row ?? null;
}

export async function touchSession(sql: Sql, idHash: string): Promise<void> {
  await sql`update sessions set last_seen_at = now() where id_hash = ${idHash}`;
}

export async function deleteSession(sql: Sql, idHash: string): Promise<void> {
  await sql`delete from sessions where id_hash = ${idHash}`;
}

/** Deletes every session of a user but `keepHash`; returns how many went. */
export async function deleteUserSessions(
  sql: Sql,
  userId: string,
  keepHash: string | null = null,
): Promise<number> {
  const rows = await sql`delete from sessions where user_id = ${userId}
    and (${keepHash}::text is null or id_hash <> ${keepHash}) returning id_hash`;
  return rows.length;
}

export async function deleteExpiredSessions(
  sql: Sql,
  idleMs: number,
): Promise<number> {
  const rows = await sql`delete from sessions
    where expires_at < now() or last_seen_at < now() - make_interval(secs => ${
    idleMs / 1000
  }) returning id_hash`;
  return rows.length;
}

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scope: "read" | "full";
  prefix: string;
  token_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** Refused from this moment on; null: until revoked. */
  expires_at: Date | null;
}

export async function insertToken(
  sql: Sql,
  t: Pick<
    TokenRow,
    "user_id" | "name" | "scope" | "prefix" | "token_hash" | "expires_at"
  >,
): Promise<TokenRow> {
  const [row] = await sql<TokenRow[]>`
    insert into api_tokens (user_id, name, scope, prefix, token_hash, expires_at)
    values (${t.user_id}, ${t.name}, ${t.scope}, ${t.prefix}, ${t.token_hash}, ${t.expires_at})
    returning *`;
  return row;
}

export async function tokenByHash(
  sql: Sql,
  hash: string,
): Promise<TokenRow | null> {
  const [row] = await sql<
    TokenRow[]
  >`select * from api_tokens where token_hash = ${hash} and revoked_at is null
    and (expires_at is null or expires_at > now())`;
  return row ?? null;
}

export async function touchToken(sql: Sql, id: string): Promise<void> {
  await sql`update api_tokens set last_used_at = now() where id = ${id}`;
}

export async function listTokens(
  sql: Sql,
  userId: string | null,
): Promise<(TokenRow & { username: string })[]> {
  return await sql<(TokenRow & { username: string })[]>`
    select t.*, u.username from api_tokens t join users u on u.id = t.user_id
    where (${userId}::uuid is null or t.user_id = ${userId}::uuid)
    order by t.created_at desc`;
}

export async function getToken(sql: Sql, id: string): Promise<TokenRow | null> {
  const [row] = await sql<
    TokenRow[]
  >`select * from api_tokens where id = ${id}`;
  return row ?? null;
}

export async function revokeToken(
  sql: Sql,
  id: string,
): Promise<TokenRow | null> {
  const [row] = await sql<TokenRow[]>`
    update api_tokens set revoked_at = coalesce(revoked_at, now()) where id = ${id} returning *`;
  return row ?? null;
}

/** Revokes every live token of a user but `keepId`; returns how many. */
export async function revokeUserTokens(
  sql: Sql,
  userId: string,
  keepId: string | null = null,
): Promise<number> {
  const rows = await sql`update api_tokens set revoked_at = now()
    where user_id = ${userId} and revoked_at is null
    and (${keepId}::uuid is null or id <> ${keepId}::uuid) returning id`;
  return rows.length;
}
