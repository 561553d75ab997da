/**
 * `/agents` (admins): every AI agent with its live process status (state,
 * restarts, last exit, today's tokens), Start/Stop/Restart, a link to its
 * chat, Edit and Delete (inline confirm; the main agent cannot be deleted),
 * and the form to add one: provider, model, base URL, key (write-only: keep,
 * set/replace, clear), system prompt, sampling, step limit, limits, tools by
 * checkbox with their descriptions, camera grants.
 *
 * Lists load after hydration (`GET /api/agents`, `GET /api/tools`); the SSE
 * `agent` event on `/api/events` keeps status and usage current, and the
 * list is read again after each (re)connection.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, apiRequest } from "./client/api.ts";
import { TextArea } from "./parts/TextArea.tsx";
import { formatUtc } from "./client/format.ts";
import { subscribeLive } from "./client/live.ts";
import {
  type Agent,
  agentBody,
  type AgentFormValues,
  agentValues,
  applyAgentEvent,
  exitLabel,
  formField,
  type KeyMode,
  LIMIT_DEFAULTS,
  newAgentValues,
  type Provider,
  PROVIDER_CHOICES,
  slugFrom,
  STATE_LOOK,
  toolGroups,
  type ToolInfo,
  usageLabel,
} from "./client/agent_form.ts";

export interface CameraChoice {
  id: string;
  name: string;
}

export interface AgentsAdminProps {
  /** Every camera, for the grants. */
  cameras: CameraChoice[];
}

