/**
 * Agent process credentials (docs/design/agents.md § Processes and
 * identities): a random 256-bit secret per process start. Only its SHA-256
 * is stored, with a generation number; minting replaces the previous one, so
 * the old generation stops working at once. The secret itself goes to the
 * process (stdin) and nowhere else.
 */
import { timingSafeEqual } from "../../lib/bearer.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";
import { TtlCache } from "./ttl_cache.ts";

export interface MintedCredential {
  secret: string;
  generation: number;
}

export class AgentCredentials {
  /** SHA-256 → agent id of current credentials (every call of a process looks its one up). */
  #byHash: TtlCache<string, string>;

  constructor(private sql: Sql, clock: Clock = realClock) {
    this.#byHash = new TtlCache(clock, 2000);
  }

  /** A new credential for the agent's next process start; the previous one is dead. */
  async mint(agentId: string): Promise<MintedCredential> {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const secret = base64url(bytes);
    // The previous generation is refused from now on, here at once.
    this.#byHash.deleteWhere((id) => id === agentId);
    const generation = await db.replaceCredential(
      this.sql,
      agentId,
      await sha256(secret),
    );
    return { secret, generation };
  }

  /** True when `secret` is the agent's current credential (compared in constant time). */
  async verify(agentId: string, secret: string): Promise<boolean> {
    const row = await db.credentialOf(this.sql, agentId);
    if (!row) return false;
    return timingSafeEqual(await sha256(secret), row.secret_sha256);
  }

  /** The agent whose current credential `secret` is, or null. */
  async agentOf(secret: string): Promise<string | null> {
    if (secret.length < 32 || secret.length > 200) return null;
    const hash = await sha256(secret);
    const cached = this.#byHash.get(hash);
    if (cached) return cached;
    const row = await db.credentialByHash(this.sql, hash);
    // The lookup was by hash; compare again so the answer never rests on the index alone.
    if (!row || !timingSafeEqual(hash, row.secret_sha256)) return null;
    this.#byHash.set(hash, row.agent_id);
    return row.agent_id;
  }

  /** No credential of the agent works any more (it was stopped or deleted). */
  async revoke(agentId: string): Promise<void> {
    this.#byHash.deleteWhere((id) => id === agentId);
    await db.dropCredential(this.sql, agentId);
  }
}

export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
