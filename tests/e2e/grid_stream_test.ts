/**
 * End to end: the dashboard grid's ONE multiplexed stream. A node agent runs 8
 * demo cameras; `GET /api/streams/live` carries frames of all 8 over one
 * connection, the controller keeps one upstream per camera and drops them
 * after its idle grace once the client leaves. Then, when Chromium is
 * installed, the real dashboard paints every tile from that one stream.
 */
import assert from "node:assert/strict";
import { isJpeg } from "../../lib/mjpeg.ts";
import { MuxParser } from "../../islands/client/multipart.ts";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  eventually,
  startStack,
} from "../support/stack.ts";

const CAMERAS = 8;
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "grid stream: 8 cameras over one connection; upstreams close after; the dashboard paints every tile",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const stack = await startStack({ web: true });
    try {
      await stack.startNodeAgent("grid-node");
      const ids: string[] = [];
      for (let i = 1; i <= CAMERAS; i++) {
        const res = await stack.api("/api/cameras", {
          method: "POST",
          json: {
            name: `Grid ${i}`,
            protocol: "demo",
            resolution: "320x240",
            framerate: 10,
          },
        });
        assert.equal(res.status, 201);
        ids.push((await res.json()).id);
      }

      await t.step(
        "frames of all 8 cameras arrive within 8 s on one connection",
        async () => {
          const ac = new AbortController();
          const started = Date.now();
          const res = await stack.api(
            `/api/streams/live?cameras=${ids.join(",")}`,
            { signal: ac.signal },
          );
          assert.equal(res.status, 200);
          const first = new Map<string, number>();
          const counts = new Map<string, number>();
          let allAt = 0;
          const parser = new MuxParser();
          const reader = res.body!.getReader();
          const deadline = setTimeout(() => ac.abort(), 8000);
          try {
            while (true) {
              const { value, done } = await reader.read();
              if (done) break;
              for (const f of parser.push(value)) {
                assert.ok(ids.includes(f.id), `unexpected camera id ${f.id}`);
                assert.ok(isJpeg(f.jpeg), "every part is a complete JPEG");
                if (!first.has(f.id)) first.set(f.id, Date.now() - started);
                counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
              }
              if (first.size === CAMERAS && !allAt) {
                allAt = Date.now();
                assert.equal(
                  stack.controller.streams.upstreamCount,
                  CAMERAS,
                  "one upstream per camera",
                );
                counts.clear();
              }
              if (allAt && Date.now() - allAt >= 2000) break;
            }
          } catch (e) {
            if (!ac.signal.aborted) throw e;
          } finally {
            clearTimeout(deadline);
            ac.abort();
          }
          const times = [...first.values()].sort((a, b) => a - b);
          console.log(
            `time to first frame, 8 cameras: first ${times[0]} ms, last ${
              times.at(-1)
            } ms; frames per camera in the next 2 s: ${
              [...counts.values()].join(", ")
            }`,
          );
          assert.equal(
            first.size,
            CAMERAS,
            `frames from ${first.size} of ${CAMERAS} cameras within 8 s`,
          );
          assert.ok(times.at(-1)! <= 8000);
          for (const id of ids) {
            assert.ok(
              (counts.get(id) ?? 0) >= 5,
              `camera ${id} kept streaming (${
                counts.get(id) ?? 0
              } frames in 2 s)`,
            );
          }
        },
      );

      await t.step(
        "closing the stream closes every upstream after the idle grace",
        async () => {
          const left = Date.now();
          await eventually(
            () => stack.controller.streams.upstreamCount === 0,
            15000,
            "upstreams to close after the 5 s idle grace",
          );
          console.log(
            `upstreams closed ${Date.now() - left} ms after the client left`,
          );
        },
      );

      await t.step({
        name:
          "the dashboard paints all 8 tiles from one stream, without console errors",
        ignore: !hasChromium,
        async fn() {
          // Only this test needs a browser driver: no project-wide dependency.
          const { chromium } = await import("playwright-core");
          const browser = await chromium.launch({
            executablePath: CHROMIUM,
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
          try {
            const page = await browser.newPage({
              viewport: { width: 1280, height: 1400 },
            });
            const errors: string[] = [];
            const requests: string[] = [];
            page.on("console", (m) => {
              // The dashboard has no favicon yet (not this test's concern).
              if (m.type() === "error" && !/favicon/.test(m.location().url)) {
                errors.push(`${m.text()} (${m.location().url})`);
              }
            });
            page.on("pageerror", (e) => errors.push(String(e)));
            page.on("request", (r) => requests.push(new URL(r.url()).pathname));
            page.on("response", (r) => {
              if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
            });

            // Sign in as the stack's admin: the session cookie lands in this context.
            const login = await page.request.post(
              `${stack.url}/api/auth/login`,
              { data: { username: ADMIN_USER, password: ADMIN_PASSWORD } },
            );
            assert.equal(login.status(), 200, await login.text());

            const started = Date.now();
            await page.goto(`${stack.url}/`);
            await page.waitForSelector(
              'fe-island[data-island="CameraGrid"][data-hydrated]',
            );
            // A tile is painted once its canvas has opaque pixels (it starts transparent).
            const signatures = () =>
              page.evaluate(() =>
                [...document.querySelectorAll<HTMLCanvasElement>(
                  ".tile canvas",
                )]
                  .map((c) => {
                    const d = c.getContext("2d")!
                      .getImageData(0, 0, c.width, c.height).data;
                    let sum = 0;
                    let opaque = 0;
                    for (let i = 0; i < d.length; i += 4 * 97) {
                      sum = (sum * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) |
                        0;
                      if (d[i + 3] === 255) opaque++;
                    }
                    return { w: c.width, opaque, sum };
                  })
              );
            await eventually(
              async () => {
                const s = await signatures();
                return s.length === CAMERAS && s.every((x) => x.opaque > 0);
              },
              15000,
              "every tile to paint",
            );
            const painted = Date.now() - started;
            const a = await signatures();
            const shotA = await page.screenshot();
            await new Promise((r) => setTimeout(r, 1000));
            const b = await signatures();
            const shotB = await page.screenshot();
            const keep = Deno.env.get("GRID_SCREENSHOT"); // e.g. /tmp/grid.png
            if (keep) await Deno.writeFile(keep, shotB);
            console.log(
              `browser: all ${CAMERAS} tiles painted ${painted} ms after navigation`,
            );
            assert.ok(a.every((x) => x.w === 320), "canvases sized to frames");
            for (let i = 0; i < CAMERAS; i++) {
              assert.notEqual(a[i].sum, b[i].sum, `tile ${i + 1} is live`);
            }
            assert.notDeepEqual(shotA, shotB, "the page changes over time");

            const muxRequests = () =>
              requests.filter((p) => p === "/api/streams/live").length;
            assert.equal(muxRequests(), 1, "one multiplexed stream");

            // The page's connections are not used up: an API call answers at once.
            const apiMs = await page.evaluate(async () => {
              const t0 = performance.now();
              const res = await fetch("/api/cameras");
              await res.json();
              return res.ok ? performance.now() - t0 : -1;
            });
            assert.ok(
              apiMs >= 0 && apiMs < 2000,
              `GET /api/cameras took ${apiMs} ms`,
            );

            // A camera added over SSE reopens the stream with it, and it paints.
            const added = await stack.api("/api/cameras", {
              method: "POST",
              json: {
                name: "Grid 9",
                protocol: "demo",
                resolution: "320x240",
                framerate: 10,
              },
            });
            assert.equal(added.status, 201);
            await eventually(
              async () => {
                const s = await signatures();
                return s.length === CAMERAS + 1 && s.every((x) => x.opaque > 0);
              },
              15000,
              "the added camera's tile to paint",
            );
            assert.equal(
              muxRequests(),
              2,
              "the stream was reopened once for the new set",
            );
            const perTile = requests.filter((p) =>
              /^\/api\/cameras\/[^/]+\/(stream|snapshot)$/.test(p)
            );
            assert.deepEqual(
              perTile,
              [],
              "no per-tile connection, hydrated or client-rendered tiles",
            );
            assert.deepEqual(errors, [], "no console errors");

            // Without JavaScript the <noscript> MJPEG images show live views.
            const noJs = await browser.newContext({ javaScriptEnabled: false });
            try {
              await noJs.request.post(`${stack.url}/api/auth/login`, {
                data: { username: ADMIN_USER, password: ADMIN_PASSWORD },
              });
              const p2 = await noJs.newPage();
              await p2.goto(`${stack.url}/`, { waitUntil: "commit" });
              await eventually(
                async () =>
                  await p2.locator(".view img").first().evaluate((el) =>
                    (el as HTMLImageElement).naturalWidth
                  ) > 0,
                15000,
                "a no-JS tile to show its MJPEG stream",
              );
            } finally {
              await noJs.close();
            }
          } finally {
            await browser.close();
          }
        },
      });
      if (!hasChromium) {
        console.log(
          `SKIPPED the browser check: ${CHROMIUM} is missing (apt-get install chromium)`,
        );
      }
    } finally {
      await stack.close();
    }
  },
});
