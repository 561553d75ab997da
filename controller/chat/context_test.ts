import assert from "node:assert/strict";
import {
  appendSummary,
  exchangesOf,
  firstSentence,
  fitContext,
  type FitInput,
  historyBudget,
  type HistoryMessage,
  IMAGE_TOKENS,
  MAX_SUMMARY_CHARS,
  SUMMARY_HEADER,
} from "./context.ts";
import { contextWindowOf, DEFAULT_CONTEXT_WINDOW } from "./models.ts";
import { charsEstimate, estimatorFor, usesOpenAiTokenizer } from "./tokens.ts";

let turn = 0;
const T = "2026-12-07T10:00:00.000Z";
function msg(
  role: HistoryMessage["role"],
  content: string,
  extra: Partial<HistoryMessage> = {},
): HistoryMessage {
  if (role === "user") turn++;
  return {
    turn_seq: turn,
    role,
    content,
    tool_calls: [],
    tool_call_id: null,
    tool_name: null,
    tool_summary: null,
    images: [],
    image_count: 0,
    created_at: T,
    ...extra,
  };
}

/** One exchange with a tool call: user, assistant(call), tool result, answer. */
function exchange(i: number, resultChars = 40, pad = 0): HistoryMessage[] {
  const id = `call_${i}`;
  return [
    msg(
      "user",
      `Question ${i}: what is on camera ${i}?${" please".repeat(pad)}`,
    ),
    msg("assistant", "", {
      tool_calls: [{ id, name: "camera_snapshot", args: { camera: `c${i}` } }],
    }),
    msg("tool", `result ${i} `.repeat(resultChars / 10), {
      tool_call_id: id,
      tool_name: "camera_snapshot",
      tool_summary: `snapshot of c${i}`,
    }),
    msg("assistant", `Camera ${i} shows a door. It is closed.`),
  ];
}

const base = (messages: HistoryMessage[], over: Partial<FitInput> = {}) => ({
  messages,
  summary: null,
  contextWindow: 100_000,
  maxTokens: 1_000,
  systemPrompt: "You watch cameras.",
  toolSchemas: "[]",
  estimate: charsEstimate,
  ...over,
});

Deno.test("budget: window − max_tokens − system − tools − 10 %", () => {
  const est = (t: string) => t.length; // 1 token per character, for the arithmetic
  assert.equal(
    historyBudget({
      contextWindow: 10_000,
      maxTokens: 1_000,
      systemPrompt: "x".repeat(500),
      toolSchemas: "y".repeat(1_500),
      estimate: est,
    }),
    10_000 - 1_000 - 500 - 1_500 - 1_000,
  );
});

Deno.test("context windows: configured, known models, 32k default", () => {
  assert.equal(contextWindowOf("gpt-4o-mini", 50_000), 50_000);
  assert.equal(contextWindowOf("gpt-4o-mini", null), 128_000);
  assert.equal(contextWindowOf("gpt-4", null), 8_192);
  assert.equal(contextWindowOf("claude-sonnet-4-5", null), 200_000);
  assert.equal(contextWindowOf("library/llama3.1:8b", null), 128_000);
  assert.equal(contextWindowOf("my-own-model", null), DEFAULT_CONTEXT_WINDOW);
  assert.equal(DEFAULT_CONTEXT_WINDOW, 32_000);
});

Deno.test("everything fits: all messages go, no summary", () => {
  const m = [...exchange(1), ...exchange(2), msg("user", "And now?")];
  const r = fitContext(base(m));
  assert.equal(r.summary, null);
  assert.equal(r.newSummary, null);
  assert.equal(r.folded, 0);
  assert.equal(r.messages.length, m.length);
  assert.deepEqual(r.messages[0], {
    role: "user",
    content: "Question 1: what is on camera 1?",
    images: [],
  });
  assert.ok(r.used <= r.budget);
});

Deno.test("tool results older than the last two exchanges go as their summary", () => {
  const m = [...exchange(1), ...exchange(2), ...exchange(3), ...exchange(4)];
  const tools = fitContext(base(m)).messages.filter((x) => x.role === "tool");
  assert.equal(tools.length, 4);
  assert.match(tools[0].content, /summarised\] snapshot of c1$/);
  assert.match(tools[1].content, /summarised\] snapshot of c2$/);
  assert.match(tools[2].content, /^result 3/);
  assert.match(tools[3].content, /^result 4/);
});

Deno.test("images older than the last exchange become a placeholder", () => {
  const img = { mime: "image/jpeg" as const, base64: "AAAA" };
  const m = [
    msg("user", "Look at this", { images: [img, img], image_count: 2 }),
    msg("assistant", "A cat."),
    msg("user", "And this?", { images: [img], image_count: 1 }),
  ];
  const r = fitContext(base(m));
  const users = r.messages.filter((x) => x.role === "user");
  assert.equal(users[0].role === "user" && users[0].images.length, 0);
  assert.equal(
    users[0].content,
    `Look at this\n[2 images the user sent at ${T}, not shown again]`,
  );
  assert.deepEqual(users[1].role === "user" && users[1].images, [img]);
  assert.ok(r.used >= IMAGE_TOKENS, "the current image is counted");
});

