/**
 * A tiny provider upstream for the agents tests (the full fakes of both
 * wires are in tests/support/fake_llm/): OpenAI wire under `/v1` (models,
 * chat completions as JSON or SSE with the final `usage` chunk when asked),
 * Anthropic wire under `/anth/v1` (models, messages as SSE with
 * message_start / message_delta usage). Each request is recorded. A user
 * message "slow" is answered after `slowMs`; "busy" gets a 429 with
 * retry-after.
 */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
}

export interface Upstream {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

const sse = (events: unknown[], named = false) =>
  new Response(
    events.map((e) =>
      (named ? `event: ${(e as { type: string }).type}\n` : "") +
      `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`
    ).join(""),
    { headers: { "content-type": "text/event-stream" } },
  );

export function startUpstream(
  opts: { openaiKeys: string[]; anthropicKey: string; slowMs?: number },
): Upstream {
  const seen: SeenRequest[] = [];
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const text = req.method === "POST" ? await req.text() : "";
      const body = text ? JSON.parse(text) : null;
      seen.push({
        method: req.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        body,
      });
      const lastUser = (body?.messages as { content: unknown }[] | undefined)
        ?.at(-1)?.content;
      if (lastUser === "slow") {
        await new Promise((r) => setTimeout(r, opts.slowMs ?? 7000));
      }
      if (lastUser === "busy") {
        return Response.json(
          { error: { message: "Rate limited", type: "rate_limit" } },
          { status: 429, headers: { "retry-after": "7" } },
        );
      }
      if (url.pathname.startsWith("/v1/")) {
        const auth = req.headers.get("authorization") ?? "";
        if (!opts.openaiKeys.some((k) => auth === `Bearer ${k}`)) {
          return Response.json({ error: { message: "Incorrect API key" } }, {
            status: 401,
          });
        }
        if (url.pathname === "/v1/models") {
          return Response.json({
            object: "list",
            data: [{ id: "gpt-test" }, { id: "gpt-other" }],
          });
        }
        if (url.pathname === "/v1/chat/completions") {
          const usage = { prompt_tokens: 600, completion_tokens: 500 };
          if (body.stream) {
            const chunk = (content: string) => ({
              id: "c1",
              object: "chat.completion.chunk",
              model: body.model,
              choices: [{ index: 0, delta: { content }, finish_reason: null }],
            });
            const events: unknown[] = [chunk("Hello"), chunk(" there")];
            if (body.stream_options?.include_usage) {
              events.push({
                id: "c1",
                object: "chat.completion.chunk",
                choices: [],
                usage: { ...usage, total_tokens: 1100 },
              });
            }
            events.push("[DONE]");
            return sse(events);
          }
          return Response.json({
            id: "c1",
            object: "chat.completion",
            model: body.model,
            choices: [{
              index: 0,
              message: { role: "assistant", content: "Hello there" },
              finish_reason: "stop",
            }],
            usage: { ...usage, total_tokens: 1100 },
          });
        }
      }
      if (url.pathname.startsWith("/anth/v1/")) {
        if (req.headers.get("x-api-key") !== opts.anthropicKey) {
          return Response.json({
            type: "error",
            error: {
              type: "authentication_error",
              message: "invalid x-api-key",
            },
          }, { status: 401 });
        }
        if (url.pathname === "/anth/v1/models") {
          return Response.json({
            data: [{ id: "claude-test", type: "model" }],
            has_more: false,
          });
        }
        if (url.pathname === "/anth/v1/messages") {
          return sse([
            {
              type: "message_start",
              message: {
                id: "m1",
                type: "message",
                role: "assistant",
                model: body.model,
                content: [],
                usage: { input_tokens: 30, output_tokens: 1 },
              },
            },
            {
              type: "content_block_delta",
              index: 0,
              delta: { type: "text_delta", text: "Hi" },
            },
            {
              type: "message_delta",
              delta: { stop_reason: "end_turn" },
              usage: { output_tokens: 20 },
            },
            { type: "message_stop" },
          ], true);
        }
      }
      return Response.json({ error: { message: "no such route" } }, {
        status: 404,
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: () => server.shutdown(),
  };
}
