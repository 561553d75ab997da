/**
 * The page frame: a skip link, the header with the product name and optional
 * extra header content (e.g. live counts), and the main region.
 */
import type { ComponentChildren } from "preact";
import { Island } from "../controller/web/island.tsx";
import type { WebUser } from "../controller/web/types.ts";
import UserMenu from "../islands/UserMenu.tsx";

export interface LayoutProps {
  /** Shown on the right of the header. */
  header?: ComponentChildren;
  /** The signed-in user: shows their name and Sign out. */
  user?: WebUser | null;
  children: ComponentChildren;
}

export function Layout({ header, user, children }: LayoutProps) {
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1 class="brand">
          <a href="/">Falcon-Eye</a>
        </h1>
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
