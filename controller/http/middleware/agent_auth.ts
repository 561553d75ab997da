/**
 * Agent process credentials at the HTTP edge (docs/design/agents.md).
 *
 * - `/internal/v1/agents/{id}/…` (turns, the provider gateway): the
 *   credential must be agent `{id}`'s current one — 401 without a valid one,
 *   403 for another agent's.
 * - `/api/tools/execute`: any agent's current credential, looked up by its
 *   hash; `tryAgent` answers false for anything else so the user
 *   authentication runs and the route's `agent` access answers 403.
 *
 * The credential comes as `Authorization: Bearer` (OpenAI SDK, our own
 * calls) or `x-api-key` (Anthropic SDK). Either way it sets
 * `c.set("access", principal)` with the agent's principal.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bearer } from "../../../lib/bearer.ts";
import { AppError } from "../../../lib/errors.ts";
import type { AgentPrincipal } from "../../access/principal.ts";
import type { AuthEnv } from "./auth.ts";

export interface AgentAuthDeps {
  /** The agent whose current credential `secret` is, or null. */
  agentOf(secret: string): Promise<string | null>;
  principalOf(agentId: string): Promise<AgentPrincipal>;
  /** The process was heard from (liveness). */
  touch?(agentId: string): void;
}

/** The credential an agent process sent, or null. */
export function agentSecret(c: Context): string | null {
  const auth = c.req.header("authorization");
  if (auth !== undefined) return bearer(auth);
  return c.req.header("x-api-key")?.trim() || null;
}

const PATH = /^\/internal\/v1\/agents\/([^/]+)(\/|$)/;

/** For `/internal/v1/agents/*`: the path's agent and nothing else. */
export function requireAgentCredential(
  deps: AgentAuthDeps,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const id = PATH.exec(c.req.path)?.[1] ?? "";
    const secret = agentSecret(c);
    const owner = secret ? await deps.agentOf(secret) : null;
    if (owner === null) {
      throw new AppError(
        "unauthorized",
        "Agent credential required: the one this agent's process was started with",
      );
    }
    if (owner !== id) {
      throw new AppError(
        "forbidden",
        `This credential belongs to agent "${owner}" and acts for it only`,
        { field: "id" },
      );
    }
    c.set("access", await deps.principalOf(owner));
    deps.touch?.(owner);
    await next();
  };
}

/**
 * Sets the agent principal when the request carries an agent's current
 * credential; false otherwise (the caller then tries user authentication).
 */
export async function tryAgent(
  c: Context<AuthEnv>,
  deps: AgentAuthDeps,
): Promise<boolean> {
  const secret = agentSecret(c);
  const owner = secret ? await deps.agentOf(secret) : null;
  if (owner === null) return false;
  c.set("access", await deps.principalOf(owner));
  deps.touch?.(owner);
  return true;
}
