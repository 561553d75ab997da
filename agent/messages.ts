/**
 * Between the protocol's context messages and LangChain's: the fitted
 * history in, the turn's added messages out (for `final.messages`), and the
 * model's view of tool images. Tool results keep their images as the
 * ToolMessage's artifact; `modelInput` shows them to the model: the OpenAI
 * wire carries no images in tool messages, so they follow the tool results
 * as a user message of image_url parts; on the Anthropic wire they go inside
 * the tool_result block, which LangChain's converter supports.
 */
import {
  AIMessage,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import type { ContextMessage, TurnJob } from "../lib/agent_protocol.ts";
import type { ToolImage } from "../lib/api/tools.ts";

const dataUrl = (mime: string, base64: string) =>
  `data:${mime};base64,${base64}`;

/** The job's history as LangChain messages (the system prompt is added per call). */
export function historyMessages(job: TurnJob): BaseMessage[] {
  return job.messages.map((m): BaseMessage => {
    if (m.role === "user") {
      if (!m.images.length) return new HumanMessage(m.content);
      return new HumanMessage({
        content: [
          { type: "text", text: m.content },
          ...m.images.map((i) => ({
            type: "image_url" as const,
            image_url: { url: dataUrl(i.mime, i.base64) },
          })),
        ],
      });
    }
    if (m.role === "assistant") {
      return new AIMessage({
        content: m.content,
        tool_calls: m.tool_calls.map((c) => ({
          id: c.id,
          name: c.name,
          args: c.args,
          type: "tool_call" as const,
        })),
      });
    }
    return new ToolMessage({
      content: m.content,
      tool_call_id: m.tool_call_id,
      name: m.name,
    });
  });
}

/** The system messages: the agent's prompt, then the summary of older history. */
export function systemMessages(job: TurnJob): SystemMessage[] {
  const out: SystemMessage[] = [];
  if (job.agent.system_prompt.trim()) {
    out.push(new SystemMessage(job.agent.system_prompt));
  }
  if (job.summary) {
    out.push(
      new SystemMessage(
        `Summary of the earlier part of this conversation:\n${job.summary}`,
      ),
    );
  }
  return out;
}

/** Images a tool result carries (its artifact, see tools.ts). */
export function toolImages(m: BaseMessage): ToolImage[] {
  const art = (m as ToolMessage).artifact as
    | { images?: ToolImage[] }
    | undefined;
  return ToolMessage.isInstance(m) && Array.isArray(art?.images)
    ? art.images
    : [];
}

/** What the model is sent for the graph's `messages`. */
export function modelInput(
  wire: "openai" | "anthropic",
  system: SystemMessage[],
  messages: BaseMessage[],
): BaseMessage[] {
  const out: BaseMessage[] = [...system];
  let pending: ToolImage[] = [];
  const flush = () => {
    if (!pending.length) return;
    out.push(
      new HumanMessage({
        content: [
          { type: "text", text: "Images returned by the tool calls above:" },
          ...pending.flatMap((img) => [
            { type: "text" as const, text: img.caption },
            {
              type: "image_url" as const,
              image_url: { url: dataUrl(img.mime, img.base64) },
            },
          ]),
        ],
      }),
    );
    pending = [];
  };
  for (const m of messages) {
    const images = toolImages(m);
    if (!ToolMessage.isInstance(m)) flush();
    if (!images.length) {
      out.push(m);
    } else if (wire === "openai") {
      out.push(m);
      pending.push(...images);
    } else {
      out.push(
        new ToolMessage({
          content: [
            { type: "text", text: textOf(m) },
            ...images.flatMap((img) => [
              { type: "text" as const, text: img.caption },
              {
                type: "image_url" as const,
                image_url: { url: dataUrl(img.mime, img.base64) },
              },
            ]),
          ],
          tool_call_id: (m as ToolMessage).tool_call_id,
          name: m.name,
          status: (m as ToolMessage).status,
        }),
      );
    }
  }
  flush();
  return out;
}

/** The text of a message's content (text blocks and text deltas joined). */
export function textOf(m: { content: unknown }): string {
  const c = m.content;
  if (typeof c === "string") return c;
  if (!Array.isArray(c)) return "";
  return c
    .filter((p) =>
      (p?.type === "text" || p?.type === "text_delta") &&
      typeof p.text === "string"
    )
    .map((p) => p.text as string)
    .join("");
}

/** The messages a turn added, in the protocol's shape (at most 200). */
export function addedMessages(messages: BaseMessage[]): ContextMessage[] {
  const out: ContextMessage[] = [];
  for (const m of messages) {
    if (AIMessage.isInstance(m)) {
      out.push({
        role: "assistant",
        content: textOf(m),
        tool_calls: (m.tool_calls ?? []).map((c) => ({
          id: c.id ?? "",
          name: c.name,
          args: c.args ?? {},
        })),
      });
    } else if (ToolMessage.isInstance(m)) {
      out.push({
        role: "tool",
        tool_call_id: m.tool_call_id,
        name: m.name ?? "",
        content: textOf(m),
      });
    }
  }
  return out.slice(-200);
}
