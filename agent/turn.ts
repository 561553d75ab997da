/**
 * One turn: a LangGraph ReAct agent (`createReactAgent`) over the job's
 * history, its model through the gateway and its tools through the tool hub,
 * streaming `token`, `tool_start` / `tool_end` and then `final` or `error`.
 *
 * A step is one model call (with the tool calls it makes): the graph runs a
 * model node and a tools node per step, so `recursionLimit` is twice the
 * agent's step limit.
 */
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
} from "@langchain/core/messages";
import type { TurnJob } from "../lib/agent_protocol.ts";
import type { TurnError } from "../lib/api/chat.ts";
import { logger } from "../lib/log.ts";
import type { ControllerClient } from "./client.ts";
import { classifyThrown, wireError } from "./errors.ts";
import { EventSink } from "./events.ts";
import { chatModel, newTurnRun, type ProviderFetchOptions } from "./llm.ts";
import {
  addedMessages,
  historyMessages,
  modelInput,
  systemMessages,
  textOf,
} from "./messages.ts";
import { jobTools } from "./tools.ts";

const log = logger("agent.turn");

export type TurnOutcome = "done" | "failed" | "cancelled" | "stopped";

export interface TurnOptions {
  /** Aborted on SIGTERM/SIGINT: the turn ends with `agent_stopped`. */
  stop: AbortSignal;
  /** Batching of events (tests use the defaults). */
  flushMs?: number;
  fetch?: Omit<ProviderFetchOptions, "llmTimeoutMs">;
}

const isRecursion = (e: unknown) =>
  (e as { name?: string })?.name === "GraphRecursionError" ||
  (e as { lc_error_code?: string })?.lc_error_code === "GRAPH_RECURSION_LIMIT";

export async function runTurn(
  job: TurnJob,
  client: ControllerClient,
  opts: TurnOptions,
): Promise<TurnOutcome> {
  const run = newTurnRun(job.turn_id);
  const onStop = () => {
    run.fatal ??= {
      kind: "agent_stopped",
      message: "The agent process was stopped during this turn.",
    };
    run.abort.abort();
  };
  if (opts.stop.aborted) onStop();
  opts.stop.addEventListener("abort", onStop);
  const sink = new EventSink(client, job.turn_id, {
    flushMs: opts.flushMs,
    keepAliveMs: Math.max(200, (job.lease_s * 1000) / 3),
    onCancelled: () => run.abort.abort(),
    onRejected: (e) => {
      run.rejected = e;
      run.abort.abort();
    },
  });
  const stepLimit = Math.max(1, job.agent.step_limit);
  let outcome: TurnOutcome = "done";
  try {
    const [{ createReactAgent }, model] = await Promise.all([
      import("@langchain/langgraph/prebuilt"),
      chatModel(job, client, run, opts.fetch),
    ]);
    const system = systemMessages(job);
    const input = historyMessages(job);
    const graph = createReactAgent({
      llm: model,
      tools: jobTools(job, { client, sink, run }),
      prompt: (state: { messages: BaseMessage[] }) =>
        modelInput(job.agent.wire, system, state.messages),
    });
    let state: { messages: BaseMessage[] } | undefined;
    const stream = await graph.stream({ messages: input }, {
      streamMode: ["messages", "values"],
      recursionLimit: 2 * stepLimit,
      signal: run.abort.signal,
    });
    for await (const [mode, payload] of stream) {
      if (mode === "messages") {
        const [chunk, meta] = payload as [BaseMessage, Record<string, unknown>];
        if (meta?.langgraph_node !== "agent") continue;
        if (!AIMessageChunk.isInstance(chunk) && !AIMessage.isInstance(chunk)) {
          continue;
        }
        const text = textOf(chunk);
        if (text) sink.push({ type: "token", text });
      } else {
        state = payload as { messages: BaseMessage[] };
      }
    }
    if (run.abort.signal.aborted) throw new Error("aborted");
    const added = (state?.messages ?? []).slice(input.length);
    const answer = added.findLast((m) => AIMessage.isInstance(m));
    sink.push({
      type: "final",
      text: (answer ? textOf(answer) : "").slice(0, 200_000),
      messages: addedMessages(added),
    });
  } catch (e) {
    if (run.rejected) throw run.rejected;
    if (sink.cancelled) {
      outcome = "cancelled";
    } else {
      const error: TurnError = run.fatal ??
        (isRecursion(e)
          ? classifyThrown(e, stepLimit)
          : run.wire
          ? wireError(run.wire)
          : classifyThrown(e, stepLimit));
      if (error.kind === "internal") {
        log.error("turn failed", {
          turn: job.turn_id,
          error: (e as Error)?.stack ?? String(e),
        });
      }
      outcome = error.kind === "agent_stopped" ? "stopped" : "failed";
      sink.push({ type: "error", error });
    }
  } finally {
    run.done = true;
    opts.stop.removeEventListener("abort", onStop);
    await sink.close(opts.stop.aborted ? 1500 : 10_000);
  }
  if (run.rejected) throw run.rejected;
  if (sink.cancelled && outcome === "done") outcome = "cancelled";
  return outcome;
}
