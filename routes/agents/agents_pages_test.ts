/**
 * The agents pages: `/agents`, `/agents/{id}/chat`, `/agents/ask`, the
 * camera page's "Ask about this camera" and Settings → AI providers — who
 * may open them, what they load (the markdown parser on the chat page
 * only), labelled fields, and the islands' parts in the states only the
 * browser reaches (agents listed, a form filled, a turn streaming, a check
 * answered), including model output that tries to inject HTML.
 */
import {
  assertLabelled,
  assets,
  mountTestDashboard,
  pageGzipBytes,
  scriptSrcs,
} from "../../tests/support/dashboard.ts";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { h, type VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import type {
  AgentChoice,
  CameraView,
  DashboardDeps,
  WebUser,
} from "../../controller/web/types.ts";
import type { Agent } from "../../lib/api/agents.ts";
import { DEFAULT_LIMITS, PROVIDERS } from "../../lib/api/agents.ts";
import type { ChatMessage, Turn } from "../../lib/api/chat.ts";
import type { ToolInfo } from "../../lib/api/tools.ts";
import {
  AgentCard,
  AgentForm,
  CameraGrants,
  ToolChecks,
} from "../../islands/AgentsAdmin.tsx";
import { ChatItem, Media } from "../../islands/AgentChat.tsx";
import { ProviderCard } from "../../islands/ProvidersForm.tsx";
import {
  agentValues,
  LIMIT_DEFAULTS,
  PROVIDER_CHOICES,
} from "../../islands/client/agent_form.ts";
import { cameraQuestion, chatUrl } from "./ask.tsx";

const ADMIN: WebUser = {
  id: "u-a",
  username: "ada",
  role: "admin",
  csrf: "c-a",
};
const VIEWER: WebUser = {
  id: "u-v",
  username: "vic",
  role: "viewer",
  csrf: "c-v",
};

const CAMERA: CameraView = {
  id: "11111111-1111-4111-8111-111111111111",
  name: "Yard <i>",
  protocol: "demo",
  location: null,
  source_url: "demo://",
  device_path: null,
  node_name: null,
  assigned_node: null,
  resolution: "640x480",
  framerate: 15,
  status: "online",
  error_message: null,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

const AGENT: Agent = {
  id: "aaaaaaaa-1111-4111-8111-111111111111",
  name: "Main",
  slug: "main",
  provider: "openai_compatible",
  model: "llava:13b",
  base_url: "http://127.0.0.1:11434/v1",
  has_api_key: true,
  system_prompt: "You watch cameras.",
  temperature: 0.2,
  max_tokens: 1024,
  step_limit: 12,
  context_window: null,
  limits: { ...DEFAULT_LIMITS },
  tools: ["list_cameras", "analyze_camera"],
  camera_ids: null,
  is_main: true,
  desired: "running",
  status: {
    state: "running",
    restarts: 2,
    started_at: "2026-12-07T09:00:00.000Z",
    last_exit: {
      code: 1,
      signal: null,
      at: "2026-12-07T08:59:58.000Z",
      stderr_tail: "Error: <boom>",
    },
    message: null,
  },
  usage_today: { prompt_tokens: 1200, completion_tokens: 34 },
  created_at: "2026-12-01T00:00:00.000Z",
  updated_at: "2026-12-07T09:00:00.000Z",
};
const HELPER: Agent = {
  ...AGENT,
  id: "bbbbbbbb-2222-4222-8222-222222222222",
  name: "Helper",
  slug: "helper",
  is_main: false,
  desired: "stopped",
  has_api_key: false,
  camera_ids: [CAMERA.id],
  status: {
    state: "stopped",
    restarts: 0,
    started_at: null,
    last_exit: null,
    message: null,
  },
};

const TOOLS: ToolInfo[] = [
  {
    name: "list_cameras",
    description: "Lists the cameras you may see.",
    category: "cameras",
    parameters: {},
    writes: false,
  },
  {
    name: "start_recording",
    description: "Starts recording a camera.",
    category: "recordings",
    parameters: {},
    writes: true,
  },
];

function app(user: WebUser | null, over: Partial<DashboardDeps> = {}): Hono {
  const deps: DashboardDeps = {
    user: () => Promise.resolve(user),
    setupRequired: () => Promise.resolve(false),
    listCameras: () => Promise.resolve([CAMERA]),
    listNodes: () => Promise.resolve([]),
    cameraExists: (id) => Promise.resolve(id === CAMERA.id),
    ...over,
  };
  const a = new Hono();
  mountTestDashboard(a, deps, assets);
  return a;
}

async function get(
  user: WebUser | null,
  path: string,
  over: Partial<DashboardDeps> = {},
) {
  const res = await app(user, over).request(path);
  const html = (await res.text()).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
  return { status: res.status, html, res };
}

// deno-lint-ignore no-explicit-any
const html = (v: VNode<any>) =>
  renderToString(v).replace(/\s+>/g, ">").replace(/ {2,}/g, " ");
const noop = () => {};

function islandProps(page: string, name: string): Record<string, unknown> {
  const m = new RegExp(
    `<fe-island data-island="${name}"[^>]*>[\\s\\S]*?</fe-island><script type="application/json" data-island-props(?:="")?>([^<]*)</script>`,
  ).exec(page);
  assert.ok(m, `${name} props`);
  return JSON.parse(m[1]);
}

const listAgents = (agents: AgentChoice[]) => () => Promise.resolve(agents);

Deno.test("/agents and /agents/{id}/chat: admins only, in the nav, each loading only its island", async () => {
  const chatPath = `/agents/${AGENT.id}/chat`;
  for (
    const [path, island, title] of [
      ["/agents", "AgentsAdmin", "Agents"],
      [chatPath, "AgentChat", "Chat"],
    ]
  ) {
    const { status, html: page, res } = await get(ADMIN, path);
    assert.equal(status, 200, path);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.ok(page.includes(`<title>${title} · Falcon-Eye</title>`), path);
    assert.match(page, /<a href="\/agents" aria-current="page">Agents<\/a>/);
    assert.deepEqual(scriptSrcs(page), [
      assets.bootUrl,
      assets.islandUrl(island),
      assets.islandUrl("UserMenu"),
    ]);
    const js = await pageGzipBytes(page);
    console.log(`${path}: ${js.files} files, ${js.gzip} B gzip`);
    // The chat page carries the markdown parser (~22 KB gzip) on top of preact.
    assert.ok(
      js.gzip <= (island === "AgentChat" ? 50 : 30) * 1024,
      `${path}: ${js.gzip}`,
    );

    const viewer = await get(VIEWER, path);
    assert.equal(viewer.status, 403, `${path} as viewer`);
    assert.ok(!viewer.html.includes(`data-island="${island}"`));
    const anon = await app(null).request(path);
    assert.equal(anon.status, 303);
    assert.equal(
      anon.headers.get("location"),
      `/login?next=${encodeURIComponent(path)}`,
    );
    await anon.body?.cancel();
  }
  assert.ok(
    !(await get(VIEWER, "/")).html.includes('href="/agents"'),
    "not in a viewer's nav",
  );
  assert.deepEqual(
    islandProps((await get(ADMIN, "/agents")).html, "AgentsAdmin"),
    {
      cameras: [{ id: CAMERA.id, name: CAMERA.name }],
    },
  );
});

Deno.test("the markdown parser ships with the chat page only; the grid's JS is unchanged by it", async () => {
  const withMicromark = [...assets.files].filter(([, f]) =>
    f.sources.some((s) => s.includes("micromark"))
  ).map(([u]) => u);
  assert.ok(withMicromark.length > 0, "the chat bundles micromark");
  const chat = await pageGzipBytes(
    (await get(ADMIN, `/agents/${AGENT.id}/chat`)).html,
  );
  for (const u of withMicromark) assert.ok(chat.urls.includes(u), u);
  for (
    const path of [
      "/",
      `/cameras/${CAMERA.id}`,
      "/agents",
      "/settings",
      "/recordings",
    ]
  ) {
    const { urls } = await pageGzipBytes(
      (await get(ADMIN, path, { listAgents: listAgents([AGENT]) })).html,
    );
    for (const u of withMicromark) {
      assert.ok(!urls.includes(u), `${path} loads the markdown parser (${u})`);
    }
  }
});

Deno.test("the chat page passes the agent, a valid ?session and a capped ?ask to its island", async () => {
  const session = "cccccccc-3333-4333-8333-333333333333";
  const ask = "What is on <b>Yard</b>?";
  const { html: page } = await get(
    ADMIN,
    `/agents/${AGENT.id}/chat?session=${session}&ask=${
      encodeURIComponent(ask)
    }`,
  );
  assert.deepEqual(islandProps(page, "AgentChat"), {
    agentId: AGENT.id,
    ask,
    sessionId: session,
  });
  assert.ok(!page.includes("<b>Yard</b>"), "the question is escaped");
  const bad = await get(ADMIN, `/agents/${AGENT.id}/chat?session=../x`);
  assert.equal(islandProps(bad.html, "AgentChat").sessionId, null);
  const long = await get(
    ADMIN,
    `/agents/${AGENT.id}/chat?ask=${"x".repeat(20_000)}`,
  );
  assert.equal(
    (islandProps(long.html, "AgentChat").ask as string).length,
    16_384,
  );
  // Server-rendered: the message box with its label, Send, the sessions.
  assertLabelled(page, "chat");
  assert.match(page, /<label for="chat-input">Message<\/label>/);
  assert.match(
    page,
    /<textarea id="chat-input" rows="3" maxlength="16384">What is on &lt;b>Yard&lt;\/b>\?<\/textarea>/,
  );
  assert.match(page, /<button type="submit" class="primary">Send<\/button>/);
  assert.match(page, /New session<\/button>/);
});

Deno.test("Ask about this camera: admins get the link; one agent → its chat with the question, several → a chooser", async () => {
  const cam = await get(ADMIN, `/cameras/${CAMERA.id}`);
  assert.ok(
    cam.html.includes(
      `<a class="button" href="/agents/ask?camera=${CAMERA.id}">Ask about this camera</a>`,
    ),
  );
  assert.ok(
    !(await get(VIEWER, `/cameras/${CAMERA.id}`)).html.includes("Ask about"),
    "viewers cannot chat",
  );

  const q = cameraQuestion(CAMERA);
  assert.equal(
    q,
    `What is on the camera “Yard <i>” (id ${CAMERA.id}) right now?`,
  );
  const one = await app(ADMIN, { listAgents: listAgents([AGENT]) }).request(
    `/agents/ask?camera=${CAMERA.id}`,
  );
  assert.equal(one.status, 303);
  assert.equal(one.headers.get("location"), chatUrl(AGENT.id, q));
  assert.equal(
    new URL(one.headers.get("location")!, "http://x").searchParams.get("ask"),
    q,
  );
  await one.body?.cancel();

  const many = await get(ADMIN, `/agents/ask?camera=${CAMERA.id}`, {
    listAgents: listAgents([HELPER, AGENT]),
  });
  assert.equal(many.status, 200);
  assert.ok(many.html.includes("<title>Ask an agent · Falcon-Eye</title>"));
  assert.ok(many.html.includes("Ask about “Yard &lt;i>”"));
  const links = [
    ...many.html.matchAll(/<a class="button" href="([^"]+)">([^<]+)</g),
  ]
    .map((m) => [m[1].replaceAll("&amp;", "&"), m[2]]);
  assert.deepEqual(links, [
    [chatUrl(AGENT.id, q), "Main (main)"],
    [chatUrl(HELPER.id, q), "Helper"],
  ], "the main agent first");
  assert.ok(many.html.includes('<span class="mut">stopped</span>'));
  assert.equal(scriptSrcs(many.html).length, 2, "boot + user menu only");

  const none = await get(ADMIN, "/agents/ask", { listAgents: listAgents([]) });
  assert.match(none.html, /No agent yet/);
  const unknown = await get(ADMIN, "/agents/ask?camera=nope", {
    listAgents: listAgents([AGENT, HELPER]),
  });
  assert.match(unknown.html, /There is no camera <code>nope<\/code>/);
  assert.ok(unknown.html.includes(`href="${chatUrl(AGENT.id, null)}"`));
  const off = await get(ADMIN, "/agents/ask");
  assert.match(off.html, /This controller does not run agents/);
  assert.equal((await get(VIEWER, "/agents/ask")).status, 403);
});

Deno.test("Settings shows AI providers when the controller runs agents", async () => {
  const settings = () =>
    Promise.resolve({
      settings: {},
      defaults: {},
      updated: {},
      fields: [],
    } as unknown as Awaited<
      ReturnType<NonNullable<DashboardDeps["settings"]>>
    >);
  const on = await get(ADMIN, "/settings", {
    settings,
    listAgents: listAgents([]),
  });
  assert.match(on.html, /<h2 id="providers-h">AI providers<\/h2>/);
  assert.ok(scriptSrcs(on.html).includes(assets.islandUrl("ProvidersForm")));
  const js = await pageGzipBytes(on.html);
  console.log(`/settings with providers: ${js.files} files, ${js.gzip} B gzip`);
  assert.ok(js.gzip <= 30 * 1024);
  const off = await get(ADMIN, "/settings", { settings });
  assert.ok(!off.html.includes("providers-h"));
});

Deno.test("AgentCard: status, restarts, last exit with its output, usage; actions by state; main cannot be deleted", () => {
  const card = html(
    h(AgentCard, {
      agent: AGENT,
      onChanged: noop,
      onRemoved: noop,
      onEdit: noop,
      editing: false,
    }),
  );
  assert.ok(card.includes('<span class="badge s-online">Running</span>'));
  assert.ok(card.includes("2 restarts · up since 2026-12-07 09:00:00 UTC"));
  assert.ok(card.includes("code 1 at 2026-12-07 08:59:58 UTC"));
  assert.ok(card.includes("Error: &lt;boom>"), "stderr escaped");
  assert.ok(card.includes("1,234 of 200,000 tokens today"));
  assert.ok(card.includes("Own key set"));
  assert.ok(card.includes(`href="/agents/${AGENT.id}/chat"`));
  assert.ok(card.includes('aria-label="Stop Main"'));
  assert.ok(card.includes('aria-label="Restart Main"'));
  assert.ok(!card.includes('aria-label="Start Main"'));
  assert.ok(!card.includes("Delete"), "the main agent has no Delete");
  assert.ok(card.includes("<dd>All cameras</dd>"));

  const helper = html(
    h(AgentCard, {
      agent: HELPER,
      onChanged: noop,
      onRemoved: noop,
      onEdit: noop,
      editing: false,
    }),
  );
  assert.ok(helper.includes('<span class="badge s-offline">Stopped</span>'));
  assert.ok(helper.includes('aria-label="Start Helper"'));
  assert.ok(helper.includes('aria-label="Delete Helper"'));
  assert.ok(helper.includes("Shared key of the provider"));
  assert.ok(helper.includes("<dd>1 chosen</dd>"));
  const confirm = html(
    h(AgentCard, {
      agent: HELPER,
      onChanged: noop,
      onRemoved: noop,
      onEdit: noop,
      editing: false,
      confirming: true,
    }),
  );
  assert.match(
    confirm,
    /Delete “Helper” and all its chats\?<\/span><button type="button" class="danger">Yes, delete<\/button><button type="button">No<\/button>/,
  );
});

Deno.test("AgentForm: labelled fields, write-only key choices, tools with descriptions, camera grants", () => {
  const add = html(
    h(AgentForm, {
      agent: null,
      tools: TOOLS,
      cameras: [CAMERA],
      onSaved: noop,
    }),
  );
  const n = assertLabelled(add, "add form");
  assert.ok(n >= 15, `${n} fields`);
  for (
    const f of [
      "name",
      "slug",
      "provider",
      "model",
      "base_url",
      "key_mode",
      "system_prompt",
      "temperature",
      "max_tokens",
      "step_limit",
      "context_window",
      "tokens_per_day",
      "tool_timeout_s",
      "llm_timeout_s",
    ]
  ) assert.ok(add.includes(`id="add-agent-${f}"`), f);
  assert.ok(!add.includes('type="password"'), "no key box until Set is chosen");
  assert.match(
    add,
    /<option value="keep" selected>Use the shared key<\/option><option value="set">Set a key for this agent<\/option><\/select>/,
  );
  for (const c of PROVIDER_CHOICES) {
    assert.ok(add.includes(`value="${c.value}"`));
  }
  // Read-only tools are ticked for a new agent; tools that change things are not.
  assert.match(
    add,
    /<input type="checkbox" id="add-agent-tool-list_cameras" checked/,
  );
  assert.match(
    add,
    /<input type="checkbox" id="add-agent-tool-start_recording" aria-describedby/,
  );
  assert.ok(add.includes("Lists the cameras you may see."));
  assert.ok(add.includes('<span class="warn">changes things</span>'));
  assert.ok(add.includes("All cameras, also ones added later"));
  assert.ok(add.includes("Yard &lt;i></label>"));
  assert.ok(add.includes(`placeholder="${LIMIT_DEFAULTS.tokens_per_day}"`));

  const edit = html(
    h(AgentForm, {
      agent: AGENT,
      tools: TOOLS,
      cameras: [CAMERA],
      onSaved: noop,
      onCancel: noop,
      initial: { ...agentValues(AGENT), key_mode: "set" },
    }),
  );
  assertLabelled(edit, "edit form");
  assert.match(
    edit,
    /<option value="keep">Keep the current key<\/option><option value="set" selected>Replace the key<\/option><option value="clear">Clear it \(use the shared key\)<\/option>/,
  );
  assert.match(
    edit,
    /<input id="edit-[^"]+-api_key" type="password" autocomplete="off" placeholder="Paste the key" value=""/,
  );
  assert.ok(
    edit.includes(">You watch cameras.</textarea>"),
    "the prompt shows",
  );
  assert.ok(
    edit.includes("<code>main</code>"),
    "the slug is shown, not editable",
  );
  assert.ok(!edit.includes(`id="edit-${AGENT.id}-slug"`));
  assert.ok(edit.includes(`value="${AGENT.model}"`));
  assert.ok(edit.includes("Also granted, no longer offered: analyze_camera"));
});

