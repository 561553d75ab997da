/**
 * End to end in a real browser, the way a person uses the dashboard: the
 * controller with its web dashboard, a node agent process and a GStreamer RTSP
 * camera; headless Chromium driven by playwright-core.
 *
 * 1. first run: the one-time setup link → admin account → signed in on /;
 * 2. an RTSP camera: "Test connection" on the form shows its codec, size and
 *    frame rate; added, its tile appears over SSE and its canvas moves;
 * 3. Record on the tile, Stop a few seconds later; /recordings lists the
 *    recording and plays it in the page (the <video> has a duration and its
 *    currentTime advances); the camera page, /nodes and /settings render;
 * 4. an API token made on /tokens adds two demo cameras through the API, and
 *    the grid shows them playing and (once the node reports) online;
 * 5. /users: a viewer who may see exactly one camera; sign out;
 * 6. the viewer sees that one tile, no add form, no admin links, a 403 on
 *    /users, and `/api/cameras` lists one camera;
 * 7. every page: a full-page screenshot in tests/e2e/screenshots/, no
 *    console errors or failed requests, and every field and button named.
 *
 * Skipped when /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import {
  eventually,
  type NodeAgentProcess,
  type Stack,
  startStack,
} from "../support/stack.ts";
import { type RtspServer, startRtspServer } from "../support/rtsp_server.ts";
import { manifest } from "../../routes/_manifest.ts";
import { unnamedControls } from "./browser/checks.ts";
import {
  allHydrated,
  CHROMIUM,
  type Expected,
  hasChromium,
  hydrated,
  launchChromium,
  type Report,
  screenshot,
  waitForMovingCanvas,
  watchPage,
} from "./browser/harness.ts";

const ADMIN = "chief";
const ADMIN_PASSWORD = "falcons watch the valley";
const VIEWER = "vera";
const VIEWER_PASSWORD = "viewer sees one camera";
const RTSP_CAMERA = "Porch RTSP";
const DEMO_CAMERAS = ["Demo Yard", "Demo Gate"];
const SHOWN_TO_VIEWER = "Demo Yard";
const ALL_CAMERAS = [RTSP_CAMERA, ...DEMO_CAMERAS];

/** Playwright's wait for one action or navigation (generous: 2 CPUs, tests in parallel). */
const ACTION_TIMEOUT_MS = 15_000;

