/**
 * `/users` (admins): the accounts table and the add-user form. The list loads
 * from `GET /api/users` after hydration (the server renders a loading state).
 * Per user: edit role and camera access, reset the password, remove — each
 * inline, with progress and the API's error under the field it names.
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Role, User } from "../lib/api/users.ts";
import { type ApiError, apiRequest } from "./client/api.ts";

/** An account as `GET /api/users` lists it (lib/api/users.ts). */
export type { Role };
export type UserRow = User;

export interface CameraChoice {
  id: string;
  name: string;
}

export interface UsersAdminProps {
  /** Every camera, for granting access to viewers. */
  cameras: CameraChoice[];
  /** The signed-in admin's id: their row says "(you)". */
  me: string;
}

export const MIN_PASSWORD = 10;
const ROLE_HINT: Record<Role, string> = {
  viewer: "Sees only the cameras ticked below; cannot change anything.",
  admin: "Sees every camera and manages cameras, users and tokens.",
};
const PASSWORD_HINT =
  `At least ${MIN_PASSWORD} characters; a few words make a strong one.`;

/** Field errors by field name; `form` for errors that name no shown field. */
export type Errors = Partial<Record<string, string>>;

/** Puts an API error under the field it names (`camera_ids.0` → `camera_ids`) when that field is shown. */
export function errorsFrom(error: ApiError, fields: readonly string[]): Errors {
  const field = error.field?.split(".")[0];
  return field && fields.includes(field)
    ? { [field]: error.message }
    : { form: error.message };
}

/** The camera names a user may see, as shown in the table. */
export function accessLabel(
  user: Pick<UserRow, "role" | "camera_ids">,
  cameras: CameraChoice[],
): string {
  if (user.role === "admin") return "All cameras";
  if (user.camera_ids.length === 0) return "None";
  const names = new Map(cameras.map((c) => [c.id, c.name]));
  return user.camera_ids.map((id) =>
    names.get(id) ?? `unknown (${id.slice(0, 8)})`
  ).join(", ");
}

export function formatTime(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export default function UsersAdmin({ cameras, me }: UsersAdminProps) {
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);

  async function load() {
    setLoading(true);
    setLoadError(null);
    const res = await apiRequest<{ users: UserRow[] }>("GET", "/api/users");
    setLoading(false);
    if (res.ok) setUsers(res.value.users);
    else setLoadError(res.error.message);
  }
  useEffect(() => void load(), []);

  const replace = (u: UserRow) =>
    setUsers((prev) => prev?.map((x) => x.id === u.id ? u : x) ?? [u]);

  return (
    <>
      <section class="stack" aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        <p class="ok" role="status">{notice}</p>
        {loadError && (
          <div class="bar">
            <p class="err" role="alert">Cannot load the users: {loadError}</p>
            <button type="button" onClick={load} disabled={loading}>
              {loading ? "Loading…" : "Try again"}
            </button>
          </div>
        )}
        {!users && !loadError && (
          <p class="mut" role="status">
            Loading users…
          </p>
        )}
        {users && (
          <UsersTable
            users={users}
            cameras={cameras}
            me={me}
            onChanged={(u, msg) => {
              // An admin who made themselves a viewer may no longer see this page.
              if (u.id === me && u.role !== "admin") {
                return location.assign("/");
              }
              replace(u);
              setNotice(msg);
            }}
            onRemoved={(id, msg) => {
              // Removing yourself ended your sessions.
              if (id === me) return location.assign("/login");
              setUsers((prev) => prev?.filter((x) => x.id !== id) ?? null);
              setNotice(msg);
            }}
            onNotice={setNotice}
          />
        )}
      </section>
      <section class="stack" aria-labelledby="add-user-h">
        <h2 id="add-user-h">Add a user</h2>
        <AddUserForm
          cameras={cameras}
          onAdded={(u) => {
            setUsers((prev) => [...(prev ?? []), u]);
            setNotice(`Added “${u.username}” (${u.role}).`);
          }}
        />
      </section>
    </>
  );
}

type Panel =
  | { id: string; kind: "edit" | "reset" | "remove" | "tokens" }
  | null;