Deno.test("ToolChecks and CameraGrants: chosen cameras only when not all", () => {
  const tools = html(
    h(ToolChecks, {
      idPrefix: "t",
      tools: TOOLS,
      chosen: ["start_recording"],
      error: "unknown tool: x",
      onChange: noop,
    }),
  );
  assert.match(tools, /<input type="checkbox" id="t-start_recording" checked/);
  assert.ok(tools.includes('role="alert">unknown tool: x</p>'));
  assert.ok(tools.includes("<h4>cameras</h4>"));
  const some = html(
    h(CameraGrants, {
      idPrefix: "g",
      cameras: [CAMERA],
      all: false,
      chosen: [],
      onChange: noop,
    }),
  );
  assertLabelled(some, "grants");
  assert.match(some, /<input type="radio" id="g-some" name="g-scope" checked/);
  assert.match(
    some,
    new RegExp(`<input type="checkbox" id="g-${CAMERA.id}"/?>`),
  );
  const all = html(
    h(CameraGrants, {
      idPrefix: "g",
      cameras: [CAMERA],
      all: true,
      chosen: [],
      onChange: noop,
    }),
  );
  assert.match(all, new RegExp(`id="g-${CAMERA.id}" disabled checked`));
});

function message(over: Partial<ChatMessage>): ChatMessage {
  return {
    id: "m1",
    session_id: "s1",
    turn_id: "t1",
    role: "assistant",
    content: "",
    tool_calls: [],
    tool_call_id: null,
    tool_name: null,
    source: "dashboard",
    source_user: null,
    automated: false,
    media: [],
    prompt_tokens: null,
    completion_tokens: null,
    created_at: "2026-12-07T10:02:03.000Z",
    ...over,
  };
}

