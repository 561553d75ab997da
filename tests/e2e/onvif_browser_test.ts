/**
 * ONVIF profiles in Chromium, as an admin uses them: the add form's "Find
 * profiles" against a fake ONVIF camera (real SOAP) preselects the sub
 * profile for live view and the main one for recording and fills in both
 * URLs; the camera page says which profile does what; the edit form finds
 * the profiles again with the stored password (shown as ***) and "Same as
 * live view" clears the recording profile. Skipped where Chromium is missing.
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
import { startFakeOnvif } from "../support/fake_onvif.ts";
import { freePort } from "../support/ports.ts";
import { ADMIN_PASSWORD, ADMIN_USER, startStack } from "../support/stack.ts";

const USER = "admin";
const PASSWORD = "Browser-Onvif-9";

Deno.test({
  name:
    "ONVIF form: live view and recording profiles, on the add and the edit form",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Nothing listens there: the camera need not stream for this test.
    const nowhere = `rtsp://127.0.0.1:${await freePort()}`;
    await using cam = await startFakeOnvif({
      username: USER,
      password: PASSWORD,
      profiles: [
        {
          token: "main",
          name: "Main",
          codec: "H264",
          width: 1920,
          height: 1080,
          fps: 25,
          streamUri: `${nowhere}/main`,
        },
        {
          token: "sub",
          name: "Sub",
          codec: "H264",
          width: 640,
          height: 360,
          fps: 15,
          streamUri: `${nowhere}/sub`,
        },
      ],
    });
    const stack = await startStack({ web: true });
    const browser = await launchChromium();
    let step = "add";
    try {
      await stack.startNodeAgent("onvif-ui-node");
      const page = await browser.newPage();
      const report: Report = { messages: [], problems: [] };
      // The camera cannot be read (nothing at its RTSP URI): its snapshot
      // and stream answers are errors the page may show, not test failures.
      watchPage(page, report, () => step, () => []);
      await signIn(page, stack.url, ADMIN_USER, ADMIN_PASSWORD);
      await allHydrated(page);

      await page.selectOption("#add-protocol", "onvif");
      await page.fill("#add-onvif-host", "127.0.0.1");
      await page.fill("#add-onvif-port", String(cam.port));
      await page.fill("#add-onvif-username", USER);
      await page.fill("#add-onvif-password", PASSWORD);
      await page.getByRole("button", { name: "Find profiles" }).click();
      await page.getByLabel("Live view profile").waitFor();
      assert.match(
        await page.locator("#add-onvif-status").innerText(),
        /Falcon Test Optics/,
      );
      assert.equal(await page.inputValue("#add-onvif-live"), "sub");
      assert.equal(await page.inputValue("#add-onvif-record"), "main");
      const base = `onvif://${USER}:${PASSWORD}@127.0.0.1:${cam.port}`;
      assert.equal(
        await page.inputValue("#add-source_url"),
        `${base}?profile=sub`,
      );
      assert.equal(
        await page.inputValue("#add-record_source_url"),
        `${base}?profile=main`,
      );
      await page.fill("#add-name", "Porch");
      await page.getByRole("button", { name: "Add camera" }).click();
      await page.getByText("Added “Porch”.").waitFor();

      const { cameras } = await (await stack.api("/api/cameras")).json();
      const porch = cameras.find((c: { name: string }) => c.name === "Porch");
      assert.ok(porch, JSON.stringify(cameras));
      assert.equal(
        porch.source_url,
        `onvif://${USER}:***@127.0.0.1:${cam.port}?profile=sub`,
      );
      assert.equal(
        porch.record_source_url,
        `onvif://${USER}:***@127.0.0.1:${cam.port}?profile=main`,
      );

      step = "camera page";
      await page.goto(`${stack.url}/cameras/${porch.id}`);
      await allHydrated(page);
      const facts = await page.locator("dl.facts").innerText();
      assert.match(facts, /Live view profile\s+sub/);
      assert.match(facts, /Recording profile\s+main/);
      assert.doesNotMatch(await page.content(), new RegExp(PASSWORD));

      // Edit: the stored login, password *** (the API uses the stored one).
      step = "edit";
      assert.equal(await page.inputValue("#edit-onvif-host"), "127.0.0.1");
      assert.equal(await page.inputValue("#edit-onvif-password"), "***");
      await page.getByRole("button", { name: "Find profiles" }).click();
      await page.getByLabel("Recording profile", { exact: true }).waitFor();
      assert.equal(await page.inputValue("#edit-onvif-live"), "sub");
      assert.equal(await page.inputValue("#edit-onvif-record"), "main");
      await page.selectOption("#edit-onvif-record", "");
      assert.equal(await page.inputValue("#edit-record_source_url"), "");
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByText("Saved.").waitFor();
      const saved = await (await stack.api(`/api/cameras/${porch.id}`)).json();
      assert.equal(saved.record_source_url, null);
      assert.equal(
        saved.source_url,
        `onvif://${USER}:***@127.0.0.1:${cam.port}?profile=sub`,
      );
      // The edit form's Find profiles signed in with the stored password.
      const inspected = cam.calls.filter((c) => c.action === "GetProfiles");
      assert.ok(inspected.length >= 2, "the edit form asked the camera too");
      assert.equal(cam.authFailures, 0, "*** was completed, never sent");
      const unexpected = report.problems.filter((p) =>
        !/\/api\/cameras\/[^/]+\/(snapshot|stream)/.test(p) &&
        !/api\/streams\/live/.test(p)
      );
      assert.deepEqual(unexpected, [], "no console or page errors");
    } finally {
      await browser.close();
      await stack.close();
    }
  },
});
