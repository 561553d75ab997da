/**
 * Runtime settings: the contract (validators, titles, descriptions) is
 * lib/api/settings.ts; here are the defaults and the node-facing forms.
 */
import type { Settings } from "../../lib/api/settings.ts";
import {
  DEFAULT_SEGMENT_SECONDS,
  MIN_FREE_BYTES,
  MIN_FREE_RATIO,
} from "../../lib/protocol/desired.ts";

export {
  isSettingKey,
  SETTING_KEYS,
  type SettingField,
  settingFields,
  type SettingKey,
  SETTINGS,
  type Settings,
} from "../../lib/api/settings.ts";

const GIB = 1024 ** 3;

/** Values the process starts from (flags and env), before anything is stored. */
export interface InitialSettings {
  /** FALCON_SEGMENT_SECONDS. */
  segmentSeconds?: number;
  /** FALCON_RELAY_IDLE_GRACE_MS. */
  relayIdleGraceMs?: number;
}

/** The defaults: built in, with the process's flag/env values where it has them. */
export function defaultSettings(initial: InitialSettings = {}): Settings {
  return {
    default_resolution: "640x480",
    default_framerate: 15,
    default_node: null,
    segment_seconds: initial.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS,
    default_retention_days: null,
    min_free_percent: MIN_FREE_RATIO * 100,
    min_free_gib: MIN_FREE_BYTES / GIB,
    relay_idle_grace_seconds: (initial.relayIdleGraceMs ?? 10_000) / 1000,
  };
}

/** The node-facing forms of the floor and the grace (lib/protocol/mod.ts units). */
export function minFreeBytes(s: Pick<Settings, "min_free_gib">): number {
  return Math.round(s.min_free_gib * GIB);
}

export function relayIdleGraceMs(
  s: Pick<Settings, "relay_idle_grace_seconds">,
): number {
  return Math.round(s.relay_idle_grace_seconds * 1000);
}
