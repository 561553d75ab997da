/**
 * Queries on `agents`, `agent_credentials`, `agent_usage`, `ai_providers`
 * and `agent_bootstrap` (migration 0008). Rows carry sealed keys; the agent
 * service decides what leaves.
 */
import type { Provider } from "../../lib/api/agents.ts";
import type { Sql } from "./client.ts";

export interface AgentRow {
  id: string;
  slug: string;
  name: string;
  provider: Provider;
  model: string;
  base_url: string | null;
  api_key_sealed: string | null;
  system_prompt: string;
  temperature: number;
  max_tokens: number;
  step_limit: number;
  context_window: number | null;
  tokens_per_day: number;
  tool_timeout_s: number;
  llm_timeout_s: number;
  tools: string[];
  camera_ids: string[] | null;
  is_main: boolean;
  desired: "running" | "stopped";
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns a create or update may set. */
export type AgentFields = Omit<
  AgentRow,
  "id" | "created_at" | "updated_at"
>;

export async function listAgents(sql: Sql): Promise<AgentRow[]> {
  return await sql<AgentRow[]>`
    select * from agents order by is_main desc, lower(name), slug`;
}

export async function getAgent(sql: Sql, id: string): Promise<AgentRow | null> {
  const [row] = await sql<AgentRow[]>`select * from agents where id = ${id}`;
  return row ?? null;
}

export async function getAgentBySlug(
  sql: Sql,
  slug: string,
): Promise<AgentRow | null> {
  const [row] = await sql<
    AgentRow[]
  >`select * from agents where slug = ${slug}`;
  return row ?? null;
}

/** Agents the user wants running (the supervisor's desired set). */
export async function runningAgents(sql: Sql): Promise<AgentRow[]> {
  return await sql<AgentRow[]>`
    select * from agents where desired = 'running' order by created_at, id`;
}

export async function insertAgent(
  sql: Sql,
  a: AgentFields,
): Promise<AgentRow> {
  const [row] = await sql<AgentRow[]>`
    insert into agents ${sql(a as unknown as Record<string, unknown>)}
    returning *`;
  return row;
}

export async function updateAgent(
  sql: Sql,
  id: string,
  patch: Partial<AgentFields>,
): Promise<AgentRow | null> {
  const fields = Object.fromEntries(
    Object.entries(patch).filter(([, v]) => v !== undefined),
  );
  if (!Object.keys(fields).length) return await getAgent(sql, id);
  const [row] = await sql<AgentRow[]>`
    update agents set ${sql(fields)}, updated_at = now()
    where id = ${id} returning *`;
  return row ?? null;
}

export async function deleteAgent(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`delete from agents where id = ${id} returning id`;
  return rows.length > 0;
}

// ---- credentials ----------------------------------------------------------

export interface CredentialRow {
  agent_id: string;
  generation: number;
  secret_sha256: string;
  issued_at: Date;
}

/** Replaces the agent's credential by a new one; answers its generation (previous + 1). */
export async function replaceCredential(
  sql: Sql,
  agentId: string,
  sha256: string,
): Promise<number> {
  const [row] = await sql<{ generation: number }[]>`
    insert into agent_credentials (agent_id, generation, secret_sha256)
    values (${agentId}, 1, ${sha256})
    on conflict (agent_id) do update
      set generation = agent_credentials.generation + 1,
          secret_sha256 = excluded.secret_sha256,
          issued_at = now()
    returning generation`;
  return row.generation;
}

export async function credentialOf(
  sql: Sql,
  agentId: string,
): Promise<CredentialRow | null> {
  const [row] = await sql<CredentialRow[]>`
    select * from agent_credentials where agent_id = ${agentId}`;
  return row ?? null;
}

export async function credentialByHash(
  sql: Sql,
  sha256: string,
): Promise<CredentialRow | null> {
  const [row] = await sql<CredentialRow[]>`
    select * from agent_credentials where secret_sha256 = ${sha256}`;
  return row ?? null;
}

export async function dropCredential(sql: Sql, agentId: string): Promise<void> {
  await sql`delete from agent_credentials where agent_id = ${agentId}`;
}

// ---- usage ----------------------------------------------------------------

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

/** Adds to the agent's usage of the UTC day `day` (YYYY-MM-DD). */
export async function addUsage(
  sql: Sql,
  agentId: string,
  day: string,
  u: Usage,
): Promise<void> {
  await sql`
    insert into agent_usage (agent_id, day, prompt_tokens, completion_tokens)
    values (${agentId}, ${day}, ${u.prompt_tokens}, ${u.completion_tokens})
    on conflict (agent_id, day) do update
      set prompt_tokens = agent_usage.prompt_tokens + excluded.prompt_tokens,
          completion_tokens = agent_usage.completion_tokens + excluded.completion_tokens`;
}

/** Usage of every agent on `day`, by agent id. */
export async function usageOn(
  sql: Sql,
  day: string,
  agentId?: string,
): Promise<Map<string, Usage>> {
  const rows = await sql<({ agent_id: string } & Usage)[]>`
    select agent_id, prompt_tokens::float8 as prompt_tokens,
           completion_tokens::float8 as completion_tokens
    from agent_usage
    where day = ${day} ${agentId ? sql`and agent_id = ${agentId}` : sql``}`;
  return new Map(rows.map((r) => [r.agent_id, {
    prompt_tokens: Number(r.prompt_tokens),
    completion_tokens: Number(r.completion_tokens),
  }]));
}

// ---- shared providers -----------------------------------------------------

export interface ProviderRow {
  provider: Provider;
  base_url: string | null;
  api_key_sealed: string | null;
  updated_at: Date;
}

export async function listProviders(sql: Sql): Promise<ProviderRow[]> {
  return await sql<ProviderRow[]>`select * from ai_providers`;
}

export async function getProvider(
  sql: Sql,
  provider: Provider,
): Promise<ProviderRow | null> {
  const [row] = await sql<ProviderRow[]>`
    select * from ai_providers where provider = ${provider}`;
  return row ?? null;
}

/** Sets the given fields of a shared provider (undefined: unchanged, null: cleared). */
export async function upsertProvider(
  sql: Sql,
  provider: Provider,
  patch: { base_url?: string | null; api_key_sealed?: string | null },
): Promise<ProviderRow> {
  const current = await getProvider(sql, provider);
  const base = patch.base_url === undefined
    ? current?.base_url ?? null
    : patch.base_url;
  const key = patch.api_key_sealed === undefined
    ? current?.api_key_sealed ?? null
    : patch.api_key_sealed;
  const [row] = await sql<ProviderRow[]>`
    insert into ai_providers (provider, base_url, api_key_sealed)
    values (${provider}, ${base}, ${key})
    on conflict (provider) do update
      set base_url = excluded.base_url,
          api_key_sealed = excluded.api_key_sealed,
          updated_at = now()
    returning *`;
  return row;
}

// ---- the main agent, made once --------------------------------------------

export async function mainAgentMade(sql: Sql): Promise<boolean> {
  const rows = await sql`select 1 from agent_bootstrap`;
  return rows.length > 0;
}

/**
 * Records that the main agent was made; false when it already was (another
 * replica or an earlier start won), so the caller makes nothing.
 */
export async function markMainAgentMade(sql: Sql): Promise<boolean> {
  const rows = await sql`
    insert into agent_bootstrap (id) values (true)
    on conflict (id) do nothing returning id`;
  return rows.length > 0;
}
