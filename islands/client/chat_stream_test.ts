import assert from "node:assert/strict";
import type { ChatMessage, ChatSseEvent, Turn } from "../../lib/api/chat.ts";
import {
  applyChatEvent,
  argsLabel,
  chatEntries,
  type ChatEntry,
  type ChatState,
  describeTurnError,
  EMPTY_CHAT,
  fromHistory,
  isBusy,
  mergeHistory,
  tokenLabel,
} from "./chat_stream.ts";

const S = "aaaaaaaa-0000-4000-8000-000000000001";
const T1 = "bbbbbbbb-0000-4000-8000-000000000001";

function msg(
  id: string,
  role: ChatMessage["role"],
  content: string,
  at: string,
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    id,
    session_id: S,
    turn_id: T1,
    role,
    content,
    tool_calls: [],
    tool_call_id: null,
    tool_name: null,
    source: "dashboard",
    source_user: null,
    automated: false,
    media: [],
    prompt_tokens: null,
    completion_tokens: null,
    created_at: `2026-12-07T10:00:${at}.000Z`,
    ...extra,
  };
}

function turn(status: Turn["status"], extra: Partial<Turn> = {}): Turn {
  return {
    id: T1,
    session_id: S,
    agent_id: "agent-1",
    status,
    error: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    tools: [],
    created_at: "2026-12-07T10:00:01.000Z",
    started_at: null,
    finished_at: null,
    ...extra,
  };
}

const question = msg("m1", "user", "What is on the yard camera?", "01");
const answer = msg("m3", "assistant", "A **red car** in the yard.", "09", {
  prompt_tokens: 1200,
  completion_tokens: 34,
});

function run(state: ChatState, events: ChatSseEvent[]): ChatState {
  return events.reduce(applyChatEvent, state);
}

/** The entries as short strings, for readable assertions. */
function shape(entries: ChatEntry[]): string[] {
  return entries.map((e) =>
    e.kind === "message"
      ? `${e.message.role}:${e.message.content}`
      : `turn:${e.turn.status}:${
        e.tools.map((t) => `${t.name}${t.ms == null ? "…" : `(${t.ms})`}`)
          .join(",")
      }:${e.text}`
  );
}

Deno.test("a turn streams: tokens grow the text, tools show as they run, the stored answer replaces the stream", () => {
  let s = fromHistory({
    session_id: S,
    messages: [question],
    turns: [turn("queued")],
    has_more: false,
  });
  assert.equal(isBusy(s), true, "Send waits while the turn is queued");
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "turn:queued::",
  ]);

  s = run(s, [
    { event: "turn", data: turn("running") },
    {
      event: "tool_start",
      data: {
        turn_id: T1,
        call_id: "c1",
        name: "analyze_camera",
        args: { camera: "Yard" },
      },
    },
  ]);
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "turn:running:analyze_camera…:",
  ]);
  s = run(s, [
    {
      event: "tool_end",
      data: {
        turn_id: T1,
        call_id: "c1",
        name: "analyze_camera",
        summary: "1 frame of Yard",
        ms: 412,
        error: null,
      },
    },
    { event: "token", data: { turn_id: T1, text: "A **red" } },
    { event: "token", data: { turn_id: T1, text: " car**" } },
  ]);
  const live = chatEntries(s).at(-1)!;
  assert.equal(live.kind, "turn");
  if (live.kind === "turn") {
    assert.equal(live.text, "A **red car**");
    assert.deepEqual(live.tools[0], {
      call_id: "c1",
      name: "analyze_camera",
      args: { camera: "Yard" },
      summary: "1 frame of Yard",
      ms: 412,
      error: null,
    });
  }
  assert.equal(isBusy(s), true);

  // The answer is stored, then the turn is done: the trace stays before the answer.
  s = run(s, [
    { event: "message", data: answer },
    {
      event: "turn",
      data: turn("done", {
        prompt_tokens: 1200,
        completion_tokens: 34,
        tools: [{
          call_id: "c1",
          name: "analyze_camera",
          args: { camera: "Yard" },
          summary: "1 frame of Yard",
          ms: 412,
          error: null,
        }],
      }),
    },
  ]);
  assert.equal(isBusy(s), false, "Send is possible again");
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "turn:done:analyze_camera(412):",
    "assistant:A **red car** in the yard.",
  ]);
});

