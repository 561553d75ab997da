/**
 * The agent's side of lib/agent_protocol.ts: the long poll, event batches
 * and tool calls, all with the agent's bearer secret. A 401 (or 403 on the
 * turn endpoints) means the credential was revoked: CredentialRejected, and
 * the process exits for its supervisor to restart it with a new one.
 */
import {
  AGENT_PATHS,
  type AgentCredential,
  type EventAck,
  eventAckSchema,
  type TurnEvent,
  type TurnJob,
  turnJobSchema,
} from "../lib/agent_protocol.ts";
import { type ToolResult, toolResultSchema } from "../lib/api/tools.ts";

const EVENTS_TIMEOUT_MS = 10_000;

export class CredentialRejected extends Error {
  constructor(public status: number, what: string) {
    super(
      `the controller rejected this agent's credential (${status} on ${what}); it was revoked or replaced`,
    );
  }
}

/** The controller answered something the protocol does not allow. */
export class ProtocolError extends Error {}

/** A tool call the hub refused or that failed: the model reads `message`. */
export class ToolCallError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ControllerClient {
  credential: AgentCredential;
  /** The next turn, or null when none came within `waitS`. */
  nextTurn(waitS: number, signal?: AbortSignal): Promise<TurnJob | null>;
  postEvents(
    turnId: string,
    events: TurnEvent[],
    signal?: AbortSignal,
  ): Promise<EventAck>;
  executeTool(
    body: {
      tool: string;
      arguments: Record<string, unknown>;
      turn_id: string;
      call_id: string;
    },
    signal: AbortSignal,
  ): Promise<ToolResult>;
  /** `controller + /internal/v1/agents/{id}/llm/{wire}`. */
  gatewayUrl(wire: "openai" | "anthropic"): string;
}

export function controllerClient(
  credential: AgentCredential,
  fetchFn: typeof fetch = fetch,
): ControllerClient {
  const base = credential.controller_url;
  const id = credential.agent_id;
  const headers = {
    authorization: `Bearer ${credential.secret}`,
    "content-type": "application/json",
  };
  // Every call has a deadline: a controller that stops answering (a dead
  // connection, a partition) must not hang the loop or the event sink.
  const post = (
    path: string,
    body: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ) =>
    fetchFn(base + path, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
        : AbortSignal.timeout(timeoutMs),
    });
  const failure = async (res: Response, what: string) => {
    const text = await res.text().catch(() => "");
    let msg = text.slice(0, 300);
    try {
      msg = JSON.parse(text)?.error?.message ?? msg;
    } catch { /* not JSON */ }
    return new ProtocolError(`${what}: HTTP ${res.status} ${msg}`);
  };
  return {
    credential,
    async nextTurn(waitS, signal) {
      const res = await post(
        AGENT_PATHS.next(id),
        { wait_s: waitS },
        (waitS + 15) * 1000,
        signal,
      );
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new CredentialRejected(res.status, "turns/next");
      }
      if (res.status === 204) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) throw await failure(res, "turns/next");
      const parsed = turnJobSchema.safeParse(await res.json());
      if (!parsed.success) {
        throw new ProtocolError(
          `turns/next answered a job that is not a TurnJob: ${
            parsed.error.issues[0].path.join(".")
          }: ${parsed.error.issues[0].message}`,
        );
      }
      return parsed.data;
    },
    async postEvents(turnId, events, signal) {
      const res = await post(
        AGENT_PATHS.events(id, turnId),
        { events },
        EVENTS_TIMEOUT_MS,
        signal,
      );
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new CredentialRejected(res.status, "turn events");
      }
      // The turn is gone (finished elsewhere, cancelled, lease lost).
      if (res.status === 404 || res.status === 409 || res.status === 410) {
        await res.body?.cancel();
        return { accepted: 0, cancelled: true };
      }
      if (res.status !== 200) throw await failure(res, "turn events");
      const ack = eventAckSchema.safeParse(await res.json());
      if (!ack.success) {
        throw new ProtocolError("turn events answered no EventAck");
      }
      return ack.data;
    },
    async executeTool(body, signal) {
      // The caller's signal carries the tool timeout; this is a backstop.
      const res = await post(AGENT_PATHS.tools, body, 15 * 60_000, signal);
      const text = await res.text();
      if (res.status === 401) {
        throw new CredentialRejected(401, "tools/execute");
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        const err = (json as { error?: { code?: string; message?: string } })
          ?.error;
        throw new ToolCallError(
          res.status,
          err?.code ?? `http_${res.status}`,
          err?.message ?? (text.slice(0, 500) || `HTTP ${res.status}`),
        );
      }
      const parsed = toolResultSchema.safeParse(json);
      if (!parsed.success) {
        throw new ToolCallError(
          502,
          "bad_tool_result",
          "the tool hub answered something that is not a tool result",
        );
      }
      return parsed.data;
    },
    gatewayUrl: (wire) => base + AGENT_PATHS.gateway(id, wire),
  };
}
