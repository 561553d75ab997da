/**
 * Sign-in and first-run setup in one island: `mode="login"` posts to
 * /api/auth/login, `mode="setup"` to /api/auth/setup with the one-time token
 * from the link the controller printed. Errors show under their field.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";
import { localPath } from "../lib/local_path.ts";

export interface SignInFormProps {
  mode: "login" | "setup";
  /** Setup token from the link (`/setup?token=…`). */
  token?: string;
  /** Where to go after signing in (a local path). */
  next?: string;
}

type Field = "username" | "password" | "confirm" | "token";

export default function SignInForm(
  { mode, token = "", next = "/" }: SignInFormProps,
) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [setupToken, setSetupToken] = useState(token);
  const [errors, setErrors] = useState<Partial<Record<Field | "form", string>>>(
    {},
  );
  const [busy, setBusy] = useState(false);

  async function submit(e: JSX.TargetedEvent<HTMLFormElement>) {
    e.preventDefault();
    if (mode === "setup" && password !== confirm) {
      setErrors({ confirm: "The two passwords differ" });
      return;
    }
    setBusy(true);
    setErrors({});
    const res = mode === "login"
      ? await apiRequest("POST", "/api/auth/login", { username, password })
      : await apiRequest("POST", "/api/auth/setup", {
        token: setupToken,
        username,
        password,
      });
    setBusy(false);
    if (res.ok) {
      // Only paths of this site: never an open redirect.
      location.assign(localPath(next, location.origin));
      return;
    }
    const field = res.error.field as Field | undefined;
    setErrors(
      field && ["username", "password", "token"].includes(field)
        ? { [field]: res.error.message }
        : { form: res.error.message },
    );
  }

  const err = (f: Field) =>
    errors[f]
      ? <p class="field-error" id={`${f}-err`} role="alert">{errors[f]}</p>
      : null;

  return (
    <form class="signin" onSubmit={submit} noValidate>
      {errors.form && <p class="form-error" role="alert">{errors.form}</p>}
      {mode === "setup" && !token && (
        <div class="field">
          <label for="token">
            Setup code (from the link the controller printed)
          </label>
          <input
            id="token"
            name="token"
            value={setupToken}
            onInput={(e) => setSetupToken(e.currentTarget.value)}
            aria-describedby={errors.token ? "token-err" : undefined}
            aria-invalid={errors.token ? "true" : undefined}
            required
          />
          {err("token")}
        </div>
      )}
      {mode === "setup" && token && err("token")}
      <div class="field">
        <label for="username">User name</label>
        <input
          id="username"
          name="username"
          autocomplete="username"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          aria-describedby={errors.username ? "username-err" : undefined}
          aria-invalid={errors.username ? "true" : undefined}
          required
        />
        {err("username")}
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete={mode === "login" ? "current-password" : "new-password"}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-describedby={errors.password
            ? "password-err"
            : mode === "setup"
            ? "password-hint"
            : undefined}
          aria-invalid={errors.password ? "true" : undefined}
          required
        />
        {mode === "setup" && !errors.password && (
          <p class="hint" id="password-hint">
            At least 10 characters; a few words make a strong one.
          </p>
        )}
        {err("password")}
      </div>
      {mode === "setup" && (
        <div class="field">
          <label for="confirm">Password again</label>
          <input
            id="confirm"
            name="confirm"
            type="password"
            autocomplete="new-password"
            value={confirm}
            onInput={(e) => setConfirm(e.currentTarget.value)}
            aria-describedby={errors.confirm ? "confirm-err" : undefined}
            aria-invalid={errors.confirm ? "true" : undefined}
            required
          />
          {err("confirm")}
        </div>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy
          ? "Please wait…"
          : mode === "login"
          ? "Sign in"
          : "Create admin account"}
      </button>
    </form>
  );
}
