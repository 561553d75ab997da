/**
 * What a tool is (one file each beside this one) and what it runs with.
 * A tool's zod `schema` is its contract: the hub validates the model's
 * arguments with it and `z.toJSONSchema()` gives the model's function schema.
 */
import type { z } from "zod";
import type {
  TOOL_CATEGORIES,
  ToolImage,
  ToolMedia,
} from "../../lib/api/tools.ts";
import type { Action } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import type { CameraService } from "../cameras/service.ts";
import type { Sql } from "../db/client.ts";
import type { FileArea, FileStore } from "../files/store.ts";
import type { NodeClient } from "../nodes/client.ts";
import type { NodeService } from "../nodes/service.ts";
import type { RecordingService } from "../recordings/service.ts";

export type ToolCategory = typeof TOOL_CATEGORIES[number];

/** The controller services tools call (always with the caller's principal). */
export interface ToolServices {
  sql: Sql;
  cameras: CameraService;
  recordings: RecordingService;
  nodes: NodeService;
  client: NodeClient;
  files: FileStore;
  /** The controller's version, for system_info. */
  version: string;
  /** When the controller started, for system_info's uptime. */
  startedAt: Date;
  /** Injected for tests. @default () => new Date() */
  now?: () => Date;
}

/** One run of a tool. */
export interface ToolContext extends ToolServices {
  /** Who runs it: the agent's principal (services decide with it). */
  principal: Principal;
  /** The caller's file area (`agents/<id>/`). */
  area: FileArea;
  /** Aborted at the hub's timeout or when the caller hangs up. */
  signal: AbortSignal;
}

/** What a tool answers; the hub adds tool, call_id and ms. */
export interface ToolOutput {
  /** What the model reads (the hub caps it). */
  text: string;
  /** One line for the chat's tool trace. */
  summary: string;
  images?: ToolImage[];
  media?: ToolMedia[];
}

export interface Tool<S extends z.ZodObject = z.ZodObject> {
  /** lib/api/tools.ts TOOL_NAME. */
  name: string;
  /** Written for the model: what it does and when to use it. */
  description: string;
  category: ToolCategory;
  /** Changes something (recordings, files …). */
  writes: boolean;
  /** The arguments. */
  schema: S;
  /** The policy actions the tool takes (controller/access/policy.ts RULES). */
  actions: readonly Action[];
  run(ctx: ToolContext, args: z.infer<S>): Promise<ToolOutput>;
}

/** Declares a tool with its argument type inferred from its schema. */
export function defineTool<S extends z.ZodObject>(t: Tool<S>): Tool<S> {
  return t;
}
