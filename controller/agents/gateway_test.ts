/**
 * Usage read from answers as they stream past (the gateway's meter): the
 * OpenAI stream's final usage chunk, a JSON answer, Anthropic's
 * message_start and cumulative message_delta, split at any byte.
 */
import assert from "node:assert/strict";
import { UsageMeter } from "./gateway.ts";

const enc = new TextEncoder();

function feedSplit(meter: UsageMeter, text: string, at: number) {
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += at) {
    meter.feed(bytes.subarray(i, i + at));
  }
}

Deno.test("UsageMeter: OpenAI stream, split anywhere", () => {
  const text = [
    `data: {"choices":[{"delta":{"content":"Hi"}}]}`,
    `data: {"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`,
    `data: [DONE]`,
    "",
  ].join("\n\n");
  for (const at of [1, 7, 1000]) {
    const m = new UsageMeter(true);
    feedSplit(m, text, at);
    assert.deepEqual(m.usage(), { prompt_tokens: 12, completion_tokens: 3 });
  }
});

Deno.test("UsageMeter: a stream without usage reports none", () => {
  const m = new UsageMeter(true);
  feedSplit(
    m,
    `data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: [DONE]\n\n`,
    5,
  );
  assert.equal(m.usage(), null);
});

Deno.test("UsageMeter: JSON answers of both wires", () => {
  const o = new UsageMeter(false);
  feedSplit(
    o,
    JSON.stringify({ usage: { prompt_tokens: 5, completion_tokens: 6 } }),
    3,
  );
  assert.deepEqual(o.usage(), { prompt_tokens: 5, completion_tokens: 6 });
  const a = new UsageMeter(false);
  feedSplit(
    a,
    JSON.stringify({
      type: "message",
      usage: { input_tokens: 9, cache_read_input_tokens: 1, output_tokens: 4 },
    }),
    4,
  );
  assert.deepEqual(a.usage(), { prompt_tokens: 10, completion_tokens: 4 });
});

Deno.test("UsageMeter: Anthropic message_start, then cumulative message_delta", () => {
  const m = new UsageMeter(true);
  feedSplit(
    m,
    [
      `event: message_start\ndata: {"type":"message_start","message":{"type":"message","usage":{"input_tokens":30,"output_tokens":1}}}`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":8}}`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":20}}`,
      `event: message_stop\ndata: {"type":"message_stop"}`,
      "",
    ].join("\n\n"),
    11,
  );
  assert.deepEqual(m.usage(), { prompt_tokens: 30, completion_tokens: 20 });
});
