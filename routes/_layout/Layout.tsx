/**
 * The page frame: a skip link, the header with the product name and optional
 * extra header content (e.g. live counts), and the main region.
 */
import type { ComponentChildren } from "preact";
import { Island } from "../../controller/web/island.tsx";
import type { WebUser } from "../../controller/web/types.ts";
import UserMenu from "../../islands/UserMenu.tsx";
import { Nav } from "../../components/Nav.tsx";

export interface LayoutProps {
  /** Shown on the right of the header. */
  header?: ComponentChildren;
  /** The signed-in user: shows their name and Sign out. */
  user?: WebUser | null;
  /** Path of the current page, marked in the nav (`aria-current="page"`). */
  current?: string;
  children: ComponentChildren;
}

export function Layout({ header, user, current, children }: LayoutProps) {
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1 class="brand">
          <a href="/">Falcon-Eye</a>
        </h1>
        {user && <Nav user={user} current={current} />}
        {header}
        {user && (
          <Island
            name="UserMenu"
            component={UserMenu}
            props={{ username: user.username, role: user.role }}
          />
        )}
      </header>
      <main id="main">{children}</main>
    </>
  );
}
