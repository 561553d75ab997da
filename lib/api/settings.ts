/**
 * Runtime settings (`/api/settings`): every setting's validator (messages
 * name the setting), with a title and description the API and the Settings
 * page show. Adding a setting = one entry in `SETTINGS` plus the code that
 * reads it (defaults: controller/settings/schema.ts).
 */
import { z } from "zod";
import { NODE_NAME } from "../protocol/heartbeat.ts";
import { createCameraSchema } from "./cameras.ts";
import { isoTimeSchema } from "./common.ts";

/** What each setting holds (the types `SETTINGS`' validators produce). */
interface SettingTypes {
  /** WIDTHxHEIGHT of a new camera whose body leaves `resolution` out. */
  default_resolution: string;
  /** Frames per second of a new camera whose body leaves `framerate` out. */
  default_framerate: number;
  /** Node that gets cameras not pinned to one; null = the least-loaded online node. */
  default_node: string | null;
  /** Length of new recording segments. */
  segment_seconds: number;
  /** Age limit for cameras whose own `retention_days` is null; null = none. */
  default_retention_days: number | null;
  /** Free-space floor per node: keep this share of the disk free… */
  min_free_percent: number;
  /** …and at least this many GiB. */
  min_free_gib: number;
  /** How long a relay keeps running after its last viewer left. */
  relay_idle_grace_seconds: number;
}
type SettingKey = keyof SettingTypes;

/** How the Settings page and `GET /api/settings` describe a setting. */
export interface SettingField {
  key: SettingKey;
  /** Section of the Settings page. */
  group: "cameras" | "recording" | "live";
  title: string;
  description: string;
  /** resolution: WIDTHxHEIGHT; node: a node name or null; integer/number: with min/max. */
  type: "resolution" | "node" | "integer" | "number";
  unit?: string;
  min?: number;
  max?: number;
  /** What null means, for the settings that accept it. */
  null_means?: string;
}

function wholeNumber(key: SettingKey, min: number, max: number) {
  const msg = `${key} must be a whole number from ${min} to ${max}`;
  return z.number({ error: msg }).int(msg).min(min, msg).max(max, msg);
}

function decimal(key: SettingKey, min: number, max: number) {
  const msg = `${key} must be a number from ${min} to ${max}`;
  return z.number({ error: msg }).min(min, msg).max(max, msg);
}

const cameraResolution = createCameraSchema.shape.resolution;
const cameraFramerate = createCameraSchema.shape.framerate;

interface Entry<T> {
  field: Omit<SettingField, "key">;
  schema: z.ZodType<T>;
}