export default function AgentsAdmin({ cameras }: AgentsAdminProps) {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [tools, setTools] = useState<ToolInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  /** Status events seen per agent: an action's answer is older than a later event. */
  const seq = useRef(new Map<string, number>());

  async function load() {
    setLoading(true);
    setLoadError(null);
    const [a, t] = await Promise.all([
      apiRequest<{ agents: Agent[] }>("GET", "/api/agents"),
      apiRequest<{ tools: ToolInfo[] }>("GET", "/api/tools"),
    ]);
    setLoading(false);
    if (a.ok) setAgents(a.value.agents);
    if (t.ok) setTools(t.value.tools);
    const err = !a.ok ? a.error : !t.ok ? t.error : null;
    if (err) setLoadError(err.message);
  }

  useEffect(() => {
    void load();
    return subscribeLive((e) => {
      if (e.kind === "agent") {
        const id = "id" in e.data ? e.data.id : e.data.agent.id;
        seq.current.set(id, (seq.current.get(id) ?? 0) + 1);
        setAgents((prev) => prev && applyAgentEvent(prev, e.data));
      } else if (e.kind === "snapshot") {
        // (Re)connected: events may have been missed meanwhile.
        void apiRequest<{ agents: Agent[] }>("GET", "/api/agents").then((r) => {
          if (r.ok) setAgents(r.value.agents);
        });
      }
    });
  }, []);

  /**
   * An answer of the API carries the real usage: it replaces the row, but
   * not the status an event brought after the request was sent (`since`).
   */
  const replace = (a: Agent, since?: number) =>
    setAgents((prev) => {
      const old = prev?.find((x) => x.id === a.id);
      if (!old) return [...(prev ?? []), a];
      const newer = since !== undefined && (seq.current.get(a.id) ?? 0) > since;
      const next = newer ? { ...a, status: old.status } : a;
      return prev!.map((x) => x.id === a.id ? next : x);
    });

  return (
    <>
      <section class="stack" aria-labelledby="agents-h">
        <h2 id="agents-h">Agents</h2>
        <p class="hint">
          Each agent runs in a process of its own and sees only the tools and
          cameras ticked here. Keys are write-only: set one per agent, or leave
          it empty to use the shared key of Settings → AI providers.
        </p>
        <p class="ok" role="status">{notice}</p>
        {loadError && (
          <div class="bar">
            <p class="err" role="alert">Cannot load the agents: {loadError}</p>
            <button type="button" onClick={load} disabled={loading}>
              {loading ? "Loading…" : "Try again"}
            </button>
          </div>
        )}
        {!agents && !loadError && (
          <p class="mut" role="status">Loading agents…</p>
        )}
        {agents && agents.length === 0 && (
          <p class="empty">
            No agent yet. Set a provider in Settings → AI providers, then add
            one below.
          </p>
        )}
        {agents && agents.length > 0 && (
          <ul class="agents">
            {agents.map((a) => (
              <li key={a.id} class="card">
                <AgentCard
                  agent={a}
                  seen={() => seq.current.get(a.id) ?? 0}
                  onChanged={(x, msg, since) => {
                    replace(x, since);
                    setNotice(msg);
                  }}
                  onRemoved={(msg) => {
                    setAgents((prev) =>
                      prev?.filter((x) => x.id !== a.id) ?? null
                    );
                    setNotice(msg);
                  }}
                  onEdit={() => {
                    setNotice(null);
                    setEditing(editing === a.id ? null : a.id);
                  }}
                  editing={editing === a.id}
                />
                {editing === a.id && (
                  <AgentForm
                    agent={a}
                    tools={tools ?? []}
                    cameras={cameras}
                    onCancel={() => setEditing(null)}
                    onSaved={(x) => {
                      setEditing(null);
                      replace(x);
                      setNotice(`Saved “${x.name}”.`);
                    }}
                  />
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="stack" aria-labelledby="add-agent-h">
        <h2 id="add-agent-h">Add an agent</h2>
        {tools || loadError
          ? (
            <AgentForm
              agent={null}
              tools={tools ?? []}
              cameras={cameras}
              onSaved={(x) => {
                // The SSE `created` event may have listed it already.
                replace(x);
                setNotice(
                  `Added “${x.name}”. It is stopped: press Start to run it.`,
                );
              }}
            />
          )
          : <p class="mut" role="status">Loading tools…</p>}
      </section>
    </>
  );
}

/** One agent: status, facts and actions. */
export function AgentCard(
  {
    agent: a,
    seen = () => 0,
    onChanged,
    onRemoved,
    onEdit,
    editing,
    confirming = false,
  }: {
    agent: Agent;
    /** How many events of this agent the page has seen (to order an answer against them). */
    seen?: () => number;
    onChanged: (a: Agent, message: string, since: number) => void;
    onRemoved: (message: string) => void;
    onEdit: () => void;
    editing: boolean;
    /** The delete confirmation open at first (tests). */
    confirming?: boolean;
  },
) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(confirming);
  const look = STATE_LOOK[a.status.state] ??
    { cls: "s-offline", label: a.status.state };
  const hId = `agent-${a.id}-h`;

  async function act(action: "start" | "stop" | "restart") {
    setBusy(action);
    setError(null);
    const since = seen();
    const res = await apiRequest<Agent>(
      "POST",
      `/api/agents/${encodeURIComponent(a.id)}/${action}`,
    );
    setBusy(null);
    if (res.ok) {
      onChanged(
        res.value,
        `${
          { start: "Starting", stop: "Stopping", restart: "Restarting" }[action]
        } “${a.name}”.`,
        since,
      );
    } else setError(res.error.message);
  }

  async function remove() {
    setBusy("delete");
    setError(null);
    const res = await apiRequest<{ message: string }>(
      "DELETE",
      `/api/agents/${encodeURIComponent(a.id)}`,
    );
    setBusy(null);
    if (res.ok) onRemoved(`Deleted “${a.name}” and its chats.`);
    else {
      setConfirm(false);
      setError(res.error.message);
    }
  }

  const running = a.desired === "running";
  const exit = a.status.last_exit;
  return (
    <article class="agent" aria-labelledby={hId}>
      <div class="head">
        <h3 id={hId}>
          {a.name}
          {a.is_main && <span class="mut">(main)</span>}
        </h3>
        <span class={`badge ${look.cls}`}>{look.label}</span>
      </div>
      <dl class="facts">
        <dt>Model</dt>
        <dd>
          {providerLabel(a.provider)} · <code>{a.model}</code>
          {a.base_url && (
            <>
              {" "}at <code>{a.base_url}</code>
            </>
          )}
        </dd>
        <dt>Key</dt>
        <dd>{a.has_api_key ? "Own key set" : "Shared key of the provider"}</dd>
        <dt>Usage</dt>
        <dd>{usageLabel(a)}</dd>
        <dt>Process</dt>
        <dd>
          {a.status.restarts === 1
            ? "1 restart"
            : `${a.status.restarts} restarts`}
          {a.status.started_at && a.status.state === "running" &&
            ` · up since ${formatUtc(a.status.started_at)} UTC`}
          {a.status.message && <p class="err">{a.status.message}</p>}
        </dd>
        {exit && (
          <>
            <dt>Last exit</dt>
            <dd>
              {exitLabel(exit)} at {formatUtc(exit.at)} UTC
              {exit.stderr_tail && (
                <details>
                  <summary>Its last output</summary>
                  <pre class="code">{exit.stderr_tail}</pre>
                </details>
              )}
            </dd>
          </>
        )}
        <dt>Tools</dt>
        <dd>{a.tools.length ? a.tools.join(", ") : "none"}</dd>
        <dt>Cameras</dt>
        <dd>
          {a.camera_ids === null
            ? "All cameras"
            : a.camera_ids.length === 0
            ? "None"
            : `${a.camera_ids.length} chosen`}
        </dd>
      </dl>
      <div class="acts-inline">
        <a class="button" href={`/agents/${encodeURIComponent(a.id)}/chat`}>
          Chat<span class="sr">{` with ${a.name}`}</span>
        </a>
        {running
          ? (
            <>
              <button
                type="button"
                class="stop"
                disabled={!!busy}
                aria-label={`Stop ${a.name}`}
                onClick={() => act("stop")}
              >
                {busy === "stop" ? "Stopping…" : "Stop"}
              </button>
              <button
                type="button"
                disabled={!!busy}
                aria-label={`Restart ${a.name}`}
                onClick={() => act("restart")}
              >
                {busy === "restart" ? "Restarting…" : "Restart"}
              </button>
            </>
          )
          : (
            <button
              type="button"
              class="primary"
              disabled={!!busy}
              aria-label={`Start ${a.name}`}
              onClick={() => act("start")}
            >
              {busy === "start" ? "Starting…" : "Start"}
            </button>
          )}
        <button
          type="button"
          aria-expanded={editing ? "true" : "false"}
          aria-label={`Edit ${a.name}`}
          onClick={onEdit}
        >
          Edit
        </button>
        {!a.is_main && !confirm && (
          <button
            type="button"
            class="danger"
            aria-label={`Delete ${a.name}`}
            onClick={() => setConfirm(true)}
          >
            Delete
          </button>
        )}
        {confirm && (
          <span class="acts-inline">
            <span>Delete “{a.name}” and all its chats?</span>
            <button
              type="button"
              class="danger"
              disabled={busy === "delete"}
              onClick={remove}
            >
              {busy === "delete" ? "Deleting…" : "Yes, delete"}
            </button>
            <button type="button" onClick={() => setConfirm(false)}>
              No
            </button>
          </span>
        )}
      </div>
      {error && <p class="err" role="alert">{error}</p>}
    </article>
  );
}

function providerLabel(p: Provider): string {
  return p === "openai"
    ? "OpenAI"
    : p === "anthropic"
    ? "Anthropic"
    : "OpenAI-compatible";
}

/** Placeholder of the base URL per provider. */
const BASE_URL_HINT: Record<Provider, string> = {
  openai: "https://api.openai.com/v1 (default)",
  anthropic: "https://api.anthropic.com (default)",
  openai_compatible: "http://localhost:11434/v1",
};

/** The create or edit form. */
export function AgentForm(
  { agent, tools, cameras, onSaved, onCancel, initial }: {
    agent: Agent | null;
    tools: ToolInfo[];
    cameras: CameraChoice[];
    onSaved: (a: Agent) => void;
    onCancel?: () => void;
    /** The values at first (tests). */
    initial?: AgentFormValues;
  },
) {
  const [v, setV] = useState<AgentFormValues>(
    initial ?? (agent ? agentValues(agent) : newAgentValues(tools)),
  );
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [busy, setBusy] = useState(false);
  const slugTouched = useRef(!!agent);
  const p = agent ? `edit-${agent.id}` : "add-agent";
  const id = (f: string) => `${p}-${f}`;

  // The tool list can arrive after the form: tick the read-only ones then.
  const toolsSeen = useRef(tools.length > 0);
  useEffect(() => {
    if (!agent && !toolsSeen.current && tools.length > 0) {
      toolsSeen.current = true;
      setV((x) => ({ ...x, tools: newAgentValues(tools).tools }));
    }
  }, [tools]);

  const set = <K extends keyof AgentFormValues>(
    k: K,
    val: AgentFormValues[K],
  ) =>
    setV((x) => {
      const next = { ...x, [k]: val };
      if (k === "name" && !slugTouched.current) {
        next.slug = slugFrom(val as string);
      }
      return next;
    });

  async function submit(e: Event) {
    e.preventDefault();
    setErrors({});
    const made = agentBody(v, agent);
    if (!made.ok) return setErrors({ [made.field]: made.message });
    if (agent && Object.keys(made.body).length === 0) {
      return onCancel?.();
    }
    setBusy(true);
    const res = agent
      ? await apiRequest<Agent>(
        "PATCH",
        `/api/agents/${encodeURIComponent(agent.id)}`,
        made.body,
      )
      : await apiRequest<Agent>("POST", "/api/agents", made.body);
    setBusy(false);
    if (!res.ok) return setErrors(fieldErrors(res.error));
    if (!agent) {
      setV(newAgentValues(tools));
      slugTouched.current = false;
    }
    onSaved(res.value);
  }

  const text = (
    f: keyof AgentFormValues,
    label: string,
    opts: {
      type?: string;
      hint?: string;
      placeholder?: string;
      step?: string;
      required?: boolean;
      full?: boolean;
    } = {},
  ) => (
    <div class={`field${opts.full ? " full" : ""}`}>
      <label for={id(f)}>{label}</label>
      <input
        id={id(f)}
        type={opts.type ?? "text"}
        step={opts.step}
        inputMode={opts.type === "number" ? "decimal" : undefined}
        required={opts.required}
        placeholder={opts.placeholder}
        value={v[f] as string}
        aria-invalid={errors[f] ? "true" : undefined}
        aria-describedby={errors[f] || opts.hint ? `${id(f)}-msg` : undefined}
        onInput={(e) => set(f, (e.target as HTMLInputElement).value as never)}
      />
      <FieldMsg id={`${id(f)}-msg`} error={errors[f]} hint={opts.hint} />
    </div>
  );

  const keyChoices: { value: KeyMode; label: string }[] = agent?.has_api_key
    ? [
      { value: "keep", label: "Keep the current key" },
      { value: "set", label: "Replace the key" },
      { value: "clear", label: "Clear it (use the shared key)" },
    ]
    : [
      { value: "keep", label: "Use the shared key" },
      { value: "set", label: "Set a key for this agent" },
    ];

  return (
    <form
      class="add agent-form"
      onSubmit={submit}
      aria-label={agent ? `Edit ${agent.name}` : "Add an agent"}
      noValidate
    >
      {text("name", "Name", { required: true })}
      {agent
        ? (
          <div class="field">
            <span class="lbl">Slug</span>
            <code>{agent.slug}</code>
          </div>
        )
        : (
          <div class="field">
            <label for={id("slug")}>Slug</label>
            <input
              id={id("slug")}
              required
              value={v.slug}
              aria-invalid={errors.slug ? "true" : undefined}
              aria-describedby={`${id("slug")}-msg`}
              onInput={(e) => {
                slugTouched.current = true;
                set("slug", (e.target as HTMLInputElement).value);
              }}
            />
            <FieldMsg
              id={`${id("slug")}-msg`}
              error={errors.slug}
              hint="Lowercase letters, digits and dashes; it cannot change later."
            />
          </div>
        )}
      <div class="field">
        <label for={id("provider")}>Provider</label>
        <select
          id={id("provider")}
          value={v.provider}
          aria-invalid={errors.provider ? "true" : undefined}
          onChange={(e) =>
            set("provider", (e.target as HTMLSelectElement).value as Provider)}
        >
          {PROVIDER_CHOICES.map((c) => (
            <option
              key={c.value}
              value={c.value}
              selected={c.value === v.provider}
            >
              {c.label}
            </option>
          ))}
        </select>
        <FieldMsg id={`${id("provider")}-msg`} error={errors.provider} />
      </div>
      {text("model", "Model", {
        required: true,
        placeholder: v.provider === "anthropic"
          ? "claude-sonnet-4-5"
          : v.provider === "openai"
          ? "gpt-4o-mini"
          : "llama3.2-vision",
        hint: "A vision model can look at camera pictures.",
      })}
      {text("base_url", "Base URL", {
        type: "url",
        placeholder: BASE_URL_HINT[v.provider],
        hint: v.provider === "openai_compatible"
          ? "Required unless Settings → AI providers has one."
          : "Empty: the shared one, else the provider's own.",
      })}
      <div class="field">
        <label for={id("key_mode")}>API key</label>
        <select
          id={id("key_mode")}
          value={v.key_mode}
          onChange={(e) =>
            set("key_mode", (e.target as HTMLSelectElement).value as KeyMode)}
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
              {agent?.has_api_key ? "New API key" : "API key"}
            </label>
            <input
              id={id("api_key")}
              type="password"
              autoComplete="off"
              placeholder="Paste the key"
              value={v.api_key}
              aria-invalid={errors.api_key ? "true" : undefined}
              onInput={(e) =>
                set("api_key", (e.target as HTMLInputElement).value)}
            />
          </>
        )}
        <FieldMsg
          id={`${id("api_key")}-msg`}
          error={errors.api_key}
          hint="Stored sealed; never shown again, never sent to the agent's process."
        />
      </div>
      <div class="field full">
        <label for={id("system_prompt")}>System prompt</label>
        <TextArea
          id={id("system_prompt")}
          rows={4}
          value={v.system_prompt}
          aria-invalid={errors.system_prompt ? "true" : undefined}
          onInput={(e) =>
            set("system_prompt", (e.target as HTMLTextAreaElement).value)}
        />
        <FieldMsg
          id={`${id("system_prompt")}-msg`}
          error={errors.system_prompt}
          hint={agent ? undefined : "Empty: the built-in one for camera work."}
        />
      </div>
      {text("temperature", "Temperature", {
        type: "number",
        step: "0.1",
        placeholder: agent ? undefined : "default",
        hint: "0 to 2; lower is more predictable.",
      })}
      {text("max_tokens", "Max tokens per answer", {
        type: "number",
        placeholder: agent ? undefined : "default",
      })}
      {text("step_limit", "Step limit per turn", {
        type: "number",
        placeholder: agent ? undefined : "12",
        hint: "Model and tool calls in one turn.",
      })}
      {text("context_window", "Context window", {
        type: "number",
        placeholder: "known for the model, else 32768",
        hint: "Tokens the model accepts; history is fitted into it.",
      })}
      {text("tokens_per_day", "Tokens per day", {
        type: "number",
        placeholder: agent ? undefined : String(LIMIT_DEFAULTS.tokens_per_day),
      })}
      {text("tool_timeout_s", "Tool timeout (s)", {
        type: "number",
        placeholder: agent ? undefined : String(LIMIT_DEFAULTS.tool_timeout_s),
      })}
      {text("llm_timeout_s", "Model call timeout (s)", {
        type: "number",
        placeholder: agent ? undefined : String(LIMIT_DEFAULTS.llm_timeout_s),
      })}
      <ToolChecks
        idPrefix={id("tool")}
        tools={tools}
        chosen={v.tools}
        error={errors.tools}
        onChange={(t) => set("tools", t)}
      />
      <CameraGrants
        idPrefix={id("cam")}
        cameras={cameras}
        all={v.all_cameras}
        chosen={v.camera_ids}
        error={errors.camera_ids}
        onChange={(all, ids) =>
          setV((x) => ({ ...x, all_cameras: all, camera_ids: ids }))}
      />
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : agent ? "Save" : "Add agent"}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        )}
        {errors.form && <p class="form-error" role="alert">{errors.form}</p>}
      </div>
    </form>
  );
}

function fieldErrors(e: ApiError): Partial<Record<string, string>> {
  const f = formField(e.field);
  return f ? { [f]: e.message } : { form: e.message };
}

function FieldMsg(
  { id, error, hint }: { id: string; error?: string; hint?: string },
) {
  if (error) return <p id={id} class="field-error" role="alert">{error}</p>;
  return hint ? <p id={id} class="hint">{hint}</p> : null;
}

/** Tools by checkbox, grouped by category, each with its description. */
export function ToolChecks(
  { idPrefix, tools, chosen, error, onChange }: {
    idPrefix: string;
    tools: ToolInfo[];
    chosen: string[];
    error?: string;
    onChange: (tools: string[]) => void;
  },
) {
  const toggle = (name: string, on: boolean) =>
    onChange(on ? [...chosen, name] : chosen.filter((t) => t !== name));
  const unknown = chosen.filter((n) => !tools.some((t) => t.name === n));
  return (
    <fieldset class="tools full">
      <legend>Tools</legend>
      {tools.length === 0 && (
        <p class="hint">The tool list could not be read.</p>
      )}
      {toolGroups(tools).map((g) => (
        <div key={g.category} class="tool-group">
          <h4>{g.category}</h4>
          <ul>
            {g.tools.map((t) => (
              <li key={t.name}>
                <input
                  type="checkbox"
                  id={`${idPrefix}-${t.name}`}
                  checked={chosen.includes(t.name)}
                  aria-describedby={`${idPrefix}-${t.name}-d`}
                  onChange={(e) =>
                    toggle(t.name, (e.target as HTMLInputElement).checked)}
                />
                <label for={`${idPrefix}-${t.name}`}>
                  <code>{t.name}</code>
                  {t.writes && <span class="warn">changes things</span>}
                </label>
                <p id={`${idPrefix}-${t.name}-d`} class="hint">
                  {t.description}
                </p>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {unknown.length > 0 && (
        <p class="hint">
          Also granted, no longer offered: {unknown.join(", ")}
        </p>
      )}
      {error && <p class="field-error" role="alert">{error}</p>}
    </fieldset>
  );
}

/** Every camera, or the ones ticked. */
export function CameraGrants(
  { idPrefix, cameras, all, chosen, error, onChange }: {
    idPrefix: string;
    cameras: CameraChoice[];
    all: boolean;
    chosen: string[];
    error?: string;
    onChange: (all: boolean, ids: string[]) => void;
  },
) {
  return (
    <fieldset class="checks full">
      <legend>Cameras it may see and act on</legend>
      <span class="check">
        <input
          type="radio"
          id={`${idPrefix}-all`}
          name={`${idPrefix}-scope`}
          checked={all}
          onChange={() => onChange(true, chosen)}
        />
        <label for={`${idPrefix}-all`}>
          All cameras, also ones added later
        </label>
      </span>
      <span class="check">
        <input
          type="radio"
          id={`${idPrefix}-some`}
          name={`${idPrefix}-scope`}
          checked={!all}
          onChange={() => onChange(false, chosen)}
        />
        <label for={`${idPrefix}-some`}>Only these:</label>
      </span>
      {cameras.map((c) => (
        <span class="check" key={c.id}>
          <input
            type="checkbox"
            id={`${idPrefix}-${c.id}`}
            disabled={all}
            checked={all || chosen.includes(c.id)}
            onChange={(e) =>
              onChange(
                false,
                (e.target as HTMLInputElement).checked
                  ? [...chosen, c.id]
                  : chosen.filter((x) => x !== c.id),
              )}
          />
          <label for={`${idPrefix}-${c.id}`}>{c.name}</label>
        </span>
      ))}
      {cameras.length === 0 && <span class="hint">No cameras yet.</span>}
      {error && <p class="field-error" role="alert">{error}</p>}
    </fieldset>
  );
}
