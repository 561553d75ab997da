/**
 * The Settings page in Chromium against a real stack: the API's error shows
 * under the field it names, Save shows progress and success and the change is
 * in effect, a change made elsewhere arrives over SSE, the add-camera form
 * starts from the saved defaults, and the page fits a phone in both themes.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  registerNode,
  startStack,
} from "../support/stack.ts";
import {
  backgroundLuminance,
  horizontalOverflow,
  smallTouchTargets,
  unnamedControls,
} from "./browser/checks.ts";
import {
  CHROMIUM,
  hasChromium,
  hydrated,
  launchChromium,
  signIn,
} from "./browser/harness.ts";

if (!hasChromium) {
  console.log(
    `SKIPPED tests/e2e/settings_browser_test.ts: ${CHROMIUM} is missing`,
  );
}

Deno.test({
  name:
    "settings page in the browser: errors, save, live update, defaults, layout",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: true, nodeOfflineAfterMs: 600000 });
    let browser: Browser | undefined;
    try {
      await registerNode(stack, "web-node");
      browser = await launchChromium();
      const page: Page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      await signIn(page, stack.url, ADMIN_USER, ADMIN_PASSWORD);
      await page.goto(`${stack.url}/settings`);
      await hydrated(page, "SettingsForm");
      const settings = () => stack.controller.settings.current();

      await t.step(
        "a value the API refuses shows under its field",
        async () => {
          await page.fill("#setting-segment_seconds", "1");
          await page.getByRole("region", { name: "Settings" }).getByRole(
            "button",
            { name: "Save" },
          ).click();
          const err = page.locator("#setting-segment_seconds-err");
          await err.waitFor({ timeout: 5000 });
          assert.match(
            await err.textContent() ?? "",
            /^segment_seconds must be/,
          );
          assert.equal(
            await page.getAttribute("#setting-segment_seconds", "aria-invalid"),
            "true",
          );
          assert.match(
            await page.locator("form .bar [role=alert]").textContent() ?? "",
            /Not saved/,
          );
          assert.equal(settings().segment_seconds, 60, "nothing applied");
        },
      );

      await t.step(
        "Save shows success and the change is in effect",
        async () => {
          await page.fill("#setting-segment_seconds", "30");
          await page.fill("#setting-min_free_percent", "7.5");
          await page.selectOption("#setting-default_node", "web-node");
          await page.getByRole("region", { name: "Settings" }).getByRole(
            "button",
            { name: "Save" },
          ).click();
          await page.getByText("Saved 3 settings; in effect now.").waitFor({
            timeout: 5000,
          });
          assert.equal(settings().segment_seconds, 30);
          assert.equal(settings().min_free_percent, 7.5);
          assert.equal(settings().default_node, "web-node");
          assert.equal(
            await page.locator("#setting-segment_seconds-err").count(),
            0,
            "the error is gone",
          );
        },
      );

      await t.step("a change made elsewhere arrives over SSE", async () => {
        const res = await stack.api("/api/settings", {
          method: "PATCH",
          json: { default_framerate: 24, default_resolution: "1280x720" },
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
        await page.waitForFunction(
          () =>
            (document.getElementById("setting-default_framerate") as
              | HTMLInputElement
              | null)?.value === "24",
          undefined,
          { timeout: 5000 },
        );
      });

      await t.step("the add-camera form starts from the defaults", async () => {
        await page.goto(`${stack.url}/`);
        await hydrated(page, "AddCameraForm");
        assert.equal(await page.inputValue("#add-resolution"), "1280x720");
        assert.equal(await page.inputValue("#add-framerate"), "24");
      });

      await t.step(
        "labelled, fits a phone, follows the dark theme",
        async () => {
          const phone = await browser!.newPage({
            viewport: { width: 390, height: 844 },
            colorScheme: "dark",
          });
          await phone.context().addCookies(await page.context().cookies());
          await phone.goto(`${stack.url}/settings`);
          await hydrated(phone, "SettingsForm");
          assert.deepEqual(await unnamedControls(phone), []);
          assert.deepEqual(await smallTouchTargets(phone), []);
          const overflow = await horizontalOverflow(phone);
          assert.ok(overflow.extraPx <= 0, JSON.stringify(overflow));
          const dark = await backgroundLuminance(
            phone.locator("fieldset").first(),
          );
          await phone.emulateMedia({ colorScheme: "light" });
          const light = await backgroundLuminance(
            phone.locator("fieldset").first(),
          );
          assert.ok(dark < 0.2 && light > 0.8, `dark ${dark}, light ${light}`);
          await phone.close();
        },
      );
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser?.close();
      await stack.close();
    }
  },
});