/** The settings in the order the Settings page shows them. */
export const SETTINGS: { [K in SettingKey]: Entry<SettingTypes[K]> } = {
  default_resolution: {
    field: {
      group: "cameras",
      title: "Default resolution",
      description:
        "Live-view size of a new camera when none is given (WIDTHxHEIGHT, even numbers). Existing cameras keep theirs.",
      type: "resolution",
    },
    schema: z.string({
      error: "default_resolution must be a string like 640x480",
    }).trim().refine(
      (v) => cameraResolution.safeParse(v).success,
      "default_resolution must look like 640x480: even numbers from 16x16 to 7680x4320",
    ),
  },
  default_framerate: {
    field: {
      group: "cameras",
      title: "Default frame rate",
      description:
        "Frames per second of a new camera's live view when none is given. Existing cameras keep theirs.",
      type: "integer",
      unit: "fps",
      min: 1,
      max: 60,
    },
    schema: wholeNumber("default_framerate", 1, 60).refine(
      (v) => cameraFramerate.safeParse(v).success,
      "default_framerate must be a whole number from 1 to 60",
    ),
  },
  default_node: {
    field: {
      group: "cameras",
      title: "Default node",
      description:
        "Node that runs cameras not pinned to a node, when it is online. Applies when a camera is placed: new cameras, and cameras waiting for a node.",
      type: "node",
      null_means: "automatic: the online node with the fewest cameras",
    },
    schema: z.string({ error: "default_node must be a node name or null" })
      .trim()
      .transform((v) => v === "" ? null : v)
      .refine(
        (v) => v === null || NODE_NAME.test(v),
        "default_node must be a node name like worker-1, or null for automatic",
      )
      .nullable(),
  },
  segment_seconds: {
    field: {
      group: "recording",
      title: "Segment length",
      description:
        "Length of each recording file, aligned to the clock. Shorter segments lose less on a crash; longer ones make fewer files. Applies from the next segment.",
      type: "integer",
      unit: "s",
      min: 2,
      max: 3600,
    },
    schema: wholeNumber("segment_seconds", 2, 3600),
  },
  default_retention_days: {
    field: {
      group: "recording",
      title: "Default retention",
      description:
        "Days of footage kept for cameras without their own retention. Nodes delete older footage on their next sweep (every 30 s).",
      type: "integer",
      unit: "days",
      min: 1,
      max: 3650,
      null_means:
        "no age limit: keep footage until the free-space floor needs room",
    },
    schema: wholeNumber("default_retention_days", 1, 3650).nullable(),
  },
  min_free_percent: {
    field: {
      group: "recording",
      title: "Keep free: share of disk",
      description:
        "Each node keeps at least this share of its recordings disk free, deleting the oldest footage first (kept recordings excepted).",
      type: "number",
      unit: "%",
      min: 0,
      max: 50,
    },
    schema: decimal("min_free_percent", 0, 50),
  },
  min_free_gib: {
    field: {
      group: "recording",
      title: "Keep free: at least",
      description:
        "…and at least this much space. The larger of the two applies; 0 and 0 turn the floor off.",
      type: "number",
      unit: "GiB",
      min: 0,
      max: 100_000,
    },
    schema: decimal("min_free_gib", 0, 100_000),
  },
  relay_idle_grace_seconds: {
    field: {
      group: "live",
      title: "Relay idle grace",
      description:
        "How long a camera's live relay (its ffmpeg) keeps running after the last viewer left, so a quick return starts at once.",
      type: "number",
      unit: "s",
      min: 0,
      max: 600,
    },
    schema: decimal("relay_idle_grace_seconds", 0, 600),
  },
};

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(SETTINGS, key);
}

/** The settings' descriptions, in page order. */
export function settingFields(): SettingField[] {
  return SETTING_KEYS.map((key) => ({ key, ...SETTINGS[key].field }));
}

/** Every setting, each with its validator. */
export const settingsSchema = z.object(
  Object.fromEntries(
    Object.entries(SETTINGS).map(([k, e]) => [k, e.schema]),
  ) as { [K in SettingKey]: z.ZodType<SettingTypes[K]> },
);
export type Settings = z.infer<typeof settingsSchema>;
export type { SettingKey };

/** `PATCH /api/settings`: any of the settings; an unknown key is a 400 naming it. */
export const settingsPatchSchema = z.strictObject(
  settingsSchema.partial().shape,
  {
    error: (iss) =>
      iss.code === "invalid_type"
        ? 'The body must be a JSON object of settings, e.g. {"segment_seconds": 60}'
        : iss.code === "unrecognized_keys"
        ? `${iss.keys[0]} is not a known setting (known: ${
          Object.keys(SETTINGS).join(", ")
        })`
        : undefined,
  },
);

export const settingFieldSchema = z.object({
  key: z.enum(Object.keys(SETTINGS) as [SettingKey, ...SettingKey[]]),
  group: z.enum(["cameras", "recording", "live"]),
  title: z.string(),
  description: z.string(),
  type: z.enum(["resolution", "node", "integer", "number"]),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** What null means, for the settings that accept it. */
  null_means: z.string().optional(),
});

/** When and by whom a stored setting was last saved. */
export const settingUpdateSchema = z.object({
  at: isoTimeSchema,
  by: z.string().nullable(),
});
export type SettingUpdate = z.infer<typeof settingUpdateSchema>;

/** `GET /api/settings` and the answer of `PATCH /api/settings`. */
export const settingsViewSchema = z.object({
  settings: settingsSchema,
  defaults: settingsSchema,
  /** Stored settings only: the rest are at their default. */
  updated: z.partialRecord(
    z.enum(Object.keys(SETTINGS) as [SettingKey, ...SettingKey[]]),
    settingUpdateSchema,
  ),
  fields: z.array(settingFieldSchema),
});
export type SettingsJson = z.infer<typeof settingsViewSchema>;