Deno.test("ChatItem: model output as safe markdown; injection payloads stay text; tokens and media shown", () => {
  const payloads = [
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "<script>alert(1)</script>",
    "![x](https://evil.example/leak.png?k=1)",
  ];
  const out = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "message",
        message: message({
          content: `**Car** at the gate.\n\n${payloads.join("\n\n")}`,
          prompt_tokens: 1200,
          completion_tokens: 34,
          media: [
            {
              kind: "image",
              url: "/api/files/read/agents/main/yard.jpg",
              mime: "image/jpeg",
              caption: "Yard 10:02",
            },
            {
              kind: "video",
              url: "/api/recordings/r1/download",
              mime: "video/mp4",
              caption: "Clip",
            },
            {
              kind: "image",
              url: "https://evil.example/x.jpg",
              mime: "image/jpeg",
              caption: "not ours",
            },
          ],
        }),
      },
    }),
  );
  assert.ok(out.includes("<strong>Car</strong>"));
  assert.doesNotMatch(out, /<script/i);
  assert.doesNotMatch(out, /<img[^>]*onerror/i);
  assert.doesNotMatch(out, /href="javascript:/i);
  assert.doesNotMatch(out, /<img[^>]*evil\.example/);
  assert.ok(out.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(out.includes("<a>click</a>"));
  assert.ok(out.includes("1,200 in · 34 out tokens"));
  assert.match(
    out,
    /<img src="\/api\/files\/read\/agents\/main\/yard\.jpg" alt="Yard 10:02" loading="lazy"/,
  );
  assert.match(
    out,
    /<video src="\/api\/recordings\/r1\/download" controls preload="metadata"/,
  );
  assert.ok(!out.includes("not ours"), "media from elsewhere is not shown");
  assert.ok(
    out.includes('<time datetime="2026-12-07T10:02:03.000Z">10:02 UTC</time>'),
  );

  // The user's own words are text, not markdown.
  const mine = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "message",
        message: message({ role: "user", content: "**hi** <b>x</b>" }),
      },
    }),
  );
  assert.ok(mine.includes('<p class="plain">**hi** &lt;b>x&lt;/b></p>'));
  const note = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "message",
        message: message({ role: "note", content: "The agent stopped." }),
      },
    }),
  );
  assert.match(
    note,
    /<li class="msg note" role="note"><p>The agent stopped\.<\/p>/,
  );
  assert.equal(html(h(Media, { media: [] })), "");
});

