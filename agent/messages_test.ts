import assert from "node:assert/strict";
import {
  AIMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from "@langchain/core/messages";
import type { TurnJob } from "../lib/agent_protocol.ts";
import {
  addedMessages,
  historyMessages,
  modelInput,
  systemMessages,
} from "./messages.ts";

const img = {
  mime: "image/jpeg" as const,
  base64: "AAAA",
  caption: "front 10:00",
  path: null,
};
const toolMsg = (id: string, images = [img]) =>
  new ToolMessage({
    content: `result ${id}`,
    tool_call_id: id,
    name: "snap",
    artifact: { images },
  });
const call = new AIMessage({
  content: "",
  tool_calls: [{ id: "a", name: "snap", args: {}, type: "tool_call" }, {
    id: "b",
    name: "snap",
    args: {},
    type: "tool_call",
  }],
});

Deno.test("OpenAI wire: tool images follow all the tool results as one user message", () => {
  const out = modelInput("openai", [new SystemMessage("sys")], [
    new HumanMessage("hi"),
    call,
    toolMsg("a"),
    toolMsg("b"),
    new AIMessage("done"),
  ]);
  assert.deepEqual(out.map((m) => m.getType()), [
    "system",
    "human",
    "ai",
    "tool",
    "tool",
    "human",
    "ai",
  ]);
  const parts = out[5].content as {
    type: string;
    image_url?: { url: string };
    text?: string;
  }[];
  assert.deepEqual(
    parts.filter((p) => p.type === "image_url").map((p) => p.image_url!.url),
    [
      "data:image/jpeg;base64,AAAA",
      "data:image/jpeg;base64,AAAA",
    ],
  );
  assert.ok(parts.some((p) => p.text === "front 10:00"));
  assert.equal(
    out[3].content,
    "result a",
    "the tool message itself stays text",
  );
});

Deno.test("Anthropic wire: tool images go inside the tool result", () => {
  const out = modelInput("anthropic", [], [
    new HumanMessage("hi"),
    call,
    toolMsg("a"),
    toolMsg("b", []),
  ]);
  assert.deepEqual(out.map((m) => m.getType()), [
    "human",
    "ai",
    "tool",
    "tool",
  ]);
  const parts = out[2].content as { type: string }[];
  assert.deepEqual(parts.map((p) => p.type), ["text", "text", "image_url"]);
  assert.equal((out[2] as ToolMessage).tool_call_id, "a");
  assert.equal(out[3].content, "result b");
});

Deno.test("the job's history and prompt become LangChain messages; a turn's messages go back", () => {
  const job = {
    agent: { system_prompt: "You watch." },
    summary: "They talked about the door.",
    messages: [
      {
        role: "user",
        content: "look",
        images: [{ mime: "image/png", base64: "BBBB" }],
      },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ id: "c", name: "snap", args: { camera: "door" } }],
      },
      { role: "tool", tool_call_id: "c", name: "snap", content: "a door" },
    ],
  } as unknown as TurnJob;
  const [user, ai, tool] = historyMessages(job);
  assert.deepEqual((user.content as { type: string }[]).map((p) => p.type), [
    "text",
    "image_url",
  ]);
  assert.deepEqual((ai as AIMessage).tool_calls?.[0].args, { camera: "door" });
  assert.equal((tool as ToolMessage).tool_call_id, "c");
  assert.deepEqual(systemMessages(job).map((m) => m.content), [
    "You watch.",
    "Summary of the earlier part of this conversation:\nThey talked about the door.",
  ]);
  const back = addedMessages([
    new AIMessage({
      content: [{ type: "text", text: "Let me see." }],
      tool_calls: [{ id: "d", name: "snap", args: {}, type: "tool_call" }],
    }),
    toolMsg("d"),
    new AIMessage("A door."),
  ]);
  assert.deepEqual(back, [
    {
      role: "assistant",
      content: "Let me see.",
      tool_calls: [{ id: "d", name: "snap", args: {} }],
    },
    { role: "tool", tool_call_id: "d", name: "snap", content: "result d" },
    { role: "assistant", content: "A door.", tool_calls: [] },
  ]);
});
