import assert from "node:assert/strict";
import { isOwnMedia, renderMarkdown } from "./markdown.ts";

/** Tags and attributes that would run script or load something by themselves. */
function assertInert(html: string, payload: string): void {
  assert.doesNotMatch(html, /<script/i, `${payload}: a script tag`);
  assert.doesNotMatch(
    html,
    /<(img|iframe|svg|object|embed|style|form|input)\b(?![^>]*src="\/api\/)/i,
    `${payload}: ${html}`,
  );
  assert.doesNotMatch(
    html,
    /<[a-z][^>]*\son\w+\s*=/i,
    `${payload}: an event handler attribute: ${html}`,
  );
  assert.doesNotMatch(
    html,
    /href="\s*(javascript|vbscript|data):/i,
    `${payload}: ${html}`,
  );
}

Deno.test("renderMarkdown: raw HTML comes out as text", () => {
  const payloads = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    'Hi <b onmouseover="alert(1)">there</b>',
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    "`ok` <style>body{display:none}</style>",
    '<a href="javascript:alert(1)">click</a>',
    "<!-- x --><img src=1 onerror=alert(1)//>",
  ];
  for (const p of payloads) {
    const html = renderMarkdown(p);
    assertInert(html, p);
    assert.ok(html.includes("&lt;"), `${p} is escaped: ${html}`);
  }
  assert.equal(
    renderMarkdown("<img src=x onerror=alert(1)>"),
    "&lt;img src=x onerror=alert(1)&gt;",
  );
  assert.equal(
    renderMarkdown("<script>alert(1)</script>"),
    "&lt;script&gt;alert(1)&lt;/script&gt;",
  );
});

Deno.test("renderMarkdown: links keep only safe URLs and open other sites in a new tab", () => {
  for (
    const p of [
      "[x](javascript:alert(1))",
      "[x](JaVaScRiPt:alert(1))",
      "[x](  javascript:alert(1) )",
      "[x](java\tscript:alert(1))",
      "[x](vbscript:msgbox(1))",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "<javascript:alert(1)>",
      "[x][r]\n\n[r]: javascript:alert(1)",
    ]
  ) {
    const html = renderMarkdown(p);
    assertInert(html, p);
    assert.doesNotMatch(html, /href="[^"]+script/i, `${p}: ${html}`);
  }
  assert.equal(
    renderMarkdown("[x](javascript:alert(1))"),
    "<p><a>x</a></p>",
    "a dropped URL leaves no link",
  );
  assert.equal(
    renderMarkdown("[docs](https://example.com/a?b=1&c=2)"),
    '<p><a rel="noopener noreferrer nofollow" target="_blank" href="https://example.com/a?b=1&amp;c=2">docs</a></p>',
  );
  // Quotes in a URL cannot break out of the attribute.
  const q = renderMarkdown('[q](https://a.example/"onmouseover="alert(1))');
  assertInert(q, "quote in URL");
  assert.ok(q.includes('href="https://a.example/%22onmouseover=%22alert(1)"'));
  // Same-origin links stay in the tab.
  assert.equal(
    renderMarkdown("[all](/recordings)"),
    '<p><a href="/recordings">all</a></p>',
  );
  // Bare URLs become links too, with the same attributes.
  assert.match(
    renderMarkdown("see www.example.org"),
    /<a rel="noopener noreferrer nofollow" target="_blank" href="http:\/\/www\.example\.org">www\.example\.org<\/a>/,
  );
});

Deno.test("renderMarkdown: images only from the dashboard's media paths; others become links", () => {
  assert.equal(
    renderMarkdown("![door](/api/files/read/agents/main/snap.jpg)"),
    '<p><img loading="lazy" src="/api/files/read/agents/main/snap.jpg" alt="door" /></p>',
  );
  const external = renderMarkdown(
    '![pixel](https://evil.example/p.png?leak=secret "t")',
  );
  assert.equal(
    external,
    '<p><a rel="noopener noreferrer nofollow" target="_blank" href="https://evil.example/p.png?leak=secret">pixel</a></p>',
  );
  assert.equal(
    renderMarkdown("![x](javascript:alert(1))"),
    "<p>x</p>",
    "an image with a dropped URL is its text",
  );
  assert.equal(
    renderMarkdown("![](//evil.example/x.png)").includes("<img"),
    false,
  );
  assert.ok(isOwnMedia("/api/cameras/abc-1/snapshot"));
  assert.ok(!isOwnMedia("//api/files/read/x"));
  assert.ok(!isOwnMedia("/api/cameras/abc/stream"));
});

Deno.test("renderMarkdown: the usual formatting, GFM tables and strikethrough", () => {
  assert.equal(
    renderMarkdown("**bold** _it_ ~~gone~~ `code`"),
    "<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>code</code></p>",
  );
  assert.match(
    renderMarkdown("| cam | state |\n|---|---|\n| Door | online |"),
    /<table>\n<thead>\n<tr>\n<th>cam<\/th>[\s\S]*<td>online<\/td>/,
  );
  assert.equal(
    renderMarkdown("```\n<script>\n```"),
    "<pre><code>&lt;script&gt;\n</code></pre>",
  );
  // No task-list checkboxes (unlabelled inputs) and no footnote ids.
  assert.doesNotMatch(renderMarkdown("- [ ] a\n- [x] b"), /<input/);
  assert.doesNotMatch(renderMarkdown("a[^1]\n\n[^1]: b"), /\sid=/);
});