function turn(over: Partial<Turn>): Turn {
  return {
    id: "t1",
    session_id: "s1",
    agent_id: AGENT.id,
    status: "running",
    error: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    tools: [],
    created_at: "2026-12-07T10:02:03.000Z",
    started_at: null,
    finished_at: null,
    ...over,
  };
}

Deno.test("a turn in the page: tool trace as it runs, streamed markdown, errors as errors", () => {
  const running = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "turn",
        turn: turn({}),
        tools: [
          {
            call_id: "c1",
            name: "analyze_camera",
            args: { camera_id: CAMERA.id },
            summary: "1 frame of Yard",
            ms: 412,
            error: null,
          },
          {
            call_id: "c2",
            name: "camera_status",
            args: {},
            summary: null,
            ms: null,
            error: null,
          },
          {
            call_id: "c3",
            name: "list_recordings",
            args: {},
            summary: null,
            ms: 60_000,
            error: "timed out after 60 s",
          },
        ],
        text: "A <script>x</script> **red",
      },
    }),
  );
  assert.match(
    running,
    /<li><code>analyze_camera<\/code><code class="args">\{&quot;camera_id&quot;:&quot;11111111-1111-4111-8111-111111111111&quot;\}<\/code><span>→ 1 frame of Yard<\/span><span class="mut">412 ms<\/span><\/li>/,
  );
  assert.match(
    running,
    /<code>camera_status<\/code><span class="mut">running…<\/span>/,
  );
  assert.match(
    running,
    /<li class="t-err"><code>list_recordings<\/code><span class="err">failed: timed out after 60 s<\/span>/,
  );
  assert.ok(running.includes('<div class="md streaming">'));
  assert.ok(running.includes("A &lt;script&gt;x&lt;/script&gt; **red"));

  const failed = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "turn",
        turn: turn({
          status: "failed",
          error: {
            kind: "tokens_per_day",
            message: "Main used its 200000 tokens for today",
          },
        }),
        tools: [],
        text: "",
      },
    }),
  );
  assert.match(
    failed,
    /<div class="turn-err" role="alert"><p><strong>Daily token limit reached\.<\/strong> Main used its 200000 tokens for today<\/p>/,
  );
  assert.ok(!failed.includes('class="md'), "no answer text");
  const queued = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "turn",
        turn: turn({ status: "queued" }),
        tools: [],
        text: "",
      },
    }),
  );
  assert.ok(queued.includes("Waiting for the agent…"));
  const interrupted = html(
    h(ChatItem, {
      agentName: "Main",
      entry: {
        kind: "turn",
        turn: turn({ status: "interrupted" }),
        tools: [],
        text: "",
      },
    }),
  );
  assert.ok(interrupted.includes("Interrupted: this answer was not finished."));
});

