/**
 * The shared AI providers (Settings → AI providers, `/api/providers`): a key
 * and a base URL per provider kind, sealed at rest and write-only. `check`
 * lists the models an endpoint offers, which proves the key and URL work;
 * `resolve` gives the gateway the real endpoint and key of an agent (its own,
 * else the shared one, else the provider's public endpoint).
 */
import {
  type Provider,
  providerCheckSchema,
  type ProviderConfig,
  PROVIDERS,
  updateProviderSchema,
} from "../../lib/api/agents.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import { redactUrl } from "../../lib/redact.ts";
import { invalidInput } from "../../lib/validation.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";
import type { SecretBox } from "../secrets/secret_box.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import { TtlCache } from "./ttl_cache.ts";

/** The public endpoints; an OpenAI-compatible server has none (its URL is required). */
export const DEFAULT_BASE_URL: Record<Provider, string | null> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  openai_compatible: null,
};

/** The Anthropic API version the check and the gateway send when the client names none. */
export const ANTHROPIC_VERSION = "2023-06-01";

/** Which wire an agent of this provider speaks. */
export function wireOf(provider: Provider): "openai" | "anthropic" {
  return provider === "anthropic" ? "anthropic" : "openai";
}

/** Where an agent's model calls go, with the real key (never leaves the controller). */
export interface Endpoint {
  provider: Provider;
  baseUrl: string;
  apiKey: string | null;
}

export interface ProviderServiceDeps {
  sql: Sql;
  box: SecretBox;
  /** Outbound HTTP (tests inject one). @default fetch */
  fetch?: typeof fetch;
  /** Time a model listing may take. @default 10000 */
  checkTimeoutMs?: number;
  /** After a change that makes a provider usable (the main agent is made then). */
  onConfigured?: (provider: Provider) => Promise<void>;
  clock?: Clock;
}

export class ProviderService {
  #deps: ProviderServiceDeps;
  /** Shared provider rows for the gateway's every call; dropped on changes made here. */
  #rows: TtlCache<Provider, db.ProviderRow | null>;

  constructor(deps: ProviderServiceDeps) {
    this.#deps = deps;
    this.#rows = new TtlCache(deps.clock ?? realClock, 2000);
  }

