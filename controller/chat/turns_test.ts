/**
 * ChatService and TurnService against a real database: the embedded PGlite
 * and a throwaway PostgreSQL cluster (the claim race matters most there:
 * several connections really run at once).
 */
import assert from "node:assert/strict";
import type { TurnEvent } from "../../lib/agent_protocol.ts";
import type { ChatSseEvent } from "../../lib/api/chat.ts";
import { AppError } from "../../lib/errors.ts";
import { FakeClock } from "../../lib/time/fake_clock.ts";
import { type Clock, realClock } from "../../lib/time/clock.ts";
import { createDatabase, startPostgres } from "../../tests/support/postgres.ts";
import type { UserPrincipal } from "../access/principal.ts";
import { type Database, openDatabase } from "../db/client.ts";
import { migrate } from "../db/migrate.ts";
import { ChatHub } from "./hub.ts";
import { TurnNotifier } from "./notifier.ts";
import { ChatService } from "./service.ts";
import { agentConfigFromTable } from "./standins.ts";
import { INTERRUPTED_NOTE, TurnService } from "./turns.ts";

const admin: UserPrincipal = {
  kind: "user",
  userId: "00000000-0000-4000-8000-0000000000a1",
  username: "ann",
  role: "admin",
  grants: new Set(),
};
const viewer: UserPrincipal = { ...admin, username: "vic", role: "viewer" };

interface World {
  db: Database;
  chat: ChatService;
  turns: TurnService;
  hub: ChatHub;
  notifier: TurnNotifier;
  agent: string;
  touched: string[];
}

async function world(
  db: Database,
  clock: Clock = realClock,
  agentCols: { context_window?: number; max_tokens?: number } = {},
): Promise<World> {
  const [{ id }] = await db.sql<{ id: string }[]>`insert into agents
    (slug, name, provider, model, context_window, max_tokens)
    values (${"a-" + crypto.randomUUID().slice(0, 8)}, 'Watcher', 'openai',
      'gpt-4o-mini', ${agentCols.context_window ?? null},
      ${agentCols.max_tokens ?? 1024})
    returning id`;
  const hub = new ChatHub();
  const notifier = new TurnNotifier(clock);
  const touched: string[] = [];
  return {
    db,
    hub,
    notifier,
    agent: id,
    touched,
    chat: new ChatService({ sql: db.sql, hub, notifier, clock }),
    turns: new TurnService({
      sql: db.sql,
      hub,
      notifier,
      clock,
      agentConfig: agentConfigFromTable(db.sql),
      toolsFor: () => [{
        name: "list_cameras",
        description: "Lists cameras",
        category: "cameras",
        parameters: { type: "object", properties: {} },
        writes: false,
      }],
      touch: (a) => touched.push(a),
    }),
  };
}

async function pglite(): Promise<Database> {
  const dir = await Deno.makeTempDir({ prefix: "falcon-chat-" });
  const db = await openDatabase({ dataDir: dir });
  await migrate(db.sql);
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    await Deno.remove(dir, { recursive: true });
  };
  return db;
}