Deno.test("ProviderCard: base URL, write-only key, Check with the models or the error", () => {
  const saved = {
    provider: "openai" as const,
    base_url: null,
    has_api_key: true,
    updated_at: "2026-12-07T09:00:00.000Z",
  };
  const ok = html(
    h(ProviderCard, {
      saved,
      onSaved: noop,
      checked: {
        ok: true,
        result: {
          provider: "openai",
          models: ["gpt-4o", "gpt-4o-mini"],
          ms: 120,
        },
      },
    }),
  );
  assertLabelled(ok, "provider card");
  assert.ok(ok.includes('<h3 id="prov-openai-h">OpenAI</h3>'));
  assert.ok(ok.includes("Key: set · changed 2026-12-07 09:00:00 UTC"));
  assert.match(
    ok,
    /<option value="keep" selected>Keep the current key<\/option><option value="set">Replace the key<\/option><option value="clear">Clear the key<\/option>/,
  );
  assert.ok(ok.includes('aria-label="Check OpenAI: list its models"'));
  assert.ok(ok.includes("2 models in 120 ms: gpt-4o, gpt-4o-mini"));
  const bad = html(
    h(ProviderCard, {
      saved: { ...saved, provider: "openai_compatible", has_api_key: false },
      onSaved: noop,
      checked: { ok: false, error: "Connection refused by 127.0.0.1:11434" },
    }),
  );
  assert.ok(
    bad.includes(
      'role="alert">Check failed: Connection refused by 127.0.0.1:11434</p>',
    ),
  );
  assert.ok(bad.includes("Ollama http://localhost:11434/v1"));
  assert.match(bad, /<option value="keep" selected>No key<\/option>/);
});

Deno.test("the form's constants match the contract", () => {
  assert.deepEqual(PROVIDER_CHOICES.map((c) => c.value), [...PROVIDERS]);
  assert.deepEqual(LIMIT_DEFAULTS, DEFAULT_LIMITS);
});
