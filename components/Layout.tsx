/**
 * The page frame: a skip link, the header with the product name and optional
 * extra header content (e.g. live counts), and the main region.
 */
import type { ComponentChildren } from "preact";

export interface LayoutProps {
  /** Shown on the right of the header. */
  header?: ComponentChildren;
  children: ComponentChildren;
}

export function Layout({ header, children }: LayoutProps) {
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <h1 class="brand">
          <a href="/">Falcon-Eye</a>
        </h1>
        {header}
      </header>
      <main id="main">{children}</main>
    </>
  );
}