async function rejects(p: Promise<unknown>, kind: string, re?: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof AppError, String(e));
    assert.equal(e.kind, kind, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

const final = (seq: number, text: string): TurnEvent => ({
  seq,
  type: "final",
  text,
  messages: [],
});

async function countRows(db: Database, q: string): Promise<number> {
  const [{ n }] = await db.sql.unsafe(`select count(*)::int as n from ${q}`);
  return n as number;
}

/** The scenarios, on one database. */
async function scenarios(t: Deno.TestContext, db: Database) {
  await t.step("send → claim → events → final → history", async () => {
    const w = await world(db);
    const sent = await w.chat.send(admin, w.agent, { message: "Hi there" });
    assert.equal(sent.turn.status, "queued");
    assert.equal(sent.message.source, "dashboard");
    assert.equal(sent.message.source_user, "ann");
    const sub = w.hub.subscribe(sent.session_id);
    const job = await w.turns.claimNext(w.agent, 1, 0);
    assert.ok(job);
    assert.equal(job.turn_id, sent.turn.id);
    assert.equal(job.agent.model, "gpt-4o-mini");
    assert.equal(job.tools[0].name, "list_cameras");
    assert.deepEqual(job.messages, [{
      role: "user",
      content: "Hi there",
      images: [],
    }]);
    assert.equal(job.summary, null);
    assert.deepEqual(w.touched, [w.agent]);
    const ack = await w.turns.appendEvents(w.agent, 1, job.turn_id, [
      { seq: 1, type: "token", text: "Hel" },
      {
        seq: 2,
        type: "tool_start",
        call_id: "c1",
        name: "list_cameras",
        args: {},
      },
      {
        seq: 3,
        type: "tool_end",
        call_id: "c1",
        name: "list_cameras",
        summary: "2 cameras",
        ms: 12,
        error: null,
      },
      { seq: 4, type: "token", text: "lo" },
      {
        seq: 5,
        type: "final",
        text: "Hello: you have 2 cameras.",
        messages: [
          {
            role: "assistant",
            content: "",
            tool_calls: [{ id: "c1", name: "list_cameras", args: {} }],
          },
          {
            role: "tool",
            tool_call_id: "c1",
            name: "list_cameras",
            content: '[{"name":"door"},{"name":"yard"}]',
          },
          {
            role: "assistant",
            content: "Hello: you have 2 cameras.",
            tool_calls: [],
          },
        ],
      },
    ]);
    assert.deepEqual(ack, { accepted: 5, cancelled: false });
    await w.turns.addUsage(job.turn_id, {
      prompt_tokens: 120,
      completion_tokens: 30,
    });
    const h = await w.chat.history(admin, w.agent, {});
    assert.equal(h.session_id, sent.session_id);
    assert.deepEqual(h.messages.map((m) => [m.role, m.content]), [
      ["user", "Hi there"],
      ["assistant", ""],
      ["tool", '[{"name":"door"},{"name":"yard"}]'],
      ["assistant", "Hello: you have 2 cameras."],
    ]);
    const answer = h.messages[3];
    assert.equal(
      answer.prompt_tokens,
      120,
      "usage after final reaches the answer",
    );
    assert.equal(answer.completion_tokens, 30);
    assert.deepEqual(h.messages[1].tool_calls, [
      { id: "c1", name: "list_cameras", args: {} },
    ]);
    assert.equal(h.turns.length, 1);
    assert.equal(h.turns[0].status, "done");
    assert.deepEqual(h.turns[0].tools, [{
      call_id: "c1",
      name: "list_cameras",
      args: {},
      summary: "2 cameras",
      ms: 12,
      error: null,
    }]);
    const turn = await w.chat.turn(admin, w.agent, job.turn_id);
    assert.equal(turn.prompt_tokens, 120);
    // Live events in order: running, tokens and tools as posted, messages, done.
    const seen: string[] = [];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    for (
      let ev = await sub.next(ac.signal);
      ev;
      ev = await sub.next(ac.signal)
    ) {
      seen.push(label(ev));
    }
    sub.close();
    assert.deepEqual(seen, [
      "turn:running",
      "token:Hel",
      "tool_start:list_cameras",
      "tool_end:2 cameras",
      "token:lo",
      "message:assistant",
      "message:tool",
      "message:assistant",
      "turn:done",
    ]);
    const sessions = await w.chat.sessions(admin, w.agent);
    assert.equal(sessions.sessions.length, 1);
    assert.equal(sessions.sessions[0].title, "Hi there");
    assert.equal(sessions.sessions[0].message_count, 4);
    assert.equal(sessions.sessions[0].busy, false);
  });

  await t.step("concurrent claims: exactly one wins each turn", async () => {
    const w = await world(db);
    const s1 = await w.chat.send(admin, w.agent, { message: "one" });
    const fresh = await w.chat.newSession(admin, w.agent);
    await w.chat.send(admin, w.agent, {
      message: "two",
      session_id: fresh.session_id,
    });
    const jobs = await Promise.all(
      Array.from({ length: 8 }, () => w.turns.claimNext(w.agent, 1, 0)),
    );
    const won = jobs.filter((j) => j !== null);
    assert.equal(won.length, 2, "one per queued turn");
    assert.equal(new Set(won.map((j) => j!.session_id)).size, 2);
    assert.ok(won.some((j) => j!.session_id === s1.session_id));
    assert.equal(
      await countRows(
        db,
        `chat_turns where agent_id = '${w.agent}' and status = 'running'`,
      ),
      2,
    );
  });

  await t.step(
    "one turn at a time per session, even when queued behind",
    async () => {
      const w = await world(db);
      const a = await w.chat.send(admin, w.agent, { message: "first" }, {
        source: "telegram",
      });
      const b = await w.chat.send(admin, w.agent, {
        message: "second",
        session_id: a.session_id,
      }, { source: "telegram" });
      const jobs = await Promise.all(
        Array.from({ length: 6 }, () => w.turns.claimNext(w.agent, 1, 0)),
      );
      const won = jobs.filter((j) => j !== null);
      assert.equal(won.length, 1);
      assert.equal(won[0]!.turn_id, a.turn.id, "the oldest first");
      assert.equal(await w.turns.claimNext(w.agent, 1, 0), null);
      await w.turns.appendEvents(w.agent, 1, a.turn.id, [final(1, "A")]);
      const next = await w.turns.claimNext(w.agent, 1, 0);
      assert.equal(next?.turn_id, b.turn.id);
      // Its context: the first exchange, then its own message.
      assert.deepEqual(next!.messages.map((m) => m.content), [
        "first",
        "A",
        "second",
      ]);
    },
  );

  await t.step(
    "the database itself refuses a second running turn in a session",
    async () => {
      const w = await world(db);
      const a = await w.chat.send(admin, w.agent, { message: "1" }, {
        source: "telegram",
      });
      const b = await w.chat.send(admin, w.agent, {
        message: "2",
        session_id: a.session_id,
      }, { source: "telegram" });
      await db
        .sql`update chat_turns set status = 'running' where id = ${a.turn.id}`;
      await assert.rejects(
        db.sql`update chat_turns set status = 'running' where id = ${b.turn.id}`,
        (e: { code?: string }) => e.code === "23505",
      );
    },
  );

  await t.step(
    "409 while a turn runs (dashboard/api); the sixth queued is 429",
    async () => {
      const w = await world(db);
      const a = await w.chat.send(admin, w.agent, { message: "q" });
      await rejects(
        w.chat.send(admin, w.agent, {
          message: "again",
          session_id: a.session_id,
        }),
        "conflict",
        /still answering/,
      );
      await w.turns.claimNext(w.agent, 1, 0);
      await rejects(
        w.chat.send(admin, w.agent, { message: "again", source: "api" }),
        "conflict",
      );
      for (let i = 0; i < 5; i++) {
        await w.chat.send(admin, w.agent, { message: `t${i}` }, {
          source: "telegram",
        });
      }
      await rejects(
        w.chat.send(admin, w.agent, { message: "t5" }, { source: "telegram" }),
        "rate_limited",
        /At most 5/,
      );
    },
  );

  await t.step(
    "bad input, unknown agent and other agents' sessions",
    async () => {
      const w = await world(db);
      const other = await world(db);
      const theirs = await other.chat.newSession(admin, other.agent);
      await rejects(
        w.chat.send(admin, w.agent, { message: "" }),
        "invalid_input",
      );
      await rejects(
        w.chat.send(admin, "00000000-0000-4000-8000-000000000000", {
          message: "x",
        }),
        "not_found",
      );
      await rejects(w.chat.send(admin, "nope", { message: "x" }), "not_found");
      await rejects(
        w.chat.send(admin, w.agent, {
          message: "x",
          session_id: theirs.session_id,
        }),
        "not_found",
      );
      await rejects(
        w.chat.history(admin, w.agent, { session_id: theirs.session_id }),
        "not_found",
      );
      await rejects(
        w.chat.send(admin, w.agent, {
          message: "x",
          images: [{ mime: "image/png", base64: btoa("not a png") }],
        }),
        "invalid_input",
        /images\.0\.base64/,
      );
      await rejects(
        w.chat.send(viewer, w.agent, { message: "x" }),
        "forbidden",
      );
      await rejects(w.chat.history(viewer, w.agent), "forbidden");
      await rejects(w.chat.sessions(viewer, w.agent), "forbidden");
    },
  );

  await t.step("a message's images go with its own turn only", async () => {
    const w = await world(db);
    const png = new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      1,
      2,
      3,
    ]);
    const b64 = btoa(String.fromCharCode(...png));
    const a = await w.chat.send(admin, w.agent, {
      message: "look",
      images: [{ mime: "image/png", base64: b64 }],
    });
    const j1 = (await w.turns.claimNext(w.agent, 1, 0))!;
    assert.deepEqual(j1.messages[0], {
      role: "user",
      content: "look",
      images: [{ mime: "image/png", base64: b64 }],
    });
    await w.turns.appendEvents(w.agent, 1, j1.turn_id, [final(1, "A PNG.")]);
    await w.chat.send(admin, w.agent, {
      message: "and?",
      session_id: a.session_id,
    });
    const j2 = (await w.turns.claimNext(w.agent, 1, 0))!;
    const first = j2.messages[0];
    assert.ok(first.role === "user");
    assert.deepEqual(first.images, []);
    assert.match(
      first.content,
      /^look\n\[an image the user sent at .*, not shown again\]$/,
    );
  });

  await t.step(
    "a repeated event batch stores and sends nothing twice",
    async () => {
      const w = await world(db);
      const sent = await w.chat.send(admin, w.agent, { message: "q" });
      const job = (await w.turns.claimNext(w.agent, 1, 0))!;
      const sub = w.hub.subscribe(sent.session_id);
      const batch: TurnEvent[] = [
        {
          seq: 1,
          type: "tool_start",
          call_id: "x",
          name: "list_cameras",
          args: {},
        },
        { seq: 2, type: "token", text: "a" },
      ];
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, batch),
        { accepted: 2, cancelled: false },
      );
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, batch),
        { accepted: 0, cancelled: false },
      );
      // Overlapping: only seq 3 is new.
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, [
          batch[1],
          { seq: 3, type: "token", text: "b" },
        ]),
        { accepted: 1, cancelled: false },
      );
      const fin = [final(4, "ab")];
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, fin),
        { accepted: 1, cancelled: false },
      );
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, fin),
        { accepted: 0, cancelled: false },
        "a repeated final is fine",
      );
      assert.equal(
        await countRows(db, `chat_tool_trace where turn_id = '${job.turn_id}'`),
        1,
      );
      assert.equal(
        await countRows(db, `chat_messages where turn_id = '${job.turn_id}'`),
        2,
        "user message and one answer",
      );
      const seen: string[] = [];
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      for (
        let ev = await sub.next(ac.signal);
        ev;
        ev = await sub.next(ac.signal)
      ) {
        seen.push(label(ev));
      }
      sub.close();
      assert.deepEqual(seen, [
        "tool_start:list_cameras",
        "token:a",
        "token:b",
        "message:assistant",
        "turn:done",
      ]);
    },
  );

  await t.step(
    "an error marks the turn failed and stores no assistant message",
    async () => {
      const w = await world(db);
      const sent = await w.chat.send(admin, w.agent, { message: "q" });
      const job = (await w.turns.claimNext(w.agent, 1, 0))!;
      await w.turns.appendEvents(w.agent, 1, job.turn_id, [
        { seq: 1, type: "token", text: "partial" },
        {
          seq: 2,
          type: "error",
          error: {
            kind: "provider_rate_limit",
            message: "The provider refused: too many requests",
            retry_after_s: 20,
          },
        },
      ]);
      const h = await w.chat.history(admin, w.agent, {
        session_id: sent.session_id,
      });
      assert.deepEqual(h.messages.map((m) => m.role), ["user"]);
      assert.equal(h.turns[0].status, "failed");
      assert.deepEqual(h.turns[0].error, {
        kind: "provider_rate_limit",
        message: "The provider refused: too many requests",
        retry_after_s: 20,
      });
      // The session is free again.
      await w.chat.send(admin, w.agent, {
        message: "retry",
        session_id: sent.session_id,
      });
    },
  );

  await t.step(
    "a lease that runs out interrupts the turn; the old claimer is refused",
    async () => {
      const clock = new FakeClock(Date.parse("2026-12-07T10:00:00Z"));
      const w = await world(db, clock);
      const sent = await w.chat.send(admin, w.agent, { message: "q" });
      const job = (await w.turns.claimNext(w.agent, 1, 0))!;
      assert.equal(job.lease_s, 30);
      // Another generation's post is not this claim's.
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 2, job.turn_id, [
          { seq: 1, type: "token", text: "x" },
        ]),
        { accepted: 0, cancelled: true },
      );
      clock.advance(20_000);
      await w.turns.appendEvents(w.agent, 1, job.turn_id, []); // extends the lease
      clock.advance(20_000);
      assert.equal(await w.turns.expireLeases(), 0, "extended by the batch");
      clock.advance(15_000);
      assert.equal(await w.turns.expireLeases(), 1);
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, [final(1, "late")]),
        { accepted: 0, cancelled: true },
      );
      const h = await w.chat.history(admin, w.agent, {
        session_id: sent.session_id,
      });
      assert.deepEqual(h.messages.map((m) => [m.role, m.content]), [
        ["user", "q"],
        ["note", INTERRUPTED_NOTE],
      ]);
      assert.equal(h.messages[1].source, "system");
      assert.equal(h.turns[0].status, "interrupted");
      assert.equal(h.turns[0].error?.kind, "agent_stopped");
    },
  );

  await t.step(
    "a post after the lease ran out (before the job) is refused too",
    async () => {
      const clock = new FakeClock(Date.parse("2026-12-07T10:00:00Z"));
      const w = await world(db, clock);
      await w.chat.send(admin, w.agent, { message: "q" });
      const job = (await w.turns.claimNext(w.agent, 1, 0))!;
      clock.advance(31_000);
      assert.deepEqual(
        await w.turns.appendEvents(w.agent, 1, job.turn_id, [final(1, "late")]),
        { accepted: 0, cancelled: true },
      );
      const turn = await w.chat.turn(admin, w.agent, job.turn_id);
      assert.equal(turn.status, "interrupted");
    },
  );

  await t.step("interruptRunning: the agent stopped", async () => {
    const w = await world(db);
    const sent = await w.chat.send(admin, w.agent, { message: "q" });
    await w.turns.claimNext(w.agent, 1, 0);
    assert.equal(await w.turns.interruptRunning(w.agent), 1);
    assert.equal(await w.turns.interruptRunning(w.agent), 0);
    const h = await w.chat.history(admin, w.agent, {
      session_id: sent.session_id,
    });
    assert.equal(h.messages.at(-1)?.role, "note");
    assert.equal(
      await countRows(
        db,
        `chat_messages where session_id = '${sent.session_id}' and role = 'assistant'`,
      ),
      0,
    );
  });

  await t.step("the long poll wakes on send", async () => {
    const w = await world(db);
    const t0 = Date.now();
    const poll = w.turns.claimNext(w.agent, 1, 10);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.notifier.waiting, 1);
    const sent = await w.chat.send(admin, w.agent, { message: "wake up" });
    const job = await poll;
    assert.equal(job?.turn_id, sent.turn.id);
    assert.ok(Date.now() - t0 < 3000, `woke after ${Date.now() - t0} ms`);
    assert.equal(w.notifier.waiting, 0);
    // Nothing queued: the poll ends after wait_s, or at once when aborted.
    const ac = new AbortController();
    const idle = w.turns.claimNext(w.agent, 1, 10, ac.signal);
    ac.abort();
    assert.equal(await idle, null);
    assert.equal(await w.turns.claimNext(w.agent, 1, 0.05), null);
  });

  await t.step(
    "history pages oldest first; a long session is summarised",
    async () => {
      // A small window: older exchanges fold into the session's summary.
      const w = await world(db, realClock, {
        context_window: 1_500,
        max_tokens: 200,
      });
      let session: string | undefined;
      for (let i = 0; i < 6; i++) {
        const s = await w.chat.send(admin, w.agent, {
          message: `Question ${i}: ${"word ".repeat(120)}`,
          session_id: session,
        });
        session = s.session_id;
        const job = (await w.turns.claimNext(w.agent, 1, 0))!;
        await w.turns.appendEvents(w.agent, 1, job.turn_id, [
          final(1, `Answer ${i} is here. ${"more ".repeat(100)}`),
        ]);
      }
      await w.chat.send(admin, w.agent, {
        message: "Last?",
        session_id: session,
      });
      const job = (await w.turns.claimNext(w.agent, 1, 0))!;
      assert.ok(job.summary, "older exchanges are summarised");
      assert.match(job.summary, /- User: Question 0:/);
      assert.match(job.summary, /Answer: Answer 0 is here\./);
      assert.equal(job.messages[0].role, "user");
      assert.equal(job.messages.at(-1)?.content, "Last?");
      const [row] = await db.sql<
        { summary: string; summary_upto_turn_seq: string }[]
      >`
      select summary, summary_upto_turn_seq from chat_sessions where id = ${session!}`;
      assert.ok(row.summary.includes("Question 0"));
      const page = await w.chat.history(admin, w.agent, {
        session_id: session,
        limit: "3",
      });
      assert.equal(page.messages.length, 3);
      assert.equal(page.has_more, true);
      assert.equal(page.messages.at(-1)?.content, "Last?");
      const older = await w.chat.history(admin, w.agent, {
        session_id: session,
        limit: "3",
        before: page.messages[0].id,
      });
      assert.equal(older.messages.length, 3);
      assert.ok(
        Number(new Date(older.messages[2].created_at)) <=
          Number(new Date(page.messages[0].created_at)),
      );
      assert.ok(page.turns.some((t) => t.status === "running"));
    },
  );
}

