/** The API's view of an agent row (lib/api/agents.ts `agentSchema`): never its key. */
import type { Agent, AgentStatus } from "../../lib/api/agents.ts";
import type { AgentRow, Usage } from "../db/agents.ts";

export function agentJson(
  row: AgentRow,
  status: AgentStatus,
  usage: Usage | undefined,
): Agent {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    provider: row.provider,
    model: row.model,
    base_url: row.base_url,
    has_api_key: row.api_key_sealed !== null,
    system_prompt: row.system_prompt,
    temperature: Math.round(row.temperature * 1000) / 1000,
    max_tokens: row.max_tokens,
    step_limit: row.step_limit,
    context_window: row.context_window,
    limits: {
      tokens_per_day: row.tokens_per_day,
      tool_timeout_s: row.tool_timeout_s,
      llm_timeout_s: row.llm_timeout_s,
    },
    tools: row.tools,
    camera_ids: row.camera_ids,
    is_main: row.is_main,
    desired: row.desired,
    status,
    usage_today: usage ?? { prompt_tokens: 0, completion_tokens: 0 },
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** The UTC day of a clock time, as agent_usage keys it. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