if (!hasChromium) {
  console.log(
    `SKIPPED tests/e2e/browser_test.ts: ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}

Deno.test({
  name:
    "browser: setup link → admin adds an RTSP camera that plays → viewer with one camera sees only it",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = Date.now();
    const timings: Record<string, number> = {};
    const mark = (what: string) => timings[what] = Date.now() - started;
    const report: Report = { messages: [], problems: [] };
    const shots: string[] = [];
    /** Product defects seen on the way, asserted last so every step runs. */
    const productBugs: string[] = [];
    let step = "start";
    let expected: Expected[] = [];

    let stack: Stack | undefined;
    let rtsp: RtspServer | undefined;
    let browser: Browser | undefined;
    let pausedNode: NodeAgentProcess | undefined;
    try {
      // Started side by side; whichever starts is cleaned up even if the other fails.
      const [s, r] = await Promise.allSettled([
        // Nodes go offline after 15 s of silence: the node agent is paused
        // for about a second below, longer on a busy machine.
        startStack({
          web: true,
          setupAdmin: false,
          nodeOfflineAfterMs: 15_000,
        }),
        startRtspServer({ size: "320x240", fps: 15, pattern: "ball" }),
      ]);
      if (s.status === "fulfilled") stack = s.value;
      if (r.status === "fulfilled") rtsp = r.value;
      if (s.status === "rejected") throw s.reason;
      if (r.status === "rejected") throw r.reason;
      const { url: base, controller, api } = s.value;
      const setupUrl = controller.setupUrl;
      assert.ok(setupUrl, "a fresh controller prints a setup link");
      const node = await s.value.startNodeAgent("browser-node");
      browser = await launchChromium();
      mark("stack, camera, node agent and browser up");

      const open = async (context: string) => {
        const ctx = await browser!.newContext({
          viewport: { width: 1280, height: 900 },
        });
        ctx.setDefaultTimeout(ACTION_TIMEOUT_MS);
        ctx.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
        const page = await ctx.newPage();
        watchPage(page, report, () => `${context} ${step}`, () => expected);
        return page;
      };
      /** Screenshot + every field and button of the page has a name. */
      const shoot = async (page: Page, name: string) => {
        shots.push(await screenshot(page, name));
        for (const f of await unnamedControls(page)) {
          productBugs.push(`${name}: ${f} has no accessible name`);
        }
      };
      const path = (page: Page) => new URL(page.url()).pathname;
      const tile = (page: Page, name: string) =>
        page.locator("li.tile", { hasText: name });

      // 1. The setup link: choose the admin's name and password, land on /.
      step = "setup";
      const admin = await open("admin");
      await admin.goto(setupUrl);
      await hydrated(admin, "SignInForm");
      await admin.fill("#username", ADMIN);
      await admin.fill("#password", ADMIN_PASSWORD);
      await admin.fill("#confirm", ADMIN_PASSWORD);
      await shoot(admin, "setup");
      await Promise.all([
        admin.waitForURL(`${base}/`),
        admin.getByRole("button", { name: "Create admin account" }).click(),
      ]);
      await hydrated(admin, "UserMenu");
      assert.match(
        await admin.locator(".user-menu").innerText(),
        new RegExp(`${ADMIN}\\s*\\(admin\\)`),
        "signed in as the new admin",
      );
      mark("signed in through the setup link");

      // 2. An RTSP camera through the form: its tile comes over SSE and plays.
      step = "grid";
      await hydrated(admin, "CameraGrid");
      await hydrated(admin, "AddCameraForm");
      await admin.fill("#add-name", RTSP_CAMERA);
      await admin.selectOption("#add-protocol", "rtsp");
      await admin.fill("#add-source_url", r.value.url);
      await admin.fill("#add-resolution", "320x240");
      await admin.fill("#add-framerate", "10");
      // "Test connection": the node opens the source once and says what it is.
      await admin.getByRole("button", { name: "Test connection" }).click();
      const probed = admin.locator("#add-probe");
      await probed.filter({ hasText: /Connected|Cannot connect/ }).waitFor({
        timeout: 25_000,
      });
      assert.match(
        await probed.innerText(),
        /^Connected: h264 · 320×240 · 15 fps · no audio \(node browser-node, /,
        "the probe shows codec, size and frame rate",
      );
      await shoot(admin, "grid-add-tested");
      mark("test connection");
      await admin.getByRole("button", { name: "Add camera" }).click();
      await admin.getByRole("status").filter({
        hasText: `Added “${RTSP_CAMERA}”`,
      }).waitFor();
      const rtspTile = tile(admin, RTSP_CAMERA);
      await rtspTile.waitFor({ timeout: 10_000 });
      mark("RTSP tile shown");
      // Two reads of every canvas pixel 700 ms apart must differ (the ball moves).
      const played = await waitForMovingCanvas(rtspTile.locator("canvas"), {
        timeoutMs: 10_000,
        gapMs: 700,
        minChanged: 20,
        what: RTSP_CAMERA,
      });
      mark("RTSP tile painted and moving");
      console.log(
        `RTSP tile: first frame painted ${played.firstPaintMs} ms after it appeared, ` +
          `${played.look.changed} of ${
            played.look.width * played.look.height
          } pixels changed in 700 ms`,
      );
      assert.equal(played.look.width, 320, "canvas sized to the frames");
      assert.equal(
        played.look.opaque,
        played.look.width * played.look.height,
        "the whole frame is painted",
      );

      // 3. Record from the tile for a few seconds, then play it in the page.
      step = "record";
      await rtspTile.getByRole("button", { name: "Record" }).click();
      await rtspTile.getByRole("button", { name: "Stop" }).waitFor({
        timeout: 15_000,
      });
      await rtspTile.locator(".badge.s-rec").waitFor();
      assert.match(await rtspTile.innerText(), /Recording since/);
      await shoot(admin, "grid-recording");
      await new Promise((r) => setTimeout(r, 4000));
      await rtspTile.getByRole("button", { name: "Stop" }).click();
      await rtspTile.getByRole("button", { name: "Record" }).waitFor({
        timeout: 15_000,
      });
      assert.equal(await rtspTile.locator(".badge.s-rec").count(), 0);
      mark("recorded 4 s from the tile");

      step = "recordings";
      await admin.getByRole("link", { name: "Recordings" }).click();
      await admin.waitForURL(`${base}/recordings`);
      await hydrated(admin, "RecordingsView");
      const recRow = admin.locator("tbody tr").filter({ hasText: RTSP_CAMERA })
        .first();
      // The session ends once the node closed its segment; Play needs footage.
      const playButton = recRow.getByRole("button", {
        name: new RegExp(`^Play ${RTSP_CAMERA}`),
      });
      await eventually(
        async () => {
          if (await playButton.count() > 0) return true;
          await admin.reload();
          await hydrated(admin, "RecordingsView");
          return false;
        },
        20_000,
        "a playable recording on /recordings",
      );
      await playButton.click();
      const video = admin.locator(".player video");
      await video.waitFor({ timeout: 20_000 });
      // Playing: a duration, and currentTime moving on by half a second.
      const playback = (await (await admin.waitForFunction(
        () => {
          const v = document.querySelector<HTMLVideoElement>(".player video");
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
      )).jsonValue())!;
      console.log(`playback: ${JSON.stringify(playback)}`);
      assert.equal(playback.error, 0, "the <video> plays without an error");
      assert.ok(playback.duration >= 2, `duration ${playback.duration} s`);
      await shoot(admin, "recordings");
      mark("recording played in the page");

      step = "camera page";
      await admin.goto(`${base}/`);
      await tile(admin, RTSP_CAMERA).getByRole("link", { name: RTSP_CAMERA })
        .click();
      await admin.waitForURL(/\/cameras\/[\w-]+$/);
      await allHydrated(admin);
      await waitForMovingCanvas(admin.locator(".view.big canvas"), {
        timeoutMs: 10_000,
        gapMs: 500,
        minChanged: 0,
        what: `${RTSP_CAMERA} (camera page)`,
      });
      await admin.locator(".tl-fig").waitFor();
      await shoot(admin, "camera");

      step = "nodes";
      await admin.getByRole("link", { name: "Nodes" }).click();
      await admin.waitForURL(`${base}/nodes`);
      await allHydrated(admin);
      await admin.getByText("browser-node").first().waitFor();
      await shoot(admin, "nodes");

      if (manifest.routes.some((r) => r.pattern === "/settings")) {
        step = "settings";
        await admin.getByRole("link", { name: "Settings" }).click();
        await admin.waitForURL(`${base}/settings`);
        await allHydrated(admin);
        await shoot(admin, "settings");
      } else console.log("no /settings page yet: not screenshot");

      step = "404";
      expected = [{ url: `${base}/no-such-page`, status: 404 }];
      const missing = await admin.goto(`${base}/no-such-page`);
      assert.equal(missing?.status(), 404);
      await shoot(admin, "404");
      expected = [];
      await admin.goto(`${base}/`);
      mark("camera, nodes, settings and 404 pages");

      // 4. A full API token made on /tokens adds two demo cameras.
      step = "tokens";
      await admin.getByRole("link", { name: "Tokens" }).click();
      await admin.waitForURL(`${base}/tokens`);
      await hydrated(admin, "TokensAdmin");
      await admin.fill("#token-name", "browser test");
      await admin.selectOption("#token-scope", "full");
      await admin.getByRole("button", { name: "Create token" }).click();
      const token = await admin.locator("#new-token").inputValue();
      assert.match(token, /^fe_/, "the new token is shown once");
      await shoot(admin, "tokens");
      await admin.getByRole("button", { name: "Done, I saved it" }).click();
      const asAdmin = { authorization: `Bearer ${token}` };

      // The grid renders on the server, then opens /api/events from the
      // browser; a status change in between must still reach the page. Made
      // deterministic: the node agent is paused (SIGSTOP) so the new cameras
      // are "pending" when the page renders, and the page's event stream is
      // held (as a slow link would) until they are online.
      let releaseEvents = () => {};
      const eventsHeld = new Promise<void>((res) => releaseEvents = res);
      await admin.route("**/api/events", async (route) => {
        await eventsHeld;
        // The page may be gone by then; nothing to pass on.
        await route.continue().catch(() => {});
      });
      const cameraIds: Record<string, string> = {};
      Deno.kill(node.child.pid, "SIGSTOP");
      pausedNode = node;
      try {
        for (const name of DEMO_CAMERAS) {
          const res = await api("/api/cameras", {
            method: "POST",
            headers: asAdmin,
            json: {
              name,
              protocol: "demo",
              resolution: "320x240",
              framerate: 5,
            },
          });
          assert.equal(res.status, 201, await res.clone().text());
          cameraIds[name] = (await res.json()).id;
        }
        step = "grid";
        await admin.getByRole("link", { name: "Cameras" }).click();
        await admin.waitForURL(`${base}/`);
        await hydrated(admin, "CameraGrid");
      } finally {
        Deno.kill(node.child.pid, "SIGCONT");
        pausedNode = undefined;
      }
      const apiStatus = async () =>
        Object.fromEntries(
          (await (await api("/api/cameras", { headers: asAdmin })).json())
            .cameras.map((c: { name: string; status: string }) => [
              c.name,
              c.status,
            ]),
        );
      await eventually(
        async () =>
          Object.values(await apiStatus()).every((st) => st === "online"),
        10_000,
        "the API to list all three cameras online",
      );
      releaseEvents(); // later connections pass at once

      assert.equal(await admin.locator("li.tile").count(), 3, "three tiles");
      for (const name of ALL_CAMERAS) {
        await waitForMovingCanvas(tile(admin, name).locator("canvas"), {
          timeoutMs: 15_000,
          gapMs: 700,
          minChanged: 0,
          what: name,
        });
      }
      mark("three tiles playing");
      // The badges should catch up with the API within a few seconds.
      const badges = () =>
        Promise.all(
          ALL_CAMERAS.map(async (name) =>
            `${name}: ${await tile(admin, name).locator(".badge").innerText()}`
          ),
        );
      const online = ALL_CAMERAS.map((name) => `${name}: Online`);
      await eventually(
        async () => JSON.stringify(await badges()) === JSON.stringify(online),
        5_000,
        "badges",
      ).catch(() => {});
      const shown = await badges();
      if (JSON.stringify(shown) !== JSON.stringify(online)) {
        // islands/client/live.ts (open/onopen): the first connection
        // of /api/events does not resync, so changes made between the
        // server render and that connection are lost until the next event.
        productBugs.push(
          `the admin grid still shows [${shown.join(", ")}] while ` +
            `/api/cameras says ${JSON.stringify(await apiStatus())}: ` +
            "status changes between the page's render and its /api/events " +
            "connection are lost (islands/client/live.ts)",
        );
      }
      await shoot(admin, "grid-admin");
      mark("three tiles checked");

      // 5. /users: a viewer who may see exactly one camera.
      step = "users";
      await admin.getByRole("link", { name: "Users" }).click();
      await admin.waitForURL(`${base}/users`);
      await hydrated(admin, "UsersAdmin");
      await admin.locator("table").filter({ hasText: ADMIN }).waitFor();
      await admin.fill("#add-user-username", VIEWER);
      await admin.fill("#add-user-password", VIEWER_PASSWORD);
      await admin.selectOption("#add-user-role", "viewer");
      const checks = admin.locator("#add-user-username")
        .locator("xpath=ancestor::form").getByRole("checkbox");
      assert.equal(await checks.count(), 3, "every camera can be granted");
      await admin.locator(`#add-user-cam-${cameraIds[SHOWN_TO_VIEWER]}`)
        .check();
      await admin.getByRole("button", { name: "Add user" }).click();
      const viewerRow = admin.locator("tr").filter({
        has: admin.locator("th", { hasText: VIEWER }),
      });
      await viewerRow.waitFor();
      assert.match(
        await viewerRow.innerText(),
        new RegExp(`viewer\\s+${SHOWN_TO_VIEWER}\\s`),
      );
      await shoot(admin, "users");
      const users = await (await api("/api/users", { headers: asAdmin }))
        .json();
      const vera = users.users.find((u: { username: string }) =>
        u.username === VIEWER
      );
      assert.deepEqual(vera?.camera_ids, [cameraIds[SHOWN_TO_VIEWER]]);

      step = "audit";
      await admin.getByRole("link", { name: "Audit log" }).click();
      await admin.waitForURL(`${base}/audit`);
      await hydrated(admin, "AuditLog");
      await admin.locator("table.tbl tbody tr").first().waitFor();
      const actions = await admin.locator("table.tbl tbody td code")
        .allInnerTexts();
      for (const a of ["auth.setup", "camera.create", "user.create"]) {
        assert.ok(actions.includes(a), `the audit log lists ${a}`);
      }
      await shoot(admin, "audit");

      step = "account";
      await admin.getByRole("link", { name: "Account" }).click();
      await admin.waitForURL(`${base}/account`);
      await hydrated(admin, "AccountForm");
      await shoot(admin, "account");

      step = "sign out";
      await Promise.all([
        admin.waitForURL(`${base}/login`),
        admin.getByRole("button", { name: "Sign out" }).click(),
      ]);
      await hydrated(admin, "SignInForm");
      await shoot(admin, "login");
      await admin.goto(`${base}/`);
      assert.equal(path(admin), "/login", "signed out: / sends to /login");
      mark("viewer created, admin signed out");

      // 6. The viewer, in a fresh browser context, sees that one camera only.
      step = "login";
      const viewer = await open("viewer");
      await viewer.goto(`${base}/login`);
      await hydrated(viewer, "SignInForm");
      await viewer.fill("#username", VIEWER);
      await viewer.fill("#password", VIEWER_PASSWORD);
      await Promise.all([
        viewer.waitForURL(`${base}/`),
        viewer.getByRole("button", { name: "Sign in" }).click(),
      ]);

      step = "grid";
      await hydrated(viewer, "CameraGrid");
      const tiles = viewer.locator("li.tile");
      assert.equal(await tiles.count(), 1, "the viewer sees one tile");
      assert.match(await tiles.first().innerText(), /Demo Yard/);
      await waitForMovingCanvas(tiles.first().locator("canvas"), {
        timeoutMs: 15_000,
        gapMs: 700,
        minChanged: 0,
        what: `${SHOWN_TO_VIEWER} (viewer)`,
      });
      assert.equal(
        await viewer.locator("#add-name, fe-island[data-island=AddCameraForm]")
          .count(),
        0,
        "no add-camera form for viewers",
      );
      const links = await viewer.locator("nav.nav a").allInnerTexts();
      assert.ok(links.includes("Cameras"), `nav: ${links}`);
      for (const adminOnly of ["Users", "Audit log"]) {
        assert.ok(!links.includes(adminOnly), `viewer nav has ${adminOnly}`);
      }
      const listed = await viewer.evaluate(async () => {
        const res = await fetch("/api/cameras");
        return { status: res.status, body: await res.json() };
      });
      assert.equal(listed.status, 200);
      assert.equal(listed.body.total, 1, JSON.stringify(listed.body));
      assert.deepEqual(
        listed.body.cameras.map((c: { id: string }) => c.id),
        [cameraIds[SHOWN_TO_VIEWER]],
      );
      await shoot(viewer, "grid-viewer");
      const deleteButtons = await tiles.getByRole("button", { name: /^Delete/ })
        .count();
      if (deleteButtons > 0) {
        // islands/CameraGrid.tsx (Tile) does not know the role; the API
        // answers the viewer's delete with 403 "This needs the admin role".
        productBugs.push(
          `a viewer's tile offers ${deleteButtons} Delete button(s) that ` +
            "the API refuses (islands/CameraGrid.tsx, Tile)",
        );
      }

      step = "users (forbidden)";
      expected = [{ url: `${base}/users`, status: 403 }];
      const forbidden = await viewer.goto(`${base}/users`);
      assert.equal(forbidden?.status(), 403, "viewers get 403 on /users");
      assert.equal(
        await viewer.locator("#add-user-username, table").count(),
        0,
        "no user list for viewers",
      );
      await shoot(viewer, "users-viewer-403");
      expected = [];
      mark("viewer checked");

      // 7. No page logged an error (the favicon 404 aside, see harness.ts).
      assert.deepEqual(report.problems, [], "no console or page errors");
      // Last, so every step above ran and was checked.
      assert.deepEqual(productBugs, [], "product bugs seen on the way");
    } finally {
      if (report.problems.length) {
        console.log(`browser problems:\n  ${report.problems.join("\n  ")}`);
      }
      try {
        try {
          if (pausedNode) Deno.kill(pausedNode.child.pid, "SIGCONT");
        } catch { /* already gone */ }
        await browser?.close();
      } finally {
        try {
          await stack?.close();
        } finally {
          await rtsp?.stop();
        }
      }
      mark("cleaned up");
      console.log(
        `browser test: ${report.messages.length} console messages, ` +
          `${shots.length} screenshots in tests/e2e/screenshots/; timings (ms): ${
            JSON.stringify(timings)
          }`,
      );
    }
  },
});
