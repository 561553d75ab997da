/**
 * One LangChain tool per tool of the job. Calling one POSTs the controller's
 * tool hub (`/api/tools/execute`, with the agent's credential) and posts the
 * trace: `tool_start` before, `tool_end` after with the result's summary
 * (and its media) or the error. A tool that answers an error is a tool
 * result saying so — the model can correct itself — but a tool that does
 * not answer within the agent's tool timeout ends the turn (tool_timeout).
 */
import { DynamicStructuredTool } from "@langchain/core/tools";
import { ToolMessage } from "@langchain/core/messages";
import type { TurnJob } from "../lib/agent_protocol.ts";
import type { ToolResult } from "../lib/api/tools.ts";
import {
  type ControllerClient,
  CredentialRejected,
  ToolCallError,
} from "./client.ts";
import type { EventSink } from "./events.ts";
import type { TurnRun } from "./llm.ts";

const clip = (s: string, n: number) =>
  s.length > n ? s.slice(0, n - 1) + "…" : s;

/** The trace line of a result: its summary, then one line per medium. */
export function traceSummary(r: ToolResult): string {
  const media = r.media.map((m) =>
    `${m.kind}: ${m.url}${m.caption ? ` (${m.caption})` : ""}`
  );
  return clip([r.summary, ...media].filter(Boolean).join("\n"), 2000);
}

export interface ToolDeps {
  client: ControllerClient;
  sink: EventSink;
  run: TurnRun;
}

export function jobTools(
  job: TurnJob,
  deps: ToolDeps,
): DynamicStructuredTool[] {
  const timeoutMs = job.agent.tool_timeout_s * 1000;
  return job.tools.map((info) =>
    new DynamicStructuredTool({
      name: info.name,
      description: info.description,
      schema: info.parameters,
      func: async (args: Record<string, unknown>, _rm, config) => {
        const cfg = config as { toolCall?: { id?: string } } | undefined;
        const callId = cfg?.toolCall?.id || crypto.randomUUID();
        const { client, sink, run } = deps;
        sink.push({
          type: "tool_start",
          call_id: callId,
          name: info.name,
          args,
        });
        const t0 = performance.now();
        const ms = () => Math.round(performance.now() - t0);
        const timeout = new AbortController();
        const timer = setTimeout(() => timeout.abort(), timeoutMs);
        const end = (summary: string | null, error: string | null) =>
          sink.push({
            type: "tool_end",
            call_id: callId,
            name: info.name,
            summary,
            ms: ms(),
            error: error === null ? null : clip(error, 2000),
          });
        try {
          const result = await client.executeTool(
            {
              tool: info.name,
              arguments: args,
              turn_id: job.turn_id,
              call_id: callId,
            },
            AbortSignal.any([timeout.signal, run.abort.signal]),
          );
          end(traceSummary(result), null);
          return new ToolMessage({
            content: result.text,
            artifact: { images: result.images },
            tool_call_id: callId,
            name: info.name,
            status: "success",
          });
        } catch (e) {
          const timedOut = timeout.signal.aborted ||
            (e instanceof ToolCallError &&
              (e.status === 504 || /timeout/.test(e.code)));
          if (timedOut && !run.abort.signal.aborted) {
            const message =
              `The tool ${info.name} did not answer within ${job.agent.tool_timeout_s} s (the agent's tool timeout).`;
            end(null, message);
            run.fatal ??= { kind: "tool_timeout", message };
            run.abort.abort();
            throw e;
          }
          if (e instanceof CredentialRejected || run.abort.signal.aborted) {
            if (e instanceof CredentialRejected) {
              run.rejected = e;
              run.abort.abort();
            }
            throw e;
          }
          const message = e instanceof Error ? e.message : String(e);
          end(null, message);
          return new ToolMessage({
            content: `Error: ${message}`,
            tool_call_id: callId,
            name: info.name,
            status: "error",
          });
        } finally {
          clearTimeout(timer);
        }
      },
    })
  );
}
