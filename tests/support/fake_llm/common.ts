/**
 * What the fake OpenAI and Anthropic servers share: the script of steps, the
 * record of requests, unique ids, token estimates, SSE framing and the
 * loopback server itself. The wire formats live in `openai.ts` and
 * `anthropic.ts`.
 */

/** One tool call a step makes the model emit. */
export interface FakeToolCall {
  name: string;
  args: Record<string, unknown>;
  /** Defaults to a new unique id (`call_…` / `toolu_…`). */
  id?: string;
}

/** What the fake model does for one request. */
export interface FakeStep {
  /** Answer text (with `toolCalls`: text said before the calls). */
  text?: string;
  /** Characters per streamed delta (default 8). */
  chunkSize?: number;
  toolCalls?: FakeToolCall[];
  /** Answer an error instead (429 with `retry-after` when `retryAfterS`). */
  error?: FakeError;
  /** Wait before answering at all (before the response headers). */
  delayMs?: number;
  /** Streaming: wait after the headers, before the first text or tool delta. */
  firstTokenDelayMs?: number;
  /** Streaming: wait between deltas. */
  chunkDelayMs?: number;
  /** Token figures to report instead of the estimate. */
  usage?: { input?: number; output?: number };
}

export interface FakeError {
  status: number;
  /** Seconds, sent as the `retry-after` header. */
  retryAfterS?: number;
  /** Defaults to a message in the provider's words for the status. */
  message?: string;
  /** OpenAI `error.code` (e.g. `rate_limit_exceeded`, `model_not_found`). */
  code?: string;
}

/** An image found in a request, decoded. */
export interface FakeImage {
  mime: string;
  bytes: Uint8Array;
  /** `user`: a user message part; `tool_result`: inside an Anthropic tool_result block. */
  where: "user" | "tool_result";
  /** Index of the message it came from. */
  message: number;
}

/** A tool the request offered the model. */
export interface FakeToolDef {
  name: string;
  description: string;
  /** JSON schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** A tool result the request carried back to the model. */
export interface FakeToolResult {
  id: string;
  text: string;
}

/** One parsed request, as the fake saw it. */
export interface FakeRequest {
  wire: "openai" | "anthropic";
  method: string;
  path: string;
  /** Lower-case header names (authorization, x-api-key, x-falcon-turn …). */
  headers: Record<string, string>;
  /** Date.now() when it arrived. */
  at: number;
  model: string;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  temperature: number | null;
  maxTokens: number | null;
  /** Anthropic `system` (text), or the OpenAI system message(s) joined. */
  system: string | null;
  /** The wire's messages as sent. */
  messages: Record<string, unknown>[];
  tools: FakeToolDef[];
  images: FakeImage[];
  toolResults: FakeToolResult[];
  /** Role of the last message, with tool results (either wire) as "tool". */
  lastRole: "user" | "assistant" | "tool" | "system" | null;
  /** Text of the last user message (its text parts joined). */
  lastUserText: string;
  /** The whole JSON body. */
  body: Record<string, unknown>;
}

/** Decides the step for a request when the queue is empty. */
export type Responder = (
  request: FakeRequest,
) => FakeStep | undefined | Promise<FakeStep | undefined>;

export interface FakeLlmOptions {
  /** When set, any other key answers 401 (the SDKs' own auth header). */
  apiKey?: string;
  /** Listed by `GET /v1/models`; other models answer 404. Default: any model is accepted. */
  models?: string[];
  /** Text answered when nothing is scripted (default "Hello from the fake model."). */
  defaultText?: string;
  /** Dynamic behaviour once the queue is empty. */
  respond?: Responder;
  /** Keep only the newest this many requests (benchmarks; default: all). */
  maxRequests?: number;
}

/** A running fake provider. */
export interface FakeLlm {
  wire: "openai" | "anthropic";
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /**
   * What the official SDK takes as its base URL: `origin + "/v1"` for OpenAI
   * (`new OpenAI({baseURL})`, ChatOpenAI `configuration.baseURL`), `origin`
   * for Anthropic (`new Anthropic({baseURL})`, ChatAnthropic `anthropicApiUrl`).
   */
  baseURL: string;
  /** Every model request (chat completions / messages), in order. */
  requests: FakeRequest[];
  /** Steps answered in order, before `respond` and the default. */
  steps: FakeStep[];
  respond: Responder | undefined;
  /** Appends steps to the queue. */
  script(...steps: FakeStep[]): void;
  /** Clears the queue, `respond` and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

let counter = 0;
/** A new id, unique across the process (LangGraph merges equal message ids). */
export function uniqueId(prefix: string): string {
  counter++;
  const rand = crypto.getRandomValues(new Uint8Array(8));
  const hex = Array.from(rand, (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
  return `${prefix}${counter.toString(36)}${hex}`;
}

/** A rough token count: four characters a token, as providers' rules of thumb. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits text into deltas of `size` characters (code points kept whole). */
export function chunks(text: string, size = 8): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += Math.max(1, size)) {
    out.push(chars.slice(i, i + Math.max(1, size)).join(""));
  }
  return out;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!ms || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function json(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Decodes a `data:` URL; null when it is not a base64 data URL. */
export function decodeDataUrl(
  url: string,
): { mime: string; bytes: Uint8Array } | null {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!m) return null;
  return { mime: m[1], bytes: decodeBase64(m[2]) };
}

export function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ""));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Width and height of a complete baseline or progressive JPEG (SOI, a SOF
 * frame header, EOI at the end); null when the bytes are not one.
 */
export function jpegInfo(
  bytes: Uint8Array,
): { width: number; height: number } | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  if (bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) {
    return null;
  }
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
      marker !== 0xc8 && marker !== 0xcc
    ) {
      if (i + 9 > bytes.length) return null;
      const height = (bytes[i + 5] << 8) | bytes[i + 6];
      const width = (bytes[i + 7] << 8) | bytes[i + 8];
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (marker === 0xda) return null; // scan data before any frame header
    i += 2 + len;
  }
  return null;
}

