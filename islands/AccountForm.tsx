/**
 * `/account`: change your own password (`PATCH /api/auth/credentials`). On
 * success every other session ends and the server sets a new session cookie
 * with a new CSRF token, so the page reloads to publish it.
 */
import type { JSX } from "preact";
import { useRef, useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";

export interface AccountFormProps {
  username: string;
}

const MIN_PASSWORD = 10;
type Field = "current_password" | "new_password" | "confirm";
type Errors = Partial<Record<Field | "form", string>>;

/** Problems found before asking the server: a short or mistyped new password. */
export function checkPasswords(values: Record<Field, string>): Errors {
  if (!values.current_password) {
    return { current_password: "Enter your current password." };
  }
  if (values.new_password.length < MIN_PASSWORD) {
    return {
      new_password:
        `The new password must be at least ${MIN_PASSWORD} characters long.`,
    };
  }
  if (values.new_password !== values.confirm) {
    return { confirm: "The two new passwords differ." };
  }
  return {};
}

export default function AccountForm({ username }: AccountFormProps) {
  const [values, setValues] = useState<Record<Field, string>>({
    current_password: "",
    new_password: "",
    confirm: "",
  });
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  async function submit(e: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (busy || done) return;
    const local = checkPasswords(values);
    if (Object.keys(local).length) {
      setErrors(local);
      form.current?.querySelector<HTMLInputElement>(
        `#account-${Object.keys(local)[0]}`,
      )?.focus();
      return;
    }
    setBusy(true);
    setErrors({});
    const res = await apiRequest<
      { message: string; csrf_token: string | null }
    >(
      "PATCH",
      "/api/auth/credentials",
      {
        current_password: values.current_password,
        new_password: values.new_password,
      },
    );
    setBusy(false);
    if (res.ok) {
      setDone(true);
      // The new CSRF token is in the reloaded page's <meta>.
      setTimeout(() => location.reload(), 1500);
      return;
    }
    const field = res.error.field;
    setErrors(
      field === "current_password" || field === "new_password"
        ? { [field]: res.error.message }
        : { form: res.error.message },
    );
  }

  const input = (
    field: Field,
    label: string,
    autocomplete: string,
    hint?: string,
  ) => (
    <div class="field">
      <label for={`account-${field}`}>{label}</label>
      <input
        id={`account-${field}`}
        type="password"
        autocomplete={autocomplete}
        required
        value={values[field]}
        onInput={(e) => {
          const value = e.currentTarget.value;
          setValues((prev) => ({ ...prev, [field]: value }));
        }}
        aria-invalid={errors[field] ? "true" : undefined}
        aria-describedby={errors[field]
          ? `account-${field}-err`
          : hint
          ? `account-${field}-hint`
          : undefined}
      />
      {errors[field]
        ? (
          <p class="err" id={`account-${field}-err`} role="alert">
            {errors[field]}
          </p>
        )
        : hint && <p class="hint" id={`account-${field}-hint`}>{hint}</p>}
    </div>
  );

  return (
    <form
      class="add one"
      ref={form}
      onSubmit={submit}
      aria-busy={busy ? "true" : undefined}
      noValidate
    >
      {errors.form && <p class="err full" role="alert">{errors.form}</p>}
      <div class="field">
        <label for="account-username">User name</label>
        <input
          id="account-username"
          autocomplete="username"
          readOnly
          value={username}
        />
      </div>
      {input("current_password", "Current password", "current-password")}
      {input(
        "new_password",
        "New password",
        "new-password",
        `At least ${MIN_PASSWORD} characters; a few words make a strong one.`,
      )}
      {input("confirm", "New password again", "new-password")}
      <div class="bar full">
        <button type="submit" class="primary" disabled={busy || done}>
          {busy ? "Changing…" : "Change password"}
        </button>
        <p class="ok" role="status">
          {done &&
            "Password changed; other sessions were signed out. Reloading…"}
        </p>
      </div>
    </form>
  );
}
