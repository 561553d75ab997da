/**
 * Fits a session's history into the model's context window for one turn
 * (docs/design/agents.md § History and the context window). Pure: the
 * caller loads the messages and the token estimator.
 *
 *   budget = context_window − max_tokens − system prompt − tool schemas − 10 % of context_window
 *
 * History is cut into exchanges (a user message and everything up to the
 * next one) and taken newest first, whole exchanges only, so a tool call is
 * never separated from its result and the first message sent is a user's.
 * Tool results older than the last two exchanges go as their one-line
 * summary, images older than the last exchange as a text placeholder.
 * Exchanges that no longer fit are folded, oldest first, into the session's
 * running summary: extractive and deterministic (each question and the
 * first sentence of its answer), bounded, stored on the session with the
 * last message it covers; folded messages are never sent again.
 */
import type { ContextMessage } from "../../lib/agent_protocol.ts";
import type { ToolCall } from "../../lib/api/chat.ts";
import type { Estimate } from "./tokens.ts";

/** Tokens counted for an image (a 1024² image costs ~765 at OpenAI, ~1,400 at Anthropic). */
export const IMAGE_TOKENS = 1_500;
/** Per-message framing (role, separators) the providers add. */
export const MESSAGE_OVERHEAD = 4;
/** The running summary keeps at most this many characters (oldest entries drop first). */
export const MAX_SUMMARY_CHARS = 4_000;
/** One line of the summary per question and per answer, at most this long. */
const ENTRY_CHARS = 240;
export const SUMMARY_HEADER =
  "Summary of the earlier conversation (the user's questions and the first sentence of each answer):";

/** A stored message as the fitting sees it (notes are left out by the caller). */
export interface HistoryMessage {
  /**
   * The claim order of the message's turn (chat_turns.queue_seq): a turn's
   * messages share it, and the summary's cursor counts in it.
   */
  turn_seq: number;
  role: "user" | "assistant" | "tool";
  content: string;
  tool_calls: ToolCall[];
  tool_call_id: string | null;
  tool_name: string | null;
  /** Tool results: the one line sent once the result is old. */
  tool_summary: string | null;
  /** Images of a user message; the caller may load them for the last exchange only. */
  images: { mime: "image/jpeg" | "image/png"; base64: string }[];
  /** How many images the message had (for the placeholder of older ones). */
  image_count: number;
  created_at: string;
}

export interface FitInput {
  /** Messages of the turns after the stored summary's, in turn order, ending with this turn's user message. */
  messages: HistoryMessage[];
  /** The stored running summary (its entries, without the header) and the last turn_seq it covers. */
  summary: { text: string; uptoSeq: number } | null;
  contextWindow: number;
  maxTokens: number;
  systemPrompt: string;
  /** The JSON of the tools' schemas as sent to the model. */
  toolSchemas: string;
  estimate: Estimate;
}

export interface FitResult {
  messages: ContextMessage[];
  /** Summary to send before the messages (with its header); null when nothing was ever folded. */
  summary: string | null;
  /** Set when more was folded now: store it on the session. */
  newSummary: { text: string; uptoSeq: number } | null;
  budget: number;
  /** Estimated tokens of what is sent (summary + messages). */
  used: number;
  /** Messages left out now (folded into the summary). */
  folded: number;
}

/** The history budget of a turn (may be ≤ 0 for a tiny window: the last exchange still goes). */
export function historyBudget(
  i: Pick<
    FitInput,
    "contextWindow" | "maxTokens" | "systemPrompt" | "toolSchemas" | "estimate"
  >,
): number {
  return i.contextWindow - i.maxTokens - i.estimate(i.systemPrompt) -
    i.estimate(i.toolSchemas) - Math.ceil(i.contextWindow * 0.1);
}

type Exchange = HistoryMessage[];

/** Cuts history into exchanges; messages before the first user message are dropped. */
export function exchangesOf(messages: HistoryMessage[]): Exchange[] {
  const out: Exchange[] = [];
  for (const m of messages) {
    if (m.role === "user") out.push([m]);
    else if (out.length) out[out.length - 1].push(m);
  }
  return out.map(pairToolCalls);
}

/**
 * Keeps tool calls and results in pairs: a result without its call, or a
 * call without its result (a turn cut short), is left out, as providers
 * refuse either.
 */
function pairToolCalls(ex: Exchange): Exchange {
  const answered = new Set(
    ex.filter((m) => m.role === "tool").map((m) => m.tool_call_id),
  );
  const called = new Set<string>();
  const out: Exchange = [];
  for (const m of ex) {
    if (m.role === "assistant" && m.tool_calls.length) {
      const calls = m.tool_calls.filter((c) => answered.has(c.id));
      for (const c of calls) called.add(c.id);
      if (!calls.length && !m.content) continue;
      out.push({ ...m, tool_calls: calls });
    } else if (m.role === "tool") {
      if (m.tool_call_id !== null && called.has(m.tool_call_id)) out.push(m);
    } else out.push(m);
  }
  return out;
}

