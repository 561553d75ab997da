/**
 * The Settings page's form: every runtime setting with its label, help text
 * and default, saved with one `PATCH /api/settings` of the fields that
 * changed. The API's error shows under the field it names; progress and
 * the outcome show beside Save. A change saved elsewhere (SSE `settings`)
 * updates the fields not being edited.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import {
  describeValue,
  GROUPS,
  mergeRemote,
  patchBody,
  type SettingFieldView,
  type SettingsView,
  type SettingValue,
  valuesOf,
} from "./client/settings_form.ts";
import { watchSettings } from "./client/settings_live.ts";

export interface SettingsFormProps {
  view: SettingsView;
  /** Names of the known nodes, for the default node. */
  nodes: string[];
}

type Status =
  | { kind: "idle" }
  | { kind: "saving" }
  | { kind: "saved"; text: string }
  | { kind: "failed"; text: string };

export default function SettingsForm({ view, nodes }: SettingsFormProps) {
  const [saved, setSaved] = useState(view.settings);
  const [values, setValues] = useState(() => valuesOf(view.settings));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const form = useRef<HTMLFormElement>(null);
  const savedRef = useRef(saved);
  savedRef.current = saved;

  useEffect(() =>
    watchSettings((next) => {
      const before = savedRef.current;
      setValues((v) => mergeRemote(before, next, v));
      setSaved(next);
    }), []);

  const set = (key: string, value: string) => {
    setValues((prev) => ({ ...prev, [key]: value }));
    setErrors((prev) => ({ ...prev, [key]: "" }));
    if (status.kind !== "saving") setStatus({ kind: "idle" });
  };

  const focus = (key: string) =>
    form.current?.querySelector<HTMLElement>(`#setting-${key}`)?.focus();

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (status.kind === "saving") return;
    const out = patchBody(view.fields, saved, values);
    if ("error" in out) {
      setErrors({ [out.field]: out.error });
      setStatus({ kind: "failed", text: "Not saved: see the marked field." });
      focus(out.field);
      return;
    }
    const keys = Object.keys(out.body);
    if (keys.length === 0) {
      setErrors({});
      setStatus({ kind: "saved", text: "Nothing changed." });
      return;
    }
    setErrors({});
    setStatus({ kind: "saving" });
    const res = await apiRequest<SettingsView>(
      "PATCH",
      "/api/settings",
      out.body,
    );
    if (res.ok && res.value) {
      const next = res.value.settings;
      setSaved(next);
      setValues((v) => ({ ...v, ...pick(valuesOf(next), keys) }));
      setStatus({
        kind: "saved",
        text: `Saved ${keys.length} setting${
          keys.length === 1 ? "" : "s"
        }; in effect now.`,
      });
      return;
    }
    const message = res.ok ? "The controller sent no settings." : res.error
      .message;
    const field = res.ok ? undefined : res.error.field;
    if (field && view.fields.some((f) => f.key === field)) {
      setErrors({ [field]: message });
      setStatus({
        kind: "failed",
        text: "Not saved: see the marked field.",
      });
      focus(field);
    } else setStatus({ kind: "failed", text: `Not saved: ${message}` });
  }

  return (
    <form
      class="stack"
      ref={form}
      onSubmit={submit}
      aria-busy={status.kind === "saving" ? "true" : undefined}
      noValidate
    >
      {GROUPS.map((g) => (
        <fieldset class="add" key={g.id}>
          <legend>{g.title}</legend>
          {view.fields.filter((f) => f.group === g.id).map((f) => (
            <SettingInput
              key={f.key}
              field={f}
              value={values[f.key] ?? ""}
              saved={saved[f.key]}
              fallback={view.defaults[f.key]}
              error={errors[f.key]}
              nodes={nodes}
              onInput={(v) => set(f.key, v)}
            />
          ))}
        </fieldset>
      ))}
      <div class="bar">
        <button
          type="submit"
          class="primary"
          disabled={status.kind === "saving"}
        >
          {status.kind === "saving" ? "Saving…" : "Save"}
        </button>
        <p
          class={status.kind === "failed" ? "err" : "ok"}
          role={status.kind === "failed" ? "alert" : "status"}
        >
          {status.kind === "saved" || status.kind === "failed"
            ? status.text
            : ""}
        </p>
      </div>
    </form>
  );
}

function pick(
  from: Record<string, string>,
  keys: string[],
): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, from[k] ?? ""]));
}

export interface SettingInputProps {
  field: SettingFieldView;
  value: string;
  /** The value in effect now. */
  saved: SettingValue | undefined;
  /** The default, shown in the help text. */
  fallback: SettingValue | undefined;
  error?: string;
  nodes: string[];
  onInput: (value: string) => void;
}

/** One labelled setting with its help text and, after a failed save, its error. */
export function SettingInput(
  { field, value, saved, fallback, error, nodes, onInput }: SettingInputProps,
) {
  const id = `setting-${field.key}`;
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const label = field.unit ? `${field.title} (${field.unit})` : field.title;
  const common = {
    id,
    name: field.key,
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": error ? `${errId} ${hintId}` : hintId,
  } as const;
  let control: JSX.Element;
  if (field.type === "node") {
    const names = saved && !nodes.includes(String(saved))
      ? [...nodes, String(saved)]
      : nodes;
    control = (
      <select
        {...common}
        onChange={(e) => onInput(e.currentTarget.value)}
      >
        <option value="" selected={value === ""}>
          Automatic
        </option>
        {names.map((n) => (
          <option key={n} value={n} selected={value === n}>{n}</option>
        ))}
      </select>
    );
  } else if (field.type === "resolution") {
    control = (
      <input
        {...common}
        required
        autocomplete="off"
        pattern="\d{2,5}x\d{2,5}"
        placeholder={String(fallback ?? "640x480")}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  } else {
    control = (
      <input
        {...common}
        type="number"
        inputMode={field.type === "integer" ? "numeric" : "decimal"}
        required={field.null_means === undefined}
        min={field.min}
        max={field.max}
        step={field.type === "integer" ? 1 : "any"}
        placeholder={field.null_means === undefined ? undefined : "none"}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  }
  const range = field.min !== undefined && field.max !== undefined
    ? ` ${field.min}–${field.max}${field.unit ? ` ${field.unit}` : ""}.`
    : "";
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {error && <p class="err" id={errId} role="alert">{error}</p>}
      <p class="hint" id={hintId}>
        {field.description}
        {range}
        {field.null_means && field.type !== "node" &&
          ` Empty: ${field.null_means}.`} Default:{" "}
        {describeValue(field, fallback ?? null)}.
      </p>
    </div>
  );
}
