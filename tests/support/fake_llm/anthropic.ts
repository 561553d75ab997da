/**
 * A fake Anthropic server on loopback speaking the Messages wire protocol
 * the official `@anthropic-ai/sdk` and LangChain's `ChatAnthropic` use:
 *
 *   POST /v1/messages   JSON answer, or `stream: true` SSE events:
 *                       message_start (with usage), content_block_start /
 *                       content_block_delta (text_delta, input_json_delta) /
 *                       content_block_stop per block, message_delta (stop_reason,
 *                       usage), message_stop
 *   GET  /v1/models     {data: [...], has_more, first_id, last_id}
 *
 * Errors use Anthropic's body `{type: "error", error: {type, message}}`; a
 * 429 carries `retry-after`. Image blocks (base64 source) are recorded from
 * user messages and from inside tool_result blocks.
 */
import {
  chunks,
  decodeBase64,
  estimateTokens,
  type FakeError,
  type FakeLlm,
  type FakeLlmOptions,
  type FakeRequest,
  type FakeStep,
  headerObject,
  json,
  nextStep,
  record,
  sleep,
  sseResponse,
  startServer,
  uniqueId,
} from "./common.ts";

const ERROR_TYPES: Record<number, [type: string, message: string]> = {
  400: ["invalid_request_error", "Invalid request."],
  401: ["authentication_error", "invalid x-api-key"],
  403: ["permission_error", "Your API key does not have permission."],
  404: ["not_found_error", "Not found."],
  413: ["request_too_large", "Request exceeds the maximum allowed size."],
  429: ["rate_limit_error", "Number of requests has exceeded your rate limit."],
  500: ["api_error", "Internal server error."],
  529: ["overloaded_error", "Overloaded"],
};

/** Anthropic's error answer for `err`. */
export function anthropicError(err: FakeError): Response {
  const [type, message] = ERROR_TYPES[err.status] ??
    (err.status >= 500 ? ERROR_TYPES[500] : ERROR_TYPES[400]);
  const headers: Record<string, string> = { "request-id": uniqueId("req_") };
  if (err.retryAfterS !== undefined) {
    headers["retry-after"] = String(err.retryAfterS);
  }
  return json(
    {
      type: "error",
      error: { type, message: err.message ?? message },
    },
    err.status,
    headers,
  );
}

export function startFakeAnthropic(options: FakeLlmOptions = {}): FakeLlm {
  const defaultText = options.defaultText ?? "Hello from the fake model.";
  return startServer("anthropic", options, async (req, url, fake) => {
    const path = url.pathname;
    const key = req.headers.get("x-api-key") ??
      req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    const authorized = options.apiKey === undefined || key === options.apiKey;
    if (req.method === "GET" && path === "/v1/models") {
      if (!authorized) return anthropicError({ status: 401 });
      const ids = options.models ?? ["fake-claude"];
      return json({
        data: ids.map((id) => ({
          type: "model",
          id,
          display_name: id,
          created_at: "2025-01-01T00:00:00Z",
        })),
        has_more: false,
        first_id: ids[0] ?? null,
        last_id: ids.at(-1) ?? null,
      });
    }
    if (path !== "/v1/messages") {
      return anthropicError({ status: 404, message: `Not found: ${path}` });
    }
    if (req.method !== "POST") {
      return anthropicError({ status: 405, message: "Method not allowed" });
    }
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return anthropicError({ status: 400, message: "Invalid JSON body" });
    }
    const parsed = parseRequest(req, path, body);
    record(fake, options, parsed);
    if (!authorized) return anthropicError({ status: 401 });
    for (const field of ["model", "messages", "max_tokens"]) {
      if (body[field] === undefined) {
        return anthropicError({
          status: 400,
          message: `${field}: Field required`,
        });
      }
    }
    if (options.models && !options.models.includes(parsed.model)) {
      return anthropicError({
        status: 404,
        message: `model: ${parsed.model}`,
      });
    }
    const step = await nextStep(fake, parsed, defaultText);
    await sleep(step.delayMs ?? 0, req.signal);
    if (step.error) return anthropicError(step.error);
    return parsed.stream
      ? streamAnswer(req.signal, parsed, step)
      : await plainAnswer(req.signal, parsed, step);
  });
}

type Block = Record<string, unknown>;

function blocksOf(content: unknown): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content as Block[] : [];
}

function textOf(blocks: Block[]): string {
  return blocks
    .filter((b) => b.type === "text" && typeof b.text === "string")
    .map((b) => b.text as string)
    .join("");
}

