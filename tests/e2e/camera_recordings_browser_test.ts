/**
 * The camera page's "Recent recordings" in Chromium against a real stack
 * (controller on PGlite, node agent process, GStreamer RTSP camera): the
 * empty state is server-rendered; Record adds the session to the list over
 * SSE, Stop marks it finished, its footage (duration, size, Play, Download)
 * arrives when the node closes the segment — all without a reload — and
 * Play shows it in the page with the video's time moving on. No console
 * errors, no failed requests.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { ADMIN_PASSWORD, ADMIN_USER, startStack } from "../support/stack.ts";
import { type RtspServer, startRtspServer } from "../support/rtsp_server.ts";
import { unnamedControls } from "./browser/checks.ts";
import {
  allHydrated,
  CHROMIUM,
  hasChromium,
  launchChromium,
  type Report,
  screenshot,
  signIn,
  waitForMovingCanvas,
  watchPage,
} from "./browser/harness.ts";

if (!hasChromium) {
  console.log(
    `SKIPPED tests/e2e/camera_recordings_browser_test.ts: ${CHROMIUM} is missing`,
  );
}

const CAMERA = "Recent RTSP";

Deno.test({
  name:
    "camera page: a recording appears, finishes and plays in the page without a reload",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const [s, r] = await Promise.allSettled([
      startStack({ web: true, nodeOfflineAfterMs: 15_000 }),
      startRtspServer({ size: "320x240", fps: 15, pattern: "ball" }),
    ]);
    const stack = s.status === "fulfilled" ? s.value : undefined;
    const rtsp: RtspServer | undefined = r.status === "fulfilled"
      ? r.value
      : undefined;
    let browser: Browser | undefined;
    const report: Report = { messages: [], problems: [] };
    let step = "start";
    try {
      if (!stack) throw (s as PromiseRejectedResult).reason;
      if (!rtsp) throw (r as PromiseRejectedResult).reason;
      await stack.startNodeAgent("recent-node");
      const made = await stack.api("/api/cameras", {
        method: "POST",
        json: {
          name: CAMERA,
          protocol: "rtsp",
          source_url: rtsp.url,
          resolution: "320x240",
          framerate: 15,
        },
      });
      assert.equal(made.status, 201);
      const camera = await made.json();
      browser = await launchChromium();
      const page: Page = await browser.newPage({
        viewport: { width: 1280, height: 900 },
      });
      page.setDefaultTimeout(15_000);
      watchPage(page, report, () => step);
      await signIn(page, stack.url, ADMIN_USER, ADMIN_PASSWORD);
      step = "camera page";
      await page.goto(`${stack.url}/cameras/${camera.id}`);
      const recent = page.locator('fe-island[data-island="RecentRecordings"]');
      // Server-rendered: the empty state is there before any script ran.
      assert.match(
        await recent.innerText(),
        /No recordings of this camera yet\./,
      );
      await allHydrated(page);
      await waitForMovingCanvas(page.locator(".view.big canvas"), {
        timeoutMs: 15_000,
        gapMs: 500,
        minChanged: 0,
        what: CAMERA,
      });
      // Set on this document: gone if anything reloads the page.
      await page.evaluate(() => {
        (globalThis as { __noReload?: boolean }).__noReload = true;
      });
      const row = recent.locator("tbody tr").first();

      await t.step("Record: the session appears at once", async () => {
        step = "record";
        const t0 = Date.now();
        await page.getByRole("button", { name: "Record", exact: true })
          .click();
        await row.locator(".badge.r-recording").waitFor();
        const ms = Date.now() - t0;
        console.log(`new session listed ${ms} ms after the click`);
        assert.ok(ms < 3000, `listed after ${ms} ms`);
        assert.match(await row.innerText(), /Manual/);
        assert.match(await row.innerText(), /Recording…/);
        assert.equal(await recent.getByText("No recordings").count(), 0);
      });

      await new Promise((res) => setTimeout(res, 4000));

      await t.step("Stop: it finishes, then its footage lands", async () => {
        step = "stop";
        const t0 = Date.now();
        await page.getByRole("button", { name: "Stop", exact: true }).click();
        await row.locator(".badge.r-completed").waitFor();
        const ended = Date.now() - t0;
        const play = row.getByRole("button", { name: /^Play recording from/ });
        await play.waitFor({ timeout: 20_000 });
        const footage = Date.now() - t0;
        console.log(
          `after Stop: completed in ${ended} ms, footage (Play) in ${footage} ms`,
        );
        assert.ok(ended < 3000, `completed after ${ended} ms`);
        const text = await row.innerText();
        assert.match(text, /\b[3-9] s\b/, `duration in: ${text}`);
        assert.match(text, /\d+(\.\d)? [KM]iB/, `size in: ${text}`);
        assert.equal(
          await row.getByRole("link", { name: /^Download recording from/ })
            .count(),
          1,
        );
        assert.deepEqual(await unnamedControls(page), []);
        await screenshot(page, "camera-recent-recordings");
      });

      await t.step("Play: the video plays in the page", async () => {
        step = "play";
        await row.getByRole("button", { name: /^Play recording from/ })
          .click();
        const video = recent.locator(".player video");
        await video.waitFor({ timeout: 20_000 });
        const handle = await page.waitForFunction(
          () => {
            const v = document.querySelector<HTMLVideoElement>(
              'fe-island[data-island="RecentRecordings"] .player video',
            );
            if (!v) return null;
            if (v.error) return { error: v.error.code, duration: 0, time: 0 };
            const w = v as HTMLVideoElement & { __t0?: number };
            if (!(v.duration > 0) || v.currentTime === 0) return null;
            w.__t0 ??= v.currentTime;
            return v.currentTime > w.__t0 + 0.5
              ? { error: 0, duration: v.duration, time: v.currentTime }
              : null;
          },
          undefined,
          { timeout: 20_000, polling: 200 },
        );
        const played = (await handle.jsonValue())!;
        console.log(`playback: ${JSON.stringify(played)}`);
        assert.equal(played.error, 0, "the <video> plays without an error");
        assert.ok(played.duration >= 2, `duration ${played.duration} s`);
        assert.equal(
          await page.evaluate(() =>
            (globalThis as { __noReload?: boolean }).__noReload
          ),
          true,
          "the page was never reloaded",
        );
        await row.getByRole("button", { name: /^Close the player of/ })
          .click();
        assert.equal(await video.count(), 0);
      });

      assert.deepEqual(report.problems, [], "no console errors or 4xx/5xx");
    } finally {
      await browser?.close().catch(() => {});
      await stack?.close();
      await rtsp?.stop();
    }
  },
});
