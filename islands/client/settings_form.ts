/**
 * Pure helpers of the Settings page (islands/SettingsForm.tsx): the shape of
 * `GET /api/settings`, the form's text values, and the PATCH body made of the
 * fields that changed. The API validates; the checks here only catch what a
 * number input cannot send (an empty required field, text that is no number).
 */

import type { SettingKey, SettingsJson } from "../../lib/api/settings.ts";

/** `GET /api/settings` and the answer of `PATCH /api/settings` (lib/api/settings.ts). */
export type SettingsView = SettingsJson;

/** How `GET /api/settings` describes a setting. */
export type SettingFieldView = SettingsView["fields"][number];

/** A setting's value as the API sends it. */
export type SettingValue = SettingsView["settings"][SettingKey];

/** Sections of the page, in order. */
export const GROUPS: { id: SettingFieldView["group"]; title: string }[] = [
  { id: "cameras", title: "New cameras" },
  { id: "recording", title: "Recording and storage" },
  { id: "live", title: "Live view" },
];

/** The form's text for a value: null is the empty field. */
export function textOf(value: SettingValue | undefined): string {
  return value === null || value === undefined ? "" : String(value);
}

/** The form's text for every setting. */
export function valuesOf(
  settings: Record<string, SettingValue>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [k, textOf(v)]),
  );
}

/** "60 s", "5 %", "automatic…": a value as the help text shows it. */
export function describeValue(
  field: SettingFieldView,
  value: SettingValue | undefined,
): string {
  if (value === null || value === undefined || value === "") {
    return field.null_means?.split(":")[0] ?? "none";
  }
  return field.unit ? `${value} ${field.unit}` : String(value);
}

/** The value a field's text stands for, or a message saying what is wrong with it. */
export function parseField(
  field: SettingFieldView,
  text: string,
): { value: SettingValue } | { error: string } {
  const t = text.trim();
  if (t === "") {
    if (field.null_means !== undefined || field.type === "node") {
      return { value: null };
    }
    return { error: `Enter a value for ${field.title.toLowerCase()}.` };
  }
  if (field.type === "integer" || field.type === "number") {
    const n = Number(t);
    if (!Number.isFinite(n)) {
      return { error: `${field.title} must be a number.` };
    }
    return { value: n };
  }
  return { value: t };
}

/**
 * The PATCH body: the settings whose text differs from the saved value, or
 * the first field whose text cannot be sent.
 */
export function patchBody(
  fields: SettingFieldView[],
  saved: Record<string, SettingValue>,
  values: Record<string, string>,
):
  | { body: Record<string, SettingValue> }
  | { field: string; error: string } {
  const body: Record<string, SettingValue> = {};
  for (const f of fields) {
    const text = values[f.key] ?? "";
    if (text.trim() === textOf(saved[f.key])) continue;
    const out = parseField(f, text);
    if ("error" in out) return { field: f.key, error: out.error };
    if (out.value === saved[f.key]) continue; // "60.0" for 60
    body[f.key] = out.value;
  }
  return { body };
}

/**
 * After the settings changed elsewhere (an SSE `settings` event): the new
 * saved values replace the fields the user has not edited; edited fields keep
 * the user's text.
 */
export function mergeRemote(
  before: Record<string, SettingValue>,
  after: Record<string, SettingValue>,
  values: Record<string, string>,
): Record<string, string> {
  const out = { ...values };
  for (const [k, v] of Object.entries(after)) {
    if ((values[k] ?? "").trim() === textOf(before[k])) out[k] = textOf(v);
  }
  return out;
}
