/**
 * The tool hub: runs a tool for an agent (`POST /api/tools/execute`).
 *
 * Order of checks: an agent principal (else 403), a known tool (404), one
 * given to this agent (403), arguments valid for the tool's schema (400
 * naming `arguments.<field>`). Then, when the call names its turn and call
 * id, the pair is claimed in `tool_calls`: a repeated call answers the stored
 * outcome without running the tool again. The tool runs with the agent's
 * principal under the agent's tool timeout (504 `timeout`); a failing tool
 * answers its error status, never a 200; the answer is capped.
 */
import type { z } from "zod";
import {
  toolExecuteSchema,
  type ToolImage,
  type ToolInfo,
  type ToolMedia,
  type ToolResult,
  toolResultSchema,
} from "../../lib/api/tools.ts";
import { AppError, type ErrorKind, STATUS_OF } from "../../lib/errors.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { invalidInput } from "../../lib/validation.ts";
import { authorize } from "../access/policy.ts";
import type { AgentPrincipal, Principal } from "../access/principal.ts";
import {
  agentToolTimeoutS,
  claimToolCall,
  finishToolCall,
  getToolCall,
} from "../db/tool_calls.ts";
import { getTool, toolInfos, TOOLS } from "./registry.ts";
import type { ToolOutput, ToolServices } from "./tool.ts";

const log = logger("tools");

/** An agent's limits the hub applies (agents-core reads them from the agent row). */
export interface ToolLimits {
  /** Seconds one tool call may take. @default 60 */
  toolTimeoutS?: number;
}

export interface ToolHubDeps extends ToolServices {
  /** The agent's limits; null/undefined → the defaults. @default its `agents` row */
  limitsOf?: (agentId: string) => Promise<ToolLimits | null | undefined>;
  /** Characters of `text` the model gets. @default 16384 */
  maxTextChars?: number;
  /** Images one answer may carry. @default 10 */
  maxImages?: number;
  /** Bytes of images (base64) one answer may carry. @default 16 MiB */
  maxImageBytes?: number;
}

export const DEFAULT_TOOL_TIMEOUT_S = 60;
const SUMMARY_CHARS = 200;
/** Media entries one answer may hand to the chat. */
const MAX_MEDIA = 20;

export class ToolHub {
  constructor(private deps: ToolHubDeps) {}

  /**
   * Every tool with its description and argument schema; an agent gets the
   * tools it was given (by name, else those its actions cover).
   */
  list(p: Principal): ToolInfo[] {
    if (p.kind === "agent") {
      return toolInfos(
        TOOLS.filter((t) => granted(p, t.name, t.actions)).map((t) => t.name),
      );
    }
    authorize(p, "tool.list");
    return toolInfos();
  }

  /** Runs a tool as the calling agent; `body` is `toolExecuteSchema`. */
  async execute(
    p: Principal,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<ToolResult> {
    if (p.kind !== "agent") {
      throw new AppError(
        "forbidden",
        "Only an agent process may run tools, with its own credential",
      );
    }
    const parsed = toolExecuteSchema.safeParse(body);
    if (!parsed.success) throw invalidInput(parsed.error.issues);
    const req = parsed.data;
    const tool = getTool(req.tool);
    if (!tool) {
      throw new AppError("not_found", `No tool named "${req.tool}"`, {
        field: "tool",
      });
    }
    if (!granted(p, tool.name, tool.actions)) {
      throw new AppError(
        "forbidden",
        `Agent "${p.agentId}" was not given the tool ${tool.name}`,
        { field: "tool" },
      );
    }
    const args = tool.schema.safeParse(req.arguments);
    if (!args.success) {
      throw invalidInput(
        args.error.issues.map((i: z.core.$ZodIssue) => ({
          ...i,
          path: ["arguments", ...i.path],
        })),
      );
    }
    if ((req.turn_id === undefined) !== (req.call_id === undefined)) {
      const field = req.turn_id === undefined ? "turn_id" : "call_id";
      throw new AppError(
        "invalid_input",
        `${field} is required with ${
          field === "turn_id" ? "call_id" : "turn_id"
        } (together they make a call idempotent)`,
        { field },
      );
    }
    const key = req.turn_id && req.call_id
      ? { turnId: req.turn_id, callId: req.call_id }
      : null;
    if (key) {
      const claimed = await claimToolCall(this.deps.sql, {
        ...key,
        agentId: p.agentId,
        tool: tool.name,
        arguments: args.data as Record<string, unknown>,
      });
      if (!claimed) return await this.#replay(p, tool.name, key);
    }

    const started = performance.now();
    try {
      const out = await this.#run(p, tool.name, args.data, signal);
      const result: ToolResult = {
        tool: tool.name,
        call_id: req.call_id ?? null,
        ...this.#cap(out),
        ms: Math.round(performance.now() - started),
      };
      if (key) {
        await finishToolCall(this.deps.sql, key.turnId, key.callId, {
          status: "done",
          result,
          ms: result.ms,
        });
      }
      return result;
    } catch (e) {
      const err = e instanceof AppError ? e : this.#internal(tool.name, e);
      if (key) {
        await finishToolCall(this.deps.sql, key.turnId, key.callId, {
          status: "failed",
          error: err.toBody().error,
          ms: performance.now() - started,
        }).catch((fe) =>
          log.error("could not record a failed tool call", {
            tool: tool.name,
            error: errorMessage(fe),
          })
        );
      }
      throw err;
    }
  }

  /** A call made before: its stored answer, or its stored error. */
  async #replay(
    p: AgentPrincipal,
    tool: string,
    key: { turnId: string; callId: string },
  ): Promise<ToolResult> {
    const row = await getToolCall(this.deps.sql, key.turnId, key.callId);
    if (!row || row.agent_id !== p.agentId || row.tool !== tool) {
      throw new AppError(
        "conflict",
        `Call ${key.callId} of turn ${key.turnId} was made for another tool or agent`,
        { field: "call_id" },
      );
    }
    if (row.status === "done" && row.result) {
      // Parsed back into the schema's key order (jsonb keeps its own).
      return toolResultSchema.parse(row.result);
    }
    if (row.status === "failed" && row.error) {
      const kind = (row.error.code in STATUS_OF
        ? row.error.code
        : "internal") as ErrorKind;
      throw new AppError(kind, row.error.message, { field: row.error.field });
    }
    throw new AppError(
      "conflict",
      `Call ${key.callId} of turn ${key.turnId} is still running (or was cut off by a controller restart); it is not run twice`,
      { field: "call_id" },
    );
  }

