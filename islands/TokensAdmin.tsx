/**
 * `/tokens`: API tokens for the CLI and scripts. Lists them (admins see every
 * token, others their own), creates one — its secret is shown ONCE, with how to
 * use it — and revokes after an inline confirmation, one token or all of
 * one's own at once. A token may expire (`expires_in_days`); expired ones
 * are refused. The list loads from `GET /api/tokens` after hydration.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Token, TokenScope } from "../lib/api/tokens.ts";
import { type ApiError, apiRequest } from "./client/api.ts";

/** A token as `GET /api/tokens` lists it (lib/api/tokens.ts). */
export type Scope = TokenScope;
export type TokenRow = Token;

export interface TokensAdminProps {
  /** Viewers' tokens are always read-only, so they get no scope choice. */
  role: "admin" | "viewer";
  /** The signed-in user, whose tokens "Revoke all mine" revokes. */
  userId?: string;
}

type Errors = Partial<
  Record<"name" | "scope" | "expires_in_days" | "form", string>
>;

function errorsFrom(error: ApiError): Errors {
  const field = error.field;
  return field === "name" || field === "scope" || field === "expires_in_days"
    ? { [field]: error.message }
    : { form: error.message };
}

/** Expiry choices of the create form, in days ("" = never). */
export const EXPIRY_CHOICES: [string, string][] = [
  ["7", "in 7 days"],
  ["30", "in 30 days"],
  ["90", "in 90 days"],
  ["365", "in a year"],
  ["", "never (until revoked)"],
];

/** Whether a token can no longer be used. */
export function tokenDead(t: TokenRow, now = Date.now()): boolean {
  return t.revoked_at !== null ||
    (!!t.expires_at && Date.parse(t.expires_at) <= now);
}