Deno.test("events are idempotent and a history read after a reconnect merges without losing streamed text", () => {
  let s = fromHistory({
    session_id: S,
    messages: [question],
    turns: [turn("running")],
    has_more: false,
  });
  const tok: ChatSseEvent = {
    event: "token",
    data: { turn_id: T1, text: "Looking" },
  };
  s = run(s, [tok, { event: "message", data: question }]);
  assert.equal(s.messages.length, 1, "the same message once");
  // The stream dropped; the page reads the history again.
  s = mergeHistory(s, {
    session_id: S,
    messages: [question],
    turns: [turn("running")],
    has_more: false,
  });
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "turn:running::Looking",
  ]);
  // Meanwhile the turn finished: the re-read brings the answer and the state.
  s = mergeHistory(s, {
    session_id: S,
    messages: [question, answer],
    turns: [turn("done")],
    has_more: false,
  });
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "assistant:A **red car** in the yard.",
  ]);
});

Deno.test("a failed turn shows its error, not an answer; an interrupted turn keeps the system's note", () => {
  const failed = run(
    fromHistory({
      session_id: S,
      messages: [question],
      turns: [turn("running")],
      has_more: false,
    }),
    [
      { event: "token", data: { turn_id: T1, text: "partial" } },
      {
        event: "turn",
        data: turn("failed", {
          error: {
            kind: "provider_rate_limit",
            message: "429 from the provider",
            retry_after_s: 7.2,
          },
        }),
      },
    ],
  );
  const entries = chatEntries(failed);
  assert.equal(entries.length, 2);
  assert.ok(
    !entries.some((e) =>
      e.kind === "message" && e.message.role === "assistant"
    ),
    "no assistant message",
  );
  const tail = entries[1];
  assert.equal(
    tail.kind === "turn" && tail.turn.error?.kind,
    "provider_rate_limit",
  );
  assert.deepEqual(
    describeTurnError(
      (tail as Extract<ChatEntry, { kind: "turn" }>).turn.error!,
    ),
    {
      title: "The provider is rate limiting",
      detail: "429 from the provider Try again in 8 s.",
    },
  );
  assert.equal(isBusy(failed), false);

  const note = msg(
    "m9",
    "note",
    "The agent stopped during this turn and was restarted; ask again to retry.",
    "20",
  );
  const interrupted = run(failed, [
    { event: "turn", data: turn("interrupted") },
    { event: "message", data: note },
  ]);
  assert.deepEqual(shape(chatEntries(interrupted)), [
    "user:What is on the yard camera?",
    "turn:interrupted::partial",
    "note:The agent stopped during this turn and was restarted; ask again to retry.",
  ]);
});

Deno.test("tool results and tool-only steps are in the trace, not messages; tool media still shows", () => {
  const step = msg("m2", "assistant", "", "03", {
    tool_calls: [{ id: "c1", name: "camera_snapshot", args: {} }],
  });
  const result = msg("m2b", "tool", '{"ok":true}', "04", {
    tool_call_id: "c1",
    tool_name: "camera_snapshot",
  });
  const withMedia = msg("m2c", "tool", "snapshot", "05", {
    media: [{
      kind: "image",
      url: "/api/files/read/agents/a/snap.jpg",
      mime: "image/jpeg",
      caption: "Yard",
    }],
  });
  const s = fromHistory({
    session_id: S,
    messages: [question, step, result, withMedia, answer],
    turns: [turn("done", {
      tools: [{
        call_id: "c1",
        name: "camera_snapshot",
        args: {},
        summary: "ok",
        ms: 20,
        error: null,
      }],
    })],
    has_more: false,
  });
  assert.deepEqual(shape(chatEntries(s)), [
    "user:What is on the yard camera?",
    "turn:done:camera_snapshot(20):",
    "tool:snapshot",
    "assistant:A **red car** in the yard.",
  ]);
});

Deno.test("events of another session are ignored; an older history page goes first", () => {
  const s = fromHistory({
    session_id: S,
    messages: [answer],
    turns: [],
    has_more: true,
  });
  const other = run(s, [
    {
      event: "message",
      data: { ...question, id: "x", session_id: "other" },
    },
    { event: "turn", data: { ...turn("running"), session_id: "other" } },
  ]);
  assert.equal(other, s);
  const older = mergeHistory(s, {
    session_id: S,
    messages: [question],
    turns: [],
    has_more: false,
  });
  assert.deepEqual(older.messages.map((m) => m.id), ["m1", "m3"]);
  assert.equal(older.hasMore, false);
  assert.equal(EMPTY_CHAT.messages.length, 0);
});

Deno.test("labels: tokens per message, tool arguments", () => {
  assert.equal(tokenLabel(answer), "1,200 in · 34 out tokens");
  assert.equal(tokenLabel(question), null);
  assert.equal(argsLabel({}), "");
  assert.equal(argsLabel({ camera: "Yard" }), '{"camera":"Yard"}');
  assert.equal(argsLabel({ q: "x".repeat(300) }).length, 200);
});
