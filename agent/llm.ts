/**
 * The chat model of a turn, pointed at the controller's provider gateway
 * (never at the provider: the process holds no provider key). Only the
 * LangChain package of the agent's wire is loaded, on first use.
 *
 * Retries are done here, in the fetch the SDK uses, rather than by the SDK
 * or LangChain (both turned off): a 429 is retried at most twice, honouring
 * `retry-after` up to 30 s; a 5xx or a refused connection twice with a short
 * backoff; anything else not at all. The same fetch records the last failure
 * on the wire for errors.ts and enforces the agent's LLM call timeout over
 * the whole call, streamed body included.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { TURN_HEADER, type TurnJob } from "../lib/agent_protocol.ts";
import type { TurnError } from "../lib/api/chat.ts";
import type { ControllerClient, CredentialRejected } from "./client.ts";
import {
  errorBodyInfo,
  retryAfterSeconds,
  wireError,
  type WireFailure,
} from "./errors.ts";
import { sleep } from "./events.ts";

/** The state of one running turn that the model fetch and the tools share. */
export interface TurnRun {
  turnId: string;
  /** Aborts the graph: cancelled ack, a fatal tool or LLM error, SIGTERM. */
  abort: AbortController;
  /** An error that ends the turn, set where it was seen (timeouts, tokens per day). */
  fatal: TurnError | null;
  /** The last failed provider answer (cleared by a good one). */
  wire: WireFailure | null;
  /** The turn is over: late timers must not touch it. */
  done: boolean;
  /** The controller rejected the credential mid-turn: the process must exit. */
  rejected: CredentialRejected | null;
}

export function newTurnRun(turnId: string): TurnRun {
  return {
    turnId,
    abort: new AbortController(),
    fatal: null,
    wire: null,
    done: false,
    rejected: null,
  };
}

export const MAX_RETRIES = 2;
export const MAX_RETRY_AFTER_S = 30;
const RETRY_STATUSES = new Set([500, 502, 503, 504, 529]);

export interface ProviderFetchOptions {
  llmTimeoutMs: number;
  /** Backoff of 5xx and connection retries (ms, per attempt). */
  backoffMs?: (attempt: number) => number;
  fetchFn?: typeof fetch;
}

export function providerFetch(
  run: TurnRun,
  opts: ProviderFetchOptions,
): typeof fetch {
  const base = opts.fetchFn ?? fetch;
  const backoff = opts.backoffMs ?? ((n) => 500 * 2 ** n);
  return async (input, init) => {
    for (let attempt = 0;; attempt++) {
      const timeout = new AbortController();
      let finished = false;
      const timer = setTimeout(() => {
        if (finished || run.done) return;
        run.fatal ??= {
          kind: "llm_timeout",
          message: `The model did not answer within ${
            Math.round(opts.llmTimeoutMs / 1000)
          } s (the agent's LLM timeout).`,
        };
        timeout.abort(new DOMException("LLM call timed out", "TimeoutError"));
      }, opts.llmTimeoutMs);
      const signals = [timeout.signal, run.abort.signal];
      if (init?.signal) signals.push(init.signal);
      let res: Response;
      try {
        res = await base(input, { ...init, signal: AbortSignal.any(signals) });
      } catch (e) {
        clearTimeout(timer);
        if (run.abort.signal.aborted || timeout.signal.aborted) throw e;
        if (attempt < MAX_RETRIES) {
          await sleep(backoff(attempt), run.abort.signal);
          continue;
        }
        run.wire = {
          status: null,
          retryAfterS: null,
          code: null,
          message: (e as Error).message,
        };
        throw e;
      }
      if (res.ok) {
        run.wire = null;
        if (!res.body) {
          clearTimeout(timer);
          return res;
        }
        const end = () => {
          finished = true;
          clearTimeout(timer);
        };
        const body = res.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({ flush: end }),
        );
        return new Response(body, {
          status: res.status,
          statusText: res.statusText,
          headers: res.headers,
        });
      }
      const text = await res.text().catch(() => "");
      clearTimeout(timer);
      const info = errorBodyInfo(text);
      const failure: WireFailure = {
        status: res.status,
        retryAfterS: retryAfterSeconds(res.headers),
        code: info.code,
        message: info.message ?? res.statusText,
      };
      const again = new Response(text, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
      if (failure.code === "tokens_per_day") {
        run.fatal ??= wireError(failure);
        return again;
      }
      const wait = res.status === 429
        ? (failure.retryAfterS ?? (attempt + 1))
        : RETRY_STATUSES.has(res.status)
        ? backoff(attempt) / 1000
        : null;
      if (
        wait !== null && attempt < MAX_RETRIES && wait <= MAX_RETRY_AFTER_S
      ) {
        await sleep(wait * 1000, run.abort.signal);
        if (run.abort.signal.aborted) return again;
        continue;
      }
      run.wire = failure;
      return again;
    }
  };
}

/** The LangChain chat model of the job's agent, through the gateway. */
export async function chatModel(
  job: TurnJob,
  client: ControllerClient,
  run: TurnRun,
  fetchOpts: Omit<ProviderFetchOptions, "llmTimeoutMs"> = {},
): Promise<BaseChatModel> {
  const a = job.agent;
  const defaultHeaders = { [TURN_HEADER]: job.turn_id };
  const fetchFn = providerFetch(run, {
    ...fetchOpts,
    llmTimeoutMs: a.llm_timeout_s * 1000,
  });
  const secret = client.credential.secret;
  if (a.wire === "openai") {
    const { ChatOpenAI } = await import("@langchain/openai");
    return new ChatOpenAI({
      model: a.model,
      temperature: a.temperature,
      maxTokens: a.max_tokens,
      apiKey: secret,
      configuration: {
        baseURL: client.gatewayUrl("openai") + "/v1",
        defaultHeaders,
        fetch: fetchFn,
      },
      streaming: true,
      streamUsage: true,
      maxRetries: 0,
    });
  }
  const { ChatAnthropic } = await import("@langchain/anthropic");
  return new ChatAnthropic({
    model: a.model,
    temperature: a.temperature,
    maxTokens: a.max_tokens,
    apiKey: secret,
    anthropicApiUrl: client.gatewayUrl("anthropic"),
    clientOptions: { defaultHeaders, fetch: fetchFn },
    streaming: true,
    maxRetries: 0,
  });
}
