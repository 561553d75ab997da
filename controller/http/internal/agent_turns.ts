/**
 * /internal/v1/agents/{id}/turns/…: the agent process's turn endpoints
 * (lib/agent_protocol.ts). The credential middleware in front (agents-core)
 * sets the agent principal of the presented credential, with its
 * generation; these routes act only for the agent that principal names.
 *
 *   POST /:id/turns/next          NextTurnRequest → 200 TurnJob | 204
 *   POST /:id/turns/:turn/events  EventBatch → EventAck
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { z } from "zod";
import {
  eventBatchSchema,
  nextTurnRequestSchema,
} from "../../../lib/agent_protocol.ts";
import { AppError } from "../../../lib/errors.ts";
import { bearer } from "../../../lib/bearer.ts";
import { invalidInput } from "../../../lib/validation.ts";
import type { TurnService } from "../../chat/turns.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { jsonBody } from "../middleware/errors.ts";

/** The agent and credential generation of the caller, for the agent the path names. */
export function agentCaller(
  c: Context<AuthEnv>,
): { agentId: string; generation: number } {
  const p = c.get("access");
  if (p?.kind !== "agent" || p.generation === undefined) {
    throw new AppError(
      "unauthorized",
      "Agent credential required: these routes serve agent processes only",
    );
  }
  if (p.agentId !== c.req.param("id")) {
    throw new AppError(
      "forbidden",
      `This credential belongs to agent "${p.agentId}" and acts for it only`,
      { field: "id" },
    );
  }
  return { agentId: p.agentId, generation: p.generation };
}

async function parse<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.infer<S>> {
  const r = schema.safeParse(await jsonBody(c));
  if (!r.success) throw invalidInput(r.error.issues);
  return r.data;
}

export function agentTurnsApi(turns: TurnService): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.post("/:id/turns/next", async (c) => {
    const { agentId, generation } = agentCaller(c);
    const body = await parse(c, nextTurnRequestSchema);
    const job = await turns.claimNext(
      agentId,
      generation,
      body.wait_s,
      c.req.raw.signal,
    );
    return job ? c.json(job) : c.body(null, 204);
  });
  app.post("/:id/turns/:turn/events", async (c) => {
    const { agentId, generation } = agentCaller(c);
    const body = await parse(c, eventBatchSchema);
    return c.json(
      await turns.appendEvents(
        agentId,
        generation,
        c.req.param("turn"),
        body.events,
      ),
    );
  });
  return app;
}

/**
 * Sets the agent principal of a request from its bearer credential (an
 * agent's process secret): 401 without a valid one. agents-core owns the
 * real one (with the agent's tools); the composition root passes this one
 * until then.
 */
export function requireAgentCredential(
  authenticate: (
    secret: string,
  ) => Promise<
    { agentId: string; generation: number; cameras: string[] | null } | null
  >,
): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const given = bearer(c.req.header("authorization"));
    const who = given === null ? null : await authenticate(given);
    if (!who) {
      throw new AppError(
        "unauthorized",
        "Agent credential required: the secret handed to this agent's process",
      );
    }
    c.set("access", {
      kind: "agent",
      agentId: who.agentId,
      generation: who.generation,
      tools: new Set(),
      cameras: who.cameras === null ? "all" : new Set(who.cameras),
    });
    await next();
  };
}
