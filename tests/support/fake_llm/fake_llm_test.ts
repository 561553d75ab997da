/**
 * The fake providers are faithful: the official SDKs (`openai`,
 * `@anthropic-ai/sdk`) and LangChain's ChatOpenAI / ChatAnthropic parse
 * every answer they give — plain, streamed, tool calls, usage, errors, and a
 * 429 whose retry-after the SDK honours.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { ChatOpenAI } from "@langchain/openai";
import { ChatAnthropic } from "@langchain/anthropic";
import { HumanMessage } from "@langchain/core/messages";
import {
  type FakeLlm,
  jpegInfo,
  probeImage,
  startFakeAnthropic,
  startFakeOpenAI,
  toolThenAnswer,
} from "./mod.ts";
import { makeJpegs } from "../http_camera.ts";

const KEY = "sk-fake-key";
const WEATHER = {
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"],
  },
};

async function withFake(
  start: () => FakeLlm,
  fn: (fake: FakeLlm) => Promise<void>,
) {
  const fake = start();
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}

const openaiFake = () => startFakeOpenAI({ apiKey: KEY });
const anthropicFake = () => startFakeAnthropic({ apiKey: KEY });
const jpeg = (await makeJpegs("160x120", 1))[0];
const jpegB64 = btoa(String.fromCharCode(...jpeg));

// ---- openai SDK ----------------------------------------------------------

Deno.test("openai SDK: plain answer, usage, unique ids, request recorded", async () => {
  await withFake(openaiFake, async (fake) => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
    fake.script({ text: "first", usage: { input: 11, output: 3 } });
    const a = await client.chat.completions.create({
      model: "gpt-x",
      temperature: 0.2,
      max_tokens: 50,
      messages: [{ role: "system", content: "be brief" }, {
        role: "user",
        content: "hi",
      }],
    });
    const b = await client.chat.completions.create({
      model: "gpt-x",
      messages: [{ role: "user", content: "again" }],
    });
    assert.equal(a.choices[0].message.content, "first");
    assert.equal(a.choices[0].finish_reason, "stop");
    assert.deepEqual(
      [
        a.usage?.prompt_tokens,
        a.usage?.completion_tokens,
        a.usage?.total_tokens,
      ],
      [11, 3, 14],
    );
    assert.equal(b.choices[0].message.content, "Hello from the fake model.");
    assert.notEqual(a.id, b.id);
    const [r] = fake.requests;
    assert.equal(r.model, "gpt-x");
    assert.equal(r.temperature, 0.2);
    assert.equal(r.maxTokens, 50);
    assert.equal(r.system, "be brief");
    assert.equal(r.lastUserText, "hi");
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["fake-gpt"]);
  });
});

Deno.test("openai SDK: streaming deltas and the usage chunk", async () => {
  await withFake(openaiFake, async (fake) => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
    fake.script({ text: "streamed answer text", chunkSize: 4 });
    const stream = await client.chat.completions.create({
      model: "gpt-x",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content) deltas.push(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(deltas.join(""), "streamed answer text");
    assert.equal(deltas.length, 5);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.completion_tokens > 0 && usage.prompt_tokens > 0);
    assert.equal(fake.requests[0].includeUsage, true);
  });
});

Deno.test("openai SDK: tool calls, plain and streamed, and tool results recorded", async () => {
  await withFake(openaiFake, async (fake) => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
    const tools = [{ type: "function" as const, function: WEATHER }];
    fake.script(
      { toolCalls: [{ name: "get_weather", args: { city: "Paris" } }] },
      {
        toolCalls: [
          { name: "get_weather", args: { city: "Oslo" } },
          { name: "get_weather", args: { city: "Rome" } },
        ],
        chunkSize: 3,
      },
    );
    const plain = await client.chat.completions.create({
      model: "gpt-x",
      tools,
      messages: [{ role: "user", content: "weather?" }],
    });
    assert.equal(plain.choices[0].finish_reason, "tool_calls");
    const call = plain.choices[0].message.tool_calls![0];
    assert.equal(call.type, "function");
    if (call.type !== "function") throw new Error("not a function call");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), { city: "Paris" });
    // The SDK's own stream assembler rebuilds the calls from the deltas.
    const runner = client.chat.completions.stream({
      model: "gpt-x",
      tools,
      messages: [{ role: "user", content: "weather?" }],
    });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls ?? [];
    assert.equal(final.choices[0].finish_reason, "tool_calls");
    assert.deepEqual(
      calls.map((c) =>
        c.type === "function" && JSON.parse(c.function.arguments)
      ),
      [{ city: "Oslo" }, { city: "Rome" }],
    );
    assert.notEqual(calls[0].id, calls[1].id);
    assert.deepEqual(fake.requests[1].tools[0], WEATHER);
    // The answer to the tool result.
    await client.chat.completions.create({
      model: "gpt-x",
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "sunny" },
      ],
    });
    assert.equal(fake.requests[2].lastRole, "tool");
    assert.deepEqual(fake.requests[2].toolResults, [{
      id: call.id,
      text: "sunny",
    }]);
  });
});

Deno.test("openai SDK: an image_url data URL is recorded as the JPEG it was", async () => {
  await withFake(openaiFake, async (fake) => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
    await client.chat.completions.create({
      model: "gpt-x",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "what is this?" },
          {
            type: "image_url",
            image_url: { url: `data:image/jpeg;base64,${jpegB64}` },
          },
        ],
      }],
    });
    const [img] = fake.requests[0].images;
    assert.equal(img.mime, "image/jpeg");
    assert.deepEqual(img.bytes, jpeg);
    assert.deepEqual(jpegInfo(img.bytes), { width: 160, height: 120 });
    assert.deepEqual(await probeImage(img.bytes), {
      codec: "mjpeg",
      width: 160,
      height: 120,
    });
    assert.equal(fake.requests[0].lastUserText, "what is this?");
  });
});

Deno.test("openai SDK: 401 is an AuthenticationError, 404/400/500 keep their status", async () => {
  await withFake(openaiFake, async (fake) => {
    const bad = new OpenAI({ apiKey: "wrong", baseURL: fake.baseURL });
    await assert.rejects(
      bad.chat.completions.create({
        model: "gpt-x",
        messages: [{ role: "user", content: "hi" }],
      }),
      (e) =>
        e instanceof OpenAI.AuthenticationError && e.status === 401 &&
        e.code === "invalid_api_key",
    );
    const client = new OpenAI({
      apiKey: KEY,
      baseURL: fake.baseURL,
      maxRetries: 0,
    });
    fake.script({ error: { status: 404 } }, { error: { status: 400 } }, {
      error: { status: 500 },
    });
    for (
      const cls of [
        OpenAI.NotFoundError,
        OpenAI.BadRequestError,
        OpenAI.InternalServerError,
      ]
    ) {
      await assert.rejects(
        client.chat.completions.create({
          model: "gpt-x",
          messages: [{ role: "user", content: "hi" }],
        }),
        (e) => e instanceof cls,
      );
    }
  });
});

Deno.test("openai SDK: 429 retry-after is honoured by the SDK's retry", async () => {
  await withFake(openaiFake, async (fake) => {
    const client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
    fake.script({ error: { status: 429, retryAfterS: 1 } }, {
      text: "after wait",
    });
    const r = await client.chat.completions.create({
      model: "gpt-x",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(r.choices[0].message.content, "after wait");
    assert.equal(fake.requests.length, 2);
    const gap = fake.requests[1].at - fake.requests[0].at;
    assert.ok(gap >= 950, `retried after ${gap} ms`);
    const noRetry = new OpenAI({
      apiKey: KEY,
      baseURL: fake.baseURL,
      maxRetries: 0,
    });
    fake.script({ error: { status: 429, retryAfterS: 7 } });
    await assert.rejects(
      noRetry.chat.completions.create({
        model: "gpt-x",
        messages: [{ role: "user", content: "hi" }],
      }),
      (e) =>
        e instanceof OpenAI.RateLimitError &&
        e.headers.get("retry-after") === "7",
    );
  });
});

// ---- @anthropic-ai/sdk ---------------------------------------------------

Deno.test("anthropic SDK: plain answer, usage, unique ids, request recorded", async () => {
  await withFake(anthropicFake, async (fake) => {
    const client = new Anthropic({ apiKey: KEY, baseURL: fake.baseURL });
    fake.script({ text: "first", usage: { input: 9, output: 2 } });
    const a = await client.messages.create({
      model: "claude-x",
      max_tokens: 64,
      system: "be brief",
      messages: [{ role: "user", content: "hi" }],
    });
    const b = await client.messages.create({
      model: "claude-x",
      max_tokens: 64,
      messages: [{ role: "user", content: "again" }],
    });
    assert.deepEqual(a.content, [{ type: "text", text: "first" }]);
    assert.equal(a.stop_reason, "end_turn");
    assert.equal(a.usage.input_tokens, 9);
    assert.equal(a.usage.output_tokens, 2);
    assert.notEqual(a.id, b.id);
    const [r] = fake.requests;
    assert.equal(r.headers["x-api-key"], KEY);
    assert.equal(r.system, "be brief");
    assert.equal(r.maxTokens, 64);
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["fake-claude"]);
  });
});

Deno.test("anthropic SDK: streaming text and tool_use with input_json_delta", async () => {
  await withFake(anthropicFake, async (fake) => {
    const client = new Anthropic({ apiKey: KEY, baseURL: fake.baseURL });
    fake.script({
      text: "Let me look.",
      chunkSize: 3,
      toolCalls: [{ name: "get_weather", args: { city: "Paris" } }],
    });
    const stream = client.messages.stream({
      model: "claude-x",
      max_tokens: 64,
      tools: [{
        name: WEATHER.name,
        description: WEATHER.description,
        input_schema: WEATHER.parameters as Anthropic.Tool.InputSchema,
      }],
      messages: [{ role: "user", content: "weather?" }],
    });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const msg = await stream.finalMessage();
    assert.equal(texts.join(""), "Let me look.");
    assert.equal(texts.length, 4);
    assert.equal(msg.stop_reason, "tool_use");
    const use = msg.content[1];
    assert.equal(use.type, "tool_use");
    if (use.type !== "tool_use") throw new Error("no tool_use");
    assert.deepEqual(use.input, { city: "Paris" });
    assert.ok(use.id.startsWith("toolu_"));
    assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
    assert.equal(fake.requests[0].tools[0].name, "get_weather");
  });
});

Deno.test("anthropic SDK: image blocks in user messages and tool results are recorded", async () => {
  await withFake(anthropicFake, async (fake) => {
    const client = new Anthropic({ apiKey: KEY, baseURL: fake.baseURL });
    const image = {
      type: "image" as const,
      source: {
        type: "base64" as const,
        media_type: "image/jpeg" as const,
        data: jpegB64,
      },
    };
    await client.messages.create({
      model: "claude-x",
      max_tokens: 64,
      messages: [
        { role: "user", content: [{ type: "text", text: "look" }, image] },
        {
          role: "assistant",
          content: [{
            type: "tool_use",
            id: "toolu_1",
            name: "snap",
            input: {},
          }],
        },
        {
          role: "user",
          content: [{
            type: "tool_result",
            tool_use_id: "toolu_1",
            content: [{ type: "text", text: "a frame" }, image],
          }],
        },
      ],
    });
    const r = fake.requests[0];
    assert.deepEqual(r.images.map((i) => i.where), ["user", "tool_result"]);
    for (const img of r.images) {
      assert.deepEqual(img.bytes, jpeg);
      assert.deepEqual(jpegInfo(img.bytes), { width: 160, height: 120 });
    }
    assert.equal(r.lastRole, "tool");
    assert.deepEqual(r.toolResults, [{ id: "toolu_1", text: "a frame" }]);
  });
});

Deno.test("anthropic SDK: 401, and 429 retry-after honoured", async () => {
  await withFake(anthropicFake, async (fake) => {
    const bad = new Anthropic({ apiKey: "wrong", baseURL: fake.baseURL });
    await assert.rejects(
      bad.messages.create({
        model: "claude-x",
        max_tokens: 8,
        messages: [{ role: "user", content: "hi" }],
      }),
      (e) => e instanceof Anthropic.AuthenticationError && e.status === 401,
    );
    const client = new Anthropic({ apiKey: KEY, baseURL: fake.baseURL });
    fake.reset();
    fake.script({ error: { status: 429, retryAfterS: 1 } }, { text: "ok now" });
    const m = await client.messages.create({
      model: "claude-x",
      max_tokens: 8,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.deepEqual(m.content, [{ type: "text", text: "ok now" }]);
    const gap = fake.requests[1].at - fake.requests[0].at;
    assert.ok(gap >= 950, `retried after ${gap} ms`);
    fake.script({ error: { status: 529 } });
    await assert.rejects(
      new Anthropic({ apiKey: KEY, baseURL: fake.baseURL, maxRetries: 0 })
        .messages.create({
          model: "claude-x",
          max_tokens: 8,
          messages: [{ role: "user", content: "hi" }],
        }),
      (e) => e instanceof Anthropic.APIError && e.status === 529,
    );
  });
});

// ---- LangChain -----------------------------------------------------------

Deno.test("ChatOpenAI: invoke, stream with usage, tool calls, image, 401", async () => {
  await withFake(openaiFake, async (fake) => {
    const model = new ChatOpenAI({
      model: "gpt-x",
      apiKey: KEY,
      configuration: { baseURL: fake.baseURL },
      streamUsage: true,
    });
    fake.script({ text: "plain" }, { text: "one two three", chunkSize: 4 });
    const plain = await model.invoke("hi");
    assert.equal(plain.content, "plain");
    assert.ok(plain.usage_metadata!.input_tokens > 0);
    const pieces: string[] = [];
    let usage = 0;
    for await (const c of await model.stream("hi")) {
      if (typeof c.content === "string" && c.content) pieces.push(c.content);
      usage += c.usage_metadata?.output_tokens ?? 0;
    }
    assert.deepEqual(pieces, ["one ", "two ", "thre", "e"]);
    assert.ok(usage > 0);
    assert.equal(fake.requests[1].includeUsage, true);

    fake.respond = toolThenAnswer("get_weather", { city: "Paris" }, "done");
    const withTools = model.bindTools([{
      type: "function",
      function: WEATHER,
    }]);
    const ai = await withTools.invoke([
      new HumanMessage({
        content: [
          { type: "text", text: "look" },
          {
            type: "image_url",
            image_url: { url: `data:image/jpeg;base64,${jpegB64}` },
          },
        ],
      }),
    ]);
    assert.equal(ai.tool_calls?.[0].name, "get_weather");
    assert.deepEqual(ai.tool_calls?.[0].args, { city: "Paris" });
    assert.deepEqual(fake.requests.at(-1)!.images[0].bytes, jpeg);

    const bad = new ChatOpenAI({
      model: "gpt-x",
      apiKey: "wrong",
      configuration: { baseURL: fake.baseURL },
      maxRetries: 0,
    });
    await assert.rejects(
      bad.invoke("hi"),
      (e: { status?: number }) => e.status === 401,
    );
  });
});

Deno.test("ChatOpenAI: 429 retry-after honoured through LangChain", async () => {
  await withFake(openaiFake, async (fake) => {
    const model = new ChatOpenAI({
      model: "gpt-x",
      apiKey: KEY,
      configuration: { baseURL: fake.baseURL },
    });
    fake.script({ error: { status: 429, retryAfterS: 1 } }, { text: "later" });
    const r = await model.invoke("hi");
    assert.equal(r.content, "later");
    assert.ok(fake.requests[1].at - fake.requests[0].at >= 950);
  });
});

Deno.test("ChatAnthropic: invoke, stream, tool calls, image, 401, 429 retry-after", async () => {
  await withFake(anthropicFake, async (fake) => {
    const model = new ChatAnthropic({
      model: "claude-x",
      apiKey: KEY,
      anthropicApiUrl: fake.baseURL,
      maxTokens: 100,
    });
    fake.script({ text: "plain" }, { text: "one two three", chunkSize: 4 });
    const plain = await model.invoke("hi");
    assert.equal(plain.content, "plain");
    assert.ok(plain.usage_metadata!.output_tokens > 0);
    const pieces: string[] = [];
    for await (const c of await model.stream("hi")) {
      if (typeof c.content === "string" && c.content) pieces.push(c.content);
    }
    assert.deepEqual(pieces, ["one ", "two ", "thre", "e"]);

    fake.script({
      toolCalls: [{ name: "get_weather", args: { city: "Oslo" } }],
    });
    const ai = await model.bindTools([{ type: "function", function: WEATHER }])
      .invoke([
        new HumanMessage({
          content: [
            { type: "text", text: "look" },
            {
              type: "image_url",
              image_url: { url: `data:image/jpeg;base64,${jpegB64}` },
            },
          ],
        }),
      ]);
    assert.deepEqual(ai.tool_calls?.[0].args, { city: "Oslo" });
    assert.equal(fake.requests.at(-1)!.images[0].mime, "image/jpeg");
    assert.deepEqual(fake.requests.at(-1)!.images[0].bytes, jpeg);

    fake.script({ error: { status: 429, retryAfterS: 1 } }, { text: "later" });
    const n = fake.requests.length;
    assert.equal((await model.invoke("hi")).content, "later");
    assert.ok(fake.requests[n + 1].at - fake.requests[n].at >= 950);

    const bad = new ChatAnthropic({
      model: "claude-x",
      apiKey: "wrong",
      anthropicApiUrl: fake.baseURL,
      maxRetries: 0,
    });
    await assert.rejects(
      bad.invoke("hi"),
      (e: { status?: number }) => e.status === 401,
    );
  });
});

Deno.test("maxRequests keeps only the newest requests", async () => {
  await withFake(() => startFakeOpenAI({ maxRequests: 2 }), async (fake) => {
    const client = new OpenAI({ apiKey: "k", baseURL: fake.baseURL });
    for (const content of ["one", "two", "three"]) {
      await client.chat.completions.create({
        model: "m",
        messages: [{ role: "user", content }],
      });
    }
    assert.deepEqual(fake.requests.map((r) => r.lastUserText), [
      "two",
      "three",
    ]);
  });
});
