/**
 * Helpers the tools share: the camera argument (id or exact name, among the
 * caller's cameras only), the node link of a camera, JPEG checks, captions.
 */
import { z } from "zod";
import type { Camera } from "../../lib/api/cameras.ts";
import { UUID } from "../../lib/api/common.ts";
import { AppError } from "../../lib/errors.ts";
import { isJpeg } from "../../lib/mjpeg.ts";
import { cameraScope } from "../access/policy.ts";
import type { NodeLink } from "../nodes/client.ts";
import type { ToolContext } from "./tool.ts";

/** The `camera_id` argument every camera tool takes. */
export const cameraArg = z.string({ error: "camera_id is required" }).trim()
  .min(1, "camera_id must not be empty").max(200).describe(
    "The camera's id, or its exact name as list_cameras shows it",
  );

/** The `recording_id` argument. */
export const recordingArg = z.string({ error: "recording_id is required" })
  .trim().regex(UUID, "recording_id must be a recording id (a UUID)")
  .describe("The recording's id, as list_recordings shows it");

/**
 * The camera an argument names, among the cameras the caller may see: an id
 * as it is (the service decides 404/403 when it is used), or an exact name
 * (then a case-insensitive exact name when only one matches). No substring
 * guessing: a wrong name is a 404 listing none of the cameras it cannot see.
 */
export async function resolveCamera(
  ctx: ToolContext,
  arg: string,
  field = "camera_id",
): Promise<string> {
  if (UUID.test(arg)) return arg.toLowerCase();
  const scope = cameraScope(ctx.principal);
  const visible = (await ctx.cameras.all()).filter((c) =>
    !scope || scope.has(c.id)
  );
  const exact = visible.filter((c) => c.name === arg);
  const folded = exact.length
    ? exact
    : visible.filter((c) => c.name.toLowerCase() === arg.toLowerCase());
  if (folded.length === 1) return folded[0].id;
  if (folded.length > 1) {
    throw new AppError(
      "invalid_input",
      `${field}: ${folded.length} cameras are named "${arg}"; give the id (${
        folded.map((c) => c.id).join(", ")
      })`,
      { field },
    );
  }
  throw new AppError(
    "not_found",
    `${field}: no camera "${arg}" (by id or exact name); list_cameras shows the cameras you can use`,
    { field },
  );
}

/** The online node that runs a camera `ctx` may watch, with its row. */
export async function watchedCamera(
  ctx: ToolContext,
  arg: string,
): Promise<{ camera: Camera; link: NodeLink }> {
  const id = await resolveCamera(ctx, arg);
  const row = await ctx.cameras.watch(ctx.principal, id, "camera_id");
  const camera = ctx.cameras.json(row);
  if (!row.assigned_node) {
    throw new AppError(
      "unavailable",
      `Camera "${row.name}" has no node to run on: no node agent is online`,
    );
  }
  const link = await ctx.client.online(row.assigned_node, {
    consequence: `camera "${row.name}" cannot be seen now`,
  });
  return { camera, link };
}

/** Largest image handed to the model. */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** Throws unless `b` is a whole JPEG of a sane size. */
export function checkJpeg(b: Uint8Array, what: string): void {
  if (!isJpeg(b)) {
    throw new AppError("upstream_failed", `${what} is not a JPEG image`);
  }
  if (b.length > MAX_IMAGE_BYTES) {
    throw new AppError(
      "payload_too_large",
      `${what} is ${b.length} bytes, over ${MAX_IMAGE_BYTES}`,
    );
  }
}

/** `2026-12-07T10:00:00Z` (seconds). */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A file-name stamp: `20261207T100000.123Z`. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "");
}

export function base64(b: Uint8Array): string {
  // Chunked: String.fromCharCode(...b) overflows the stack on large arrays.
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** `1.2 MB`. */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}

/** `1 h 2 min 3 s`. */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [];
  if (h) parts.push(`${h} h`);
  if (m) parts.push(`${m} min`);
  if (!h && (s % 60 || !m)) parts.push(`${s % 60} s`);
  return parts.join(" ");
}

export const nowOf = (ctx: ToolContext): Date => ctx.now?.() ?? new Date();
