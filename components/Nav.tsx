/**
 * The main navigation in the header for signed-in users: Cameras,
 * Recordings, Nodes*, Agents*, Users*, Tokens, Audit log*, Settings*, Account. Admin-only pages
 * (*) are not linked for viewers; the current page carries
 * `aria-current="page"`.
 */
import type { WebUser } from "../controller/web/types.ts";

export interface NavProps {
  user: Pick<WebUser, "role">;
  /** Path of the current page (`/users`), marked with `aria-current`. */
  current?: string;
}

interface NavLink {
  href: string;
  label: string;
  admin?: boolean;
}

export const NAV_LINKS: readonly NavLink[] = [
  { href: "/", label: "Cameras" },
  { href: "/recordings", label: "Recordings" },
  { href: "/nodes", label: "Nodes", admin: true },
  { href: "/agents", label: "Agents", admin: true },
  { href: "/users", label: "Users", admin: true },
  { href: "/tokens", label: "Tokens" },
  { href: "/audit", label: "Audit log", admin: true },
  { href: "/settings", label: "Settings", admin: true },
  { href: "/account", label: "Account" },
  { href: "/api-docs", label: "API" },
];

export function Nav({ user, current }: NavProps) {
  const links = NAV_LINKS.filter((l) => !l.admin || user.role === "admin");
  return (
    <nav class="nav" aria-label="Main">
      <ul>
        {links.map((l) => (
          <li key={l.href}>
            <a
              href={l.href}
              aria-current={l.href === current ? "page" : undefined}
            >
              {l.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
