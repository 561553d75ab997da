/**
 * The grid's layout choice (grid or list, columns), remembered per user in
 * `localStorage`. Pure parsing here; the island reads and writes storage.
 */

export type GridView = "grid" | "list";

/** Columns of the grid: 0 = as many as fit (the default), else 1–4 (1×1 … 4×4). */
export type GridColumns = 0 | 1 | 2 | 3 | 4;

export interface GridLayout {
  view: GridView;
  cols: GridColumns;
}

export const DEFAULT_LAYOUT: GridLayout = { view: "grid", cols: 0 };

/** The `localStorage` key of a user's layout: one per user id on a shared browser. */
export function layoutKey(userId: string): string {
  return `falcon-eye:grid-layout:${userId}`;
}

/** A stored layout, or the default for anything missing or malformed. */
export function parseLayout(raw: string | null | undefined): GridLayout {
  if (!raw) return DEFAULT_LAYOUT;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return DEFAULT_LAYOUT;
  }
  const o = (v !== null && typeof v === "object" ? v : {}) as Record<
    string,
    unknown
  >;
  return {
    view: o.view === "list" ? "list" : "grid",
    cols: typeof o.cols === "number" && [0, 1, 2, 3, 4].includes(o.cols)
      ? o.cols as GridColumns
      : 0,
  };
}

/** Reads a user's layout; the default when storage is unavailable (private mode, disabled). */
export function loadLayout(userId: string): GridLayout {
  try {
    return parseLayout(globalThis.localStorage?.getItem(layoutKey(userId)));
  } catch {
    return DEFAULT_LAYOUT;
  }
}

/** Stores a user's layout; silently does nothing when storage is unavailable. */
export function saveLayout(userId: string, layout: GridLayout): void {
  try {
    globalThis.localStorage?.setItem(layoutKey(userId), JSON.stringify(layout));
  } catch { /* storage full or disabled: the choice lasts for this page */ }
}