function label(ev: ChatSseEvent): string {
  switch (ev.event) {
    case "turn":
      return `turn:${ev.data.status}`;
    case "token":
      return `token:${ev.data.text}`;
    case "tool_start":
      return `tool_start:${ev.data.name}`;
    case "tool_end":
      return `tool_end:${ev.data.summary}`;
    case "message":
      return `message:${ev.data.role}`;
  }
}

Deno.test({
  name: "chat turns on the embedded database (PGlite)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const db = await pglite();
    try {
      await scenarios(t, db);
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "chat turns on PostgreSQL (concurrent connections)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const cluster = await startPostgres();
    try {
      const db = await openDatabase({
        url: await createDatabase(cluster),
        dataDir: "/nonexistent",
      });
      try {
        await migrate(db.sql);
        await scenarios(t, db);
        await t.step(
          "a claim race over many rounds on real connections",
          async () => {
            const w = await world(db);
            for (let round = 0; round < 10; round++) {
              await w.chat.send(admin, w.agent, { message: `r${round}` });
              const jobs = await Promise.all(
                Array.from(
                  { length: 6 },
                  () => w.turns.claimNext(w.agent, 1, 0),
                ),
              );
              const won = jobs.filter((j) => j !== null);
              assert.equal(won.length, 1, `round ${round}`);
              await w.turns.appendEvents(w.agent, 1, won[0]!.turn_id, [
                final(1, "ok"),
              ]);
            }
          },
        );
      } finally {
        await db.close();
      }
    } finally {
      await cluster.stop();
    }
  },
});