  /** Every provider kind, configured or not. */
  async list(p: Principal): Promise<{ providers: ProviderConfig[] }> {
    authorize(p, "provider.read");
    const rows = new Map(
      (await db.listProviders(this.#deps.sql)).map((r) => [r.provider, r]),
    );
    return {
      providers: PROVIDERS.map((k) => providerJson(k, rows.get(k) ?? null)),
    };
  }

  /** PATCH semantics: a given field is set (null clears), others stay. */
  async update(
    p: Principal,
    provider: string,
    body: unknown,
  ): Promise<ProviderConfig> {
    authorize(p, "provider.update");
    const kind = providerOf(provider);
    const parsed = updateProviderSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const patch = parsed.data;
    const current = await db.getProvider(this.#deps.sql, kind);
    const base = patch.base_url === undefined
      ? current?.base_url ?? null
      : patch.base_url;
    if (kind === "openai_compatible" && base === null) {
      throw new AppError(
        "invalid_input",
        "base_url is required for openai_compatible (e.g. http://127.0.0.1:11434/v1 for Ollama)",
        { field: "base_url" },
      );
    }
    const wasUsable = usable(current);
    this.#rows.delete(kind);
    const row = await db.upsertProvider(this.#deps.sql, kind, {
      base_url: patch.base_url === undefined || patch.base_url === null
        ? patch.base_url
        : trimSlash(patch.base_url),
      api_key_sealed: patch.api_key === undefined
        ? undefined
        : patch.api_key === null
        ? null
        : await this.#deps.box.seal(patch.api_key),
    });
    this.#rows.delete(kind);
    if (!wasUsable && usable(row)) await this.#deps.onConfigured?.(kind);
    return providerJson(kind, row);
  }

  /** Lists the models of an endpoint; omitted fields are the stored shared ones. */
  async check(
    p: Principal,
    body: unknown,
  ): Promise<{ provider: Provider; models: string[]; ms: number }> {
    authorize(p, "provider.check");
    const parsed = providerCheckSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const { provider } = parsed.data;
    const shared = await this.shared(provider);
    const baseUrl = parsed.data.base_url
      ? trimSlash(parsed.data.base_url)
      : shared.baseUrl;
    if (!baseUrl) {
      throw new AppError(
        "invalid_input",
        "base_url is required for openai_compatible",
        { field: "base_url" },
      );
    }
    const apiKey = parsed.data.api_key ?? shared.apiKey;
    if (!apiKey && provider !== "openai_compatible") {
      throw new AppError(
        "invalid_input",
        `api_key is required: no shared ${provider} key is stored`,
        { field: "api_key" },
      );
    }
    const started = performance.now();
    const models = await listModels({ provider, baseUrl, apiKey }, {
      fetch: this.#deps.fetch,
      timeoutMs: this.#deps.checkTimeoutMs,
    });
    return { provider, models, ms: Math.round(performance.now() - started) };
  }

  /** The shared endpoint of a provider: stored base URL ?? the public one, stored key. */
  async shared(
    provider: Provider,
  ): Promise<{ baseUrl: string | null; apiKey: string | null }> {
    const row = await this.#rows.through(
      provider,
      () => db.getProvider(this.#deps.sql, provider),
    );
    return {
      baseUrl: row?.base_url ?? DEFAULT_BASE_URL[provider],
      apiKey: row?.api_key_sealed
        ? await this.#deps.box.open(row.api_key_sealed)
        : null,
    };
  }

  /** An agent's endpoint: its base URL ?? the shared ?? the default; its key ?? the shared. */
  async resolve(agent: {
    provider: Provider;
    base_url: string | null;
    api_key_sealed: string | null;
  }): Promise<Endpoint | null> {
    const shared = await this.shared(agent.provider);
    const baseUrl = agent.base_url ?? shared.baseUrl;
    if (!baseUrl) return null;
    const apiKey = agent.api_key_sealed
      ? await this.#deps.box.open(agent.api_key_sealed)
      : shared.apiKey ?? null;
    return { provider: agent.provider, baseUrl: trimSlash(baseUrl), apiKey };
  }

  /** Providers that can be called now (a key, or an OpenAI-compatible URL), in preference order. */
  async usable(): Promise<Provider[]> {
    const rows = new Map(
      (await db.listProviders(this.#deps.sql)).map((r) => [r.provider, r]),
    );
    return PROVIDERS.filter((k) => usable(rows.get(k) ?? null));
  }

  /**
   * Stores keys and URLs given in the controller's settings (env or file) at
   * start, sealed; a value already stored is not written again.
   */
  async applySettings(given: {
    provider: Provider;
    apiKey?: string;
    baseUrl?: string;
  }[]): Promise<Provider[]> {
    const changed: Provider[] = [];
    for (const g of given) {
      const row = await db.getProvider(this.#deps.sql, g.provider);
      const patch: { base_url?: string; api_key_sealed?: string } = {};
      if (g.baseUrl && trimSlash(g.baseUrl) !== row?.base_url) {
        patch.base_url = trimSlash(g.baseUrl);
      }
      if (g.apiKey) {
        const stored = row?.api_key_sealed
          ? await this.#deps.box.open(row.api_key_sealed).catch(() => null)
          : null;
        if (stored !== g.apiKey) {
          patch.api_key_sealed = await this.#deps.box.seal(g.apiKey);
        }
      }
      if (Object.keys(patch).length) {
        this.#rows.delete(g.provider);
        await db.upsertProvider(this.#deps.sql, g.provider, patch);
        changed.push(g.provider);
      }
    }
    return changed;
  }
}

function usable(row: db.ProviderRow | null): boolean {
  if (!row) return false;
  return row.provider === "openai_compatible"
    ? row.base_url !== null
    : row.api_key_sealed !== null;
}

function providerOf(raw: string): Provider {
  if ((PROVIDERS as readonly string[]).includes(raw)) return raw as Provider;
  throw new AppError(
    "not_found",
    `No provider "${raw}": it is one of ${PROVIDERS.join(", ")}`,
    { field: "provider" },
  );
}

function providerJson(
  provider: Provider,
  row: db.ProviderRow | null,
): ProviderConfig {
  return {
    provider,
    base_url: row?.base_url ?? null,
    has_api_key: !!row?.api_key_sealed,
    updated_at: row ? new Date(row.updated_at).toISOString() : null,
  };
}

export function trimSlash(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/**
 * The model ids an endpoint lists: OpenAI wire `GET {base}/models` with a
 * bearer key, Anthropic `GET {base}/v1/models` with `x-api-key`. Errors say
 * what went wrong in words and name the URL without credentials.
 */
export async function listModels(
  ep: Endpoint,
  opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<string[]> {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const url = ep.provider === "anthropic"
    ? `${ep.baseUrl}/v1/models?limit=1000`
    : `${ep.baseUrl}/models`;
  const shown = redactUrl(url);
  const headers: Record<string, string> = { accept: "application/json" };
  if (ep.provider === "anthropic") {
    if (ep.apiKey) headers["x-api-key"] = ep.apiKey;
    headers["anthropic-version"] = ANTHROPIC_VERSION;
  } else if (ep.apiKey) {
    headers.authorization = `Bearer ${ep.apiKey}`;
  }
  let res: Response;
  try {
    res = await doFetch(url, {
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "TimeoutError") {
      throw new AppError(
        "timeout",
        `${shown} did not answer within ${Math.round(timeoutMs / 1000)} s`,
        { field: "base_url" },
      );
    }
    throw new AppError(
      "upstream_failed",
      `Cannot reach ${shown}: ${withoutSecret(errorMessage(e), ep.apiKey)}`,
      { field: "base_url" },
    );
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new AppError(
      "invalid_input",
      `The provider refused the key (${res.status} from ${shown})`,
      { field: "api_key" },
    );
  }
  if (!res.ok) {
    const text = (await res.text().catch(() => "")).slice(0, 300);
    throw new AppError(
      "upstream_failed",
      `${shown} answered ${res.status}${
        text ? `: ${withoutSecret(text, ep.apiKey)}` : ""
      }`,
      { field: "base_url" },
    );
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new AppError(
      "upstream_failed",
      `${shown} did not answer JSON: is it an ${
        ep.provider === "anthropic" ? "Anthropic" : "OpenAI-compatible"
      } API?`,
      { field: "base_url" },
    );
  }
  const data = (body as { data?: unknown })?.data;
  if (!Array.isArray(data)) {
    throw new AppError(
      "upstream_failed",
      `${shown} answered no model list (no "data" array)`,
      { field: "base_url" },
    );
  }
  return data
    .map((m) => (m as { id?: unknown })?.id)
    .filter((id): id is string => typeof id === "string")
    .sort();
}

function withoutSecret(text: string, secret: string | null): string {
  return secret ? text.split(secret).join("***") : text;
}
