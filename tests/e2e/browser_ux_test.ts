/**
 * The dashboard is usable everywhere (issue 5, item 4), checked in headless
 * Chromium against a stack with a node agent and three demo cameras:
 *
 * - on a phone (390×844, touch): no page scrolls sideways, every button,
 *   button-like link, select and nav link is at least 40 px high and wide;
 * - every form field and button on every page has an accessible name;
 * - dark and light schemes follow the system setting (`colorScheme`);
 * - the keyboard: Tab reaches the main navigation through the skip link, and
 *   the focused element draws a visible ring (computed outline/box-shadow).
 *
 * Screenshots: tests/e2e/screenshots/phone-*.png, grid-dark.png,
 * grid-light.png. No page may log a console error or answer an unexpected
 * 4xx/5xx. Skipped when /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContextOptions } from "playwright-core";
import { manifest } from "../../routes/_manifest.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  backgroundLuminance,
  horizontalOverflow,
  smallTouchTargets,
  tabToNav,
  unnamedControls,
} from "./browser/checks.ts";
import {
  allHydrated,
  CHROMIUM,
  type Expected,
  hasChromium,
  launchChromium,
  type Report,
  screenshot,
  signIn,
  waitForMovingCanvas,
  watchPage,
} from "./browser/harness.ts";

const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
};
const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 900 },
};

if (!hasChromium) {
  console.log(`SKIPPED tests/e2e/browser_ux_test.ts: ${CHROMIUM} is missing`);
}

Deno.test({
  name:
    "browser: every page fits a phone with touch-sized buttons and named fields; dark/light; keyboard focus visible",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const started = Date.now();
    const report: Report = { messages: [], problems: [] };
    let stack: Stack | undefined;
    let browser: Browser | undefined;
    let step = "start";
    let expected: Expected[] = [];
    try {
      const [s, b] = await Promise.all([
        startStack({ web: true }),
        launchChromium(),
      ]);
      stack = s;
      browser = b;
      await s.startNodeAgent("ux-node");
      const ids: string[] = [];
      for (const name of ["Front door", "Garden", "Garage"]) {
        const res = await s.api("/api/cameras", {
          method: "POST",
          json: { name, protocol: "demo", resolution: "320x240", framerate: 5 },
        });
        assert.equal(res.status, 201, await res.clone().text());
        ids.push((await res.json()).id);
      }
      // An agent (not started) for its chat page, a page with a parameter.
      const agent = await s.api("/api/agents", {
        method: "POST",
        json: {
          name: "UX agent",
          slug: "ux-agent",
          provider: "openai_compatible",
          model: "m",
          base_url: "http://127.0.0.1:9/v1",
        },
      });
      assert.equal(agent.status, 201, await agent.clone().text());
      const agentId = (await agent.json()).id;
      const base = s.url;

      const context = async (opts: BrowserContextOptions, who: string) => {
        const ctx = await browser!.newContext(opts);
        ctx.setDefaultTimeout(15_000);
        const page = await ctx.newPage();
        watchPage(page, report, () => `${who} ${step}`, () => expected);
        return page;
      };

      // Signed in once; the other contexts reuse the session cookie.
      const desktop = await context(DESKTOP, "desktop");
      step = "sign in";
      await signIn(desktop, base, ADMIN_USER, ADMIN_PASSWORD);
      const storageState = await desktop.context().storageState();

      const pages = [
        { name: "grid", path: "/" },
        { name: "camera", path: `/cameras/${ids[0]}` },
        { name: "agent-chat", path: `/agents/${agentId}/chat` },
        ...manifest.routes
          .filter((r) => !r.pattern.includes(":") && r.pattern !== "/")
          .filter((r) => r.module.access !== "public")
          .map((r) => ({
            name: r.pattern.slice(1).replaceAll("/", "-"),
            path: r.pattern,
          })),
        { name: "404", path: "/no-such-page", status: 404 },
      ];
      const settingsListed = pages.some((p) => p.path === "/settings");
      console.log(
        `pages: ${pages.map((p) => p.path).join(" ")}${
          settingsListed ? "" : " (no /settings route yet)"
        }`,
      );

      await t.step(
        "phone: no sideways scroll, 40 px targets, named fields",
        async () => {
          const phone = await context({ ...PHONE, storageState }, "phone");
          const failures: string[] = [];
          for (const p of [...pages, { name: "login", path: "/login" }]) {
            step = p.name;
            if (p.name === "login") await phone.context().clearCookies();
            expected = p.status
              ? [{ url: `${base}${p.path}`, status: p.status }]
              : [];
            const res = await phone.goto(`${base}${p.path}`);
            assert.equal(res?.status(), p.status ?? 200, `${p.path} status`);
            await allHydrated(phone);
            if (p.name === "grid") {
              await waitForMovingCanvas(
                phone.locator("li.tile canvas").first(),
                {
                  timeoutMs: 15_000,
                  gapMs: 500,
                  minChanged: 0,
                  what: "phone grid tile",
                },
              );
            }
            const over = await horizontalOverflow(phone);
            if (over.extraPx > 0) {
              failures.push(
                `${p.path}: ${over.extraPx} px sideways scroll (${
                  over.widest.join(", ")
                })`,
              );
            }
            for (const f of await smallTouchTargets(phone)) {
              failures.push(`${p.path}: ${f}`);
            }
            for (const f of await unnamedControls(phone)) {
              failures.push(`${p.path}: ${f} has no accessible name`);
            }
            await screenshot(phone, `phone-${p.name}`);
          }
          expected = [];
          assert.deepEqual(failures, [], "phone-sized pages");
        },
      );

      await t.step("dark and light follow the system", async () => {
        const looks: Record<string, number> = {};
        for (const scheme of ["dark", "light"] as const) {
          step = `${scheme} grid`;
          const page = await context(
            { ...DESKTOP, colorScheme: scheme, storageState },
            scheme,
          );
          await page.goto(`${base}/`);
          await allHydrated(page);
          await waitForMovingCanvas(page.locator("li.tile canvas").first(), {
            timeoutMs: 15_000,
            gapMs: 500,
            minChanged: 0,
            what: `${scheme} grid tile`,
          });
          looks[scheme] = await backgroundLuminance(page.locator("body"));
          looks[`${scheme} tile`] = await backgroundLuminance(
            page.locator("li.tile").first(),
          );
          await screenshot(page, `grid-${scheme}`);
          await page.context().close();
        }
        assert.ok(looks.dark >= 0 && looks.dark < 0.05, JSON.stringify(looks));
        assert.ok(looks["dark tile"] < 0.05, JSON.stringify(looks));
        assert.ok(looks.light > 0.8, JSON.stringify(looks));
        assert.ok(looks["light tile"] > 0.8, JSON.stringify(looks));
      });

      await t.step(
        "keyboard: Tab reaches the nav with a visible ring",
        async () => {
          step = "keyboard";
          await desktop.goto(`${base}/`);
          await allHydrated(desktop);
          const seen = await tabToNav(desktop);
          const first = seen[0];
          assert.match(first.element, /Skip to content/, JSON.stringify(seen));
          const skip = await desktop.evaluate(() => {
            const r = document.activeElement!.getBoundingClientRect();
            return r.left >= 0 && r.top >= 0 && r.width > 0;
          });
          assert.ok(skip, "the skip link shows on screen when focused");
          const last = seen.at(-1)!;
          assert.ok(last.inNav, `Tab reached ${JSON.stringify(seen)}`);
          for (const look of seen) {
            assert.ok(look.focusVisible, `:focus-visible on ${look.element}`);
            assert.ok(
              look.ringShown,
              `a focus ring on ${look.element}: outline ${look.outline}, box-shadow ${look.boxShadow}`,
            );
          }
          await screenshot(desktop, "keyboard-focus-nav");
          // Enter on the focused nav link follows it.
          await Promise.all([
            desktop.waitForURL(
              /\/(recordings|nodes|users|tokens|audit|account|)$/,
            ),
            desktop.keyboard.press("Enter"),
          ]);
        },
      );

      assert.deepEqual(
        report.problems,
        [],
        "no console errors or failed requests",
      );
    } finally {
      if (report.problems.length) {
        console.log(`browser problems:\n  ${report.problems.join("\n  ")}`);
      }
      try {
        await browser?.close();
      } finally {
        await stack?.close();
      }
      console.log(`browser ux test: ${Date.now() - started} ms`);
    }
  },
});
