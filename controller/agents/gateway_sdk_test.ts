/**
 * The provider gateway as agent processes use it: the official OpenAI and
 * Anthropic SDKs, with the agent's credential as their API key, through
 * `/internal/v1/agents/{id}/llm/…` to the fake providers of
 * tests/support/fake_llm (which accept only the real keys). Streams arrive
 * whole, usage is counted from them, a 429 reaches the SDK with its
 * retry-after.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { eventually, startStack } from "../../tests/support/stack.ts";
import {
  startFakeAnthropic,
  startFakeOpenAI,
} from "../../tests/support/fake_llm/mod.ts";
import { system } from "../access/principal.ts";

const OPENAI_KEY = "sk-real-openai-key-for-the-fake";
const ANTHROPIC_KEY = "sk-ant-real-key-for-the-fake";

Deno.test({
  name:
    "gateway: the official SDKs through the gateway with the agent's credential",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const openai = startFakeOpenAI({ apiKey: OPENAI_KEY });
    const anthropic = startFakeAnthropic({ apiKey: ANTHROPIC_KEY });
    const stack = await startStack({});
    const c = stack.controller;
    const sys = system("gateway sdk test");
    const usage: unknown[][] = [];
    c.agentHooks.onUsage = (turn, agent, u) => {
      usage.push([turn, agent, u.prompt_tokens, u.completion_tokens]);
    };
    const gw = (id: string, wire: string) =>
      `${stack.url}/internal/v1/agents/${id}/llm/${wire}`;
    try {
      const gpt = await c.agents.create(sys, {
        name: "GPT",
        slug: "gpt",
        provider: "openai",
        model: "gpt-fake",
        base_url: openai.baseURL,
        api_key: OPENAI_KEY,
      });
      const claude = await c.agents.create(sys, {
        name: "Claude",
        slug: "claude",
        provider: "anthropic",
        model: "claude-fake",
        base_url: anthropic.origin,
        api_key: ANTHROPIC_KEY,
      });
      const gptCred = await c.agentCredentials.mint(gpt.id);
      const claudeCred = await c.agentCredentials.mint(claude.id);

      await t.step("OpenAI SDK: a stream with usage", async () => {
        openai.script({
          text: "The door is closed.",
          usage: { input: 41, output: 7 },
        });
        const client = new OpenAI({
          apiKey: gptCred.secret,
          baseURL: gw(gpt.id, "openai") + "/v1",
          maxRetries: 0,
        });
        const turn = crypto.randomUUID();
        const stream = await client.chat.completions.create({
          model: "gpt-fake",
          messages: [{ role: "user", content: "Is the door closed?" }],
          stream: true,
        }, { headers: { "x-falcon-turn": turn } });
        let text = "";
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? "";
        }
        assert.equal(text, "The door is closed.");
        const seen = openai.requests.at(-1)!;
        assert.equal(seen.includeUsage, true, "the gateway asked for usage");
        assert.equal(seen.headers.authorization, `Bearer ${OPENAI_KEY}`);
        assert.equal(seen.headers["x-falcon-turn"], undefined);
        // Counted when the upstream's stream ended, just after the SDK's.
        await eventually(() => usage.length === 1, 3000, "usage once");
        assert.deepEqual(usage.at(-1), [turn, gpt.id, 41, 7]);
      });

      await t.step(
        "OpenAI SDK: a 429 arrives with its retry-after",
        async () => {
          openai.script({ error: { status: 429, retryAfterS: 9 } });
          const client = new OpenAI({
            apiKey: gptCred.secret,
            baseURL: gw(gpt.id, "openai") + "/v1",
            maxRetries: 0,
          });
          await assert.rejects(
            () =>
              client.chat.completions.create({
                model: "gpt-fake",
                messages: [{ role: "user", content: "hi" }],
              }),
            (e: unknown) =>
              e instanceof OpenAI.APIError && e.status === 429 &&
              e.headers?.get("retry-after") === "9",
          );
        },
      );

      await t.step("Anthropic SDK: a stream with usage", async () => {
        anthropic.script({
          text: "Two cars.",
          usage: { input: 55, output: 4 },
        });
        const client = new Anthropic({
          apiKey: claudeCred.secret,
          baseURL: gw(claude.id, "anthropic"),
          maxRetries: 0,
        });
        const stream = client.messages.stream({
          model: "claude-fake",
          max_tokens: 100,
          messages: [{ role: "user", content: "How many cars?" }],
        });
        const final = await stream.finalMessage();
        assert.equal(
          final.content.map((b) => b.type === "text" ? b.text : "").join(""),
          "Two cars.",
        );
        assert.equal(
          anthropic.requests.at(-1)!.headers["x-api-key"],
          ANTHROPIC_KEY,
        );
        await eventually(() => usage.length === 2, 3000, "usage");
        assert.deepEqual(usage.at(-1), [null, claude.id, 55, 4]);
        const day = (await c.agents.get(sys, claude.id)).usage_today;
        assert.deepEqual(day, { prompt_tokens: 55, completion_tokens: 4 });
      });

      await t.step(
        "a wrong model is refused before the provider sees it",
        async () => {
          const before = openai.requests.length;
          const client = new OpenAI({
            apiKey: gptCred.secret,
            baseURL: gw(gpt.id, "openai") + "/v1",
            maxRetries: 0,
          });
          await assert.rejects(
            () =>
              client.chat.completions.create({
                model: "gpt-expensive",
                messages: [{ role: "user", content: "hi" }],
              }),
            (e: unknown) => e instanceof OpenAI.APIError && e.status === 400,
          );
          assert.equal(openai.requests.length, before);
        },
      );
    } finally {
      await stack.close();
      await openai.close();
      await anthropic.close();
    }
  },
});
