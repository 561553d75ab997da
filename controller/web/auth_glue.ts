/** The dashboard's view of a principal (no secrets beyond the CSRF token it must echo). */
import type { Principal } from "../auth/service.ts";
import type { WebUser } from "./types.ts";

export function toWebUser(p: Principal): WebUser {
  return {
    id: p.userId,
    username: p.username,
    role: p.role,
    csrf: p.session?.csrf ?? null,
  };
}
