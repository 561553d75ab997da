/**
 * A fake OpenAI-compatible server on loopback speaking the Chat Completions
 * wire protocol the official `openai` SDK and LangChain's `ChatOpenAI` use:
 *
 *   POST /v1/chat/completions   JSON answer, or `stream: true` SSE chunks
 *                               (`data: {chunk}` … `data: [DONE]`, a usage chunk
 *                               when `stream_options.include_usage`); tool calls
 *                               with `finish_reason: "tool_calls"`
 *   GET  /v1/models             {object: "list", data: [...]}
 *
 * Errors use OpenAI's body `{error: {message, type, param, code}}`; a 429
 * carries `retry-after`. What it answers comes from the script (common.ts).
 */
import {
  chunks,
  decodeDataUrl,
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

const ERROR_TYPES: Record<
  number,
  [type: string, code: string | null, msg: string]
> = {
  400: ["invalid_request_error", null, "Invalid request."],
  401: [
    "invalid_request_error",
    "invalid_api_key",
    "Incorrect API key provided.",
  ],
  403: [
    "invalid_request_error",
    "unsupported_country_region_territory",
    "Forbidden.",
  ],
  404: [
    "invalid_request_error",
    "model_not_found",
    "The model does not exist or you do not have access to it.",
  ],
  429: [
    "requests",
    "rate_limit_exceeded",
    "Rate limit reached for requests. Please try again later.",
  ],
  500: [
    "server_error",
    null,
    "The server had an error while processing your request.",
  ],
  503: ["server_error", null, "The engine is currently overloaded."],
};

/** OpenAI's error answer for `err`. */
export function openaiError(err: FakeError): Response {
  const [type, code, message] = ERROR_TYPES[err.status] ??
    (err.status >= 500 ? ERROR_TYPES[500] : ERROR_TYPES[400]);
  const headers: Record<string, string> = {};
  if (err.retryAfterS !== undefined) {
    headers["retry-after"] = String(err.retryAfterS);
  }
  return json(
    {
      error: {
        message: err.message ?? message,
        type,
        param: null,
        code: err.code ?? code,
      },
    },
    err.status,
    headers,
  );
}

export function startFakeOpenAI(options: FakeLlmOptions = {}): FakeLlm {
  const defaultText = options.defaultText ?? "Hello from the fake model.";
  return startServer("openai", options, async (req, url, fake) => {
    const path = url.pathname;
    const auth = req.headers.get("authorization") ?? "";
    const authorized = options.apiKey === undefined ||
      auth === `Bearer ${options.apiKey}`;
    if (req.method === "GET" && path === "/v1/models") {
      if (!authorized) return openaiError({ status: 401 });
      const ids = options.models ?? ["fake-gpt"];
      return json({
        object: "list",
        data: ids.map((id) => ({
          id,
          object: "model",
          created: 1_700_000_000,
          owned_by: "fake",
        })),
      });
    }
    if (path !== "/v1/chat/completions") {
      return openaiError({
        status: 404,
        code: "unknown_url",
        message: `Unknown request URL: ${req.method} ${path}.`,
      });
    }
    if (req.method !== "POST") {
      return openaiError({ status: 405, message: "Method not allowed." });
    }
    let body: Record<string, unknown>;
    try {
      body = await req.json();
    } catch {
      return openaiError({
        status: 400,
        message: "We could not parse the JSON body of your request.",
      });
    }
    const parsed = parseRequest(req, path, body);
    record(fake, options, parsed);
    if (!authorized) return openaiError({ status: 401 });
    if (!parsed.model || !Array.isArray(body.messages)) {
      return openaiError({
        status: 400,
        message: !parsed.model
          ? "you must provide a model parameter"
          : "'messages' is a required property",
      });
    }
    if (options.models && !options.models.includes(parsed.model)) {
      return openaiError({
        status: 404,
        message: `The model \`${parsed.model}\` does not exist.`,
      });
    }
    const step = await nextStep(fake, parsed, defaultText);
    await sleep(step.delayMs ?? 0, req.signal);
    if (step.error) return openaiError(step.error);
    return parsed.stream
      ? streamAnswer(req.signal, parsed, step)
      : await plainAnswer(req.signal, parsed, step);
  });
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
  const systems: string[] = [];
  let lastUserText = "";
  messages.forEach((m, i) => {
    const text = textOf(m.content);
    if (m.role === "system" || m.role === "developer") systems.push(text);
    if (m.role === "tool") {
      toolResults.push({ id: String(m.tool_call_id ?? ""), text });
    }
    if (m.role === "user") {
      lastUserText = text;
      if (Array.isArray(m.content)) {
        for (const part of m.content as Record<string, unknown>[]) {
          if (part.type !== "image_url") continue;
          const ref = part.image_url as { url?: string } | undefined;
          const decoded = ref?.url ? decodeDataUrl(ref.url) : null;
          if (decoded) images.push({ ...decoded, where: "user", message: i });
        }
      }
    }
  });
  const last = messages.at(-1);
  const tools = Array.isArray(body.tools)
    ? (body.tools as { function?: Record<string, unknown> }[]).map((t) => ({
      name: String(t.function?.name ?? ""),
      description: String(t.function?.description ?? ""),
      parameters: (t.function?.parameters ?? {}) as Record<string, unknown>,
    }))
    : [];
  const streamOptions = body.stream_options as
    | { include_usage?: boolean }
    | undefined;
  return {
    wire: "openai",
    method: req.method,
    path,
    headers: headerObject(req.headers),
    at: Date.now(),
    model: typeof body.model === "string" ? body.model : "",
    stream: body.stream === true,
    includeUsage: streamOptions?.include_usage === true,
    temperature: typeof body.temperature === "number" ? body.temperature : null,
    maxTokens: typeof body.max_completion_tokens === "number"
      ? body.max_completion_tokens
      : typeof body.max_tokens === "number"
      ? body.max_tokens
      : null,
    system: systems.length ? systems.join("\n") : null,
    messages,
    tools,
    images,
    toolResults,
    lastRole: last
      ? (last.role === "developer"
        ? "system"
        : last.role as FakeRequest["lastRole"])
      : null,
    lastUserText,
    body,
  };
}

/** The text parts of a message's content. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p) => p?.type === "text" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("");
}

function usageOf(req: FakeRequest, step: FakeStep) {
  const prompt = step.usage?.input ??
    estimateTokens(req.messages) + estimateTokens(req.tools);
  const completion = step.usage?.output ??
    estimateTokens((step.text ?? "") + JSON.stringify(step.toolCalls ?? ""));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function toolCallsOf(step: FakeStep) {
  return (step.toolCalls ?? []).map((c) => ({
    id: c.id ?? uniqueId("call_"),
    type: "function" as const,
    function: { name: c.name, arguments: JSON.stringify(c.args) },
  }));
}

async function plainAnswer(
  signal: AbortSignal,
  req: FakeRequest,
  step: FakeStep,
): Promise<Response> {
  await sleep(step.firstTokenDelayMs ?? 0, signal);
  const calls = toolCallsOf(step);
  return json({
    id: uniqueId("chatcmpl-"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    system_fingerprint: "fp_fake",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: step.text ?? (calls.length ? null : ""),
        refusal: null,
        ...(calls.length ? { tool_calls: calls } : {}),
      },
      logprobs: null,
      finish_reason: calls.length ? "tool_calls" : "stop",
    }],
    usage: usageOf(req, step),
  });
}

function streamAnswer(
  signal: AbortSignal,
  req: FakeRequest,
  step: FakeStep,
): Response {
  const id = uniqueId("chatcmpl-");
  const created = Math.floor(Date.now() / 1000);
  const calls = toolCallsOf(step);
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null = null,
  ) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: req.model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    // With include_usage every chunk but the last carries `usage: null`.
    ...(req.includeUsage ? { usage: null } : {}),
  });
  return sseResponse(signal, async (write) => {
    const send = (data: unknown) => write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: "assistant", content: "", refusal: null }));
    await sleep(step.firstTokenDelayMs ?? 0, signal);
    let first = true;
    const pause = async () => {
      if (!first) await sleep(step.chunkDelayMs ?? 0, signal);
      first = false;
    };
    for (const piece of chunks(step.text ?? "", step.chunkSize)) {
      await pause();
      send(chunk({ content: piece }));
    }
    for (const [index, call] of calls.entries()) {
      await pause();
      send(chunk({
        tool_calls: [{
          index,
          id: call.id,
          type: "function",
          function: { name: call.function.name, arguments: "" },
        }],
      }));
      for (const piece of chunks(call.function.arguments, step.chunkSize)) {
        await pause();
        send(chunk({
          tool_calls: [{ index, function: { arguments: piece } }],
        }));
      }
    }
    send(chunk({}, calls.length ? "tool_calls" : "stop"));
    if (req.includeUsage) {
      send({
        id,
        object: "chat.completion.chunk",
        created,
        model: req.model,
        system_fingerprint: "fp_fake",
        choices: [],
        usage: usageOf(req, step),
      });
    }
    write("data: [DONE]\n\n");
  });
}