function formatTime(iso: string | null, none = "—"): string {
  if (!iso) return none;
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The example command shown with a new token. */
export function curlExample(token: string, origin: string): string {
  return `curl -H "Authorization: Bearer ${token}" ${origin}/api/cameras`;
}

export default function TokensAdmin({ role, userId }: TokensAdminProps) {
  const [tokens, setTokens] = useState<TokenRow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [created, setCreated] = useState<(TokenRow & { token: string }) | null>(
    null,
  );
  const [notice, setNotice] = useState<string | null>(null);

  async function load() {
    setLoading(true);
    setLoadError(null);
    const res = await apiRequest<{ tokens: TokenRow[] }>("GET", "/api/tokens");
    setLoading(false);
    if (res.ok) setTokens(res.value.tokens);
    else setLoadError(res.error.message);
  }
  useEffect(() => void load(), []);

  return (
    <>
      <section class="stack" aria-labelledby="new-token-h">
        <h2 id="new-token-h">Create a token</h2>
        {created
          ? <NewToken token={created} onDone={() => setCreated(null)} />
          : (
            <CreateTokenForm
              role={role}
              onCreated={(t) => {
                setNotice(null);
                setCreated(t);
                const { token: _secret, ...row } = t;
                setTokens((prev) => [row, ...(prev ?? [])]);
              }}
            />
          )}
      </section>
      <section class="stack" aria-labelledby="tokens-h">
        <h2 id="tokens-h">{role === "admin" ? "All tokens" : "Your tokens"}</h2>
        <p class="ok" role="status">{notice}</p>
        {userId && tokens?.some((t) => t.user.id === userId && !tokenDead(t)) &&
          (
            <RevokeAllMine
              userId={userId}
              onRevoked={(msg) => {
                const now = new Date().toISOString();
                setTokens((prev) =>
                  prev?.map((t) =>
                    t.user.id === userId && !t.revoked_at
                      ? { ...t, revoked_at: now }
                      : t
                  ) ?? null
                );
                setNotice(msg);
              }}
            />
          )}
        {loadError && (
          <div class="bar">
            <p class="err" role="alert">Cannot load the tokens: {loadError}</p>
            <button type="button" onClick={load} disabled={loading}>
              {loading ? "Loading…" : "Try again"}
            </button>
          </div>
        )}
        {!tokens && !loadError && (
          <p class="mut" role="status">Loading tokens…</p>
        )}
        {tokens && (
          <TokensTable
            tokens={tokens}
            onRevoked={(id, revokedAt, msg) => {
              setTokens((prev) =>
                prev?.map((t) =>
                  t.id === id ? { ...t, revoked_at: revokedAt } : t
                ) ?? null
              );
              setNotice(msg);
            }}
          />
        )}
      </section>
    </>
  );
}

export function TokensTable(
  { tokens, onRevoked }: {
    tokens: TokenRow[];
    onRevoked: (id: string, revokedAt: string, message: string) => void;
  },
) {
  if (tokens.length === 0) return <p class="empty">No tokens yet.</p>;
  return (
    <div class="scroll">
      <table class="tbl" aria-labelledby="tokens-h">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Scope</th>
            <th scope="col">Prefix</th>
            <th scope="col">Owner</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Revoked</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} class={tokenDead(t) ? "gone" : undefined}>
              <th scope="row">{t.name}</th>
              <td>{t.scope}</td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>{t.user.username}</td>
              <td>{formatTime(t.created_at)}</td>
              <td>{formatTime(t.last_used_at, "never")}</td>
              <td>{formatTime(t.expires_at ?? null, "never")}</td>
              <td>{formatTime(t.revoked_at, "no")}</td>
              <td>
                {!t.revoked_at && <Revoke token={t} onRevoked={onRevoked} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Revoke all my tokens", after an inline confirmation. */
function RevokeAllMine(
  { userId, onRevoked }: {
    userId: string;
    onRevoked: (message: string) => void;
  },
) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function revoke() {
    setBusy(true);
    setError(null);
    const res = await apiRequest<{ message: string }>(
      "POST",
      "/api/tokens/revoke-all",
      { user_id: userId },
    );
    setBusy(false);
    setConfirming(false);
    if (res.ok) onRevoked(res.value?.message ?? "Your tokens were revoked");
    else setError(res.error.message);
  }
  return (
    <div class="acts-inline">
      {confirming
        ? (
          <>
            <span>Revoke every token of yours?</span>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={revoke}
            >
              {busy ? "Revoking…" : "Yes"}
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => setConfirming(false)}
            >
              No
            </button>
          </>
        )
        : (
          <button
            type="button"
            class="danger"
            onClick={() => setConfirming(true)}
          >
            Revoke all my tokens
          </button>
        )}
      {error && <p class="err" role="alert">Cannot revoke: {error}</p>}
    </div>
  );
}

function Revoke(
  { token, onRevoked }: {
    token: TokenRow;
    onRevoked: (id: string, revokedAt: string, message: string) => void;
  },
) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) no.current?.focus();
  }, [confirming]);

  async function revoke() {
    setBusy(true);
    setError(null);
    const res = await apiRequest<{ message: string }>(
      "DELETE",
      `/api/tokens/${encodeURIComponent(token.id)}`,
    );
    setBusy(false);
    setConfirming(false);
    if (res.ok) {
      onRevoked(
        token.id,
        new Date().toISOString(),
        res.value?.message ?? `Token “${token.name}” revoked`,
      );
    } else setError(res.error.message);
  }

  return (
    <div class="acts-inline">
      {confirming
        ? (
          <>
            <span>Revoke?</span>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={revoke}
            >
              {busy ? "Revoking…" : "Yes"}
            </button>
            <button
              type="button"
              ref={no}
              disabled={busy}
              onClick={() => setConfirming(false)}
            >
              No
            </button>
          </>
        )
        : (
          <button
            type="button"
            class="danger"
            aria-label={`Revoke ${token.name}`}
            onClick={() => {
              setError(null);
              setConfirming(true);
            }}
          >
            Revoke
          </button>
        )}
      {error && <p class="err" role="alert">Cannot revoke: {error}</p>}
    </div>
  );
}