function parseRequest(
  req: Request,
  path: string,
  body: Record<string, unknown>,
): FakeRequest {
  const messages = Array.isArray(body.messages)
    ? body.messages as Record<string, unknown>[]
    : [];
  const images: FakeRequest["images"] = [];
  const toolResults: FakeRequest["toolResults"] = [];
  let lastUserText = "";
  const addImage = (b: Block, where: "user" | "tool_result", i: number) => {
    const src = b.source as Record<string, unknown> | undefined;
    if (src?.type === "base64" && typeof src.data === "string") {
      images.push({
        mime: String(src.media_type ?? ""),
        bytes: decodeBase64(src.data),
        where,
        message: i,
      });
    }
  };
  let lastRole: FakeRequest["lastRole"] = null;
  messages.forEach((m, i) => {
    const blocks = blocksOf(m.content);
    lastRole = m.role as FakeRequest["lastRole"];
    if (m.role !== "user") return;
    const text = textOf(blocks);
    if (text) lastUserText = text;
    for (const b of blocks) {
      if (b.type === "image") addImage(b, "user", i);
      if (b.type === "tool_result") {
        const inner = blocksOf(b.content);
        toolResults.push({
          id: String(b.tool_use_id ?? ""),
          text: textOf(inner),
        });
        for (const ib of inner) {
          if (ib.type === "image") addImage(ib, "tool_result", i);
        }
      }
    }
    // A user turn made only of tool results is the tool's answer.
    if (blocks.length && blocks.every((b) => b.type === "tool_result")) {
      lastRole = "tool";
    }
  });
  const system = typeof body.system === "string"
    ? body.system
    : Array.isArray(body.system)
    ? textOf(body.system as Block[])
    : null;
  const tools = Array.isArray(body.tools)
    ? (body.tools as Block[]).map((t) => ({
      name: String(t.name ?? ""),
      description: String(t.description ?? ""),
      parameters: (t.input_schema ?? {}) as Record<string, unknown>,
    }))
    : [];
  return {
    wire: "anthropic",
    method: req.method,
    path,
    headers: headerObject(req.headers),
    at: Date.now(),
    model: typeof body.model === "string" ? body.model : "",
    stream: body.stream === true,
    includeUsage: true,
    temperature: typeof body.temperature === "number" ? body.temperature : null,
    maxTokens: typeof body.max_tokens === "number" ? body.max_tokens : null,
    system,
    messages,
    tools,
    images,
    toolResults,
    lastRole,
    lastUserText,
    body,
  };
}

function usageOf(req: FakeRequest, step: FakeStep) {
  return {
    input_tokens: step.usage?.input ??
      estimateTokens(req.messages) + estimateTokens(req.tools) +
        estimateTokens(req.system ?? ""),
    output_tokens: step.usage?.output ??
      estimateTokens((step.text ?? "") + JSON.stringify(step.toolCalls ?? "")),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function contentOf(step: FakeStep): Block[] {
  const out: Block[] = [];
  if (step.text) out.push({ type: "text", text: step.text });
  for (const c of step.toolCalls ?? []) {
    out.push({
      type: "tool_use",
      id: c.id ?? uniqueId("toolu_"),
      name: c.name,
      input: c.args,
    });
  }
  if (!out.length) out.push({ type: "text", text: "" });
  return out;
}

async function plainAnswer(
  signal: AbortSignal,
  req: FakeRequest,
  step: FakeStep,
): Promise<Response> {
  await sleep(step.firstTokenDelayMs ?? 0, signal);
  return json({
    id: uniqueId("msg_"),
    type: "message",
    role: "assistant",
    model: req.model,
    content: contentOf(step),
    stop_reason: step.toolCalls?.length ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: usageOf(req, step),
  });
}

function streamAnswer(
  signal: AbortSignal,
  req: FakeRequest,
  step: FakeStep,
): Response {
  const usage = usageOf(req, step);
  return sseResponse(signal, async (write) => {
    const send = (event: string, data: Record<string, unknown>) =>
      write(
        `event: ${event}\ndata: ${
          JSON.stringify({ type: event, ...data })
        }\n\n`,
      );
    send("message_start", {
      message: {
        id: uniqueId("msg_"),
        type: "message",
        role: "assistant",
        model: req.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    });
    send("ping", {});
    await sleep(step.firstTokenDelayMs ?? 0, signal);
    let first = true;
    const pause = async () => {
      if (!first) await sleep(step.chunkDelayMs ?? 0, signal);
      first = false;
    };
    for (const [index, block] of contentOf(step).entries()) {
      if (block.type === "text") {
        send("content_block_start", {
          index,
          content_block: { type: "text", text: "" },
        });
        for (const piece of chunks(String(block.text), step.chunkSize)) {
          await pause();
          send("content_block_delta", {
            index,
            delta: { type: "text_delta", text: piece },
          });
        }
      } else {
        send("content_block_start", {
          index,
          content_block: {
            type: "tool_use",
            id: block.id,
            name: block.name,
            input: {},
          },
        });
        for (
          const piece of chunks(JSON.stringify(block.input), step.chunkSize)
        ) {
          await pause();
          send("content_block_delta", {
            index,
            delta: { type: "input_json_delta", partial_json: piece },
          });
        }
      }
      send("content_block_stop", { index });
    }
    send("message_delta", {
      delta: {
        stop_reason: step.toolCalls?.length ? "tool_use" : "end_turn",
        stop_sequence: null,
      },
      usage: { output_tokens: usage.output_tokens },
    });
    send("message_stop", {});
  });
}
