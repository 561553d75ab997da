/**
 * The agents surface for the composition root (controller/mod.ts): the
 * hooks other parts set, and the provider settings read at start.
 */
import type { Provider } from "../../lib/api/agents.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage } from "../../lib/log.ts";
import type { TokenUsage } from "./gateway.ts";

export { AgentService, type ToolCatalog } from "./service.ts";
export { ProviderService } from "./providers.ts";
export { AgentSupervisor } from "./supervisor.ts";
export { AgentCredentials } from "./credentials.ts";
export type { TokenUsage } from "./gateway.ts";

/** Set by other parts of the controller (chat) after start. */
export interface AgentHooks {
  /** An agent's process stopped or died: its running turn is over. */
  onStopped?: (agentId: string) => void | Promise<void>;
  /** One model call's usage, with the turn of its `x-falcon-turn` header. */
  onUsage?: (
    turnId: string | null,
    agentId: string,
    usage: TokenUsage,
  ) => void | Promise<void>;
}

/** The controller settings that configure providers (controller/config.ts). */
export interface ProviderSettings {
  openaiApiKey?: string;
  openaiApiKeyFile?: string;
  anthropicApiKey?: string;
  anthropicApiKeyFile?: string;
  llmBaseUrl?: string;
}

/** The keys and URLs the settings give, keys read from their files when named. */
export async function providerSettings(cfg: ProviderSettings): Promise<
  { provider: Provider; apiKey?: string; baseUrl?: string }[]
> {
  const out: { provider: Provider; apiKey?: string; baseUrl?: string }[] = [];
  const openai = cfg.openaiApiKey ??
    await keyFile(cfg.openaiApiKeyFile, "--openai-api-key-file");
  if (openai) out.push({ provider: "openai", apiKey: openai });
  const anthropic = cfg.anthropicApiKey ??
    await keyFile(cfg.anthropicApiKeyFile, "--anthropic-api-key-file");
  if (anthropic) out.push({ provider: "anthropic", apiKey: anthropic });
  if (cfg.llmBaseUrl) {
    out.push({ provider: "openai_compatible", baseUrl: cfg.llmBaseUrl });
  }
  return out;
}

async function keyFile(
  path: string | undefined,
  setting: string,
): Promise<string | undefined> {
  if (!path) return undefined;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new AppError(
      "invalid_input",
      `${setting}: cannot read ${path}: ${errorMessage(e)}`,
      { field: setting.replace(/^--/, "") },
    );
  }
  const key = text.trim();
  if (!key) {
    throw new AppError("invalid_input", `${setting}: ${path} is empty`, {
      field: setting.replace(/^--/, ""),
    });
  }
  return key;
}