  /** Runs the tool under the agent's timeout and the caller's signal. */
  async #run(
    p: AgentPrincipal,
    name: string,
    args: unknown,
    signal?: AbortSignal,
  ): Promise<ToolOutput> {
    const tool = getTool(name)!;
    const limits = this.deps.limitsOf
      ? await this.deps.limitsOf(p.agentId)
      : { toolTimeoutS: await agentToolTimeoutS(this.deps.sql, p.agentId) };
    const timeoutS = limits?.toolTimeoutS ?? DEFAULT_TOOL_TIMEOUT_S;
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new AppError(
          "timeout",
          `The tool ${name} did not finish within ${timeoutS} s`,
        );
        ac.abort(e);
        reject(e);
      }, timeoutS * 1000);
    });
    const cancelled = new Promise<never>((_, reject) => {
      const fail = () =>
        reject(
          new AppError("unavailable", "The caller hung up; the tool stopped"),
        );
      if (signal?.aborted) fail();
      signal?.addEventListener("abort", fail, { once: true });
    });
    // Settled after the race is decided: nobody else awaits them.
    timeout.catch(() => {});
    cancelled.catch(() => {});
    try {
      const ctx = {
        ...this.deps,
        principal: p,
        area: this.deps.files.area(p.agentId),
        signal: ac.signal,
      };
      return await Promise.race([
        tool.run(ctx, args),
        timeout,
        cancelled,
      ]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Whatever the tool still does (a node request, ffmpeg) stops now.
      if (!ac.signal.aborted) ac.abort();
    }
  }

  /** The answer within its caps: text, summary, images. */
  #cap(out: ToolOutput): Omit<ToolResult, "tool" | "call_id" | "ms"> {
    const maxText = this.deps.maxTextChars ?? 16384;
    const maxImages = this.deps.maxImages ?? 10;
    const maxImageBytes = this.deps.maxImageBytes ?? 16 * 1024 * 1024;
    let text = out.text;
    if (text.length > maxText) {
      const note = `\n… (cut: ${text.length - maxText} more characters)`;
      text = text.slice(0, maxText - note.length) + note;
    }
    const images: ToolImage[] = [];
    let bytes = 0;
    for (const img of out.images ?? []) {
      if (images.length >= maxImages) break;
      if (bytes + img.base64.length > maxImageBytes) break;
      bytes += img.base64.length;
      images.push(img);
    }
    const dropped = (out.images?.length ?? 0) - images.length;
    if (dropped > 0) {
      text += `\n(${dropped} more image(s) left out: over the answer's limit)`;
    }
    const summary = out.summary.replace(/\s+/g, " ").trim();
    const media: ToolMedia[] = (out.media ?? []).slice(0, MAX_MEDIA);
    return {
      text,
      summary: summary.length > SUMMARY_CHARS
        ? `${summary.slice(0, SUMMARY_CHARS - 1)}…`
        : summary,
      images,
      media,
    };
  }

  #internal(tool: string, e: unknown): AppError {
    log.error("tool failed", { tool, error: errorMessage(e) });
    return new AppError(
      "internal",
      `The tool ${tool} failed with an internal error; see the controller log`,
      { cause: e },
    );
  }
}

/** Was this agent given the tool: by name when the principal lists names, else by its actions. */
function granted(
  p: AgentPrincipal,
  name: string,
  actions: readonly string[],
): boolean {
  if (p.toolNames) return p.toolNames.has(name);
  return actions.every((a) => p.tools.has(a));
}
