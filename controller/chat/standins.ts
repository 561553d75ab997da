/**
 * Stand-ins for what controller/agents (agents-core) provides, so chat runs
 * end to end before it is merged: the agent's settings and its credential,
 * read straight from the `agents` and `agent_credentials` tables (0008).
 * The composition root (controller/mod.ts) replaces them with the agents
 * service's own functions; nothing else imports this file.
 */
import type { Sql } from "../db/client.ts";
import { UUID } from "../../lib/api/common.ts";
import type { TurnAgentConfig } from "./turns.ts";

interface AgentRow {
  id: string;
  slug: string;
  name: string;
  provider: string;
  model: string;
  system_prompt: string;
  temperature: number;
  max_tokens: number;
  step_limit: number;
  context_window: number | null;
  tool_timeout_s: number;
  llm_timeout_s: number;
}

/** `agentConfig` of the TurnService from the agents table. */
export function agentConfigFromTable(
  sql: Sql,
): (agentId: string) => Promise<TurnAgentConfig | null> {
  return async (agentId) => {
    if (!UUID.test(agentId)) return null;
    const [a] = await sql<AgentRow[]>`select id, slug, name, provider, model,
      system_prompt, temperature, max_tokens, step_limit, context_window,
      tool_timeout_s, llm_timeout_s from agents where id = ${agentId}`;
    if (!a) return null;
    return {
      id: a.id,
      slug: a.slug,
      name: a.name,
      wire: a.provider === "anthropic" ? "anthropic" : "openai",
      model: a.model,
      temperature: a.temperature,
      max_tokens: a.max_tokens,
      step_limit: a.step_limit,
      system_prompt: a.system_prompt,
      llm_timeout_s: a.llm_timeout_s,
      tool_timeout_s: a.tool_timeout_s,
      context_window: a.context_window,
    };
  };
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The agent and generation a presented secret belongs to (only its SHA-256 is stored), or null. */
export function agentCredentialFromTable(
  sql: Sql,
): (
  secret: string,
) => Promise<
  { agentId: string; generation: number; cameras: string[] | null } | null
> {
  return async (secret) => {
    const hash = await sha256Hex(secret);
    const [row] = await sql<
      { agent_id: string; generation: number; camera_ids: string[] | null }[]
    >`select c.agent_id, c.generation, a.camera_ids
      from agent_credentials c join agents a on a.id = c.agent_id
      where c.secret_sha256 = ${hash}`;
    return row
      ? {
        agentId: row.agent_id,
        generation: row.generation,
        cameras: row.camera_ids,
      }
      : null;
  };
}
