/**
 * Pure helpers of Settings → AI providers (islands/ProvidersForm.tsx): the
 * shared provider's form ↔ `PATCH /api/providers/{provider}` and
 * `POST /api/providers/check` bodies (lib/api/agents.ts). The key is
 * write-only: the form never holds the stored one, only a new one to set.
 */
import type { Provider, ProviderConfig } from "../../lib/api/agents.ts";
import type { KeyMode } from "./agent_form.ts";
import { PROVIDER_CHOICES } from "./agent_form.ts";

export type { ProviderConfig };

export interface ProviderValues {
  base_url: string;
  key_mode: KeyMode;
  api_key: string;
}

/** The answer of a check (lib/api/agents.ts providerCheckResultSchema). */
export interface CheckResult {
  provider: Provider;
  models: string[];
  ms: number;
}

/** Each provider once, in the order of the choices; one the API did not list is unset. */
export function providerRows(listed: ProviderConfig[]): ProviderConfig[] {
  return PROVIDER_CHOICES.map((c) =>
    listed.find((p) => p.provider === c.value) ?? {
      provider: c.value,
      base_url: null,
      has_api_key: false,
      updated_at: null,
    }
  );
}

export function providerValues(p: ProviderConfig): ProviderValues {
  return { base_url: p.base_url ?? "", key_mode: "keep", api_key: "" };
}

export type ProviderBody =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; field: "api_key"; message: string };

/** The PATCH body: what changed (an emptied base URL clears it). */
export function providerPatch(
  v: ProviderValues,
  saved: ProviderConfig,
): ProviderBody {
  const body: Record<string, unknown> = {};
  const url = v.base_url.trim() || null;
  if (url !== saved.base_url) body.base_url = url;
  if (v.key_mode === "set") {
    if (!v.api_key.trim()) {
      return { ok: false, field: "api_key", message: "Enter the key to set." };
    }
    body.api_key = v.api_key.trim();
  } else if (v.key_mode === "clear") body.api_key = null;
  return { ok: true, body };
}

/**
 * The check's body: what the form holds now, so a key can be checked before
 * it is saved; omitted fields fall back to the stored ones on the server.
 */
export function checkBody(
  provider: Provider,
  v: ProviderValues,
): Record<string, unknown> {
  const body: Record<string, unknown> = { provider };
  if (v.base_url.trim()) body.base_url = v.base_url.trim();
  if (v.key_mode === "set" && v.api_key.trim()) body.api_key = v.api_key.trim();
  return body;
}

/** "12 models in 340 ms: a, b, c … and 2 more". */
export function describeCheck(r: CheckResult, show = 20): string {
  const n = r.models.length;
  if (n === 0) return `Connected in ${r.ms} ms, but it lists no models.`;
  const head = r.models.slice(0, show).join(", ");
  const more = n > show ? ` … and ${n - show} more` : "";
  return `${n} model${n === 1 ? "" : "s"} in ${r.ms} ms: ${head}${more}`;
}
