/**
 * Agents (`/api/agents`): create, change, delete, start/stop/restart and the
 * tools of each, principal first like every domain service. Keys are sealed
 * before they touch the database and never leave this module; views say only
 * whether one is set. The main agent is made once, when a provider is first
 * usable (`ensureMainAgent`), and never reset afterwards. Changes are
 * published on the event bus as `agent` events (admins only).
 */
import {
  type Agent,
  type AgentStatus,
  createAgentSchema,
  DEFAULT_LIMITS,
  type Provider,
  setAgentToolsSchema,
  updateAgentSchema,
} from "../../lib/api/agents.ts";
import type { ToolInfo } from "../../lib/api/tools.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, type Logger, logger } from "../../lib/log.ts";
import { invalidInput } from "../../lib/validation.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import { authorize } from "../access/policy.ts";
import type { AgentPrincipal, Principal } from "../access/principal.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";
import type { EventBus } from "../events/bus.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import { listModels, type ProviderService, trimSlash } from "./providers.ts";
import { agentJson, utcDay } from "./view.ts";
import { TtlCache } from "./ttl_cache.ts";

/** The tool registry as agents need it (controller/tools builds it). */
export interface ToolCatalog {
  /** The tools of these names (all when omitted), in the registry's order. */
  infos(names?: string[]): ToolInfo[];
  has(name: string): boolean;
}

/** What the service asks of the supervisor. */
export interface AgentControl {
  status(agentId: string): AgentStatus;
  start(agentId: string): Promise<void>;
  stop(agentId: string): Promise<void>;
  restart(agentId: string): void;
}

export interface AgentServiceDeps {
  sql: Sql;
  box: SecretBox;
  bus: EventBus;
  providers: ProviderService;
  tools: ToolCatalog;
  /** The policy actions (controller/access RULES) the named tools take. */
  actionsOf: (names: string[]) => Set<string>;
  /** Process control; without it every agent shows as stopped (tests of the rows alone). */
  control?: AgentControl;
  clock?: Clock;
  log?: Logger;
  /** The main agent's model (`FALCON_LLM_MODEL`); else a default per provider. */
  mainModel?: string;
  /** Outbound HTTP for listing an OpenAI-compatible server's models. */
  fetch?: typeof fetch;
}

/** The main agent's model when none is configured (both see images). */
export const DEFAULT_MODEL: Record<Provider, string | null> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  // The server's own list decides (the first model it offers).
  openai_compatible: null,
};

/** The main agent may read and record; it sends nothing anywhere. */
export const MAIN_AGENT_TOOLS = [
  "list_cameras",
  "camera_status",
  "camera_snapshot",
  "analyze_camera",
  "start_recording",
  "stop_recording",
  "list_recordings",
  "get_recording",
  "analyze_recording",
  "list_nodes",
  "system_info",
];

