/**
 * The audit log: who did what, when, from where. Writes never carry secrets;
 * a failure to write is logged, never hides the action's own result.
 */
import type { AuditEntry } from "../../lib/api/audit.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { redactText } from "../../lib/redact.ts";
import type { Sql } from "../db/client.ts";
import { authorize } from "../access/policy.ts";
import type { Principal } from "../access/principal.ts";
import { type AuditRow, insertAudit, listAudit } from "../db/audit.ts";

const log = logger("audit");

/** Who acts and from where; built by the HTTP edge from the request. */
export interface Actor {
  id: string | null;
  name: string | null;
  ip: string | null;
}

/** One audit entry as the API answers it (lib/api/audit.ts). */
export type AuditJson = AuditEntry;

export class AuditLog {
  constructor(private sql: Sql) {}

  async record(
    actor: Actor,
    action: string,
    target: string | null = null,
    details: Record<string, unknown> = {},
  ) {
    try {
      await insertAudit(this.sql, {
        actor_id: actor.id,
        actor_name: actor.name,
        action,
        target,
        ip: actor.ip,
        details,
      });
    } catch (e) {
      log.error("could not write audit entry", {
        action,
        error: errorMessage(e),
      });
    }
  }

  async list(
    p: Principal,
    q: { limit: number; offset: number; action?: string },
  ): Promise<{ entries: AuditJson[]; total: number }> {
    authorize(p, "audit.read");
    const { rows, total } = await listAudit(this.sql, q);
    return { entries: rows.map(auditJson), total };
  }
}

function auditJson(r: AuditRow): AuditJson {
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: { id: r.actor_id, name: r.actor_name },
    action: r.action,
    target: r.target,
    ip: r.ip,
    // Redacted on the way out too: entries written before structural
    // redaction (issue 11 #1) may hold a password the old pattern missed.
    details: redactDetails(r.details) as Record<string, unknown>,
  };
}

/** Every string in an entry's details, redacted as text (lib/redact.ts). */
function redactDetails(v: unknown): unknown {
  if (typeof v === "string") return redactText(v);
  if (Array.isArray(v)) return v.map(redactDetails);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, redactDetails(x)]),
    );
  }
  return v;
}
