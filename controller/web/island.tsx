/**
 * Server side of an island: renders the component to HTML (the page shows
 * content before any JavaScript runs) inside a marker the client boot module
 * finds, followed by the props as JSON. Server-only: islands never import this.
 */
import {
  type ComponentType,
  createContext,
  Fragment,
  h,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import type { IslandAssets } from "./types.ts";

/** Per-render state: which islands a page used, so only their scripts load. */
export interface RenderState {
  assets: IslandAssets;
  used: Set<string>;
}

export const RenderContext = createContext<RenderState | null>(null);

export interface IslandProps<P> {
  /** File name in `islands/` without `.tsx`, e.g. `CameraGrid`. */
  name: string;
  /** The island's default export (imported by the route for server rendering). */
  component: ComponentType<P>;
  /** JSON-serializable props: plain objects, arrays, strings, finite numbers, booleans, null. */
  props: P;
}

/**
 * Renders an island.
 *
 * @example
 * ```tsx
 * <Island name="CameraGrid" component={CameraGrid} props={{ cameras }} />
 * ```
 */
export function Island<P extends object>(
  { name, component, props }: IslandProps<P>,
): VNode {
  const state = useContext(RenderContext);
  if (!state) {
    throw new Error(
      `Cannot render island "${name}": render the page with renderPage()`,
    );
  }
  const src = state.assets.islandUrl(name);
  assertSerializable(props, `props of island "${name}"`);
  state.used.add(name);
  return h(
    Fragment,
    null,
    h(
      "fe-island",
      { "data-island": name, "data-src": src },
      h(component as ComponentType<object>, props as object),
    ),
    h("script", {
      type: "application/json",
      "data-island-props": "",
      dangerouslySetInnerHTML: { __html: serializeProps(props) },
    }),
  );
}

/**
 * JSON for a `<script type="application/json">` body. `<`, `>` and `&` are
 * written as `\u003c`… so the text can never close the script (`</script`) or
 * open a comment (`<!--`); `JSON.parse` reads them back unchanged.
 */
export function serializeProps(props: unknown): string {
  return JSON.stringify(props ?? {})
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

/** Throws when a value would not survive JSON unchanged (functions, Dates, Maps, NaN…). */
export function assertSerializable(value: unknown, path: string): void {
  if (
    value === null || typeof value === "string" || typeof value === "boolean"
  ) return;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return;
    throw new TypeError(
      `Cannot serialize ${path}: ${value} is not a finite number`,
    );
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertSerializable(v, `${path}[${i}]`));
    return;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(
        `Cannot serialize ${path}: ${
          proto?.constructor?.name ?? "object"
        } is not a plain object`,
      );
    }
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) assertSerializable(v, `${path}.${k}`);
    }
    return;
  }
  throw new TypeError(
    `Cannot serialize ${path}: a ${typeof value} is not JSON`,
  );
}
