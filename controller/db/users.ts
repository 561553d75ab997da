/** Queries on `users` and `camera_grants`. */
import type { Sql } from "./client.ts";

export type Role = "admin" | "viewer";

export interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  role: Role;
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date;
}

export async function countUsers(sql: Sql): Promise<number> {
  const [{ n }] = await sql<
    { n: number }[]
  >`select count(*)::int as n from users`;
  return n;
}

export async function countAdmins(sql: Sql): Promise<number> {
  const [{ n }] = await sql<
    { n: number }[]
  >`select count(*)::int as n from users where role = 'admin'`;
  return n;
}

export async function listUsers(sql: Sql): Promise<UserRow[]> {
  return await sql<UserRow[]>`select * from users order by lower(username)`;
}

export async function getUser(sql: Sql, id: string): Promise<UserRow | null> {
  const [row] = await sql<UserRow[]>`select * from users where id = ${id}`;
  return row ?? null;
}

export async function findByUsername(
  sql: Sql,
  username: string,
): Promise<UserRow | null> {
  const [row] = await sql<
    UserRow[]
  >`select * from users where lower(username) = lower(${username})`;
  return row ?? null;
}

export async function insertUser(
  sql: Sql,
  u: { username: string; password_hash: string; role: Role },
): Promise<UserRow> {
  const [row] = await sql<UserRow[]>`
    insert into users (username, password_hash, role) values (${u.username}, ${u.password_hash}, ${u.role})
    returning *`;
  return row;
}

export async function setRole(
  sql: Sql,
  id: string,
  role: Role,
): Promise<UserRow | null> {
  const [row] = await sql<
    UserRow[]
  >`update users set role = ${role}, updated_at = now() where id = ${id} returning *`;
  return row ?? null;
}

export async function setPassword(
  sql: Sql,
  id: string,
  hash: string,
): Promise<UserRow | null> {
  const [row] = await sql<UserRow[]>`
    update users set password_hash = ${hash}, password_changed_at = now(), updated_at = now()
    where id = ${id} returning *`;
  return row ?? null;
}

export async function deleteUser(
  sql: Sql,
  id: string,
): Promise<UserRow | null> {
  const [row] = await sql<
    UserRow[]
  >`delete from users where id = ${id} returning *`;
  return row ?? null;
}

export async function grantsOf(sql: Sql, userId: string): Promise<string[]> {
  const rows = await sql<{ camera_id: string }[]>`
    select camera_id from camera_grants where user_id = ${userId} order by camera_id`;
  return rows.map((r) => r.camera_id);
}

/** Replaces a user's grants. Run it inside the caller's transaction. */
export async function setGrants(
  sql: Sql,
  userId: string,
  cameraIds: string[],
): Promise<void> {
  await sql`delete from camera_grants where user_id = ${userId}`;
  if (cameraIds.length) {
    await sql`insert into camera_grants ${
      sql(cameraIds.map((camera_id) => ({ user_id: userId, camera_id })))
    }`;
  }
}
