/**
 * The tool hub (`/api/tools`): the tools agents call. Each tool's zod schema
 * (controller/tools/) gives both the model's function schema and this
 * listing's `parameters`.
 */
import { z } from "zod";
import { UUID } from "./common.ts";

export const TOOL_CATEGORIES = [
  "cameras",
  "recordings",
  "nodes",
  "system",
  "agents",
  "files",
  "alerts",
  "web",
  "schedules",
] as const;
export const toolCategorySchema = z.enum(TOOL_CATEGORIES);

export const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export const toolInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  category: toolCategorySchema,
  /** JSON Schema (draft 2020-12) of the arguments. */
  parameters: z.record(z.string(), z.unknown()),
  /** Changes something (recording, PTZ, files …); such tools can be marked as needing approval. */
  writes: z.boolean(),
});
export type ToolInfo = z.infer<typeof toolInfoSchema>;

export const toolListSchema = z.object({ tools: z.array(toolInfoSchema) });

/** `POST /api/tools/execute` (agent credentials only). */
export const toolExecuteSchema = z.strictObject({
  tool: z.string({ error: "tool is required" }).regex(
    TOOL_NAME,
    "tool must be a tool name",
  ),
  arguments: z.record(z.string(), z.unknown()).default({}),
  /** The turn and the model's call id: a repeated call with the same pair answers the stored result. */
  turn_id: z.string().regex(UUID, "turn_id must be a turn id").optional(),
  call_id: z.string().min(1).max(200).optional(),
});
export type ToolExecute = z.infer<typeof toolExecuteSchema>;

/** An image the model should see (a snapshot, frames of a clip). */
export const toolImageSchema = z.object({
  mime: z.enum(["image/jpeg", "image/png"]),
  base64: z.string(),
  /** "front door 2026-12-07T10:00:00Z", shown to the model beside the image. */
  caption: z.string(),
  /** Where it was also saved in the agent's file area, if it was. */
  path: z.string().nullable(),
});
export type ToolImage = z.infer<typeof toolImageSchema>;

/** Media a tool hands to the chat (shown inline in the dashboard, sent on Telegram later). */
export const toolMediaSchema = z.object({
  kind: z.enum(["image", "video", "file"]),
  /** A dashboard URL the signed-in user can open (`/api/recordings/{id}/download`, `/api/files/read/…`). */
  url: z.string(),
  mime: z.string(),
  caption: z.string().nullable(),
});
export type ToolMedia = z.infer<typeof toolMediaSchema>;

/** A tool's answer. A failing tool answers an error status instead (4xx/5xx with `{error}`). */
export const toolResultSchema = z.object({
  tool: z.string(),
  call_id: z.string().nullable(),
  /** What the model reads (capped). */
  text: z.string(),
  /** One line for the chat's tool trace. */
  summary: z.string(),
  images: z.array(toolImageSchema),
  media: z.array(toolMediaSchema),
  ms: z.number(),
});
export type ToolResult = z.infer<typeof toolResultSchema>;
