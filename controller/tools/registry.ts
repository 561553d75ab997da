/**
 * The tools agents may be given, by name. Each tool's zod schema gives the
 * `parameters` of its listing (`z.toJSONSchema`), and its `actions` the
 * policy actions an agent given it may take (the agent principal's `tools`).
 */
import { z } from "zod";
import { TOOL_NAME, type ToolInfo } from "../../lib/api/tools.ts";
import { AppError } from "../../lib/errors.ts";
import type { Tool } from "./tool.ts";
import analyzeCamera from "./analyze_camera.ts";
import analyzeRecording from "./analyze_recording.ts";
import cameraSnapshot from "./camera_snapshot.ts";
import cameraStatus from "./camera_status.ts";
import getRecording from "./get_recording.ts";
import listCameras from "./list_cameras.ts";
import listNodes from "./list_nodes.ts";
import listRecordings from "./list_recordings.ts";
import sendRecording from "./send_recording.ts";
import startRecording from "./start_recording.ts";
import stopRecording from "./stop_recording.ts";
import systemInfo from "./system_info.ts";

// deno-lint-ignore no-explicit-any
type AnyTool = Tool<any>;

/** Every tool, in the order listings show them. */
export const TOOLS: readonly AnyTool[] = [
  listCameras,
  cameraStatus,
  cameraSnapshot,
  analyzeCamera,
  startRecording,
  stopRecording,
  listRecordings,
  getRecording,
  sendRecording,
  analyzeRecording,
  listNodes,
  systemInfo,
];

const BY_NAME = new Map<string, AnyTool>(TOOLS.map((t) => [t.name, t]));
for (const t of TOOLS) {
  if (!TOOL_NAME.test(t.name)) throw new Error(`bad tool name ${t.name}`);
}

/** The tool of that name, or undefined. */
export function getTool(name: string): AnyTool | undefined {
  return BY_NAME.get(name);
}

export function hasTool(name: string): boolean {
  return BY_NAME.has(name);
}

/** The JSON Schema of a tool's arguments, as the model receives it. */
export function parametersOf(tool: AnyTool): Record<string, unknown> {
  // Input side: defaults make a field optional for the model.
  const schema = z.toJSONSchema(tool.schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  delete schema.$schema;
  return schema;
}

const infos = new Map<string, ToolInfo>();
function infoOf(t: AnyTool): ToolInfo {
  let info = infos.get(t.name);
  if (!info) {
    info = {
      name: t.name,
      description: t.description,
      category: t.category,
      parameters: parametersOf(t),
      writes: t.writes,
    };
    infos.set(t.name, info);
  }
  return info;
}

/**
 * The listings of `names` (every tool when not given), in registry order;
 * an unknown name is a 400 naming it.
 */
export function toolInfos(names?: Iterable<string>): ToolInfo[] {
  if (names === undefined) return TOOLS.map(infoOf);
  const wanted = new Set(names);
  for (const n of wanted) {
    if (!BY_NAME.has(n)) {
      throw new AppError("invalid_input", `tools: no tool named "${n}"`, {
        field: "tools",
      });
    }
  }
  return TOOLS.filter((t) => wanted.has(t.name)).map(infoOf);
}

/** The policy actions the named tools take together (unknown names add none). */
export function actionsOf(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    for (const a of BY_NAME.get(n)?.actions ?? []) out.add(a);
  }
  return out;
}
