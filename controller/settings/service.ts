/**
 * Runtime settings: loaded once from the `settings` table, served from
 * memory, saved with PATCH semantics. Whoever reads a setting reads
 * `current()` at the moment it needs it, and listeners hear every change at
 * once — so a change takes effect without a restart (node agents are woken
 * through their long poll by controller/nodes/service.ts).
 */
import {
  type SettingsJson,
  settingsPatchSchema,
  type SettingUpdate,
} from "../../lib/api/settings.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { AppError } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { invalidInput } from "../../lib/validation.ts";
import type { Sql } from "../db/client.ts";
import { getNode } from "../db/nodes.ts";
import * as db from "./db.ts";
import type { EventBus } from "../events/bus.ts";
import {
  defaultSettings,
  type InitialSettings,
  isSettingKey,
  settingFields,
  type SettingKey,
  SETTINGS,
  type Settings,
} from "./schema.ts";

const log = logger("settings");

/** Hears a change: the new settings and the keys whose value changed. */
export type SettingsListener = (
  next: Readonly<Settings>,
  changed: SettingKey[],
) => void;

/** What readers of settings depend on (tests can hand in a plain object). */
export interface SettingsSource {
  current(): Readonly<Settings>;
  onChange(listener: SettingsListener): () => void;
}

/** When and by whom a stored setting was last saved (lib/api/settings.ts). */
export type { SettingUpdate };

/** `GET /api/settings` (lib/api/settings.ts). */
export type { SettingsJson };

/** What a PATCH did: the settings after and before it, and the keys it changed. */
export interface SettingsUpdate {
  settings: Settings;
  previous: Settings;
  changed: SettingKey[];
}

export interface SettingsServiceDeps {
  sql: Sql;
  /** `settings` events for the dashboard. */
  bus?: EventBus;
  /** Flag/env values that replace built-in defaults. */
  initial?: InitialSettings;
}

export class SettingsService implements SettingsSource {
  readonly defaults: Readonly<Settings>;
  #current: Settings;
  #updated: Partial<Record<SettingKey, SettingUpdate>> = {};
  #listeners = new Set<SettingsListener>();
  /** Saves one at a time, so each merges onto the previous one's result. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private deps: SettingsServiceDeps) {
    this.defaults = Object.freeze(defaultSettings(deps.initial));
    this.#current = { ...this.defaults };
  }

  /**
   * Reads the stored settings. A stored value that no longer validates (a
   * range narrowed by an upgrade) is logged and left at its default; unknown
   * keys are ignored.
   */
  async load(): Promise<void> {
    const next: Settings = { ...this.defaults };
    const updated: Partial<Record<SettingKey, SettingUpdate>> = {};
    for (const row of await db.listSettings(this.deps.sql)) {
      if (!isSettingKey(row.key)) continue;
      const parsed = SETTINGS[row.key].schema.safeParse(row.value);
      if (!parsed.success) {
        log.warn("stored setting is invalid; using its default", {
          key: row.key,
          error: parsed.error.issues[0]?.message,
        });
        continue;
      }
      (next as unknown as Record<string, unknown>)[row.key] = parsed.data;
      updated[row.key] = {
        at: new Date(row.updated_at).toISOString(),
        by: row.updated_by,
      };
    }
    this.#current = next;
    this.#updated = updated;
  }

  current(): Readonly<Settings> {
    return this.#current;
  }

  json(): SettingsJson {
    return {
      settings: { ...this.#current },
      defaults: { ...this.defaults },
      updated: { ...this.#updated },
      fields: settingFields(),
    };
  }

  onChange(listener: SettingsListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * PATCH: validates every given setting (400 naming the first one at fault,
   * or the first unknown key), saves the ones that change in one
   * transaction, then tells listeners and the event bus.
   */
  /** The settings as `GET /api/settings` answers them, for a principal allowed to read them. */
  read(p: Principal): SettingsJson {
    authorize(p, "settings.read");
    return this.json();
  }

  /** `update()` asked for by `p` (admins). */
  change(
    p: Principal,
    body: unknown,
    by: string | null = null,
  ): Promise<SettingsUpdate> {
    authorize(p, "settings.update");
    return this.update(body, by);
  }

  update(
    body: unknown,
    by: string | null = null,
  ): Promise<SettingsUpdate> {
    const run = this.#queue.then(() => this.#update(body, by));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #update(
    body: unknown,
    by: string | null,
  ): Promise<SettingsUpdate> {
    const patch = await this.#validate(body);
    const previous = this.#current;
    const next: Settings = { ...previous, ...patch };
    const changed = (Object.keys(patch) as SettingKey[]).filter((k) =>
      JSON.stringify(next[k]) !== JSON.stringify(previous[k])
    );
    if (changed.length === 0) {
      return { settings: { ...next }, previous: { ...previous }, changed };
    }
    const at = await db.saveSettings(
      this.deps.sql,
      changed.map((key) => ({ key, value: next[key] })),
      by,
    );
    this.#current = next;
    for (const key of changed) {
      this.#updated[key] = { at: at.toISOString(), by };
    }
    for (const l of this.#listeners) {
      try {
        l(next, changed);
      } catch (e) {
        log.error("settings listener failed", { error: errorMessage(e) });
      }
    }
    this.deps.bus?.publish({
      kind: "settings",
      data: { type: "updated", settings: { ...next }, changed },
    });
    return { settings: { ...next }, previous: { ...previous }, changed };
  }

  async #validate(body: unknown): Promise<Partial<Settings>> {
    const parsed = settingsPatchSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const out: Partial<Settings> = parsed.data;
    const node = out.default_node;
    if (typeof node === "string" && !(await getNode(this.deps.sql, node))) {
      throw new AppError(
        "invalid_input",
        `default_node: no node named "${node}" has registered`,
        { field: "default_node" },
      );
    }
    return out;
  }
}
