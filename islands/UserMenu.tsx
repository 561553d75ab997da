/** The signed-in user's name and a Sign out button in the header. */
import { useState } from "preact/hooks";
import { apiRequest } from "./client/api.ts";

export interface UserMenuProps {
  username: string;
  role: "admin" | "viewer";
}

export default function UserMenu({ username, role }: UserMenuProps) {
  const [error, setError] = useState<string | null>(null);
  async function signOut() {
    const res = await apiRequest("POST", "/api/auth/logout");
    if (res.ok || res.status === 401) location.assign("/login");
    else setError(res.error.message);
  }
  return (
    <div class="user-menu">
      <span>
        {username} <span class="mut">({role})</span>
      </span>
      <button type="button" onClick={signOut}>Sign out</button>
      {error && <span class="field-error" role="alert">{error}</span>}
    </div>
  );
}
