/**
 * Usability checks run inside a dashboard page (browser_ux_test.ts and the
 * acceptance test): form fields without an accessible name, buttons too small
 * to touch, horizontal scrolling, and whether keyboard focus is visible.
 * Each returns what failed, worded for an assertion message; `[]` is a pass.
 */
import type { Locator, Page } from "playwright-core";

/** Smallest height or width of a button on a touch screen, CSS px. */
export const MIN_TOUCH_PX = 40;

/**
 * Form fields (input, select, textarea; not hidden ones) and buttons that
 * have no accessible name: no `<label>`, `aria-label`, `aria-labelledby` or
 * `title` (a placeholder does not count: it disappears once typed in), and
 * for buttons no text either. Returns one description per field.
 */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const text = (el: Element | null) => (el?.textContent ?? "").trim();
    const nameOf = (el: HTMLElement): string => {
      const by = el.getAttribute("aria-labelledby");
      if (by) {
        const t = by.split(/\s+/).map((id) => text(document.getElementById(id)))
          .join(" ").trim();
        if (t) return t;
      }
      const aria = el.getAttribute("aria-label")?.trim();
      if (aria) return aria;
      const labels = (el as HTMLInputElement).labels;
      if (labels) {
        const t = [...labels].map((l) => text(l)).join(" ").trim();
        if (t) return t;
      }
      if (el.tagName === "BUTTON") {
        const t = text(el);
        if (t) return t;
      }
      return el.getAttribute("title")?.trim() ?? "";
    };
    const out: string[] = [];
    for (
      const el of document.querySelectorAll<HTMLElement>(
        "input:not([type=hidden]), select, textarea, button",
      )
    ) {
      if (nameOf(el)) continue;
      const id = el.id ? `#${el.id}` : "";
      const type = el.getAttribute("type");
      out.push(
        `${el.tagName.toLowerCase()}${id}${type ? `[type=${type}]` : ""}`,
      );
    }
    return out;
  });
}

/**
 * Visible buttons and button-like links (`a.button`, nav links) smaller than
 * `MIN_TOUCH_PX` in height, with their size.
 */
export function smallTouchTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const out: string[] = [];
    for (
      const el of document.querySelectorAll<HTMLElement>(
        "button, a.button, .nav a, select",
      )
    ) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // not rendered
      if (getComputedStyle(el).visibility === "hidden") continue;
      // Sub-pixel layout: 39.99 is 40 on screen.
      if (Math.round(r.height) >= min && Math.round(r.width) >= min) continue;
      const name = (el.getAttribute("aria-label") ?? el.textContent ?? "")
        .trim().slice(0, 40);
      out.push(
        `${el.tagName.toLowerCase()} "${name}" is ${Math.round(r.width)}×${
          Math.round(r.height)
        } px`,
      );
    }
    return out;
  }, MIN_TOUCH_PX);
}

/** The page's width beyond the viewport (0: no horizontal scroll), and the widest offenders. */
export function horizontalOverflow(
  page: Page,
): Promise<{ extraPx: number; widest: string[] }> {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const extraPx = document.documentElement.scrollWidth - vw;
    const widest: string[] = [];
    if (extraPx > 0) {
      for (const el of document.querySelectorAll<HTMLElement>("body *")) {
        const r = el.getBoundingClientRect();
        if (r.right > vw + 1 && r.width > 0) {
          widest.push(
            `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${
              el.className && typeof el.className === "string"
                ? `.${el.className.trim().replaceAll(/\s+/g, ".")}`
                : ""
            } right=${Math.round(r.right)}`,
          );
        }
      }
    }
    return { extraPx, widest: widest.slice(0, 8) };
  });
}

/** What the keyboard focus looks like: the element and its focus ring. */
export interface FocusLook {
  /** `a "Cameras"`, or "" when nothing is focused. */
  element: string;
  /** Inside the main navigation (`nav.nav`). */
  inNav: boolean;
  focusVisible: boolean;
  outline: string;
  boxShadow: string;
  /** A ring is drawn: a non-none outline of positive width, or a box-shadow. */
  ringShown: boolean;
}

/** The focused element and its computed outline / box-shadow. */
export function focusLook(page: Page): Promise<FocusLook> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) {
      return {
        element: "",
        inNav: false,
        focusVisible: false,
        outline: "",
        boxShadow: "",
        ringShown: false,
      };
    }
    const cs = getComputedStyle(el);
    const outlineShown = cs.outlineStyle !== "none" &&
      parseFloat(cs.outlineWidth) > 0;
    const shadowShown = cs.boxShadow !== "none" && cs.boxShadow !== "";
    return {
      element: `${el.tagName.toLowerCase()} "${
        (el.textContent ?? "").trim().slice(0, 30)
      }"`,
      inNav: el.closest("nav.nav") !== null,
      focusVisible: el.matches(":focus-visible"),
      outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`,
      boxShadow: cs.boxShadow,
      ringShown: outlineShown || shadowShown,
    };
  });
}

/**
 * Presses Tab until the focus is inside the main navigation (at most
 * `maxTabs` times); returns the look of each focused element on the way.
 */
export async function tabToNav(page: Page, maxTabs = 6): Promise<FocusLook[]> {
  const seen: FocusLook[] = [];
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press("Tab");
    const look = await focusLook(page);
    seen.push(look);
    if (look.inNav) break;
  }
  return seen;
}

/** Relative luminance (0 black … 1 white) of an element's computed background colour. */
export function backgroundLuminance(el: Locator): Promise<number> {
  return el.evaluate((node) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(
      getComputedStyle(node).backgroundColor,
    );
    if (!m) return -1;
    const lin = (v: number) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(+m[1]) + 0.7152 * lin(+m[2]) + 0.0722 * lin(+m[3]);
  });
}