function CreateTokenForm(
  { role, onCreated }: {
    role: "admin" | "viewer";
    onCreated: (t: TokenRow & { token: string }) => void;
  },
) {
  const [name, setName] = useState("");
  const [scope, setScope] = useState<Scope>("read");
  const [expires, setExpires] = useState("90");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    const res = await apiRequest<TokenRow & { token: string }>(
      "POST",
      "/api/tokens",
      {
        name: name.trim(),
        scope: role === "admin" ? scope : "read",
        expires_in_days: expires ? Number(expires) : null,
      },
    );
    setBusy(false);
    if (res.ok) onCreated(res.value);
    else setErrors(errorsFrom(res.error));
  }

  return (
    <form
      class="add"
      onSubmit={submit}
      aria-busy={busy ? "true" : undefined}
      noValidate
    >
      {errors.form && <p class="err full" role="alert">{errors.form}</p>}
      <div class="field">
        <label for="token-name">Name</label>
        <input
          id="token-name"
          required
          maxLength={100}
          autocomplete="off"
          placeholder="backup script"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          aria-invalid={errors.name ? "true" : undefined}
          aria-describedby={errors.name ? "token-name-err" : undefined}
        />
        {errors.name && (
          <p class="err" id="token-name-err" role="alert">{errors.name}</p>
        )}
      </div>
      {role === "admin"
        ? (
          <div class="field">
            <label for="token-scope">Scope</label>
            <select
              id="token-scope"
              value={scope}
              onChange={(e) => setScope(e.currentTarget.value as Scope)}
              aria-invalid={errors.scope ? "true" : undefined}
              aria-describedby={errors.scope ? "token-scope-err" : undefined}
            >
              <option value="read">Read (look only)</option>
              <option value="full">Full (read and change)</option>
            </select>
            {errors.scope && (
              <p class="err" id="token-scope-err" role="alert">
                {errors.scope}
              </p>
            )}
          </div>
        )
        : (
          <p class="hint">
            Scope: read. A viewer's token can only read what the viewer sees.
          </p>
        )}
      <div class="field">
        <label for="token-expires">Expires</label>
        <select
          id="token-expires"
          value={expires}
          onChange={(e) => setExpires(e.currentTarget.value)}
          aria-invalid={errors.expires_in_days ? "true" : undefined}
          aria-describedby={errors.expires_in_days
            ? "token-expires-err"
            : undefined}
        >
          {EXPIRY_CHOICES.map(([v, label]) => (
            <option key={v} value={v}>{label}</option>
          ))}
        </select>
        {errors.expires_in_days && (
          <p class="err" id="token-expires-err" role="alert">
            {errors.expires_in_days}
          </p>
        )}
      </div>
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Creating…" : "Create token"}
        </button>
      </div>
    </form>
  );
}

export function NewToken(
  { token, onDone }: {
    token: TokenRow & { token: string };
    onDone: () => void;
  },
) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [origin, setOrigin] = useState("http://HOST:30900");
  useEffect(() => {
    setOrigin(location.origin);
    field.current?.focus();
    field.current?.select();
  }, []);

  async function copy() {
    // Selected first, so Ctrl+C works whatever happens next.
    field.current?.focus();
    field.current?.select();
    // The clipboard API is missing on plain http and may wait on a permission prompt.
    const viaApi = Promise.resolve()
      .then(() => navigator.clipboard.writeText(token.token))
      .then(() => true, () => false);
    const timeout = new Promise<boolean>((r) =>
      setTimeout(() => r(false), 1000)
    );
    let ok = await Promise.race([viaApi, timeout]);
    // The older copy command still works on http, on the selection.
    if (!ok) ok = document.execCommand("copy");
    setCopied(
      ok ? "Copied to the clipboard." : "Selected: press Ctrl+C (⌘C) to copy.",
    );
  }

  return (
    <div class="secret" role="region" aria-labelledby="new-token-title">
      <p id="new-token-title">
        <b>Token “{token.name}” created</b> ({token.scope} scope).
      </p>
      <p class="warn" id="new-token-warn">
        Copy it now: it will not be shown again.
      </p>
      <div class="field">
        <label for="new-token">Your new token</label>
        <div class="bar">
          <input
            id="new-token"
            ref={field}
            class="grow mono"
            readOnly
            value={token.token}
            spellcheck={false}
            aria-describedby="new-token-warn"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" onClick={copy}>Copy</button>
        </div>
        <p class="ok" role="status">{copied}</p>
      </div>
      <p>Send it in the Authorization header, for example:</p>
      <pre class="code"><code>{curlExample(token.token, origin)}</code></pre>
      <button type="button" class="primary" onClick={onDone}>
        Done, I saved it
      </button>
    </div>
  );
}
