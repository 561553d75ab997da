/**
 * Settings → AI providers (admins): per provider the shared base URL and key
 * that agents without their own use. The key is write-only (keep, set or
 * replace, clear). "Check" asks the provider for its models with what the
 * form holds (`POST /api/providers/check`) and lists them, or shows the
 * provider's error as it came. Loads `GET /api/providers` after hydration.
 */
import { useEffect, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import { formatUtc } from "./client/format.ts";
import { type KeyMode, PROVIDER_CHOICES } from "./client/agent_form.ts";
import {
  checkBody,
  type CheckResult,
  describeCheck,
  type ProviderConfig,
  providerPatch,
  providerRows,
  type ProviderValues,
  providerValues,
} from "./client/providers_form.ts";

export default function ProvidersForm() {
  const [rows, setRows] = useState<ProviderConfig[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  async function load() {
    setLoading(true);
    setError(null);
    const res = await apiRequest<{ providers: ProviderConfig[] }>(
      "GET",
      "/api/providers",
    );
    setLoading(false);
    if (res.ok) setRows(providerRows(res.value.providers));
    else setError(res.error.message);
  }
  useEffect(() => void load(), []);

  return (
    <div class="stack">
      <p class="hint">
        Shared keys and base URLs; an agent with a key or base URL of its own
        uses that instead. Keys are stored sealed and are never shown again,
        logged or given to an agent's process: the controller adds them to the
        agents' model calls itself.
      </p>
      {error && (
        <div class="bar">
          <p class="err" role="alert">Cannot load the providers: {error}</p>
          <button type="button" onClick={load} disabled={loading}>
            {loading ? "Loading…" : "Try again"}
          </button>
        </div>
      )}
      {!rows && !error && <p class="mut" role="status">Loading providers…</p>}
      {rows && (
        <ul class="nodes">
          {rows.map((p) => (
            <li key={p.provider} class="card">
              <ProviderCard
                saved={p}
                onSaved={(x) =>
                  setRows((prev) =>
                    prev?.map((r) => r.provider === x.provider ? x : r) ?? null
                  )}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const URL_HINT: Record<ProviderConfig["provider"], string> = {
  openai: "Empty: https://api.openai.com/v1",
  anthropic: "Empty: https://api.anthropic.com",
  openai_compatible:
    "Ollama http://localhost:11434/v1 · LM Studio http://localhost:1234/v1 · vLLM http://host:8000/v1 · llama.cpp http://host:8080/v1",
};

/** One provider's form, its Save and its Check. */
export function ProviderCard(
  { saved, onSaved, checked = null }: {
    saved: ProviderConfig;
    onSaved: (p: ProviderConfig) => void;
    /** A check's outcome at first (tests). */
    checked?:
      | { ok: true; result: CheckResult }
      | { ok: false; error: string }
      | null;
  },
) {
  const [v, setV] = useState<ProviderValues>(providerValues(saved));
  const [busy, setBusy] = useState<"save" | "check" | null>(null);
  const [fieldError, setFieldError] = useState<
    { field: string; message: string } | null
  >(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [check, setCheck] = useState(checked);
  const p = saved.provider;
  const id = (f: string) => `prov-${p}-${f}`;
  const label = PROVIDER_CHOICES.find((c) => c.value === p)?.label ?? p;
  const set = (k: keyof ProviderValues, val: string) =>
    setV((x) => ({ ...x, [k]: val }));

  async function save(e: Event) {
    e.preventDefault();
    setFieldError(null);
    setNotice(null);
    const made = providerPatch(v, saved);
    if (!made.ok) return setFieldError(made);
    if (Object.keys(made.body).length === 0) {
      return setNotice("Nothing changed.");
    }
    setBusy("save");
    const res = await apiRequest<ProviderConfig>(
      "PATCH",
      `/api/providers/${p}`,
      made.body,
    );
    setBusy(null);
    if (!res.ok) {
      return setFieldError({
        field: res.error.field?.split(".")[0] ?? "form",
        message: res.error.message,
      });
    }
    setV(providerValues(res.value));
    setNotice("Saved.");
    onSaved(res.value);
  }

  async function runCheck() {
    setBusy("check");
    setCheck(null);
    const res = await apiRequest<CheckResult>(
      "POST",
      "/api/providers/check",
      checkBody(p, v),
    );
    setBusy(null);
    setCheck(
      res.ok
        ? { ok: true, result: res.value }
        : { ok: false, error: res.error.message },
    );
  }

  const err = (f: string) =>
    fieldError?.field === f ? fieldError.message : undefined;
  const keyChoices: { value: KeyMode; label: string }[] = saved.has_api_key
    ? [
      { value: "keep", label: "Keep the current key" },
      { value: "set", label: "Replace the key" },
      { value: "clear", label: "Clear the key" },
    ]
    : [
      {
        value: "keep",
        label: p === "openai_compatible" ? "No key" : "Not set",
      },
      { value: "set", label: "Set a key" },
    ];
  return (
    <form class="stack" onSubmit={save} aria-labelledby={id("h")} noValidate>
      <h3 id={id("h")}>{label}</h3>
      <p class="hint">
        Key: {saved.has_api_key ? "set" : "not set"}
        {saved.updated_at && ` · changed ${formatUtc(saved.updated_at)} UTC`}
      </p>
      <div class="field">
        <label for={id("base_url")}>Base URL</label>
        <input
          id={id("base_url")}
          type="url"
          value={v.base_url}
          aria-invalid={err("base_url") ? "true" : undefined}
          onInput={(e) =>
            set("base_url", (e.target as HTMLInputElement).value)}
        />
        {err("base_url")
          ? <p class="field-error" role="alert">{err("base_url")}</p>
          : <p class="hint">{URL_HINT[p]}</p>}
      </div>
      <div class="field">
        <label for={id("key_mode")}>API key</label>
        <select
          id={id("key_mode")}
          value={v.key_mode}
          onChange={(e) =>
            set("key_mode", (e.target as HTMLSelectElement).value)}
        >
          {keyChoices.map((c) => (
            <option
              key={c.value}
              value={c.value}
              selected={c.value === v.key_mode}
            >
              {c.label}
            </option>
          ))}
        </select>
        {v.key_mode === "set" && (
          <>
            <label for={id("api_key")} class="sr">
              {saved.has_api_key ? "New API key" : "API key"} for {label}
            </label>
            <input
              id={id("api_key")}
              type="password"
              autoComplete="off"
              placeholder="Paste the key"
              value={v.api_key}
              aria-invalid={err("api_key") ? "true" : undefined}
              onInput={(e) =>
                set("api_key", (e.target as HTMLInputElement).value)}
            />
          </>
        )}
        {err("api_key") && (
          <p class="field-error" role="alert">{err("api_key")}</p>
        )}
      </div>
      <div class="bar">
        <button type="submit" class="primary" disabled={!!busy}>
          {busy === "save" ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          disabled={!!busy}
          aria-label={`Check ${label}: list its models`}
          onClick={runCheck}
        >
          {busy === "check" ? "Checking…" : "Check"}
        </button>
        {notice && <p class="ok" role="status">{notice}</p>}
        {err("form") && <p class="form-error" role="alert">{err("form")}</p>}
      </div>
      {check && (
        check.ok
          ? (
            <p class="ok check-result" role="status">
              {describeCheck(check.result)}
            </p>
          )
          : (
            <p class="err check-result" role="alert">
              Check failed: {check.error}
            </p>
          )
      )}
    </form>
  );
}