/** The exchange as sent, `age` exchanges before the current one (0 = this turn's). */
function render(ex: Exchange, age: number): ContextMessage[] {
  return ex.map((m): ContextMessage => {
    if (m.role === "user") {
      if (age === 0) {
        return { role: "user", content: m.content, images: m.images };
      }
      const n = m.image_count;
      const note = n
        ? `\n[${
          n === 1 ? "an image" : `${n} images`
        } the user sent at ${m.created_at}, not shown again]`
        : "";
      return { role: "user", content: m.content + note, images: [] };
    }
    if (m.role === "assistant") {
      return {
        role: "assistant",
        content: m.content,
        tool_calls: m.tool_calls,
      };
    }
    const old = age >= 2;
    return {
      role: "tool",
      tool_call_id: m.tool_call_id ?? "",
      name: m.tool_name ?? "",
      content: old
        ? `[older tool result, summarised] ${
          m.tool_summary ?? firstLine(m.content)
        }`
        : m.content,
    };
  });
}

function cost(msgs: ContextMessage[], estimate: Estimate): number {
  let n = 0;
  for (const m of msgs) {
    n += MESSAGE_OVERHEAD + estimate(m.content);
    if (m.role === "user") n += m.images.length * IMAGE_TOKENS;
    if (m.role === "assistant" && m.tool_calls.length) {
      n += estimate(JSON.stringify(m.tool_calls));
    }
    if (m.role === "tool") n += estimate(m.name);
  }
  return n;
}

function oneLine(text: string, max = ENTRY_CHARS): string {
  const s = text.replace(/\s+/g, " ").trim();
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}

function firstLine(text: string): string {
  return oneLine(text.split("\n").find((l) => l.trim()) ?? "");
}

/** The first sentence of an answer (up to ., ! or ? followed by a space, or the line). */
export function firstSentence(text: string): string {
  const s = text.replace(/\s+/g, " ").trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(s);
  return oneLine(m ? m[1] : s);
}

/** The summary lines of one exchange: the question, and the start of its answer. */
export function summaryEntry(ex: Exchange): string {
  const user = ex.filter((m) => m.role === "user").map((m) => m.content).join(
    " ",
  );
  const answers = ex.filter((m) =>
    m.role === "assistant" && m.content.trim() && !m.tool_calls.length
  );
  const answer = answers.length ? answers[answers.length - 1].content : "";
  const tools = [
    ...new Set(ex.flatMap((m) => m.tool_calls.map((c) => c.name))),
  ];
  const lines = [`- User: ${oneLine(user)}`];
  if (tools.length) lines.push(`  Tools used: ${oneLine(tools.join(", "))}`);
  lines.push(
    answer ? `  Answer: ${firstSentence(answer)}` : "  (no answer stored)",
  );
  return lines.join("\n");
}

/** Appends entries, then drops the oldest whole entries beyond MAX_SUMMARY_CHARS. */
export function appendSummary(old: string, entries: string[]): string {
  const all = [
    ...(old ? old.split(/\n(?=- User: )/) : []),
    ...entries,
  ];
  // Newest entries first, while they fit (joined by one newline each).
  let keep = 0;
  let len = -1;
  for (let i = all.length - 1; i >= 0; i--) {
    if (keep && len + 1 + all[i].length > MAX_SUMMARY_CHARS) break;
    len += 1 + all[i].length;
    keep++;
  }
  const text = all.slice(all.length - keep).join("\n");
  return text.length > MAX_SUMMARY_CHARS
    ? text.slice(text.length - MAX_SUMMARY_CHARS)
    : text;
}

const withHeader = (text: string) => `${SUMMARY_HEADER}\n${text}`;

export function fitContext(i: FitInput): FitResult {
  const budget = historyBudget(i);
  const exchanges = exchangesOf(i.messages);
  const n = exchanges.length;
  const rendered = exchanges.map((ex, k) => render(ex, n - 1 - k));
  const costs = rendered.map((r) => cost(r, i.estimate));
  const oldText = i.summary?.text ?? "";
  // A bound on the summary's cost (a token is at least one UTF-8 byte, at
  // most 3 per UTF-16 unit): the exact figure is needed only near the edge.
  const summaryMax = MESSAGE_OVERHEAD +
    3 * (SUMMARY_HEADER.length + 1 + MAX_SUMMARY_CHARS);
  const entries: string[] = [];
  const entry = (k: number) => entries[k] ??= summaryEntry(exchanges[k]);
  const summaryCost = (foldUpTo: number) => {
    const folded = Array.from({ length: foldUpTo }, (_, k) => entry(k));
    const text = appendSummary(oldText, folded);
    return text ? MESSAGE_OVERHEAD + i.estimate(withHeader(text)) : 0;
  };
  // Newest first: the current exchange always goes; an older one goes when
  // it fits beside what is kept and the summary of everything before it.
  let first = Math.max(0, n - 1);
  let used = n ? costs[n - 1] : 0;
  for (let k = n - 2; k >= 0; k--) {
    if (
      used + costs[k] + summaryMax > budget &&
      used + costs[k] + summaryCost(k) > budget
    ) break;
    used += costs[k];
    first = k;
  }
  const foldedNow = exchanges.slice(0, first);
  let summaryText = oldText;
  let newSummary: FitResult["newSummary"] = null;
  if (foldedNow.length) {
    summaryText = appendSummary(oldText, foldedNow.map((_, k) => entry(k)));
    // Covered now: the turns up to the last folded one.
    const last = foldedNow[foldedNow.length - 1];
    newSummary = { text: summaryText, uptoSeq: last[0].turn_seq };
  }
  const summary = summaryText ? withHeader(summaryText) : null;
  if (summary) used += MESSAGE_OVERHEAD + i.estimate(summary);
  return {
    messages: rendered.slice(first).flat(),
    summary,
    newSummary,
    budget,
    used,
    folded: foldedNow.reduce((s, ex) => s + ex.length, 0),
  };
}
