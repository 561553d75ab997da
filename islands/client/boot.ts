/**
 * Client boot module: runs in the browser, never on the server.
 *
 * The server renders every island as
 *   <fe-island data-island="Name" data-src="/assets/Name-HASH.js">…html…</fe-island>
 *   <script type="application/json" data-island-props>{…props…}</script>
 * This module finds each marker, imports the island's module (already requested
 * by the page's `<script type="module">` tag, so no second fetch), reads the
 * props and hydrates the server-rendered markup in place.
 */
import { type ComponentType, h, hydrate } from "preact";

const ASSET_PREFIX = "/assets/";

for (
  const el of document.querySelectorAll<HTMLElement>("fe-island[data-island]")
) {
  void hydrateIsland(el);
}

async function hydrateIsland(el: HTMLElement): Promise<void> {
  const name = el.dataset.island ?? "?";
  try {
    const src = el.dataset.src ?? "";
    if (!src.startsWith(ASSET_PREFIX)) {
      throw new Error(`data-src must start with ${ASSET_PREFIX}`);
    }
    const props = readProps(el);
    const mod = await import(src) as {
      default?: ComponentType<Record<string, unknown>>;
    };
    if (typeof mod.default !== "function") {
      throw new Error(`${src} has no default export`);
    }
    hydrate(h(mod.default, props), el);
    el.setAttribute("data-hydrated", "");
  } catch (err) {
    console.error(`Cannot hydrate island "${name}":`, err);
  }
}

function readProps(el: HTMLElement): Record<string, unknown> {
  const next = el.nextElementSibling;
  if (
    next instanceof HTMLScriptElement && next.type === "application/json" &&
    next.hasAttribute("data-island-props")
  ) {
    return JSON.parse(next.textContent || "{}") as Record<string, unknown>;
  }
  return {};
}