/** An SSE response fed by `write`; stops writing when the client hangs up. */
export function sseResponse(
  signal: AbortSignal,
  run: (write: (frame: string) => void) => Promise<void>,
): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      signal.addEventListener("abort", () => (open = false), { once: true });
      const write = (frame: string) => {
        if (!open) return;
        try {
          controller.enqueue(enc.encode(frame));
        } catch {
          open = false;
        }
      };
      try {
        await run(write);
      } finally {
        if (open) {
          try {
            controller.close();
          } catch { /* client gone */ }
        }
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}

/** Lower-cased headers as a plain object. */
export function headerObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => (out[k.toLowerCase()] = v));
  return out;
}

/**
 * The state and loopback server every fake shares. `handle` gets the
 * request with its URL; the returned FakeLlm is completed by the wire module.
 */
export function startServer(
  wire: "openai" | "anthropic",
  options: FakeLlmOptions,
  handle: (req: Request, url: URL, fake: FakeLlm) => Promise<Response>,
): FakeLlm {
  const ac = new AbortController();
  // The handler runs only after `fake` below exists.
  const ref: { fake?: FakeLlm } = {};
  const server = Deno.serve(
    {
      hostname: "127.0.0.1",
      port: 0,
      signal: ac.signal,
      onListen: () => {},
    },
    async (req) => {
      const url = new URL(req.url);
      try {
        return await handle(req, url, ref.fake!);
      } catch (err) {
        return json({
          error: { message: `fake ${wire} server: ${String(err)}` },
        }, 500);
      }
    },
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const fake: FakeLlm = {
    wire,
    origin,
    baseURL: wire === "openai" ? `${origin}/v1` : origin,
    requests: [],
    steps: [],
    respond: options.respond,
    script(...steps) {
      fake.steps.push(...steps);
    },
    reset() {
      fake.steps.length = 0;
      fake.requests.length = 0;
      fake.respond = undefined;
    },
    async close() {
      ac.abort();
      await server.finished;
    },
  };
  ref.fake = fake;
  return fake;
}

/** Records a request, dropping the oldest beyond `maxRequests`. */
export function record(
  fake: FakeLlm,
  options: FakeLlmOptions,
  request: FakeRequest,
): void {
  fake.requests.push(request);
  const max = options.maxRequests ?? Infinity;
  if (fake.requests.length > max) {
    fake.requests.splice(0, fake.requests.length - max);
  }
}

/** The next step: the queue, then `respond`, then the default text. */
export async function nextStep(
  fake: FakeLlm,
  request: FakeRequest,
  defaultText: string,
): Promise<FakeStep> {
  const queued = fake.steps.shift();
  if (queued) return queued;
  const dynamic = fake.respond ? await fake.respond(request) : undefined;
  return dynamic ?? { text: defaultText };
}

/**
 * A responder for benchmarks and agent tests: call `tool` with `args` when
 * the last message is not a tool result, else answer `text`.
 */
export function toolThenAnswer(
  tool: string,
  args: Record<string, unknown>,
  text: string,
): Responder {
  return (req) =>
    req.lastRole === "tool" ? { text } : { toolCalls: [{ name: tool, args }] };
}

/** Width and height as ffprobe decodes them: proof the bytes are a real image. */
export async function probeImage(
  bytes: Uint8Array,
): Promise<{ codec: string; width: number; height: number }> {
  const child = new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-show_entries",
      "stream=codec_name,width,height",
      "-of",
      "json",
      "-i",
      "pipe:0",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`ffprobe: ${new TextDecoder().decode(out.stderr)}`);
  }
  const s = JSON.parse(new TextDecoder().decode(out.stdout)).streams?.[0];
  if (!s) throw new Error("ffprobe found no image stream");
  return { codec: s.codec_name, width: s.width, height: s.height };
}
