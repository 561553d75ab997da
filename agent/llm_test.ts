/** The provider fetch: retries, retry-after, timeouts and what it records. */
import assert from "node:assert/strict";
import { newTurnRun, providerFetch } from "./llm.ts";
import { classifyThrown, retryAfterSeconds, wireError } from "./errors.ts";

/** A fetch answering the given responses in order, recording call times. */
function scripted(answers: (() => Response | Promise<Response>)[]) {
  const calls: number[] = [];
  const fn: typeof fetch = (_input, init) => {
    calls.push(Date.now());
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (init?.signal?.aborted) throw init.signal.reason;
    return Promise.resolve(next());
  };
  return { fn, calls };
}

const status =
  (s: number, body: unknown = {}, headers: Record<string, string> = {}) => () =>
    new Response(JSON.stringify(body), { status: s, headers });

Deno.test("429 is retried at most twice, honouring retry-after; then recorded", async () => {
  const run = newTurnRun("t");
  const { fn, calls } = scripted([
    status(429, {}, { "retry-after": "0.2" }),
    status(429, {}, { "retry-after": "0.2" }),
    status(429, { error: { message: "slow down" } }, { "retry-after": "0.2" }),
  ]);
  const res = await providerFetch(run, { llmTimeoutMs: 5000, fetchFn: fn })(
    "http://x/v1",
    { method: "POST", body: "{}" },
  );
  assert.equal(res.status, 429);
  assert.equal(calls.length, 3);
  assert.ok(calls[1] - calls[0] >= 190 && calls[2] - calls[1] >= 190);
  assert.deepEqual(run.wire, {
    status: 429,
    retryAfterS: 0.2,
    code: null,
    message: "slow down",
  });
  assert.deepEqual(await res.json(), { error: { message: "slow down" } });
  assert.equal(wireError(run.wire!).kind, "provider_rate_limit");
});

Deno.test("a retry-after over 30 s is not waited for; a good answer clears the record", async () => {
  const run = newTurnRun("t");
  const { fn, calls } = scripted([
    status(429, {}, { "retry-after": "31" }),
    status(200, { ok: true }),
  ]);
  const f = providerFetch(run, { llmTimeoutMs: 5000, fetchFn: fn });
  assert.equal((await f("http://x", {})).status, 429);
  assert.equal(calls.length, 1);
  assert.equal(run.wire?.retryAfterS, 31);
  assert.deepEqual(await (await f("http://x", {})).json(), { ok: true });
  assert.equal(run.wire, null);
});

Deno.test("5xx and refused connections are retried twice with backoff; 400 and 401 never", async () => {
  const run = newTurnRun("t");
  const { fn, calls } = scripted([status(500), status(503), status(502)]);
  const f = providerFetch(run, {
    llmTimeoutMs: 5000,
    fetchFn: fn,
    backoffMs: () => 10,
  });
  assert.equal((await f("http://x", {})).status, 502);
  assert.equal(calls.length, 3);
  assert.equal(wireError(run.wire!).kind, "provider_unavailable");

  let refused = 0;
  const down: typeof fetch = () => {
    refused++;
    return Promise.reject(
      new TypeError("error sending request: Connection refused"),
    );
  };
  await assert.rejects(
    providerFetch(run, {
      llmTimeoutMs: 5000,
      fetchFn: down,
      backoffMs: () => 5,
    })(
      "http://x",
      {},
    ),
  );
  assert.equal(refused, 3);
  assert.equal(run.wire?.status, null);
  assert.equal(wireError(run.wire!).kind, "provider_unavailable");

  for (
    const [s, kind] of [[400, "provider_bad_request"], [401, "provider_auth"], [
      404,
      "provider_bad_request",
    ]] as const
  ) {
    const one = scripted([status(s, { error: { message: "nope" } })]);
    const r = newTurnRun("t");
    await providerFetch(r, { llmTimeoutMs: 5000, fetchFn: one.fn })(
      "http://x",
      {},
    );
    assert.equal(one.calls.length, 1);
    assert.equal(wireError(r.wire!).kind, kind);
  }
});

Deno.test("the gateway's tokens_per_day 429 is fatal at once", async () => {
  const run = newTurnRun("t");
  const { fn, calls } = scripted([
    status(429, { error: { code: "tokens_per_day", message: "limit" } }, {
      "retry-after": "1",
    }),
  ]);
  await providerFetch(run, { llmTimeoutMs: 5000, fetchFn: fn })("http://x", {});
  assert.equal(calls.length, 1);
  assert.equal(run.fatal?.kind, "tokens_per_day");
});

Deno.test("the LLM timeout covers a streamed body and marks the turn", async () => {
  const run = newTurnRun("t");
  const slowBody: typeof fetch = (_i, init) =>
    Promise.resolve(
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode("data: 1\n\n"));
            init?.signal?.addEventListener("abort", () =>
              c.error(init.signal!.reason));
          },
        }),
      ),
    );
  const res = await providerFetch(run, {
    llmTimeoutMs: 150,
    fetchFn: slowBody,
  })("http://x", {});
  await assert.rejects(res.text());
  assert.equal(run.fatal?.kind, "llm_timeout");
  // A finished body is not cut by the timer afterwards.
  const run2 = newTurnRun("t2");
  const quick = scripted([status(200, { a: 1 })]);
  const r2 = await providerFetch(run2, {
    llmTimeoutMs: 100,
    fetchFn: quick.fn,
  })("http://x", {});
  assert.deepEqual(await r2.json(), { a: 1 });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(run2.fatal, null);
});

Deno.test("retry-after headers and thrown errors are classified", () => {
  assert.equal(retryAfterSeconds(new Headers({ "retry-after": "7" })), 7);
  assert.equal(
    retryAfterSeconds(new Headers({ "retry-after-ms": "1500" })),
    1.5,
  );
  const date = new Date(Date.now() + 10_000).toUTCString();
  const s = retryAfterSeconds(new Headers({ "retry-after": date }))!;
  assert.ok(s > 8 && s <= 10, String(s));
  assert.equal(retryAfterSeconds(new Headers()), null);
  const recursion = Object.assign(new Error("Recursion limit of 4 reached"), {
    name: "GraphRecursionError",
  });
  assert.deepEqual(classifyThrown(recursion, 2), {
    kind: "steps",
    message:
      "The agent stopped after 2 steps without an answer (its step limit).",
  });
  assert.equal(
    classifyThrown(Object.assign(new Error("x"), { status: 403 }), 2).kind,
    "provider_auth",
  );
  assert.equal(
    classifyThrown(new Error("Request timed out."), 2).kind,
    "llm_timeout",
  );
  assert.equal(
    classifyThrown(new Error("Connection error."), 2).kind,
    "provider_unavailable",
  );
  assert.equal(
    classifyThrown(new TypeError("x is undefined"), 2).kind,
    "internal",
  );
});
