/**
 * Issue 12's acceptance in a real browser: a new admin talks to an agent
 * about a camera. The stack: the controller with its dashboard, a node
 * agent with a demo camera, the real `falcon agent` processes the controller
 * starts, and a fake OpenAI-compatible server on loopback
 * (tests/support/fake_llm) that asks for `analyze_camera` and then streams
 * its answer slowly enough to watch it arrive.
 *
 * 1. Settings → AI providers: the fake's base URL and key; Check lists its
 *    models;
 * 2. /agents: a new agent by the form (tools ticked, all cameras), Start,
 *    its card goes Running by itself (SSE `agent`);
 * 3. its chat: ask what is on the demo camera → the trace shows
 *    analyze_camera with its result → the answer streams in (seen part way)
 *    and is stored with its token counts; the fake model received a JPEG
 *    from the relay that decodes;
 * 4. reload: the question, the trace and the answer are still there;
 * 5. the camera page's "Ask about this camera" leads to a chat with the
 *    question in the message box.
 *
 * No page logs an error; every field and button has a name. Skipped when
 * /usr/bin/chromium is missing.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import {
  ADMIN_PASSWORD,
  ADMIN_USER,
  eventually,
  type Stack,
  startStack,
} from "../support/stack.ts";
import {
  type FakeLlm,
  jpegInfo,
  probeImage,
  startFakeOpenAI,
} from "../support/fake_llm/mod.ts";
import { unnamedControls } from "./browser/checks.ts";
import {
  allHydrated,
  CHROMIUM,
  hasChromium,
  hydrated,
  launchChromium,
  type Report,
  screenshot,
  signIn,
  watchPage,
} from "./browser/harness.ts";

const KEY = "sk-fake-browser-0123456789";
const MODEL = "fake-vision";
const CAMERA = "Demo Yard";
const AGENT = "Yard watcher";
const ANSWER =
  "On **Demo Yard** I see the test pattern: colour bars and a moving counter. Nobody is there.";
const QUESTION = `What is on the camera ${CAMERA} right now?`;

if (!hasChromium) {
  console.log(
    `SKIPPED tests/e2e/agents_browser_test.ts: ${CHROMIUM} is missing`,
  );
}

Deno.test({
  name:
    "browser: provider set → agent created and started → asked about the demo camera → tool trace, streamed answer, history after reload",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const report: Report = { messages: [], problems: [] };
    const problems: string[] = [];
    let step = "start";
    let stack: Stack | undefined;
    let browser: Browser | undefined;
    let fake: FakeLlm | undefined;
    let page: Page | undefined;
    const started = Date.now();
    const timings: Record<string, number> = {};
    const mark = (what: string) => timings[what] = Date.now() - started;
    try {
      const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
      const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
      let cameraId = "";
      fake = startFakeOpenAI({ apiKey: KEY, models: [MODEL] });
      // Look first, then answer slowly: 3 characters every 40 ms. (The
      // frames follow the tool result as a user message: OpenAI's tool
      // messages hold no images.)
      fake.respond = (req) =>
        req.toolResults.length > 0
          ? { text: ANSWER, chunkSize: 3, chunkDelayMs: 40 }
          : req.tools.some((t) => t.name === "analyze_camera")
          ? {
            toolCalls: [{
              name: "analyze_camera",
              args: { camera_id: cameraId, mode: "snapshot" },
            }],
          }
          : { text: "Hello." };
      const [s, b] = await Promise.all([
        startStack({
          web: true,
          controllerOptions: {
            agentCommand: [
              Deno.execPath(),
              "run",
              "-A",
              "--config",
              config,
              main,
              "agent",
            ],
          },
        }),
        launchChromium(),
      ]);
      stack = s;
      browser = b;
      await s.startNodeAgent("agents-node");
      const made = await s.api("/api/cameras", {
        method: "POST",
        json: {
          name: CAMERA,
          protocol: "demo",
          resolution: "320x240",
          framerate: 5,
        },
      });
      assert.equal(made.status, 201, await made.clone().text());
      cameraId = (await made.json()).id;
      await eventually(
        async () => {
          const c = await (await s.api(`/api/cameras/${cameraId}`)).json();
          return c.status === "online";
        },
        20_000,
        "the demo camera online",
      );
      mark("stack, node, camera, browser");

      const ctx = await browser.newContext({
        viewport: { width: 1280, height: 900 },
      });
      ctx.setDefaultTimeout(20_000);
      const p = await ctx.newPage();
      page = p;
      watchPage(p, report, () => step, () => []);
      const named = async (name: string) => {
        for (const f of await unnamedControls(p)) {
          problems.push(`${name}: ${f} has no accessible name`);
        }
        await screenshot(p, `agents-${name}`);
      };
      const base = s.url;
      step = "sign in";
      await signIn(p, base, ADMIN_USER, ADMIN_PASSWORD);

      // 1. The shared OpenAI-compatible provider, checked.
      step = "providers";
      await p.goto(`${base}/settings`);
      await hydrated(p, "ProvidersForm");
      const card = p.locator(
        'form[aria-labelledby="prov-openai_compatible-h"]',
      );
      await card.locator("#prov-openai_compatible-base_url").fill(fake.baseURL);
      await card.locator("#prov-openai_compatible-key_mode").selectOption(
        "set",
      );
      await card.locator("#prov-openai_compatible-api_key").fill(KEY);
      await card.getByRole("button", { name: /^Check / }).click();
      await card.locator(".check-result").filter({ hasText: MODEL }).waitFor();
      assert.match(
        await card.locator(".check-result").innerText(),
        new RegExp(`^1 model in \\d+ ms: ${MODEL}$`),
      );
      await card.getByRole("button", { name: "Save" }).click();
      await card.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      await named("settings-providers");
      const providers = await (await s.api("/api/providers")).json();
      const compat = providers.providers.find((p: { provider: string }) =>
        p.provider === "openai_compatible"
      );
      assert.equal(compat.base_url, fake.baseURL);
      assert.equal(compat.has_api_key, true);
      assert.ok(
        !JSON.stringify(providers).includes(KEY),
        "the key is not shown",
      );
      mark("provider set and checked");

      // 2. A new agent through the form, started from its card.
      step = "agents";
      await p.getByRole("link", { name: "Agents" }).click();
      await p.waitForURL(`${base}/agents`);
      await hydrated(p, "AgentsAdmin");
      const form = p.locator('form[aria-label="Add an agent"]');
      await form.locator("#add-agent-tool-analyze_camera").waitFor();
      await form.locator("#add-agent-name").fill(AGENT);
      assert.equal(
        await form.locator("#add-agent-slug").inputValue(),
        "yard-watcher",
      );
      await form.locator("#add-agent-provider").selectOption(
        "openai_compatible",
      );
      await form.locator("#add-agent-model").fill(MODEL);
      await form.locator("#add-agent-tool-analyze_camera").check();
      await form.getByRole("button", { name: "Add agent" }).click();
      const agentCard = p.locator("li.card", {
        has: p.getByRole("heading", { name: AGENT }),
      });
      await agentCard.waitFor();
      await agentCard.getByRole("button", { name: `Start ${AGENT}` }).click();
      await agentCard.locator(".badge", { hasText: "Running" }).waitFor({
        timeout: 60_000,
      });
      await named("agents");
      const agents = await (await s.api("/api/agents")).json();
      const agent = agents.agents.find((a: { name: string }) =>
        a.name === AGENT
      );
      assert.ok(agent, JSON.stringify(agents));
      assert.ok(agent.tools.includes("analyze_camera"));
      assert.equal(agent.camera_ids, null, "all cameras");
      mark("agent created and running");

      // 3. Its chat: the question, the tool, the answer streaming in.
      step = "chat";
      await agentCard.getByRole("link", { name: `Chat with ${AGENT}` }).click();
      await p.waitForURL(`${base}/agents/${agent.id}/chat`);
      await hydrated(p, "AgentChat");
      await p.getByRole("heading", { name: `Chat with ${AGENT}` }).waitFor();
      await p.fill("#chat-input", QUESTION);
      const send = p.getByRole("button", { name: "Send" });
      await send.click();
      const trace = p.locator(".trace li", { hasText: "analyze_camera" });
      await trace.waitFor({ timeout: 60_000 });
      mark("tool call shown");
      // Part of the answer while it is still being written.
      const streaming = p.locator(".md.streaming");
      await streaming.waitFor({ timeout: 30_000 });
      const partial = await streaming.innerText();
      assert.ok(
        partial.length > 0 && partial.length < ANSWER.length - 10,
        `streamed part way: ${JSON.stringify(partial)}`,
      );
      assert.equal(
        await p.locator("button[type=submit]", { hasText: /Send|Answering/ })
          .isDisabled(),
        true,
        "Send waits while the turn runs",
      );
      const answer = p.locator(".msg.bot .md", {
        hasText: "Nobody is there.",
      });
      await answer.waitFor({ timeout: 30_000 });
      mark("answer stored");
      assert.equal(
        await answer.locator("strong").innerText(),
        CAMERA,
        "markdown rendered",
      );
      assert.match(await trace.innerText(), /analyze_camera[\s\S]*\d+ ms/);
      assert.match(
        await p.locator(".msg.bot .tokens").last().innerText(),
        /^[\d,]+ in · [\d,]+ out tokens$/,
      );
      await named("chat");

      // The model was shown a real frame of the camera.
      const seen = fake.requests.flatMap((r) => r.images);
      assert.ok(seen.length >= 1, "the fake model received an image");
      const info = jpegInfo(seen[0].bytes);
      assert.ok(info, "a JPEG");
      const probed = await probeImage(seen[0].bytes);
      assert.equal(probed.codec, "mjpeg");
      assert.ok(probed.width > 0 && probed.height > 0, JSON.stringify(probed));

      // 4. After a reload the conversation is still there.
      step = "reload";
      await p.reload();
      await hydrated(p, "AgentChat");
      await p.locator(".msg.user", { hasText: QUESTION }).waitFor();
      await p.locator(".trace li", { hasText: "analyze_camera" }).waitFor();
      await p.locator(".msg.bot .md", { hasText: "Nobody is there." })
        .waitFor();
      assert.equal(await p.locator(".md.streaming").count(), 0);
      assert.ok(new URL(p.url()).searchParams.get("session"));
      await named("chat-reloaded");
      mark("history after reload");

      // 5. From the camera page, the question comes along.
      step = "ask";
      await p.goto(`${base}/cameras/${cameraId}`);
      await allHydrated(p);
      await p.getByRole("link", { name: "Ask about this camera" }).click();
      await p.waitForURL(/\/agents\/ask\?|\/agents\/[\w-]+\/chat\?/);
      if (new URL(p.url()).pathname === "/agents/ask") {
        // The main agent (made when the provider was set) and ours.
        await named("ask-chooser");
        await p.getByRole("link", { name: AGENT }).click();
      }
      await hydrated(p, "AgentChat");
      assert.match(
        await p.locator("#chat-input").inputValue(),
        new RegExp(`“${CAMERA}” \\(id ${cameraId}\\)`),
      );
      mark("ask about this camera");

      assert.deepEqual(report.problems, [], "no console or page errors");
      assert.deepEqual(problems, [], "every field and button is named");
    } catch (e) {
      if (page) await screenshot(page, "agents-failure").catch(() => {});
      console.log(`console: ${report.messages.slice(-20).join("\n  ")}`);
      // What the agents were doing, for the failure's reader.
      const list = await stack?.api("/api/agents").then((r) => r.json())
        .catch(() => null);
      for (const a of list?.agents ?? []) {
        console.log(`agent ${a.name}: ${JSON.stringify(a.status)}`);
      }
      throw e;
    } finally {
      if (report.problems.length) {
        console.log(
          `browser problems (${step}):\n  ${report.problems.join("\n  ")}`,
        );
      }
      try {
        await browser?.close();
      } finally {
        try {
          await stack?.close();
        } finally {
          await fake?.close();
        }
      }
      console.log(
        `agents browser test timings (ms): ${JSON.stringify(timings)}`,
      );
    }
  },
});
