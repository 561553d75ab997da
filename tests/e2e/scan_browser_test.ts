/**
 * The "Scan for cameras" page in Chromium, as an admin uses it: from the
 * grid's link, a subnet probe of 127.0.0.0/30 with a bad range first (named
 * before any request), results with confidence and evidence, ticking a
 * result, a name and a stream path, "Add selected", the row's inline
 * success, and the new camera in the API. Skipped where Chromium is missing.
 */
import assert from "node:assert/strict";
import {
  allHydrated,
  hasChromium,
  launchChromium,
  type Report,
  signIn,
  watchPage,
} from "./browser/harness.ts";
import { startHttpCamera } from "../support/http_camera.ts";
import { freePort } from "../support/ports.ts";
import { ADMIN_PASSWORD, ADMIN_USER, startStack } from "../support/stack.ts";

Deno.test({
  name: "scan page: probe a subnet, see how sure each find is, add it inline",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cam = await startHttpCamera({ fps: 5 });
    const closed = await freePort();
    const stack = await startStack({ web: true });
    const browser = await launchChromium();
    try {
      await stack.startNodeAgent("scan-ui-node");
      const page = await browser.newPage();
      const report: Report = { messages: [], problems: [] };
      watchPage(page, report, () => "scan");
      await signIn(page, stack.url, ADMIN_USER, ADMIN_PASSWORD);
      await page.getByRole("link", { name: "scan for cameras" }).click();
      await page.waitForURL(`${stack.url}/cameras/scan`);
      await allHydrated(page);

      // Only the subnet probe: WS-Discovery multicast would leave the machine.
      await page.uncheck("#scan-usb");
      await page.uncheck("#scan-onvif");
      await page.check("#scan-probe");
      await page.fill("#scan-subnet", "10.0.0.0/16");
      await page.fill("#scan-ports", `${cam.port},${closed}`);
      await page.getByRole("button", { name: "Scan", exact: true }).click();
      await page.getByText("scans cover at most 1024").waitFor();

      await page.fill("#scan-subnet", "127.0.0.0/30");
      await page.getByRole("button", { name: "Scan", exact: true }).click();
      await page.getByText(/Found 1 device/).waitFor({ timeout: 30_000 });
      const row = page.locator("tbody tr").first();
      assert.match(await row.innerText(), /HTTP\s+127\.0\.0\.1:\d+/);
      // Its MJPEG lives at /mjpeg and "/" answers 404: only "possible", so
      // it is not ticked for the user (no vendor path is guessed).
      assert.match(await row.innerText(), /possible/);
      assert.match(await row.innerText(), /404 Not Found on GET \//);
      assert.equal(await row.getByRole("checkbox").isChecked(), false);
      await row.getByRole("checkbox").check();
      assert.match(
        await page.locator("section ul.hint").innerText(),
        /127\.0\.0\.0\/30: 4 of 4 connects tried, 1 open/,
      );
      await row.getByLabel("Name", { exact: true }).fill("Garden (scanned)");
      await row.getByLabel("Stream path").fill("/mjpeg");
      await page.screenshot({ path: "/tmp/scan_page.png", fullPage: true });
      await page.getByRole("button", { name: "Add selected (1)" }).click();
      await row.getByText("Added:").waitFor();
      await page.screenshot({ path: "/tmp/scan_added.png", fullPage: true });

      const { cameras } = await (await stack.api("/api/cameras")).json();
      const added = cameras.find((c: { name: string }) =>
        c.name === "Garden (scanned)"
      );
      assert.ok(added, JSON.stringify(cameras));
      assert.equal(added.protocol, "http");
      assert.equal(added.source_url, cam.url("/mjpeg"));
      assert.deepEqual(report.problems, [], "no console or page errors");
    } finally {
      await browser.close();
      await stack.close();
      await cam.stop();
    }
  },
});
