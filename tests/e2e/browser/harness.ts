/**
 * Browser helpers for the end-to-end dashboard test (browser_test.ts):
 * launching the system Chromium through playwright-core, watching every page
 * for console errors, page errors and failed responses, full-page screenshots
 * and reading a tile's canvas pixels.
 *
 * Types only at the top: playwright-core itself is imported lazily by
 * `launchChromium`, so nothing loads it when Chromium is missing.
 */
import type { Browser, Locator, Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Headless Debian Chromium with the flags the other browser test uses. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What a watched page reported, tagged with the step it happened in. */
export interface Report {
  /** Every console message, `[step] type: text (url)`. */
  messages: string[];
  /** Console errors, page errors and 4xx/5xx answers nobody expected. */
  problems: string[];
}

/** An answer or console error a step expects (e.g. the viewer's 403 on /users). */
export interface Expected {
  status?: number;
  url: string;
}

/**
 * Records what `page` reports into `report`. `step()` names the current step;
 * `expected()` lists failures that step provokes on purpose.
 */
export function watchPage(
  page: Page,
  report: Report,
  step: () => string,
  expected: () => Expected[] = () => [],
): void {
  const isExpected = (url: string, status?: number) =>
    expected().some((e) =>
      e.url === url && (e.status === undefined || e.status === status)
    );
  page.on("console", (m) => {
    const url = m.location().url;
    const line = `[${step()}] ${m.type()}: ${m.text()} (${url})`;
    report.messages.push(line);
    if (m.type() !== "error") return;
    // The only error tolerated everywhere: the dashboard serves no
    // /favicon.ico, and Chromium may ask for one and log the 404.
    if (new URL(url || "about:blank").pathname === "/favicon.ico") return;
    // Chromium logs the status of a document it was told to load; a step
    // that provokes it on purpose (403 on /users) lists it as expected.
    const status = /status of (\d{3})/.exec(m.text())?.[1];
    if (status && isExpected(url, Number(status))) return;
    report.problems.push(line);
  });
  page.on("pageerror", (e) => {
    report.problems.push(`[${step()}] pageerror: ${e.stack ?? e}`);
  });
  page.on("response", (r) => {
    if (r.status() < 400) return;
    if (new URL(r.url()).pathname === "/favicon.ico") return;
    if (isExpected(r.url(), r.status())) return;
    report.problems.push(`[${step()}] HTTP ${r.status()} ${r.url()}`);
  });
}

const SCREENSHOTS = new URL("../screenshots/", import.meta.url);

/** Pages taller than this are shot to the viewport only (a reference page is long). */
const FULL_PAGE_MAX_PX = 8000;

/** Saves a (full-page, up to FULL_PAGE_MAX_PX) screenshot to tests/e2e/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  const height = await page.evaluate(() =>
    document.documentElement.scrollHeight
  );
  await page.screenshot({
    path,
    fullPage: height <= FULL_PAGE_MAX_PX,
    animations: "disabled",
  });
  return path;
}

/** Waits until the island `name` has hydrated (boot.ts sets data-hydrated). */
export async function hydrated(
  page: Page,
  name: string,
  timeout = 15_000,
): Promise<void> {
  await page.waitForSelector(
    `fe-island[data-island="${name}"][data-hydrated]`,
    { timeout, state: "attached" },
  );
}

/** One look at a canvas: its size, opaque pixels, and pixels changed since the previous look. */
export interface CanvasLook {
  width: number;
  height: number;
  /** Pixels with alpha 255: a tile canvas starts transparent. */
  opaque: number;
  /** Pixels that differ from the previous `lookAtCanvas` of this canvas (-1 on the first look or a size change). */
  changed: number;
}

/**
 * Reads every pixel of the canvas with getImageData and compares them with the
 * previous read of the same canvas (kept on the element), so two reads some
 * time apart tell whether the picture moves. Compositor-independent, unlike
 * screenshots.
 */
export function lookAtCanvas(canvas: Locator): Promise<CanvasLook> {
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement & { __prev?: Uint8ClampedArray };
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height)
      .data;
    let opaque = 0;
    let changed = 0;
    const prev = c.__prev;
    const comparable = prev !== undefined && prev.length === data.length;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 255) opaque++;
      if (
        comparable && (
          Math.abs(data[i] - prev[i]) > 24 ||
          Math.abs(data[i + 1] - prev[i + 1]) > 24 ||
          Math.abs(data[i + 2] - prev[i + 2]) > 24
        )
      ) changed++;
    }
    c.__prev = data;
    return {
      width: c.width,
      height: c.height,
      opaque,
      changed: comparable ? changed : -1,
    };
  });
}

/**
 * Polls until the canvas is painted and then changes between two reads
 * `gapMs` apart by more than `minChanged` pixels; returns the pair's second
 * look and when the first painted frame was seen. Throws after `timeoutMs`.
 */
export async function waitForMovingCanvas(
  canvas: Locator,
  opts: { timeoutMs: number; gapMs: number; minChanged: number; what: string },
): Promise<{ look: CanvasLook; firstPaintMs: number; movedMs: number }> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let firstPaintMs = -1;
  let last: CanvasLook | null = null;
  while (Date.now() < deadline) {
    const a = await lookAtCanvas(canvas);
    if (a.opaque > 0) {
      if (firstPaintMs < 0) firstPaintMs = Date.now() - started;
      await delay(opts.gapMs);
      const b = await lookAtCanvas(canvas);
      last = b;
      if (b.opaque > 0 && b.changed > opts.minChanged) {
        return { look: b, firstPaintMs, movedMs: Date.now() - started };
      }
    } else {
      await delay(100);
    }
  }
  throw new Error(
    `${opts.what}: canvas did not paint and move within ${opts.timeoutMs} ms ` +
      `(first paint ${firstPaintMs} ms, last look ${JSON.stringify(last)})`,
  );
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until every island on the page has hydrated. */
export async function allHydrated(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    () =>
      document.querySelectorAll("fe-island:not([data-hydrated])").length === 0,
    undefined,
    { timeout },
  );
}

/** Signs in on /login with the form and waits for the grid. */
export async function signIn(
  page: Page,
  base: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/login`);
  await hydrated(page, "SignInForm");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await Promise.all([
    page.waitForURL(`${base}/`),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}