Deno.test("older exchanges that do not fit are folded into an extractive summary", () => {
  const m = [
    ...exchange(1, 400, 500),
    ...exchange(2, 400, 500),
    ...exchange(3, 400, 500),
    msg("user", "Last question?"),
  ];
  // Room for about two exchanges of ~1,150 tokens each.
  const r = fitContext(base(m, { contextWindow: 3_500, maxTokens: 500 }));
  assert.ok(r.used <= r.budget, `${r.used} <= ${r.budget}`);
  assert.ok(r.folded > 0);
  // Whole exchanges, starting with a user message.
  assert.equal(r.messages[0].role, "user");
  const ids = new Set(
    r.messages.flatMap((x) =>
      x.role === "assistant" ? x.tool_calls.map((c) => c.id) : []
    ),
  );
  for (const t of r.messages.filter((x) => x.role === "tool")) {
    assert.ok(
      t.role === "tool" && ids.has(t.tool_call_id),
      "result has its call",
    );
  }
  assert.equal(r.messages[r.messages.length - 1].content, "Last question?");
  assert.ok(r.summary?.startsWith(SUMMARY_HEADER));
  assert.match(r.summary!, /- User: Question 1: what is on camera 1\?/);
  assert.match(r.summary!, /Tools used: camera_snapshot/);
  assert.match(
    r.summary!,
    /Answer: Camera 1 shows a door\.\n|Answer: Camera 1 shows a door\.$/,
  );
  assert.doesNotMatch(r.summary!, /It is closed/, "first sentence only");
  // The stored summary covers the turns before the first kept one.
  const firstKept = m.find((x) => x.content === r.messages[0].content)!;
  assert.equal(r.newSummary!.uptoSeq, firstKept.turn_seq - 1);
  // Deterministic.
  assert.deepEqual(
    fitContext(base(m, { contextWindow: 3_500, maxTokens: 500 })),
    r,
  );
});

Deno.test("a stored summary is sent first and grows from where it stopped", () => {
  const m = [...exchange(5), msg("user", "Next?")];
  const r = fitContext(base(m, {
    summary: { text: "- User: old question\n  Answer: Old.", uptoSeq: 0 },
  }));
  assert.equal(r.newSummary, null, "nothing folded now: nothing to store");
  assert.equal(
    r.summary,
    `${SUMMARY_HEADER}\n- User: old question\n  Answer: Old.`,
  );
  assert.equal(r.messages.length, m.length);
});

Deno.test("the current exchange always goes, even over budget", () => {
  const m = [...exchange(1), msg("user", "x".repeat(20_000))];
  const r = fitContext(base(m, { contextWindow: 2_000, maxTokens: 500 }));
  assert.equal(r.messages.length, 1);
  assert.ok(r.used > r.budget);
});

Deno.test("a tool call without its result (a turn cut short) is left out", () => {
  const m = [
    msg("user", "Q"),
    msg("assistant", "", {
      tool_calls: [{ id: "lost", name: "list_cameras", args: {} }],
    }),
    msg("tool", "orphan", { tool_call_id: "other", tool_name: "x" }),
    msg("user", "Again"),
  ];
  const ex = exchangesOf(m);
  assert.deepEqual(ex.map((e) => e.map((x) => x.role)), [["user"], ["user"]]);
});

Deno.test("summary: bounded, oldest entries dropped first; first sentences", () => {
  const entries = Array.from(
    { length: 100 },
    (_, i) => `- User: question ${i} ${"q".repeat(100)}\n  Answer: A.`,
  );
  const s = appendSummary("", entries);
  assert.ok(s.length <= MAX_SUMMARY_CHARS);
  assert.match(s, /question 99 /);
  assert.doesNotMatch(s, /question 0 /);
  assert.ok(s.startsWith("- User: "));
  assert.equal(firstSentence("It is 3.5 m away. More."), "It is 3.5 m away.");
  assert.equal(firstSentence("No stop"), "No stop");
});

Deno.test("tokens: OpenAI models use their tokenizer, others chars/3.5", async () => {
  assert.ok(usesOpenAiTokenizer("gpt-4o-mini"));
  assert.ok(usesOpenAiTokenizer("o3-mini"));
  assert.ok(!usesOpenAiTokenizer("claude-sonnet-4-5"));
  assert.ok(!usesOpenAiTokenizer("llama3.1"));
  const other = await estimatorFor("claude-sonnet-4-5");
  assert.equal(other("x".repeat(35)), 10);
  const openai = await estimatorFor("gpt-4o");
  // "hello world" is two tokens in o200k_base (chars/3.5 would say 4).
  assert.equal(openai("hello world"), 2);
  // Special-token text in user input is counted, never thrown on.
  assert.ok(openai("hi <|endoftext|> there") > 3);
  assert.equal(await estimatorFor("gpt-5"), openai, "loaded once");
});

Deno.test("fitting a long session stays fast", () => {
  const m: HistoryMessage[] = [];
  for (let i = 0; i < 600; i++) m.push(...exchange(i, 400, 50));
  m.push(msg("user", "Now?"));
  const t0 = performance.now();
  const big = fitContext(base(m, { contextWindow: 1_000_000 }));
  const tight = fitContext(base(m, { contextWindow: 60_000 }));
  const ms = performance.now() - t0;
  assert.equal(big.folded, 0);
  assert.ok(tight.folded > 0 && tight.used <= tight.budget);
  assert.ok(ms < 1_000, `${ms.toFixed(0)} ms for 2 × 2,401 messages`);
});