export const MAIN_AGENT_PROMPT =
  `You are the assistant of Falcon-Eye, a camera system (NVR) that streams and records the user's cameras.
Use your tools to answer from what the cameras really show: list the cameras, check their status, look at a snapshot or a short clip, start and stop recordings, find and analyse recordings, and report on the nodes and the system.
Never guess what a camera shows: look first, and say which camera and when. Name cameras by their names. If a tool fails, say so plainly and what the user can do.
Answer briefly, in the user's language.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STOPPED: AgentStatus = {
  state: "stopped",
  restarts: 0,
  started_at: null,
  last_exit: null,
  message: null,
};

export class AgentService {
  #deps: AgentServiceDeps;
  #clock: Clock;
  #log: Logger;
  /** Rows for the hot path (principalOf, the gateway); dropped on every change made here. */
  #rows: TtlCache<string, db.AgentRow>;

  constructor(deps: AgentServiceDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? realClock;
    this.#log = deps.log ?? logger("agents");
    this.#rows = new TtlCache(this.#clock, 2000);
  }

  async list(p: Principal): Promise<{ agents: Agent[]; total: number }> {
    authorize(p, "agent.list");
    const rows = await db.listAgents(this.#deps.sql);
    const usage = await db.usageOn(this.#deps.sql, this.#today());
    const agents = rows.map((r) =>
      agentJson(r, this.#status(r.id), usage.get(r.id))
    );
    return { agents, total: agents.length };
  }

  async get(p: Principal, id: string): Promise<Agent> {
    authorize(p, "agent.read");
    return await this.#json(await this.row(id));
  }

  async create(p: Principal, body: unknown): Promise<Agent> {
    authorize(p, "agent.create");
    const parsed = createAgentSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const input = parsed.data;
    if (await db.getAgentBySlug(this.#deps.sql, input.slug)) {
      throw slugTaken(input.slug);
    }
    const baseUrl = input.base_url ? trimSlash(input.base_url) : null;
    await this.#checkBaseUrl(input.provider, baseUrl);
    const tools = this.#checkTools(input.tools ?? []);
    const cameras = await this.#checkCameras(input.camera_ids ?? null);
    const limits = { ...DEFAULT_LIMITS, ...input.limits };
    const sealed = input.api_key
      ? await this.#deps.box.seal(input.api_key)
      : null;
    const row = await this.#unique(
      input.slug,
      () =>
        db.insertAgent(this.#deps.sql, {
          slug: input.slug,
          name: input.name,
          provider: input.provider,
          model: input.model,
          base_url: baseUrl,
          api_key_sealed: sealed,
          system_prompt: input.system_prompt ?? "",
          temperature: input.temperature ?? 0.2,
          max_tokens: input.max_tokens ?? 1024,
          step_limit: input.step_limit ?? 12,
          context_window: input.context_window ?? null,
          tokens_per_day: limits.tokens_per_day,
          tool_timeout_s: limits.tool_timeout_s,
          llm_timeout_s: limits.llm_timeout_s,
          tools,
          camera_ids: cameras,
          is_main: false,
          desired: "stopped",
          created_by: personId(p),
        }),
    );
    return this.#publish("created", row);
  }

  async update(p: Principal, id: string, body: unknown): Promise<Agent> {
    authorize(p, "agent.update");
    const parsed = updateAgentSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const patch = parsed.data;
    const current = await this.row(id);
    const provider = patch.provider ?? current.provider;
    const baseUrl = patch.base_url === undefined
      ? current.base_url
      : patch.base_url === null
      ? null
      : trimSlash(patch.base_url);
    if (patch.provider !== undefined || patch.base_url !== undefined) {
      await this.#checkBaseUrl(provider, baseUrl);
    }
    const fields: Partial<db.AgentFields> = {
      name: patch.name,
      provider: patch.provider,
      model: patch.model,
      base_url: patch.base_url === undefined ? undefined : baseUrl,
      system_prompt: patch.system_prompt,
      temperature: patch.temperature,
      max_tokens: patch.max_tokens,
      step_limit: patch.step_limit,
      context_window: patch.context_window,
      tokens_per_day: patch.limits?.tokens_per_day,
      tool_timeout_s: patch.limits?.tool_timeout_s,
      llm_timeout_s: patch.limits?.llm_timeout_s,
      tools: patch.tools === undefined
        ? undefined
        : this.#checkTools(patch.tools),
      camera_ids: patch.camera_ids === undefined
        ? undefined
        : await this.#checkCameras(patch.camera_ids),
    };
    if (patch.api_key !== undefined) {
      fields.api_key_sealed = patch.api_key === null
        ? null
        : await this.#deps.box.seal(patch.api_key);
    }
    // undefined leaves a column as it is; null (allowed by the schema) clears it.
    const row = await this.#update(current.id, fields);
    if (!row) throw notFound(id);
    return this.#publish("updated", row);
  }

  async delete(p: Principal, id: string): Promise<{ message: string }> {
    authorize(p, "agent.delete");
    const row = await this.row(id);
    if (row.is_main) {
      throw new AppError(
        "conflict",
        `"${row.name}" is the main agent: it cannot be deleted; stop it or edit it instead`,
        { field: "id" },
      );
    }
    await this.#deps.control?.stop(row.id);
    await db.deleteAgent(this.#deps.sql, row.id);
    this.#rows.delete(row.id);
    this.#deps.bus.publish({
      kind: "agent",
      data: { type: "deleted", id: row.id },
    });
    return { message: `Agent "${row.name}" was removed` };
  }

  /** desired = running, and the process starts now. */
  async start(p: Principal, id: string): Promise<Agent> {
    authorize(p, "agent.control");
    const row = await this.row(id);
    await this.#checkStartable(row);
    const control = this.#control();
    await this.#update(row.id, { desired: "running" });
    try {
      await control.start(row.id);
    } catch (e) {
      await this.#update(row.id, { desired: row.desired });
      throw e;
    }
    return this.#publish("updated", await this.row(row.id));
  }

  /** desired = stopped; the process ends (its running turn is interrupted). */
  async stop(p: Principal, id: string): Promise<Agent> {
    authorize(p, "agent.control");
    const row = await this.row(id);
    await this.#update(row.id, { desired: "stopped" });
    await this.#control().stop(row.id);
    return this.#publish("updated", await this.row(row.id));
  }

  /** A new process with a new credential; starts a stopped agent. */
  async restart(p: Principal, id: string): Promise<Agent> {
    authorize(p, "agent.control");
    const row = await this.row(id);
    if (row.desired !== "running") return await this.start(p, id);
    await this.#checkStartable(row);
    this.#control().restart(row.id);
    return await this.#json(row);
  }

  /** The tools the agent may call, as `GET /api/tools` lists them. */
  async tools(p: Principal, id: string): Promise<{ tools: ToolInfo[] }> {
    authorize(p, "agent.read");
    const row = await this.row(id);
    return { tools: this.#deps.tools.infos(row.tools) };
  }

  async setTools(
    p: Principal,
    id: string,
    body: unknown,
  ): Promise<{ tools: ToolInfo[] }> {
    authorize(p, "agent.update");
    const parsed = setAgentToolsSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const current = await this.row(id);
    const tools = this.#checkTools(parsed.data.tools);
    const row = await this.#update(current.id, { tools });
    if (!row) throw notFound(id);
    this.#publish("updated", row);
    return { tools: this.#deps.tools.infos(row.tools) };
  }

  /** The principal an agent's process acts as (tool hub, chat endpoints). */
  async principalOf(agentId: string): Promise<AgentPrincipal> {
    const row = await this.cachedRow(agentId);
    return {
      kind: "agent",
      agentId: row.id,
      tools: this.#deps.actionsOf(row.tools),
      toolNames: new Set(row.tools),
      cameras: row.camera_ids ? new Set(row.camera_ids) : "all",
    };
  }

  /**
   * The row as of at most 2 s ago (this controller's own changes at once):
   * for every call of an agent process; 404 like `row`.
   */
  async cachedRow(id: string): Promise<db.AgentRow> {
    return await this.#rows.through(id, () => this.row(id));
  }

  async #update(
    id: string,
    fields: Partial<db.AgentFields>,
  ): Promise<db.AgentRow | null> {
    this.#rows.delete(id);
    const row = await db.updateAgent(this.#deps.sql, id, fields);
    this.#rows.delete(id);
    return row;
  }

  /** The row, or a 404 naming the id. */
  async row(id: string): Promise<db.AgentRow> {
    const row = UUID.test(id) ? await db.getAgent(this.#deps.sql, id) : null;
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * Makes the main agent the first time a provider is usable (a key, or an
   * OpenAI-compatible URL): once ever, recorded in agent_bootstrap, so a
   * later start or a deleted provider never makes or resets it again.
   * `preferred`: the provider just configured.
   */
  async ensureMainAgent(preferred?: Provider): Promise<Agent | null> {
    const sql = this.#deps.sql;
    if (await db.mainAgentMade(sql)) return null;
    const usable = await this.#deps.providers.usable();
    const provider = preferred && usable.includes(preferred)
      ? preferred
      : usable[0];
    if (!provider) return null;
    const model = this.#deps.mainModel ?? DEFAULT_MODEL[provider] ??
      await this.#firstModel(provider);
    if (!model) return null;
    if (await db.getAgentBySlug(sql, "main")) {
      // Someone made an agent called "main" already: it stays theirs.
      await db.markMainAgentMade(sql);
      this.#log.info("an agent with the slug main exists; no main agent made");
      return null;
    }
    const row = await sql.begin(async (tx) => {
      const t = tx as unknown as Sql;
      if (!await db.markMainAgentMade(t)) return null;
      return await db.insertAgent(t, {
        slug: "main",
        name: "Main agent",
        provider,
        model,
        base_url: null,
        api_key_sealed: null,
        system_prompt: MAIN_AGENT_PROMPT,
        temperature: 0.2,
        max_tokens: 1024,
        step_limit: 12,
        context_window: null,
        tokens_per_day: DEFAULT_LIMITS.tokens_per_day,
        tool_timeout_s: DEFAULT_LIMITS.tool_timeout_s,
        llm_timeout_s: DEFAULT_LIMITS.llm_timeout_s,
        tools: MAIN_AGENT_TOOLS,
        camera_ids: null,
        is_main: true,
        desired: "running",
        created_by: null,
      });
    });
    if (!row) return null;
    this.#log.info("made the main agent", { provider, model });
    return this.#publish("created", row);
  }

  /** Publishes the agent's status (the supervisor's changes). */
  statusChanged(agentId: string): void {
    this.#deps.bus.publish({
      kind: "agent",
      data: { type: "status", id: agentId, status: this.#status(agentId) },
    });
  }

  async #firstModel(provider: Provider): Promise<string | null> {
    const ep = await this.#deps.providers.resolve({
      provider,
      base_url: null,
      api_key_sealed: null,
    });
    if (!ep) return null;
    try {
      const models = await listModels(ep, {
        fetch: this.#deps.fetch,
        timeoutMs: 5000,
      });
      return models[0] ?? null;
    } catch (e) {
      this.#log.warn(
        "no main agent yet: cannot list the models of the openai_compatible server (set FALCON_LLM_MODEL)",
        { error: errorMessage(e) },
      );
      return null;
    }
  }

  #control(): AgentControl {
    if (!this.#deps.control) {
      throw new AppError("unavailable", "Agents cannot be run here");
    }
    return this.#deps.control;
  }

  #status(id: string): AgentStatus {
    return this.#deps.control?.status(id) ?? STOPPED;
  }

  #today(): string {
    return utcDay(this.#clock.now());
  }

  async #json(row: db.AgentRow): Promise<Agent> {
    const usage = await db.usageOn(this.#deps.sql, this.#today(), row.id);
    return agentJson(row, this.#status(row.id), usage.get(row.id));
  }

  #publish(type: "created" | "updated", row: db.AgentRow): Agent {
    const agent = agentJson(row, this.#status(row.id), undefined);
    // Usage is left out of events (a read per event); the next GET has it.
    this.#deps.bus.publish({ kind: "agent", data: { type, agent } });
    return agent;
  }

  /** An agent can be started: it has an endpoint and (but for local servers) a key. */
  async #checkStartable(row: db.AgentRow): Promise<void> {
    const ep = await this.#deps.providers.resolve(row);
    if (!ep) {
      throw new AppError(
        "conflict",
        `Agent "${row.name}" has no base URL: set base_url or the shared openai_compatible URL in Settings → AI providers`,
        { field: "base_url" },
      );
    }
    if (!ep.apiKey && row.provider !== "openai_compatible") {
      throw new AppError(
        "conflict",
        `Agent "${row.name}" has no API key: set api_key or the shared ${row.provider} key in Settings → AI providers`,
        { field: "api_key" },
      );
    }
  }

  async #checkBaseUrl(provider: Provider, baseUrl: string | null) {
    if (provider !== "openai_compatible" || baseUrl) return;
    const shared = await this.#deps.providers.shared(provider);
    if (!shared.baseUrl) {
      throw new AppError(
        "invalid_input",
        "base_url is required for openai_compatible (or set the shared URL in Settings → AI providers)",
        { field: "base_url" },
      );
    }
  }

  #checkTools(names: string[]): string[] {
    const unique = [...new Set(names)];
    const unknown = unique.filter((n) => !this.#deps.tools.has(n));
    if (unknown.length) {
      throw new AppError(
        "invalid_input",
        `tools: unknown tool${unknown.length > 1 ? "s" : ""} ${
          unknown.map((n) => `"${n}"`).join(", ")
        } (GET /api/tools lists them)`,
        { field: "tools" },
      );
    }
    return unique;
  }

  async #checkCameras(ids: string[] | null): Promise<string[] | null> {
    if (ids === null) return null;
    const unique = [...new Set(ids.map((i) => i.toLowerCase()))];
    if (!unique.length) return [];
    const rows = await this.#deps.sql<{ id: string }[]>`
      select id from cameras where id = any(${unique}::uuid[])`;
    const known = new Set(rows.map((r) => r.id));
    const missing = unique.filter((i) => !known.has(i));
    if (missing.length) {
      throw new AppError(
        "invalid_input",
        `camera_ids: camera "${missing[0]}" does not exist`,
        { field: "camera_ids" },
      );
    }
    return unique;
  }

  async #unique<T>(slug: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if ((e as { code?: string }).code === "23505") throw slugTaken(slug);
      throw e;
    }
  }
}

function slugTaken(slug: string): AppError {
  return new AppError("conflict", `An agent with slug "${slug}" exists`, {
    field: "slug",
  });
}

function notFound(id: string): AppError {
  return new AppError("not_found", `Agent "${id}" does not exist`, {
    field: "id",
  });
}

function personId(p: Principal): string | null {
  return p.kind === "user"
    ? p.userId
    : p.kind === "token"
    ? p.user.userId
    : null;
}
