/**
 * `/audit` (admins): the security audit log, newest first, one page at a time
 * from `GET /api/audit?limit&offset&action`, filtered by action prefix. Loads
 * after hydration; the server renders the controls and a loading state.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { z } from "zod";
import type { AuditEntry, auditPageSchema } from "../lib/api/audit.ts";
import { apiRequest } from "./client/api.ts";

/** An entry and a page of `GET /api/audit` (lib/api/audit.ts). */
export type { AuditEntry };
type AuditPage = z.infer<typeof auditPageSchema>;

export interface AuditLogProps {
  /** Entries per page. @default 50 */
  limit?: number;
}

export const ACTION_FILTERS: readonly { value: string; label: string }[] = [
  { value: "", label: "All actions" },
  { value: "auth.", label: "Sign-in (auth.)" },
  { value: "user.", label: "Users (user.)" },
  { value: "token.", label: "Tokens (token.)" },
  { value: "camera.", label: "Cameras (camera.)" },
];

/** The API path of one page. */
export function auditPath(
  limit: number,
  offset: number,
  action: string,
): string {
  const q = new URLSearchParams({
    limit: String(limit),
    offset: String(offset),
  });
  if (action) q.set("action", action);
  return `/api/audit?${q}`;
}

/** `details` as compact JSON, or a dash when empty. */
export function compactDetails(
  details: Record<string, unknown> | null,
): string {
  if (!details || Object.keys(details).length === 0) return "—";
  return JSON.stringify(details);
}

/** "51–100 of 123", or "none" for an empty result. */
export function rangeLabel(
  offset: number,
  count: number,
  total: number,
): string {
  if (count === 0) {
    return total === 0 ? "No entries" : `None at ${offset + 1} of ${total}`;
  }
  return `${offset + 1}–${offset + count} of ${total}`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export default function AuditLog({ limit = 50 }: AuditLogProps) {
  const [action, setAction] = useState("");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<AuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    void apiRequest<AuditPage>("GET", auditPath(limit, offset, action)).then(
      (res) => {
        if (mine !== seq.current) return; // a newer request is under way
        setLoading(false);
        if (res.ok) setPage(res.value);
        else setError(res.error.message);
      },
    );
  }, [action, offset, limit, attempt]);

  const total = page?.total ?? 0;
  const count = page?.entries.length ?? 0;

  return (
    <section class="stack" aria-labelledby="audit-h">
      <h2 id="audit-h">Audit log</h2>
      <div class="bar">
        <div class="field">
          <label for="audit-action">Action</label>
          <select
            id="audit-action"
            value={action}
            onChange={(e) => {
              setAction(e.currentTarget.value);
              setOffset(0);
            }}
          >
            {ACTION_FILTERS.map((f) => (
              <option key={f.value} value={f.value}>{f.label}</option>
            ))}
          </select>
        </div>
        <p class="mut grow" role="status" aria-live="polite">
          {loading
            ? "Loading…"
            : page
            ? rangeLabel(page.offset, count, total)
            : ""}
        </p>
      </div>
      {error && (
        <div class="bar">
          <p class="err" role="alert">Cannot load the audit log: {error}</p>
          <button
            type="button"
            onClick={() => setAttempt((n) => n + 1)}
            disabled={loading}
          >
            Try again
          </button>
        </div>
      )}
      {page && <AuditTable entries={page.entries} busy={loading} />}
      <nav class="bar" aria-label="Audit log pages">
        <button
          type="button"
          disabled={loading || offset === 0}
          onClick={() => setOffset(Math.max(0, offset - limit))}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={loading || offset + limit >= total}
          onClick={() => setOffset(offset + limit)}
        >
          Next
        </button>
        {page && (
          <span class="mut">
            Page {Math.floor(offset / limit) + 1} of{" "}
            {Math.max(1, Math.ceil(total / limit))} · {total} entries
          </span>
        )}
      </nav>
    </section>
  );
}

export function AuditTable(
  { entries, busy = false }: { entries: AuditEntry[]; busy?: boolean },
) {
  if (entries.length === 0) return <p class="empty">No entries.</p>;
  return (
    <div class="scroll">
      <table
        class="tbl"
        aria-labelledby="audit-h"
        aria-busy={busy ? "true" : undefined}
      >
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Address</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td class="nowrap">
                <time dateTime={e.at}>{formatTime(e.at)}</time>
              </td>
              <td>
                {e.actor.name ?? (e.actor.id ? e.actor.id.slice(0, 8) : "—")}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td class="wrap">{e.target ?? "—"}</td>
              <td>{e.ip ?? "—"}</td>
              <td class="wrap">
                <code>{compactDetails(e.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
