/**
 * Agent process credentials (docs/design/agents.md § Processes and
 * identities): a random 256-bit secret per process start. Only its SHA-256
 * is stored, with a generation number; minting replaces the previous one, so
 * the old generation stops working at once. The secret itself goes to the
 * process (stdin) and nowhere else.
 */
import { timingSafeEqual } from "../../lib/bearer.ts";
import type { Sql } from "../db/client.ts";
import * as db from "../db/agents.ts";

export interface MintedCredential {
  secret: string;
  generation: number;
}

export class AgentCredentials {
  constructor(private sql: Sql) {}

  /** A new credential for the agent's next process start; the previous one is dead. */
  async mint(agentId: string): Promise<MintedCredential> {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const secret = base64url(bytes);
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
    const row = await db.credentialByHash(this.sql, hash);
    // The lookup was by hash; compare again so the answer never rests on the index alone.
    return row && timingSafeEqual(hash, row.secret_sha256)
      ? row.agent_id
      : null;
  }

  /** No credential of the agent works any more (it was stopped or deleted). */
  async revoke(agentId: string): Promise<void> {
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