export function UsersTable(
  {
    users,
    cameras,
    me,
    onChanged,
    onRemoved,
    onNotice,
    open: initialOpen = null,
  }: {
    users: UserRow[];
    cameras: CameraChoice[];
    me: string;
    onChanged: (u: UserRow, message: string) => void;
    onRemoved: (id: string, message: string) => void;
    onNotice: (message: string | null) => void;
    /** The panel open at first (tests). */
    open?: Panel;
  },
) {
  const [open, setOpen] = useState<Panel>(initialOpen);
  if (users.length === 0) return <p class="empty">No users.</p>;
  const close = () => setOpen(null);
  return (
    <div class="scroll">
      <table class="tbl" aria-labelledby="users-h">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Cameras</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const panel = open?.id === u.id ? open.kind : null;
            const toggle = (kind: "edit" | "reset" | "remove" | "tokens") => {
              onNotice(null);
              setOpen(panel === kind ? null : { id: u.id, kind });
            };
            return [
              <tr key={u.id}>
                <th scope="row">
                  {u.id === me
                    ? (
                      <>
                        {u.username} <span class="mut">(you)</span>
                      </>
                    )
                    : u.username}
                </th>
                <td>{u.role}</td>
                <td>{accessLabel(u, cameras)}</td>
                <td>
                  <time dateTime={u.created_at}>
                    {formatTime(u.created_at)}
                  </time>
                </td>
                <td>
                  {panel === "remove"
                    ? (
                      <RemoveConfirm
                        user={u}
                        onCancel={close}
                        onRemoved={(msg) => {
                          close();
                          onRemoved(u.id, msg);
                        }}
                      />
                    )
                    : panel === "tokens"
                    ? (
                      <RevokeTokensConfirm
                        user={u}
                        onCancel={close}
                        onDone={(msg) => {
                          close();
                          onNotice(msg);
                        }}
                      />
                    )
                    : (
                      <div class="acts-inline">
                        <button
                          type="button"
                          aria-expanded={panel === "edit" ? "true" : "false"}
                          aria-label={`Edit role and cameras of ${u.username}`}
                          onClick={() => toggle("edit")}
                        >
                          Edit access
                        </button>
                        <button
                          type="button"
                          aria-expanded={panel === "reset" ? "true" : "false"}
                          aria-label={`Reset the password of ${u.username}`}
                          onClick={() => toggle("reset")}
                        >
                          Reset password
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Revoke every API token of ${u.username}`}
                          onClick={() => toggle("tokens")}
                        >
                          Revoke tokens
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Remove ${u.username}`}
                          onClick={() => toggle("remove")}
                        >
                          Remove
                        </button>
                      </div>
                    )}
                </td>
              </tr>,
              (panel === "edit" || panel === "reset") && (
                <tr key={`${u.id}-${panel}`} class="sub">
                  <td colSpan={5}>
                    {panel === "edit"
                      ? (
                        <EditAccess
                          user={u}
                          cameras={cameras}
                          onCancel={close}
                          onSaved={(saved) => {
                            close();
                            onChanged(
                              saved,
                              `Saved the access of “${saved.username}”.`,
                            );
                          }}
                        />
                      )
                      : (
                        <ResetPassword
                          user={u}
                          onCancel={close}
                          onDone={(msg) => {
                            close();
                            onNotice(msg);
                          }}
                        />
                      )}
                  </td>
                </tr>
              ),
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Revokes every API token of a user (`POST /api/tokens/revoke-all`). */
function RevokeTokensConfirm(
  { user, onCancel, onDone }: {
    user: UserRow;
    onCancel: () => void;
    onDone: (message: string) => void;
  },
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  async function revoke() {
    setBusy(true);
    setError(null);
    const res = await apiRequest<{ message: string }>(
      "POST",
      "/api/tokens/revoke-all",
      { user_id: user.id },
    );
    setBusy(false);
    if (res.ok) {
      onDone(res.value?.message ?? `Tokens of “${user.username}” revoked`);
    } else setError(res.error.message);
  }
  return (
    <div
      class="acts-inline"
      role="group"
      aria-label={`Revoke every API token of ${user.username}?`}
    >
      <span>Revoke all their tokens?</span>
      <button type="button" class="danger" disabled={busy} onClick={revoke}>
        {busy ? "Revoking…" : "Yes"}
      </button>
      <button type="button" ref={no} disabled={busy} onClick={onCancel}>
        No
      </button>
      {error && <p class="err" role="alert">Cannot revoke: {error}</p>}
    </div>
  );
}

function RemoveConfirm(
  { user, onCancel, onRemoved }: {
    user: UserRow;
    onCancel: () => void;
    onRemoved: (message: string) => void;
  },
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const no = useRef<HTMLButtonElement>(null);
  useEffect(() => no.current?.focus(), []);
  async function remove() {
    setBusy(true);
    setError(null);
    const res = await apiRequest<{ message: string }>(
      "DELETE",
      `/api/users/${encodeURIComponent(user.id)}`,
    );
    setBusy(false);
    if (res.ok) {
      onRemoved(res.value?.message ?? `User “${user.username}” removed`);
    } else setError(res.error.message);
  }
  return (
    <div
      class="acts-inline"
      role="group"
      aria-label={`Remove ${user.username}?`}
    >
      <span>Remove?</span>
      <button type="button" class="danger" disabled={busy} onClick={remove}>
        {busy ? "Removing…" : "Yes"}
      </button>
      <button type="button" ref={no} disabled={busy} onClick={onCancel}>
        No
      </button>
      {error && <p class="err" role="alert">Cannot remove: {error}</p>}
    </div>
  );
}

function EditAccess(
  { user, cameras, onCancel, onSaved }: {
    user: UserRow;
    cameras: CameraChoice[];
    onCancel: () => void;
    onSaved: (u: UserRow) => void;
  },
) {
  const [role, setRole] = useState<Role>(user.role);
  const [granted, setGranted] = useState<string[]>(user.camera_ids);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), []);
  const base = `edit-${user.id}`;

  async function save(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    const body = role === "viewer" ? { role, camera_ids: granted } : { role };
    const res = await apiRequest<UserRow>(
      "PATCH",
      `/api/users/${encodeURIComponent(user.id)}`,
      body,
    );
    setBusy(false);
    if (res.ok) onSaved(res.value);
    else setErrors(errorsFrom(res.error, ["role", "camera_ids"]));
  }

  return (
    <form
      class="panel"
      onSubmit={save}
      aria-busy={busy ? "true" : undefined}
      aria-label={`Access of ${user.username}`}
    >
      {errors.form && <p class="err full" role="alert">{errors.form}</p>}
      <div class="field">
        <label for={`${base}-role`}>Role of {user.username}</label>
        <select
          id={`${base}-role`}
          ref={first}
          value={role}
          onChange={(e) => setRole(e.currentTarget.value as Role)}
          aria-invalid={errors.role ? "true" : undefined}
          aria-describedby={errors.role ? `${base}-role-err` : undefined}
        >
          <option value="viewer">Viewer</option>
          <option value="admin">Admin</option>
        </select>
        {errors.role && (
          <p class="err" id={`${base}-role-err`} role="alert">{errors.role}</p>
        )}
      </div>
      {role === "viewer"
        ? (
          <CameraChecks
            base={base}
            cameras={cameras}
            granted={granted}
            onChange={setGranted}
            error={errors.camera_ids}
          />
        )
        : <p class="hint full">{ROLE_HINT.admin}</p>}
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function ResetPassword(
  { user, onCancel, onDone }: {
    user: UserRow;
    onCancel: () => void;
    onDone: (message: string) => void;
  },
) {
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const id = `reset-${user.id}`;

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    if (password.length < MIN_PASSWORD) {
      setErrors({
        new_password:
          `The password must be at least ${MIN_PASSWORD} characters long.`,
      });
      input.current?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    const res = await apiRequest<{ message: string }>(
      "POST",
      `/api/users/${encodeURIComponent(user.id)}/reset-password`,
      { new_password: password },
    );
    setBusy(false);
    if (res.ok) {
      onDone(res.value?.message ?? `Password of “${user.username}” reset.`);
    } else setErrors(errorsFrom(res.error, ["new_password"]));
  }

  return (
    <form
      class="panel"
      onSubmit={submit}
      aria-busy={busy ? "true" : undefined}
      aria-label={`Reset the password of ${user.username}`}
      noValidate
    >
      {errors.form && <p class="err full" role="alert">{errors.form}</p>}
      <div class="field">
        <label for={id}>New password for {user.username}</label>
        <input
          id={id}
          ref={input}
          type="password"
          autocomplete="new-password"
          minLength={MIN_PASSWORD}
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={errors.new_password ? "true" : undefined}
          aria-describedby={errors.new_password ? `${id}-err` : `${id}-hint`}
        />
        {errors.new_password
          ? (
            <p class="err" id={`${id}-err`} role="alert">
              {errors.new_password}
            </p>
          )
          : (
            <p class="hint" id={`${id}-hint`}>
              {PASSWORD_HINT} Signs {user.username} out everywhere.
            </p>
          )}
      </div>
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Resetting…" : "Reset password"}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function CameraChecks(
  { base, cameras, granted, onChange, error }: {
    base: string;
    cameras: CameraChoice[];
    granted: string[];
    onChange: (ids: string[]) => void;
    error?: string;
  },
) {
  const toggle = (id: string, on: boolean) =>
    onChange(
      on
        ? [...granted.filter((x) => x !== id), id]
        : granted.filter((x) => x !== id),
    );
  return (
    <fieldset
      class="checks full"
      aria-describedby={error ? `${base}-cams-err` : undefined}
    >
      <legend>Cameras this viewer may see</legend>
      {cameras.length === 0 && <p class="mut">No cameras yet.</p>}
      {cameras.map((c) => (
        <span class="check" key={c.id}>
          <input
            type="checkbox"
            id={`${base}-cam-${c.id}`}
            checked={granted.includes(c.id)}
            onChange={(e) => toggle(c.id, e.currentTarget.checked)}
          />
          <label for={`${base}-cam-${c.id}`}>{c.name}</label>
        </span>
      ))}
      {error && (
        <p class="err full" id={`${base}-cams-err`} role="alert">{error}</p>
      )}
    </fieldset>
  );
}

const ADD_FIELDS = ["username", "password", "role", "camera_ids"] as const;

function AddUserForm(
  { cameras, onAdded }: {
    cameras: CameraChoice[];
    onAdded: (u: UserRow) => void;
  },
) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [granted, setGranted] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const nameInput = useRef<HTMLInputElement>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy) return;
    if (password.length < MIN_PASSWORD) {
      setErrors({
        password:
          `The password must be at least ${MIN_PASSWORD} characters long.`,
      });
      return;
    }
    setBusy(true);
    setErrors({});
    const res = await apiRequest<UserRow>("POST", "/api/users", {
      username: username.trim(),
      password,
      role,
      camera_ids: role === "viewer" ? granted : [],
    });
    setBusy(false);
    if (res.ok) {
      onAdded(res.value);
      setUsername("");
      setPassword("");
      setRole("viewer");
      setGranted([]);
      nameInput.current?.focus();
      return;
    }
    setErrors(errorsFrom(res.error, ADD_FIELDS));
  }

  const described = (f: string, hint?: string) =>
    errors[f] ? `add-user-${f}-err` : hint;
  const err = (f: string) =>
    errors[f] && (
      <p class="err" id={`add-user-${f}-err`} role="alert">{errors[f]}</p>
    );

  return (
    <form
      class="add"
      onSubmit={submit}
      aria-busy={busy ? "true" : undefined}
      noValidate
    >
      {errors.form && <p class="err full" role="alert">{errors.form}</p>}
      <div class="field">
        <label for="add-user-username">User name</label>
        <input
          id="add-user-username"
          ref={nameInput}
          autocomplete="off"
          spellcheck={false}
          required
          maxLength={64}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          aria-invalid={errors.username ? "true" : undefined}
          aria-describedby={described("username")}
        />
        {err("username")}
      </div>
      <div class="field">
        <label for="add-user-password">Password</label>
        <input
          id="add-user-password"
          type="password"
          autocomplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={errors.password ? "true" : undefined}
          aria-describedby={described("password", "add-user-password-hint")}
        />
        {err("password") || (
          <p class="hint" id="add-user-password-hint">{PASSWORD_HINT}</p>
        )}
      </div>
      <div class="field">
        <label for="add-user-role">Role</label>
        <select
          id="add-user-role"
          value={role}
          onChange={(e) => setRole(e.currentTarget.value as Role)}
          aria-invalid={errors.role ? "true" : undefined}
          aria-describedby={described("role", "add-user-role-hint")}
        >
          <option value="viewer">Viewer</option>
          <option value="admin">Admin</option>
        </select>
        {err("role") || (
          <p class="hint" id="add-user-role-hint">{ROLE_HINT[role]}</p>
        )}
      </div>
      {role === "viewer" && (
        <CameraChecks
          base="add-user"
          cameras={cameras}
          granted={granted}
          onChange={setGranted}
          error={errors.camera_ids}
        />
      )}
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Adding…" : "Add user"}
        </button>
      </div>
    </form>
  );
}
